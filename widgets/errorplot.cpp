// SPDX-License-Identifier: MIT
// qcustomplot.h uses Qt's `foreach` in its templates, which QT_NO_FOREACH removes: include it
// first, before any other Qt header, with the macro lifted for it (our code never uses foreach).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "errorplot.h"

#include <QCheckBox>
#include <QPushButton>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace factorscope::widgets {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// A min–max band as ONE graph: the area between a low and a high boundary, split where either
/// is missing (NaN). Its data container holds both boundaries so that ranges cover the band.
class BandGraph final : public QCPGraph
{
public:
    BandGraph(QCPAxis *keyAxis, QCPAxis *valueAxis)
        : QCPGraph(keyAxis, valueAxis)
    {
        setLineStyle(lsNone);
        setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
        setPen(Qt::NoPen);
    }

    void setBand(QVector<double> keys, QVector<double> low, QVector<double> high)
    {
        QVector<int> order(keys.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] < keys[b]; });
        m_keys.clear();
        m_low.clear();
        m_high.clear();
        QVector<double> allKeys, allValues;
        for (int i : order) {
            m_keys << keys[i];
            m_low << low[i];
            m_high << high[i];
            allKeys << keys[i] << keys[i];
            allValues << low[i] << high[i];
        }
        setData(allKeys, allValues);
    }
    const QVector<double> &keys() const { return m_keys; }
    const QVector<double> &low() const { return m_low; }
    const QVector<double> &high() const { return m_high; }

protected:
    void draw(QCPPainter *painter) override
    {
        if (!keyAxis() || !valueAxis() || m_keys.size() < 2)
            return;
        applyFillAntialiasingHint(painter);
        painter->setPen(Qt::NoPen);
        painter->setBrush(brush());
        int start = 0;
        const int n = int(m_keys.size());
        for (int i = 0; i <= n; ++i) {
            const bool valid = i < n && std::isfinite(m_low[i]) && std::isfinite(m_high[i]);
            if (valid)
                continue;
            if (i - start >= 2) {
                QPolygonF polygon;
                for (int k = start; k < i; ++k)
                    polygon << coordsToPixels(m_keys[k], m_low[k]);
                for (int k = i - 1; k >= start; --k)
                    polygon << coordsToPixels(m_keys[k], m_high[k]);
                painter->drawPolygon(polygon);
            }
            start = i + 1;
        }
    }
    void drawLegendIcon(QCPPainter *painter, const QRectF &rect) const override
    {
        painter->setPen(Qt::NoPen);
        painter->setBrush(brush());
        painter->drawRect(rect.adjusted(0, rect.height() * 0.2, 0, -rect.height() * 0.2));
    }

private:
    QVector<double> m_keys, m_low, m_high;
};

/// Whole-number ticks: QCustomPlot's own step, but never below 1 and never 2.5 (→ 2).
class IntegerTicker final : public QCPAxisTicker
{
protected:
    double getTickStep(const QCPRange &range) override
    {
        const double step = QCPAxisTicker::getTickStep(range);
        return step < 1.0 ? 1.0 : std::floor(step);
    }
    int getSubTickCount(double tickStep) override
    {
        return tickStep <= 1.0 ? 0 : QCPAxisTicker::getSubTickCount(tickStep);
    }
};

/// Log ticks whose labels are never repeated: QCustomPlot's log ticker labels 0.15, 0.2 and
/// 0.25 all "2·10⁻¹" when a range spans less than a decade at precision 0; the precision grows
/// until every label is distinct.
class UniqueLogTicker final : public QCPAxisTickerLog
{
protected:
    /// Powers of ten over three decades or more; over fewer, 1, 2 and 5 times them (and every
    /// digit when even those are too few), so that a narrow range still has a few labels and no
    /// crowd of sub-tick labels.
    QVector<double> createTickVector(double tickStep, const QCPRange &range) override
    {
        m_fine = range.lower > 0.0 && range.upper / range.lower < 1e3;
        if (!m_fine)
            return QCPAxisTickerLog::createTickVector(tickStep, range);
        QVector<double> ticks;
        for (const QVector<double> &mantissas : {QVector<double>{1, 2, 5}, QVector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
            ticks.clear();
            for (double decade = std::pow(10.0, std::floor(std::log10(range.lower))); decade <= range.upper; decade *= 10.0)
                for (double m : mantissas)
                    if (range.contains(m * decade))
                        ticks << m * decade;
            if (ticks.size() >= 3)
                break;
        }
        return ticks;
    }
    int getSubTickCount(double tickStep) override { return m_fine ? 0 : QCPAxisTickerLog::getSubTickCount(tickStep); }

    QVector<QString> createLabelVector(const QVector<double> &ticks, const QLocale &locale, QChar formatChar,
                                       int precision) override
    {
        QVector<QString> labels;
        for (int p = precision; p <= precision + 4; ++p) {
            labels = QCPAxisTickerLog::createLabelVector(ticks, locale, formatChar, p);
            QVector<QString> sorted = labels;
            std::sort(sorted.begin(), sorted.end());
            if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
                break;
        }
        return labels;
    }

private:
    bool m_fine = false;
};

/// Stored numbers in k and M ("60k", "1.2M"), whole numbers below a thousand.
class CountTicker final : public QCPAxisTicker
{
protected:
    QString getTickLabel(double tick, const QLocale &locale, QChar formatChar, int precision) override
    {
        (void)formatChar;
        (void)precision;
        const double a = std::abs(tick);
        if (a >= 1e6)
            return locale.toString(tick / 1e6, 'g', 4) + QStringLiteral("M");
        if (a >= 1e3)
            return locale.toString(tick / 1e3, 'g', 4) + QStringLiteral("k");
        return locale.toString(tick, 'g', 4);
    }
};

/// The share of the original's numbers at each tick of the stored-numbers axis (top axis).
class ShareTicker final : public QCPAxisTicker
{
public:
    explicit ShareTicker(double original) : m_original(original) {}

protected:
    /// Round shares (1, 2 or 5 × 10^k %), not the bottom axis' round numbers.
    double getTickStep(const QCPRange &range) override
    {
        const QCPRange percent(100.0 * range.lower / m_original, 100.0 * range.upper / m_original);
        return QCPAxisTicker::getTickStep(percent) * m_original / 100.0;
    }

    QString getTickLabel(double tick, const QLocale &locale, QChar, int) override
    {
        const double percent = 100.0 * tick / m_original;
        return locale.toString(percent, 'g', percent < 1.0 ? 2 : 3) + QStringLiteral(" %");
    }

private:
    double m_original;
};

QString formatError(double v)
{
    return QString::number(v, 'g', 4);
}

QString formatRank(double r)
{
    return QString::number(r, 'g', 10);
}

QString rankText(const CurveSeries &s, double rank)
{
    return s.blockRank ? ErrorPlot::tr("ρ = %1").arg(formatRank(rank)) : ErrorPlot::tr("r = %1").arg(formatRank(rank));
}

/// The name before its parameters: "ID (pivoted QR)" → "ID".
QString shortName(const QString &name)
{
    const int paren = name.indexOf(QStringLiteral(" ("));
    return paren > 0 ? name.left(paren) : name;
}

QString legendName(const CurveSeries &s)
{
    QString name = s.lowerBound ? ErrorPlot::tr("SVD optimum (best rank r)") : s.name;
    if (s.approximate)
        name += ErrorPlot::tr(" (approximate)");
    return name;
}

} // namespace

void applyPlotStyle(QCustomPlot *plot, const QPalette &palette, const QFont &font)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    QColor subGrid = grid;
    subGrid.setAlpha(45);
    plot->setBackground(palette.color(QPalette::Base));
    QFont small = font;
    small.setPointSizeF(std::max(7.0, font.pointSizeF() * 0.9));
    for (QCPAxis *axis : plot->axisRect()->axes()) {
        axis->setBasePen(QPen(text, 1));
        axis->setTickPen(QPen(text, 1));
        axis->setSubTickPen(QPen(text, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->setTickLabelFont(small);
        axis->setLabelFont(font);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setSubGridPen(QPen(subGrid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    QColor legendBackground = palette.color(QPalette::Base);
    legendBackground.setAlpha(215);
    plot->legend->setBrush(legendBackground);
    plot->legend->setBorderPen(QPen(palette.color(QPalette::Mid), 1));
    plot->legend->setTextColor(palette.color(QPalette::Text));
    plot->legend->setFont(small);
    plot->legend->setIconSize(28, 12);
}

QSharedPointer<QCPAxisTicker> makeIntegerTicker()
{
    return QSharedPointer<IntegerTicker>::create();
}

QSharedPointer<QCPAxisTickerLog> makeLogTicker()
{
    auto ticker = QSharedPointer<UniqueLogTicker>::create();
    ticker->setSubTickCount(8);
    return ticker;
}

ErrorPlot::ErrorPlot(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    auto *xLabel = new QLabel(tr("x:"), this);
    m_xCombo = new QComboBox(this);
    m_xCombo->addItem(tr("Rank"));
    m_xCombo->addItem(tr("Stored numbers"));
    m_xCombo->setToolTip(tr("Rank, or the numbers a method stores: the fair axis across methods"));
    xLabel->setBuddy(m_xCombo);
    auto *yLabel = new QLabel(tr("y:"), this);
    m_yCombo = new QComboBox(this);
    m_yCombo->addItem(tr("Frobenius"));
    m_yCombo->addItem(tr("Spectral"));
    m_yCombo->setToolTip(tr("The relative error ‖M − M̃‖_F / ‖M‖_F (Frobenius) or ‖M − M̃‖₂ / ‖M‖₂ (spectral); "
                            "above 1 an approximation is worse than M̃ = 0"));
    yLabel->setBuddy(m_yCombo);
    m_logCheck = new QCheckBox(tr("Log y"), this);
    m_logCheck->setChecked(m_logY);
    m_logXCheck = new QCheckBox(tr("Log x"), this);
    m_fitButton = new QPushButton(tr("Fit all"), this);
    m_fitButton->setCheckable(true);
    m_fitButton->setToolTip(tr("Every computed rank; unchecked: the ranks up to the working rank, or to where the "
                               "SVD optimum falls to 10⁻³ (double-click the plot to return there)"));
    m_xCombo->setCurrentIndex(m_xAxis == XAxis::Params ? 1 : 0);
    bar->addWidget(xLabel);
    bar->addWidget(m_xCombo);
    bar->addWidget(m_logXCheck);
    bar->addSpacing(12);
    bar->addWidget(yLabel);
    bar->addWidget(m_yCombo);
    bar->addWidget(m_logCheck);
    bar->addSpacing(12);
    bar->addWidget(m_fitButton);
    bar->addStretch(1);
    layout->addLayout(bar);

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(240, 160);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    // Markers on a buffered layer of their own: moving one (every rank change) redraws only that
    // layer, not every curve and band.
    m_plot->addLayer(QStringLiteral("markers"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_plot->layer(QStringLiteral("markers"))->setMode(QCPLayer::lmBuffered);
    layout->addWidget(m_plot, 1);

    m_readout = new QLabel(this);
    m_readout->setTextFormat(Qt::PlainText);
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_readout->setContentsMargins(6, 0, 6, 2);
    m_readout->setMinimumHeight(m_readout->fontMetrics().height() + 4);
    layout->addWidget(m_readout);

    applyPlotStyle(m_plot, palette(), font());

    connect(m_xCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setXAxis(i == 1 ? XAxis::Params : XAxis::Rank); });
    connect(m_yCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setYMetric(i == 1 ? YMetric::Spectral : YMetric::Frobenius); });
    connect(m_logCheck, &QCheckBox::toggled, this, &ErrorPlot::setLogY);
    connect(m_logXCheck, &QCheckBox::toggled, this, &ErrorPlot::setLogX);
    connect(m_fitButton, &QPushButton::toggled, this, [this](bool on) { on ? fitAll() : fitWorkingRange(); });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ErrorPlot::onPlotMouseMove);
    connect(m_plot, &QCustomPlot::mousePress, this, &ErrorPlot::onPlotMousePress);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &ErrorPlot::onPlotMouseRelease);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent *) {
        updateRanges();
        placeMarkerLabels();
        m_plot->replot();
        placeLegend();
    });
    m_plot->installEventFilter(this);

    rebuild();
}

ErrorPlot::~ErrorPlot() = default;

// --- settings --------------------------------------------------------------------------------

void ErrorPlot::setSeries(const QVector<CurveSeries> &series)
{
    m_series = series;
    rebuild();
}

template<typename T>
void ErrorPlot::setViewOption(T &option, T value)
{
    if (option == value)
        return;
    option = value;
    syncControls();
    rebuild();
    emit viewOptionsChanged();
}

void ErrorPlot::setXAxis(XAxis axis) { setViewOption(m_xAxis, axis); }

void ErrorPlot::setYMetric(YMetric metric) { setViewOption(m_yMetric, metric); }

void ErrorPlot::setLogY(bool log) { setViewOption(m_logY, log); }

void ErrorPlot::setLogX(bool log) { setViewOption(m_logX, log); }

void ErrorPlot::setOriginalSize(double numbers)
{
    if (numbers == m_originalSize)
        return;
    m_originalSize = numbers;
    rebuild();
}

void ErrorPlot::setWorkingRank(double rank)
{
    if (rank == m_workingRank)
        return;
    m_workingRank = rank;
    if (!m_fitAll) {
        updateRanges();
        placeMarkerLabels();
        m_plot->replot();
    }
}

void ErrorPlot::fitAll() { setFitAll(true); }

void ErrorPlot::fitWorkingRange() { setFitAll(false); }

void ErrorPlot::setFitAll(bool all)
{
    m_fitAll = all;
    syncControls();
    updateRanges();
    placeMarkerLabels();
    m_plot->replot();
    placeLegend();
}

std::pair<double, double> ErrorPlot::xRange() const { return {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper}; }

QVector<double> ErrorPlot::visibleRanks(const QString &seriesName) const
{
    QVector<double> ranks;
    for (const CurveSeries &cs : m_series) {
        if (cs.name != seriesName)
            continue;
        // Inside the axis range and within the points the range was fitted to (not its padding).
        const QCPAxis *axis = keyAxis(cs);
        const double upper = std::min(axis->range().upper, axis == m_plot->xAxis2 ? m_fittedX2 : m_fittedX);
        for (int i = 0; i < cs.rank.size(); ++i) {
            const double x = xOf(cs, i);
            if (x >= axis->range().lower && x <= upper)
                ranks << cs.rank[i];
        }
    }
    return ranks;
}

QString ErrorPlot::clipNote() const { return m_clipNote; }

void ErrorPlot::syncControls()
{
    const QSignalBlocker bx(m_xCombo), by(m_yCombo), bl(m_logCheck), blx(m_logXCheck), bf(m_fitButton);
    m_xCombo->setCurrentIndex(m_xAxis == XAxis::Params ? 1 : 0);
    m_yCombo->setCurrentIndex(m_yMetric == YMetric::Spectral ? 1 : 0);
    m_logCheck->setChecked(m_logY);
    m_logXCheck->setChecked(m_logX);
    m_fitButton->setChecked(m_fitAll);
}

void ErrorPlot::putMarker(Marker marker)
{
    // One marker per key; the series' own marker (empty key) is one per series.
    auto it = std::find_if(m_markers.begin(), m_markers.end(), [&](const Marker &m) {
        return marker.key.isEmpty() ? m.key.isEmpty() && m.series == marker.series : m.key == marker.key;
    });
    if (it != m_markers.end())
        *it = std::move(marker);
    else
        m_markers.push_back(std::move(marker));
    updateMarkers();
    m_plot->layer(QStringLiteral("markers"))->replot();
}

void ErrorPlot::setMarker(const QString &seriesName, double rank) { putMarker({seriesName, rank, {}, {}, std::nullopt}); }

void ErrorPlot::removeMarker(const QString &seriesName)
{
    m_markers.erase(std::remove_if(m_markers.begin(), m_markers.end(),
                                   [&](const Marker &m) { return m.key.isEmpty() && m.series == seriesName; }),
                    m_markers.end());
    updateMarkers();
    m_plot->layer(QStringLiteral("markers"))->replot();
}

void ErrorPlot::setMarker(const QString &seriesName, const MeasuredPoint &point, const QString &label)
{
    putMarker({seriesName, point.rank, {}, label, point});
}

void ErrorPlot::setLabelledMarker(const QString &key, const QString &seriesName, double rank, const QString &label)
{
    putMarker({seriesName, rank, key, label, std::nullopt});
}

void ErrorPlot::setLabelledMarker(const QString &key, const QString &seriesName, const MeasuredPoint &point,
                                  const QString &label)
{
    putMarker({seriesName, point.rank, key, label, point});
}

void ErrorPlot::removeLabelledMarkers(const QString &prefix)
{
    m_markers.erase(std::remove_if(m_markers.begin(), m_markers.end(),
                                   [&](const Marker &m) { return !m.key.isEmpty() && m.key.startsWith(prefix); }),
                    m_markers.end());
    updateMarkers();
    m_plot->layer(QStringLiteral("markers"))->replot();
}

QPointF ErrorPlot::labelledMarkerPosition(const QString &key) const
{
    for (int i = 0; i < m_plot->itemCount(); ++i) {
        auto *tracer = qobject_cast<QCPItemTracer *>(m_plot->item(i));
        if (tracer && tracer->property("fsKey").toString() == key)
            return tracer->position->coords();
    }
    return { nan, nan };
}

void ErrorPlot::clearMarkers()
{
    m_markers.clear();
    updateMarkers();
    m_plot->layer(QStringLiteral("markers"))->replot();
}

// --- data ------------------------------------------------------------------------------------

double ErrorPlot::xOf(const CurveSeries &s, int i) const
{
    const double x = m_xAxis == XAxis::Params ? (i < s.params.size() ? s.params[i] : nan) : s.rank[i];
    return m_logX && !(x > 0.0) ? nan : x;
}

QCPAxis *ErrorPlot::keyAxis(const CurveSeries &s) const
{
    return s.blockRank && m_xAxis == XAxis::Rank ? m_plot->xAxis2 : m_plot->xAxis;
}

double ErrorPlot::yOf(const CurveSeries &s, int i) const
{
    if (m_yMetric == YMetric::Spectral)
        return i < s.relErrSpec.size() ? s.relErrSpec[i] : nan;
    return i < s.relErrFro.size() ? s.relErrFro[i] : nan;
}

double ErrorPlot::shown(double v) const
{
    if (!std::isfinite(v) || (m_logY && !(v > 0.0)))
        return nan;
    return v;
}

void ErrorPlot::rebuild()
{
    m_plot->clearItems();
    m_originalLabel = nullptr;
    m_plot->clearGraphs();
    m_entries.clear();
    m_entries.resize(m_series.size());
    const bool frobenius = m_yMetric == YMetric::Frobenius;

    // Layer order (QCustomPlot draws in creation order): bands, the lower bound, the other
    // lines, expected curves.
    for (int s = 0; s < m_series.size(); ++s) {
        const CurveSeries &cs = m_series[s];
        m_entries[s].series = s;
        const int n = int(cs.rank.size());
        if (cs.bandLow.size() == n && cs.bandHigh.size() == n && n > 0) {
            auto *band = new BandGraph(keyAxis(cs), m_plot->yAxis);
            band->setName(tr("%1 min–max over trials").arg(cs.name));
            band->removeFromLegend();
            QColor fill = cs.color.isValid() ? cs.color : QColor(Qt::gray);
            fill.setAlpha(50);
            band->setBrush(fill);
            m_entries[s].band = band;
        }
    }
    const auto addLine = [&](int s) {
        const CurveSeries &cs = m_series[s];
        QCPGraph *g = m_plot->addGraph(keyAxis(cs), m_plot->yAxis);
        QString name = legendName(cs);
        if (m_yMetric == YMetric::Spectral
            && std::none_of(cs.relErrSpec.cbegin(), cs.relErrSpec.cend(),
                            [](double v) { return std::isfinite(v); }))
            name += tr(" (no spectral values)");
        g->setName(name);
        QColor color = cs.color.isValid() ? cs.color
                       : cs.lowerBound     ? palette().color(QPalette::WindowText)
                                           : QColor(Qt::darkGray);
        QPen pen(color, cs.lowerBound ? 1.8 : 2.0);
        if (cs.lowerBound)
            pen.setStyle(Qt::DashLine);
        else if (cs.approximate)
            pen.setStyle(Qt::DotLine);
        g->setPen(pen);
        if (cs.spectralEstimated && m_yMetric == YMetric::Spectral) {
            // Estimates at a few ranks: points, never a line through ranks not computed.
            g->setLineStyle(QCPGraph::lsNone);
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(color, 1.6), QBrush(color.lighter(150)), 7));
            g->setName(name + tr(" (estimates)"));
        } else if (cs.rank.size() <= 40) {
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, cs.lowerBound ? 3.5 : 4.5));
        }
        m_entries[s].line = g;
    };
    for (int s = 0; s < m_series.size(); ++s)
        if (m_series[s].lowerBound)
            addLine(s);
    for (int s = 0; s < m_series.size(); ++s)
        if (!m_series[s].lowerBound)
            addLine(s);
    for (int s = 0; s < m_series.size(); ++s) {
        const CurveSeries &cs = m_series[s];
        if (cs.expected.size() == cs.rank.size() && !cs.expected.isEmpty()) {
            QCPGraph *g = m_plot->addGraph(keyAxis(cs), m_plot->yAxis);
            g->setName(tr("%1 expected").arg(cs.name));
            QColor color = cs.color.isValid() ? cs.color : QColor(Qt::darkGray);
            g->setPen(QPen(color, 1.3, Qt::DashDotLine));
            m_entries[s].expected = g;
        }
    }

    // Data for the current axis, metric and scale.
    for (const Entry &e : std::as_const(m_entries)) {
        const CurveSeries &cs = m_series[e.series];
        const int n = int(cs.rank.size());
        QVector<double> keys(n), values(n);
        for (int i = 0; i < n; ++i) {
            keys[i] = xOf(cs, i);
            values[i] = shown(yOf(cs, i));
        }
        e.line->setData(keys, values);
        if (e.band) {
            auto *band = static_cast<BandGraph *>(e.band);
            if (frobenius) {
                QVector<double> low(n), high(n);
                for (int i = 0; i < n; ++i) {
                    low[i] = shown(cs.bandLow[i]);
                    high[i] = shown(cs.bandHigh[i]);
                }
                band->setBand(keys, low, high);
            } else {
                band->setBand({}, {}, {});
            }
            band->setVisible(frobenius);
        }
        if (e.expected) {
            if (frobenius) {
                QVector<double> values2(n);
                for (int i = 0; i < n; ++i)
                    values2[i] = shown(cs.expected[i]);
                e.expected->setData(keys, values2);
            } else {
                e.expected->data()->clear();
                e.expected->removeFromLegend();
            }
            e.expected->setVisible(frobenius);
        }
    }

    if (m_xAxis == XAxis::Params && m_originalSize > 0.0 && !m_series.isEmpty()) {
        // The original's size: storing this many numbers is no compression at all.
        auto *line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(m_originalSize, 0.0);
        line->point2->setCoords(m_originalSize, 1.0);
        QColor color = palette().color(QPalette::WindowText);
        color.setAlpha(140);
        line->setPen(QPen(color, 1.2, Qt::DashDotLine));
        auto *label = new QCPItemText(m_plot);
        label->setClipToAxisRect(true);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(m_originalSize, 0.02);
        label->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
        label->setPadding(QMargins(0, 0, 4, 0));
        label->setText(tr("original (100 %)"));
        label->setColor(color);
        m_originalLabel = label;
    }
    if (m_series.isEmpty()) {
        auto *empty = new QCPItemText(m_plot);
        empty->position->setType(QCPItemPosition::ptAxisRectRatio);
        empty->position->setCoords(0.5, 0.5);
        empty->setText(tr("No error curves yet"));
        empty->setColor(palette().color(QPalette::PlaceholderText));
    }
    m_plot->legend->setVisible(m_plot->legend->itemCount() > 0);

    updateLabels();
    updateRanges();
    updateMarkers();
    m_readout->setText(hint());
    m_plot->replot();
    placeMarkerLabels();
    placeLegend();
}

Qt::Alignment ErrorPlot::legendAlignment() const
{
    if (m_legendOutside)
        return {};
    return m_plot->axisRect()->insetLayout()->insetAlignment(0);
}

void ErrorPlot::placeLegend()
{
    m_legendPending = false;
    QCPLegend *legend = m_plot->legend;
    if (m_legendOutside) { // start again from inside: the curves may have changed
        setLegendOutside(false);
        m_plot->replot();
    }
    if (!legend->visible())
        return;
    const QRect area = m_plot->axisRect()->rect();
    const QSize size = legend->outerRect().size();
    if (area.width() < size.width() || area.height() < size.height())
        return;
    // Curve points in pixels, each segment sampled so that a line crossing a corner between
    // two distant points still counts.
    QVector<QPointF> points;
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        QCPGraph *g = m_plot->graph(i);
        if (!g->visible())
            continue;
        bool havePrevious = false;
        QPointF previous;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            if (!std::isfinite(it->value)) {
                havePrevious = false;
                continue;
            }
            const QPointF p(m_plot->xAxis->coordToPixel(it->key), m_plot->yAxis->coordToPixel(it->value));
            if (havePrevious) {
                const int steps = std::clamp(int(std::hypot(p.x() - previous.x(), p.y() - previous.y()) / 6.0), 1, 200);
                for (int k = 1; k < steps; ++k)
                    points << previous + (p - previous) * (double(k) / steps);
            }
            points << p;
            previous = p;
            havePrevious = true;
        }
    }
    QRect originalLabel;
    if (m_originalLabel && m_originalLabel->visible())
        originalLabel = QRectF(m_originalLabel->topLeft->pixelPosition(), m_originalLabel->bottomRight->pixelPosition())
                            .normalized().toAlignedRect();
    // Inside the axis rect, corners first, then the middles of the sides.
    const Qt::Alignment spots[] = { Qt::AlignTop | Qt::AlignRight,     Qt::AlignBottom | Qt::AlignLeft,
                                    Qt::AlignTop | Qt::AlignLeft,      Qt::AlignBottom | Qt::AlignRight,
                                    Qt::AlignVCenter | Qt::AlignRight, Qt::AlignTop | Qt::AlignHCenter,
                                    Qt::AlignVCenter | Qt::AlignLeft,  Qt::AlignBottom | Qt::AlignHCenter };
    Qt::Alignment best = spots[0];
    int bestCount = std::numeric_limits<int>::max();
    for (Qt::Alignment spot : spots) {
        QRect r(QPoint(), size);
        if (spot & Qt::AlignRight)
            r.moveRight(area.right());
        else if (spot & Qt::AlignHCenter)
            r.moveLeft(area.left() + (area.width() - size.width()) / 2);
        else
            r.moveLeft(area.left());
        if (spot & Qt::AlignBottom)
            r.moveBottom(area.bottom());
        else if (spot & Qt::AlignVCenter)
            r.moveTop(area.top() + (area.height() - size.height()) / 2);
        else
            r.moveTop(area.top());
        r.adjust(-4, -4, 4, 4);
        int count = int(std::count_if(points.cbegin(), points.cend(),
                                      [&](const QPointF &p) { return r.contains(p.toPoint()); }));
        if (originalLabel.isValid() && r.intersects(originalLabel))
            count += 1000; // never over the label of the original's size

        if (count < bestCount) {
            bestCount = count;
            best = spot;
        }
    }
    // Curves everywhere: beside the plot, if that leaves the plot most of the width.
    if (bestCount > 0 && area.width() > 3 * size.width()) {
        setLegendOutside(true);
        m_plot->replot();
        return;
    }
    if (best != legendAlignment()) {
        m_plot->axisRect()->insetLayout()->setInsetAlignment(0, best);
        m_plot->replot();
    }
}

void ErrorPlot::setLegendOutside(bool outside)
{
    if (outside == m_legendOutside)
        return;
    QCPLegend *legend = m_plot->legend;
    if (outside) {
        // QCustomPlot's recipe: a column right of the axis rect holding the legend on top of an
        // empty stretching element, both columns sized to their minimum but the plot.
        m_plot->axisRect()->insetLayout()->take(legend);
        auto *column = new QCPLayoutGrid;
        m_plot->plotLayout()->addElement(0, 1, column);
        m_plot->plotLayout()->setColumnStretchFactor(1, 0.001);
        column->setMargins(QMargins(0, 12, 6, 0));
        column->addElement(0, 0, legend);
        column->addElement(1, 0, new QCPLayoutElement(m_plot));
        column->setRowStretchFactor(0, 0.001);
        m_legendColumn = column;
    } else {
        m_legendColumn->take(legend);
        m_plot->plotLayout()->remove(m_legendColumn); // deletes it and the spacer
        m_legendColumn = nullptr;
        m_plot->plotLayout()->simplify();
        m_plot->axisRect()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
    }
    m_legendOutside = outside;
}

void ErrorPlot::updateLabels()
{
    const bool params = m_xAxis == XAxis::Params;
    m_plot->xAxis->setLabel(params ? tr("stored numbers") : tr("rank r"));
    // QCustomPlot draws plain text: no subscript F, so the norm is named in words.
    // Short enough for a low plot; the norms are in the y selector's tooltip.
    m_plot->yAxis->setLabel(m_yMetric == YMetric::Spectral ? tr("relative error (spectral)") : tr("relative error (Frobenius)"));
    if (m_logY) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(makeLogTicker());
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->yAxis->setNumberFormat(QStringLiteral("g"));
        m_plot->yAxis->setNumberPrecision(6);
    }
    // x: ranks are whole numbers, stored numbers in k / M; log x with the same labels.
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->xAxis2}) {
        axis->setScaleType(m_logX ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        axis->setNumberFormat(QStringLiteral("g"));
        axis->setNumberPrecision(9);
    }
    QSharedPointer<QCPAxisTicker> xTicker;
    if (m_logX) {
        xTicker = makeLogTicker();
    } else {
        xTicker = params ? QSharedPointer<QCPAxisTicker>(QSharedPointer<CountTicker>::create()) : makeIntegerTicker();
    }
    m_plot->xAxis->setTicker(xTicker);
    // The top axis: Monarch's block rank ρ on the rank view (its own scale), the share of the
    // original's numbers on the stored-numbers view.
    const bool blockRanks = std::any_of(m_series.cbegin(), m_series.cend(), [](const CurveSeries &cs) { return cs.blockRank; });
    QCPAxis *top = m_plot->xAxis2;
    top->setVisible((!params && blockRanks) || (params && m_originalSize > 0.0));
    top->setTickLabels(true);
    if (!params) {
        top->setLabel(tr("Monarch block rank ρ"));
        top->setTicker(m_logX ? xTicker : makeIntegerTicker());
    } else if (m_originalSize > 0.0) {
        top->setLabel(tr("share of the original's numbers"));
        top->setTicker(QSharedPointer<ShareTicker>::create(m_originalSize));
    }
    top->setTickLabelColor(m_plot->xAxis->tickLabelColor());
    top->setLabelColor(m_plot->xAxis->labelColor());
    top->setBasePen(m_plot->xAxis->basePen());
    top->setTickPen(m_plot->xAxis->tickPen());
    top->setSubTickPen(m_plot->xAxis->subTickPen());
    top->setTickLabelFont(m_plot->xAxis->tickLabelFont());
    top->setLabelFont(m_plot->xAxis->labelFont());
    updateTickCounts();
}

void ErrorPlot::updateTickCounts()
{
    // About one tick label per 90 pixels, so that labels never run together.
    const int width = std::max(1, m_plot->axisRect()->width() > 0 ? m_plot->axisRect()->width() : m_plot->width());
    const int count = std::clamp(width / 90, 2, 10);
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->xAxis2})
        if (axis->ticker() && axis->scaleType() == QCPAxis::stLinear)
            axis->ticker()->setTickCount(count);
}

void ErrorPlot::updateRanges()
{
    const bool params = m_xAxis == XAxis::Params;
    // The working range in ranks: up to the working rank, or to where the SVD optimum falls to
    // 1e-3, whichever is smaller; nothing when fitting all.
    double rankLimit = std::numeric_limits<double>::infinity();
    if (!m_fitAll) {
        if (m_workingRank > 0.0)
            rankLimit = m_workingRank;
        for (const CurveSeries &cs : std::as_const(m_series)) {
            if (!cs.lowerBound)
                continue;
            for (int i = 0; i < cs.rank.size() && i < cs.relErrFro.size(); ++i)
                if (cs.relErrFro[i] <= 1e-3) {
                    rankLimit = std::min(rankLimit, cs.rank[i]);
                    break;
                }
        }
    }
    // What is drawn of each axis, inside the working range; values above the cap (a relative
    // error above 1 is worse than M̃ = 0) clipped and noted.
    const double cap = 1.0;
    struct Extent
    {
        double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
        void take(double v)
        {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        bool valid() const { return lo <= hi; }
    } bottom, topX, y;
    QStringList clipped;
    for (const Entry &e : std::as_const(m_entries)) {
        const CurveSeries &cs = m_series[e.series];
        double worst = -std::numeric_limits<double>::infinity();
        for (int i = 0; i < cs.rank.size(); ++i) {
            if (cs.rank[i] > rankLimit && !(cs.blockRank && !params))
                continue;
            const double x = xOf(cs, i);
            if (!std::isfinite(x) || (params && m_originalSize > 0.0 && !m_fitAll && x > m_originalSize))
                continue;
            const bool frobenius = m_yMetric == YMetric::Frobenius;
            double values[4] = {shown(yOf(cs, i)), nan, nan, nan};
            if (frobenius && i < cs.bandLow.size() && i < cs.bandHigh.size()) {
                values[1] = shown(cs.bandLow[i]);
                values[2] = shown(cs.bandHigh[i]);
            }
            if (frobenius && i < cs.expected.size())
                values[3] = shown(cs.expected[i]);
            bool any = false;
            for (double v : values) {
                if (!std::isfinite(v))
                    continue;
                any = true;
                worst = std::max(worst, v);
                y.take(std::min(v, cap));
            }
            if (any)
                (keyAxis(cs) == m_plot->xAxis2 ? topX : bottom).take(x);
        }
        if (worst > cap)
            clipped << tr("%1 up to %2").arg(shortName(cs.name), QString::number(worst, 'g', 3));
    }
    m_clipNote = clipped.isEmpty() ? QString() : tr("above 1, clipped: %1").arg(clipped.join(QStringLiteral("; ")));
    m_fittedX2 = topX.valid() ? topX.hi : std::numeric_limits<double>::infinity();
    const auto setX = [this](QCPAxis *axis, Extent e) {
        if (!e.valid()) {
            axis->setRange(m_logX ? QCPRange(1, 10) : QCPRange(0, 1));
            return;
        }
        if (m_logX) {
            axis->setRange(e.lo / 1.15, e.hi * 1.15);
            return;
        }
        const double pad = e.hi > e.lo ? 0.02 * (e.hi - e.lo) : 0.5;
        axis->setRange(e.lo >= 0.0 ? std::max(0.0, e.lo - pad) : e.lo - pad, e.hi + pad);
    };
    if (params && m_originalSize > 0.0 && bottom.valid() && !m_fitAll)
        bottom.hi = std::min(std::max(bottom.hi, 0.0), m_originalSize); // up to 100 % at most
    m_fittedX = bottom.valid() ? bottom.hi : std::numeric_limits<double>::infinity();
    setX(m_plot->xAxis, bottom);
    if (params)
        m_plot->xAxis2->setRange(m_plot->xAxis->range()); // the share of the same numbers
    else
        setX(m_plot->xAxis2, topX);
    if (!y.valid()) {
        m_plot->yAxis->setRange(m_logY ? QCPRange(1e-3, 1) : QCPRange(0, 1));
    } else if (m_logY) {
        m_plot->yAxis->setRange(y.lo / 1.6, std::min(y.hi * 1.6, cap * 1.25));
    } else {
        m_plot->yAxis->setRange(0.0, y.hi > 0.0 ? y.hi * 1.06 : 1.0);
    }
    updateTickCounts();
    // The note, top left inside the plot.
    for (int i = m_plot->itemCount() - 1; i >= 0; --i)
        if (m_plot->item(i)->property("fsClipNote").toBool())
            m_plot->removeItem(i);
    if (!m_clipNote.isEmpty()) {
        auto *note = new QCPItemText(m_plot);
        note->setProperty("fsClipNote", true);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(0.01, 0.01);
        note->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        note->setText(m_clipNote);
        note->setColor(palette().color(QPalette::WindowText));
        QColor bg = palette().color(QPalette::Base);
        bg.setAlpha(215);
        note->setBrush(bg);
        note->setPadding(QMargins(3, 1, 3, 1));
        note->setClipToAxisRect(true);
    }
}

void ErrorPlot::updateMarkers()
{
    // Remove the previous marker items (everything but the "no curves" text).
    for (int i = m_plot->itemCount() - 1; i >= 0; --i) {
        QCPAbstractItem *item = m_plot->item(i);
        if (item->property("fsMarker").toBool())
            m_plot->removeItem(item);
    }
    for (const Marker &marker : std::as_const(m_markers)) {
        const auto it = std::find_if(m_series.cbegin(), m_series.cend(),
                                     [&](const CurveSeries &s) { return s.name == marker.series; });
        if (it == m_series.cend() || it->rank.isEmpty())
            continue;
        const CurveSeries &cs = *it;
        // At the measured point, or at the curve's own point of that rank: never between two
        // computed ranks.
        double x = nan, y = nan;
        if (marker.point) {
            x = m_xAxis == XAxis::Params ? marker.point->params : marker.point->rank;
            if (m_logX && !(x > 0.0))
                x = nan;
            y = shown(m_yMetric == YMetric::Spectral ? marker.point->relErrSpec : marker.point->relErrFro);
        } else {
            const auto at = std::find(cs.rank.cbegin(), cs.rank.cend(), marker.rank);
            if (at != cs.rank.cend()) {
                const int i = int(at - cs.rank.cbegin());
                x = xOf(cs, i);
                y = shown(yOf(cs, i));
            }
        }
        if (!std::isfinite(x) || !std::isfinite(y))
            continue;
        const QColor color = cs.color.isValid() ? cs.color : QColor(Qt::darkGray);
        QCPLayer *layer = m_plot->layer(QStringLiteral("markers"));
        auto *dot = new QCPItemTracer(m_plot);
        dot->setLayer(layer);
        dot->setProperty("fsMarker", true);
        if (marker.key.isEmpty())
            dot->setProperty("fsSeries", cs.name);
        else
            dot->setProperty("fsKey", marker.key);
        dot->setStyle(QCPItemTracer::tsCircle);
        dot->setSize(11);
        dot->setPen(QPen(color.darker(160), 1.5));
        dot->setBrush(color);
        dot->position->setAxes(keyAxis(cs), m_plot->yAxis);
        dot->position->setCoords(x, y);
        auto *label = new QCPItemText(m_plot);
        label->setLayer(layer);
        label->setProperty("fsMarker", true);
        label->setProperty("fsLabel", true);
        label->position->setParentAnchor(dot->position);
        label->position->setCoords(8, -6); // pixels from the dot; placeMarkerLabels() moves it
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setText(marker.label.isEmpty() ? rankText(cs, marker.rank) : marker.label);
        QFont bold = font();
        bold.setBold(true);
        label->setFont(bold);
        label->setColor(color.darker(130));
        QColor bg = palette().color(QPalette::Base);
        bg.setAlpha(200);
        label->setBrush(bg);
        label->setPadding(QMargins(2, 0, 2, 0));
        label->setProperty("fsSeriesName", shortName(cs.name));
    }
    // Several markers with the same text ("r = 20" of SVD and of ID): name the method.
    QStringList texts;
    QVector<QCPItemText *> labels;
    for (int i = 0; i < m_plot->itemCount(); ++i)
        if (auto *label = qobject_cast<QCPItemText *>(m_plot->item(i)); label && label->property("fsLabel").toBool()) {
            labels << label;
            texts << label->text();
        }
    for (QCPItemText *label : labels)
        if (texts.count(label->text()) > 1)
            label->setText(QStringLiteral("%1: %2").arg(label->property("fsSeriesName").toString(), label->text()));
    addExtendMarks();
    placeMarkerLabels();
}

void ErrorPlot::addExtendMarks()
{
    for (const CurveSeries &cs : std::as_const(m_series)) {
        if (!(cs.computedTo > 0.0) || cs.rank.isEmpty())
            continue;
        // At the curve's last computed point: nothing is drawn beyond it.
        const int last = int(cs.rank.size()) - 1;
        const double x = xOf(cs, last), y = shown(yOf(cs, last));
        if (!std::isfinite(x) || !std::isfinite(y))
            continue;
        const QColor color = cs.color.isValid() ? cs.color : QColor(Qt::darkGray);
        auto *end = new QCPItemTracer(m_plot);
        end->setLayer(m_plot->layer(QStringLiteral("markers")));
        end->setProperty("fsMarker", true);
        end->setStyle(QCPItemTracer::tsPlus);
        end->setSize(9);
        end->setPen(QPen(color, 1.5));
        end->position->setAxes(keyAxis(cs), m_plot->yAxis);
        end->position->setCoords(x, y);
        auto *text = new QCPItemText(m_plot);
        text->setLayer(m_plot->layer(QStringLiteral("markers")));
        text->setProperty("fsMarker", true);
        text->setProperty("fsExtend", cs.name);
        text->position->setParentAnchor(end->position);
        text->position->setCoords(6, 4);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        text->setText(tr("%1 computed to %2 %3 — extend ›")
                          .arg(shortName(cs.name), cs.blockRank ? tr("ρ =") : tr("rank"))
                          .arg(cs.computedTo));
        QFont underlined = font();
        underlined.setUnderline(true);
        text->setFont(underlined);
        text->setColor(color.darker(130));
        QColor bg = palette().color(QPalette::Base);
        bg.setAlpha(215);
        text->setBrush(bg);
        text->setPen(QPen(color.lighter(140)));
        text->setPadding(QMargins(3, 1, 3, 1));
        text->setClipToAxisRect(true);
    }
}

QCPItemText *ErrorPlot::extendItem(const QString &seriesName) const
{
    for (int i = 0; i < m_plot->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(m_plot->item(i)); text && text->property("fsExtend").toString() == seriesName)
            return text;
    return nullptr;
}

QString ErrorPlot::extendText(const QString &seriesName) const
{
    const QCPItemText *text = extendItem(seriesName);
    return text ? text->text() : QString();
}

QRectF ErrorPlot::extendRect(const QString &seriesName) const
{
    const QCPItemText *text = extendItem(seriesName);
    if (!text)
        return {};
    return QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()).normalized();
}

void ErrorPlot::placeMarkerLabels()
{
    // Each label beside its dot, at the first of eight places where it overlaps no other label,
    // no other dot and stays inside the axis rect (in pixels, so exports keep the layout).
    const QRect area = m_plot->axisRect()->rect();
    if (area.width() <= 0)
        return;
    QVector<QRectF> taken;
    QVector<QPair<QCPItemText *, QPointF>> labels;
    if (m_plot->legend->visible() && !m_legendOutside)
        taken << QRectF(m_plot->legend->outerRect());
    for (int i = 0; i < m_plot->itemCount(); ++i) {
        if (auto *note = qobject_cast<QCPItemText *>(m_plot->item(i)); note && note->property("fsClipNote").toBool())
            taken << QRectF(note->topLeft->pixelPosition(), note->bottomRight->pixelPosition()).normalized();
        if (auto *tracer = qobject_cast<QCPItemTracer *>(m_plot->item(i)); tracer && tracer->property("fsMarker").toBool()) {
            const QPointF p = tracer->position->pixelPosition();
            taken << QRectF(p.x() - 6, p.y() - 6, 12, 12);
        }
        if (auto *label = qobject_cast<QCPItemText *>(m_plot->item(i)); label && label->property("fsLabel").toBool())
            labels << qMakePair(label, label->position->parentAnchor() ? label->position->parentAnchor()->pixelPosition() : QPointF());
    }
    struct Spot
    {
        double dx, dy;
        Qt::Alignment align;
    };
    const Spot spots[] = {{8, -6, Qt::AlignLeft | Qt::AlignBottom},   {8, 6, Qt::AlignLeft | Qt::AlignTop},
                          {-8, -6, Qt::AlignRight | Qt::AlignBottom}, {-8, 6, Qt::AlignRight | Qt::AlignTop},
                          {8, -24, Qt::AlignLeft | Qt::AlignBottom},  {8, 24, Qt::AlignLeft | Qt::AlignTop},
                          {-8, -24, Qt::AlignRight | Qt::AlignBottom}, {-8, 24, Qt::AlignRight | Qt::AlignTop},
                          {8, -42, Qt::AlignLeft | Qt::AlignBottom},  {8, 42, Qt::AlignLeft | Qt::AlignTop}};
    for (const auto &[label, anchor] : labels) {
        const QFontMetrics metrics(label->font());
        const QSizeF size(metrics.horizontalAdvance(label->text()) + 6, metrics.height() + 2);
        const Spot *chosen = &spots[0];
        QRectF chosenRect;
        for (const Spot &spot : spots) {
            QRectF r(QPointF(), size);
            const QPointF at = anchor + QPointF(spot.dx, spot.dy);
            if (spot.align & Qt::AlignLeft)
                r.moveLeft(at.x());
            else
                r.moveRight(at.x());
            if (spot.align & Qt::AlignBottom)
                r.moveBottom(at.y());
            else
                r.moveTop(at.y());
            const bool free = area.contains(r.toAlignedRect())
                              && std::none_of(taken.cbegin(), taken.cend(), [&](const QRectF &t) { return t.intersects(r); });
            if (chosenRect.isNull())
                chosenRect = r;
            if (free) {
                chosen = &spot;
                chosenRect = r;
                break;
            }
        }
        double dx = chosen->dx, dy = chosen->dy;
        if (!area.contains(anchor.toPoint())) {
            // The dot is off the plot (a clipped curve): its label just inside the nearest edge.
            const QPointF inside(std::clamp(anchor.x(), double(area.left()) + 2.0, double(area.right()) - size.width() - 2.0),
                                 std::clamp(anchor.y(), double(area.top()) + 2.0, double(area.bottom()) - size.height() - 2.0));
            dx = inside.x() - anchor.x();
            dy = inside.y() - anchor.y();
            chosen = nullptr;
            chosenRect = QRectF(inside, size);
        }
        label->position->setCoords(dx, dy);
        label->setPositionAlignment(chosen ? chosen->align : Qt::AlignLeft | Qt::AlignTop);
        taken << chosenRect;
    }
    if (!labels.isEmpty())
        m_plot->layer(QStringLiteral("markers"))->replot();
}

// --- read-out and picking --------------------------------------------------------------------

ErrorPlot::Hit ErrorPlot::nearestPoint(const QPointF &pixel, double maxDistance) const
{
    Hit best;
    double bestDistance = maxDistance;
    for (const Entry &e : m_entries) {
        const CurveSeries &cs = m_series[e.series];
        for (int i = 0; i < cs.rank.size(); ++i) {
            const double x = xOf(cs, i), y = shown(yOf(cs, i));
            if (!std::isfinite(x) || !std::isfinite(y))
                continue;
            const QPointF p(keyAxis(cs)->coordToPixel(x), m_plot->yAxis->coordToPixel(y));
            const double d = std::hypot(p.x() - pixel.x(), p.y() - pixel.y());
            if (d <= bestDistance) {
                bestDistance = d;
                best = { e.series, i };
            }
        }
    }
    return best;
}

QString ErrorPlot::describe(const Hit &hit) const
{
    const CurveSeries &cs = m_series[hit.series];
    const int i = hit.index;
    QString text = legendName(cs) + QStringLiteral(" — ") + rankText(cs, cs.rank[i]);
    if (m_xAxis == XAxis::Params && i < cs.params.size()) {
        text += QStringLiteral(", ") + tr("%1 stored numbers").arg(QLocale().toString(cs.params[i], 'f', 0));
        if (m_originalSize > 0.0)
            text += QStringLiteral(" ") + tr("(%1 % of the original)").arg(QLocale().toString(100.0 * cs.params[i] / m_originalSize, 'g', 3));
    }
    text += QStringLiteral(": ") + formatError(yOf(cs, i));
    if (m_yMetric == YMetric::Spectral && cs.spectralEstimated)
        text += QStringLiteral(" ") + tr("(estimate, power iteration)");
    if (m_yMetric == YMetric::Frobenius) {
        if (i < cs.bandLow.size() && i < cs.bandHigh.size())
            text += QStringLiteral("  ")
                    + tr("(trials: min %1, max %2)").arg(formatError(cs.bandLow[i]), formatError(cs.bandHigh[i]));
        if (i < cs.expected.size())
            text += QStringLiteral("  ") + tr("expected %1").arg(formatError(cs.expected[i]));
    }
    return text;
}

QString ErrorPlot::readoutAt(const QPointF &pixel, double maxDistance) const
{
    const Hit hit = nearestPoint(pixel, maxDistance);
    return hit.series < 0 ? QString() : describe(hit);
}

QString ErrorPlot::readoutText() const
{
    return m_readout->text();
}

QString ErrorPlot::hint() const
{
    return m_series.isEmpty() ? QString()
                              : tr("Point at a curve to read its values; click to pick that rank.");
}

void ErrorPlot::onPlotMouseMove(QMouseEvent *event)
{
    const QString text = readoutAt(event->position());
    m_readout->setText(text.isEmpty() ? hint() : text);
}

void ErrorPlot::onPlotMousePress(QMouseEvent *event)
{
    m_pressPos = event->position();
}

void ErrorPlot::onPlotMouseRelease(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton
        || (event->position() - m_pressPos).manhattanLength() > 4.0)
        return;
    for (const CurveSeries &cs : std::as_const(m_series))
        if (cs.computedTo > 0.0 && extendRect(cs.name).contains(event->position())) {
            emit extendRequested(cs.name);
            return;
        }
    const Hit hit = nearestPoint(event->position(), 12.0);
    if (hit.series >= 0)
        emit rankPicked(m_series[hit.series].name, m_series[hit.series].rank[hit.index]);
}

bool ErrorPlot::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot) {
        if (event->type() == QEvent::Leave) {
            m_readout->setText(hint());
        } else if (event->type() == QEvent::Resize && !m_legendPending) {
            // Once the plot has its new size: the curves moved under the legend.
            m_legendPending = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    updateTickCounts();
                    m_plot->replot();
                    placeMarkerLabels();
                    placeLegend();
                },
                Qt::QueuedConnection);
        }
        else if (event->type() == QEvent::PaletteChange)
            applyPlotStyle(m_plot, palette(), font());
    }
    return QWidget::eventFilter(watched, event);
}

// --- accessors and export --------------------------------------------------------------------

QCPGraph *ErrorPlot::lineGraph(const QString &seriesName) const
{
    for (const Entry &e : m_entries)
        if (m_series[e.series].name == seriesName)
            return e.line;
    return nullptr;
}

QCPGraph *ErrorPlot::bandGraph(const QString &seriesName) const
{
    for (const Entry &e : m_entries)
        if (m_series[e.series].name == seriesName)
            return e.band;
    return nullptr;
}

QCPGraph *ErrorPlot::expectedGraph(const QString &seriesName) const
{
    for (const Entry &e : m_entries)
        if (m_series[e.series].name == seriesName)
            return e.expected;
    return nullptr;
}

QPointF ErrorPlot::markerPosition(const QString &seriesName) const
{
    for (int i = 0; i < m_plot->itemCount(); ++i) {
        auto *tracer = qobject_cast<QCPItemTracer *>(m_plot->item(i));
        if (tracer && tracer->property("fsSeries").toString() == seriesName)
            return tracer->position->coords();
    }
    return { nan, nan };
}

bool ErrorPlot::exportTo(const QString &path, QString *error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    int width = m_plot->width(), height = m_plot->height();
    if (!m_plot->isVisible() || width < 200 || height < 150) {
        width = 800;
        height = 500;
    }
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, width, height, 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, width, height);
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setTitle(tr("Relative error"));
        generator.setDescription(tr("Error curves exported by Factorscope"));
        QCPPainter painter;
        if (painter.begin(&generator)) {
            m_plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
        ok = ok && QFileInfo(path).size() > 0;
    } else {
        if (error)
            *error = tr("Cannot export to “%1”: the file name must end in .png, .svg or .pdf")
                         .arg(QFileInfo(path).fileName());
        return false;
    }
    if (!ok && error)
        *error = tr("Could not write “%1”").arg(path);
    return ok;
}

} // namespace factorscope::widgets
