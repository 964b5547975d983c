// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QPointF>
#include <QSharedPointer>
#include <QString>
#include <QVector>
#include <QWidget>

#include <limits>
#include <optional>
#include <utility>

class QCheckBox;
class QComboBox;
class QLabel;
class QMouseEvent;
class QCustomPlot;
class QCPAxisTicker;
class QCPLayoutGrid;
class QCPGraph;

class QFont;
class QPalette;

namespace factorscope::widgets {

/// Colours and fonts of a plot from the widget palette (shared by the plot widgets).
void applyPlotStyle(QCustomPlot *plot, const QPalette &palette, const QFont &font);
/// A linear ticker whose ticks are whole numbers (ranks, indices): 1, 2, 5 × 10^k, never 2.5.
QSharedPointer<QCPAxisTicker> makeIntegerTicker();

/// One error curve: a method's relative error against rank (and stored numbers).
struct CurveSeries
{
    QString name;
    QColor color;
    /// Same length; relErrSpec may be empty or hold NaN where unknown.
    QVector<double> rank, params, relErrFro, relErrSpec;
    /// Min–max over trials (Frobenius), same length as rank; empty if none.
    QVector<double> bandLow, bandHigh;
    /// CR's expected error (Frobenius), same length as rank; empty if none.
    QVector<double> expected;
    /// The SVD optimum: always drawn, dashed, under the others; legend "SVD optimum (best rank r)":
    /// a lower bound at equal rank for the rank-r methods (rSVD, ID, CR), not for Monarch's block
    /// rank ρ and not on the stored-numbers axis, so the legend does not call it one.
    bool lowerBound = false;
    /// A preview: dotted line, legend suffix " (approximate)".
    bool approximate = false;
};

/// The shared error plot: relative error against rank or stored numbers, Frobenius or spectral,
/// linear or log, one curve per method with its min–max band and expected error, markers at each
/// pane's setting. Controls above the plot, a read-out under it that follows the cursor.
///
/// Graphs (plot()->graphCount()): one per series (its line), one per series with a band (the
/// filled band, a single graph), one per series with an expected curve; the count does not change
/// with the axis, the metric or log y (graphs that do not apply are emptied and hidden).
class ErrorPlot : public QWidget
{
    Q_OBJECT

public:
    enum class XAxis { Rank, Params };
    enum class YMetric { Frobenius, Spectral };

    explicit ErrorPlot(QWidget *parent = nullptr);
    ~ErrorPlot() override;

    void setSeries(const QVector<CurveSeries> &series);
    void setXAxis(XAxis axis);
    void setYMetric(YMetric metric);
    /// Log y: non-positive values (exact zeros at full rank) are left out of every graph.
    void setLogY(bool log);
    XAxis xAxis() const { return m_xAxis; }
    YMetric yMetric() const { return m_yMetric; }
    bool logY() const { return m_logY; }

    /// A filled circle with "r = 12" at the series' point for that rank (interpolated between the
    /// curve's ranks; on the params axis at that rank's stored numbers). Replaces the series'
    /// previous marker. Hidden while the value is unknown or not positive on log y.
    void setMarker(const QString &seriesName, double rank);
    /// A further marker on a series, named `key` (several per series), labelled `label`
    /// (e.g. "A: ID r = 40") instead of "r = …". Replaces the previous marker of that key.
    void setLabelledMarker(const QString &key, const QString &seriesName, double rank, const QString &label);
    /// A setting measured off the curve: YCbCr with a separate chroma rank, whose curve is for
    /// equal luma and chroma ranks. The marker is drawn at these values (x: rank or stored
    /// numbers; y: the Frobenius or spectral error, hidden while unknown), not on the curve.
    struct MeasuredPoint
    {
        double rank = 0.0;
        double params = 0.0;
        double relErrFro = std::numeric_limits<double>::quiet_NaN();
        double relErrSpec = std::numeric_limits<double>::quiet_NaN();
    };
    /// Removes the series' own marker (setMarker).
    void removeMarker(const QString &seriesName);
    /// setMarker() at a measured point, labelled `label` (e.g. "r = 12, chroma 3").
    void setMarker(const QString &seriesName, const MeasuredPoint &point, const QString &label);
    /// setLabelledMarker() at a measured point.
    void setLabelledMarker(const QString &key, const QString &seriesName, const MeasuredPoint &point,
                           const QString &label);
    /// Removes the markers set with setLabelledMarker() whose key starts with `prefix`.
    void removeLabelledMarkers(const QString &prefix);
    /// The plot coordinates of the labelled marker `key`; NaN when there is no visible one.
    QPointF labelledMarkerPosition(const QString &key) const;
    void clearMarkers();

    /// By suffix: .png (at twice the on-screen size), .svg (QSvgGenerator + QCPPainter), .pdf
    /// (vector). False with *error set when the suffix is unknown or writing fails.
    bool exportTo(const QString &path, QString *error);
    QCustomPlot *plot() const { return m_plot; }

    // --- additions ---------------------------------------------------------------------------
    QVector<CurveSeries> series() const { return m_series; }
    /// The line, band and expected graphs of a series (nullptr when it has none).
    QCPGraph *lineGraph(const QString &seriesName) const;
    QCPGraph *bandGraph(const QString &seriesName) const;
    QCPGraph *expectedGraph(const QString &seriesName) const;
    /// The marker's plot coordinates (x on the current axis); NaN when there is no visible one.
    QPointF markerPosition(const QString &seriesName) const;
    /// The read-out under the plot.
    QString readoutText() const;
    /// The part of the x axis the plot shows, in its unit (ranks, or stored numbers).
    std::pair<double, double> visibleXRange() const;
    /// Where the legend is inside the plot: Qt::AlignTop | Qt::AlignRight unless curves pass
    /// there, then another corner or side middle without curve points, or, when curves pass
    /// everywhere, beside the plot (legendOutside(), alignment empty).
    Qt::Alignment legendAlignment() const;
    bool legendOutside() const { return m_legendOutside; }
    /// The read-out for the point nearest to `pixel` (plot widget coordinates), within
    /// `maxDistance` pixels; empty when none is near.
    QString readoutAt(const QPointF &pixel, double maxDistance = 30.0) const;

signals:
    /// A click near a point of a curve.
    void rankPicked(const QString &seriesName, double rank);
    /// The x axis, metric or log y changed (from the controls or the setters).
    void viewOptionsChanged();

private:
    struct Entry
    {
        int series = -1; ///< index into m_series
        QCPGraph *line = nullptr;
        QCPGraph *band = nullptr;
        QCPGraph *expected = nullptr;
    };
    struct Marker
    {
        QString series;
        double rank = 0.0;
        QString key;   ///< empty for the series' own marker (setMarker)
        QString label; ///< empty: "r = …"
        std::optional<MeasuredPoint> point; ///< drawn there instead of on the curve
    };
    void putMarker(Marker marker);
    struct Hit
    {
        int series = -1;
        int index = -1;
    };

    void rebuild();
    void updateRanges();
    void updateMarkers();
    void updateLabels();
    /// Puts the legend where it covers no curve: top-right if free, else the first free corner
    /// or side middle of the axis rect, else beside the plot (see legendAlignment()).
    void placeLegend();
    void setLegendOutside(bool outside);
    void syncControls();
    double xOf(const CurveSeries &s, int i) const;
    double yOf(const CurveSeries &s, int i) const;
    /// NaN when not drawable (unknown, or not positive on log y).
    double shown(double v) const;
    Hit nearestPoint(const QPointF &pixel, double maxDistance) const;
    QString describe(const Hit &hit) const;
    void onPlotMouseMove(QMouseEvent *event);
    void onPlotMousePress(QMouseEvent *event);
    void onPlotMouseRelease(QMouseEvent *event);
    bool eventFilter(QObject *watched, QEvent *event) override;
    QString hint() const;

    QCustomPlot *m_plot = nullptr;
    QComboBox *m_xCombo = nullptr;
    QComboBox *m_yCombo = nullptr;
    QCheckBox *m_logCheck = nullptr;
    QLabel *m_readout = nullptr;

    QVector<CurveSeries> m_series;
    QVector<Entry> m_entries;
    QVector<Marker> m_markers;
    XAxis m_xAxis = XAxis::Rank;
    YMetric m_yMetric = YMetric::Frobenius;
    bool m_logY = false;
    QPointF m_pressPos;
    bool m_legendPending = false;
    bool m_legendOutside = false;
    QCPLayoutGrid *m_legendColumn = nullptr; ///< holds the legend while it is outside
};

} // namespace factorscope::widgets
