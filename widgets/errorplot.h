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

class QCheckBox;
class QComboBox;
class QCPItemText;
class QLabel;
class QPushButton;
class QCPAxis;
class QMouseEvent;
class QCustomPlot;
class QCPAxisTicker;
class QCPAxisTickerLog;
class QCPLayoutGrid;
class QCPGraph;
class QCPItemText;

class QFont;
class QPalette;

namespace factorscope::widgets {

/// Colours and fonts of a plot from the widget palette (shared by the plot widgets).
void applyPlotStyle(QCustomPlot *plot, const QPalette &palette, const QFont &font);
/// A linear ticker whose ticks are whole numbers (ranks, indices): 1, 2, 5 × 10^k, never 2.5.
QSharedPointer<QCPAxisTicker> makeIntegerTicker();
/// A log ticker (8 sub-ticks) whose labels are never repeated (more digits when a range spans
/// less than a decade).
QSharedPointer<QCPAxisTickerLog> makeLogTicker();

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
    /// relErrSpec holds power-iteration estimates at a few ranks (NaN elsewhere): drawn as
    /// separate points, never joined, and read out as "estimate".
    bool spectralEstimated = false;
    /// `rank` is Monarch's block rank ρ, no rank of M: on the rank view the curve has its own x
    /// axis (at the top, "block rank ρ"); on the stored-numbers axis it shares the fair one.
    bool blockRank = false;
    /// > 0 for a partial factorisation: the curve is exact up to this rank and stops there; the
    /// plot marks its end with "computed to rank k — extend ›", which a click turns into
    /// extendRequested(). 0: the curve is all there is.
    double computedTo = 0.0;
};

/// The shared error plot: relative error against rank or stored numbers, Frobenius or spectral,
/// linear or log, one curve per method with its min–max band and expected error, markers at each
/// pane's setting. Controls above the plot, a read-out under it that follows the cursor.
///
/// Graphs (plot()->graphCount()): one per series (its line), one per series with a band (the
/// filled band, a single graph), one per series with an expected curve; the count does not change
/// with the axis, the metric or log y (graphs that do not apply are emptied and hidden).
///
/// Defaults, for readable curves: log y, the stored-numbers axis (fair across methods), the
/// working range of ranks. Only computed values are drawn or read out; a curve that leaves the
/// plot (relative error above 1: worse than M̃ = 0) is clipped with a note, not allowed to squash
/// the others.
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
    /// Log y (the default): non-positive values (exact zeros at full rank) are left out of every
    /// graph.
    void setLogY(bool log);
    /// Log x (ranks and stored numbers are positive).
    void setLogX(bool log);
    XAxis xAxis() const { return m_xAxis; }
    YMetric yMetric() const { return m_yMetric; }
    bool logY() const { return m_logY; }
    bool logX() const { return m_logX; }

    /// The numbers of the original (n·m·channels): the stored-numbers axis marks it as 100 %,
    /// labels its ticks in k / M with the share of the original on the top axis, and does not
    /// reach past it by default. 0: unknown.
    void setOriginalSize(double numbers);
    /// The rank the program works in (its factorisations reach it): by default the x axis shows
    /// ranks up to it or up to where the SVD optimum falls to 1e-3, whichever is smaller
    /// (the stored numbers of those ranks on the other axis). 0: everything.
    void setWorkingRank(double rank);
    /// "Fit all": every computed point instead of the working range (until the next setSeries
    /// with other curves, or fitWorkingRange()).
    void fitAll();
    void fitWorkingRange();
    bool isFitAll() const { return m_fitAll; }
    /// The x range shown (on the current axis).
    std::pair<double, double> xRange() const;
    /// The ranks shown of a series: its computed ranks inside the x range.
    QVector<double> visibleRanks(const QString &seriesName) const;
    /// The note over the plot when curves leave it (empty when none does).
    QString clipNote() const;
    /// A filled circle with "r = 12" (ρ for a block rank) at the series' point for that rank (on
    /// the params axis at that rank's stored numbers). Only where the curve was computed: no
    /// marker at a rank the curve does not have (never an interpolated value). Replaces the
    /// series' previous marker. Hidden while the value is unknown or not positive on log y.
    /// Labels are placed so that they overlap neither each other nor their dots.
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
    /// Where the legend is inside the plot: Qt::AlignTop | Qt::AlignRight unless curves pass
    /// there, then another corner or side middle without curve points, or, when curves pass
    /// everywhere, beside the plot (legendOutside(), alignment empty).
    Qt::Alignment legendAlignment() const;
    bool legendOutside() const { return m_legendOutside; }
    /// The read-out for the point nearest to `pixel` (plot widget coordinates), within
    /// `maxDistance` pixels; empty when none is near.
    QString readoutAt(const QPointF &pixel, double maxDistance = 30.0) const;

    /// The "computed to rank k — extend ›" text at the end of a partial series (empty when the
    /// series has none or its end is not in view), and its rectangle in plot widget pixels.
    QString extendText(const QString &seriesName) const;
    QRectF extendRect(const QString &seriesName) const;

signals:
    /// A click near a point of a curve.
    void rankPicked(const QString &seriesName, double rank);
    /// A click on a partial series' "extend" text: compute that series beyond its last rank.
    void extendRequested(const QString &seriesName);
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
    /// Sets one of the view options (axis, metric, log scales) and redraws.
    template<typename T>
    void setViewOption(T &option, T value);
    void setFitAll(bool all);
    /// The axis a series' x values are on: the top one for a block rank on the rank view.
    QCPAxis *keyAxis(const CurveSeries &s) const;
    /// Tick spacing for the widths the axes have now.
    void updateTickCounts();
    void placeMarkerLabels();
    /// The "computed to rank k — extend ›" items at the ends of partial series.
    void addExtendMarks();
    QCPItemText *extendItem(const QString &seriesName) const;
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
    QCheckBox *m_logXCheck = nullptr;
    QPushButton *m_fitButton = nullptr;
    QLabel *m_readout = nullptr;

    QVector<CurveSeries> m_series;
    QVector<Entry> m_entries;
    QVector<Marker> m_markers;
    XAxis m_xAxis = XAxis::Params;
    YMetric m_yMetric = YMetric::Frobenius;
    bool m_logY = true;
    bool m_logX = false;
    bool m_fitAll = false;
    double m_originalSize = 0.0;
    double m_workingRank = 0.0;
    QString m_clipNote;
    double m_fittedX = 0.0, m_fittedX2 = 0.0; ///< the largest x the ranges were fitted to
    QPointF m_pressPos;
    bool m_legendPending = false;
    bool m_legendOutside = false;
    QCPItemText *m_originalLabel = nullptr; ///< "original (100 %)", which the legend must not cover
    QCPLayoutGrid *m_legendColumn = nullptr; ///< holds the legend while it is outside
};

} // namespace factorscope::widgets
