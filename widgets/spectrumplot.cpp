// SPDX-License-Identifier: MIT
// qcustomplot.h uses Qt's `foreach` in its templates: include it first, with QT_NO_FOREACH
// lifted for it (see errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "spectrumplot.h"

#include "errorplot.h" // applyPlotStyle

#include <QFontMetrics>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace factorscope::widgets {

namespace {

const QColor sigmaColor(31, 119, 180);
const QColor energyColor(230, 110, 0);
const QColor rankColor(200, 30, 60);

QString formatPercent(double fraction)
{
    const double percent = 100.0 * fraction;
    // One decimal, more while it would round up to 100 with something still left out
    // (99.97 %, not 100.0 %).
    for (int decimals = 1; decimals < 6; ++decimals) {
        const QString text = QString::number(percent, 'f', decimals);
        if (percent >= 100.0 || text.toDouble() < 100.0)
            return text;
    }
    return QString::number(std::min(percent, 99.99999), 'f', 6);
}

} // namespace

SpectrumPlot::SpectrumPlot(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(240, 160);
    layout->addWidget(m_plot);
    applyPlotStyle(m_plot, palette(), font());

    m_plot->xAxis->setLabel(tr("index i"));
    m_plot->yAxis->setLabel(tr("singular value σᵢ"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    auto ticker = makeLogTicker();
    ticker->setSubTickCount(8);
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);
    m_plot->yAxis->setLabelColor(sigmaColor.darker(120));
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("cumulative energy (%)"));
    m_plot->yAxis2->setLabelColor(energyColor.darker(130));
    m_plot->yAxis2->setRange(0, 105);
    m_plot->yAxis2->grid()->setVisible(false);
    m_plot->xAxis->setNumberFormat(QStringLiteral("g"));
    m_plot->xAxis->setTicker(makeIntegerTicker());

    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setName(tr("σᵢ"));
    QColor barColor = sigmaColor;
    barColor.setAlpha(80);
    m_bars->setBrush(barColor);
    m_bars->setPen(Qt::NoPen);
    m_bars->setWidth(0.8);

    m_sigmaGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_sigmaGraph->setName(tr("σᵢ"));
    m_sigmaGraph->setPen(QPen(sigmaColor, 1.8));

    m_energyGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_energyGraph->setName(tr("cumulative energy"));
    m_energyGraph->setPen(QPen(energyColor, 2.0));
    m_plot->legend->setVisible(false);

    // The rank line and its label on a buffered layer of their own: a rank change redraws only
    // that layer (a few hundred µs) instead of every σ bar (tens of ms for thousands of bars).
    m_plot->addLayer(QStringLiteral("rank"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    QCPLayer *rankLayer = m_plot->layer(QStringLiteral("rank"));
    rankLayer->setMode(QCPLayer::lmBuffered);
    m_rankLine = new QCPItemLine(m_plot);
    m_rankLine->setLayer(rankLayer);
    for (QCPItemPosition *p : { m_rankLine->start, m_rankLine->end }) {
        p->setAxes(m_plot->xAxis, m_plot->yAxis);
        p->setAxisRect(m_plot->axisRect());
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    m_rankLine->setPen(QPen(rankColor, 1.5, Qt::DashLine));

    m_rankText = new QCPItemText(m_plot);
    m_rankText->setLayer(rankLayer);
    m_rankText->position->setAxes(m_plot->xAxis, m_plot->yAxis);
    m_rankText->position->setAxisRect(m_plot->axisRect());
    m_rankText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_rankText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_rankText->setColor(rankColor.darker(120));
    QColor bg = palette().color(QPalette::Base);
    bg.setAlpha(220);
    m_rankText->setBrush(bg);
    m_rankText->setPen(QPen(rankColor, 1));
    m_rankText->setPadding(QMargins(4, 2, 4, 2));

    m_emptyText = new QCPItemText(m_plot);
    m_emptyText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyText->position->setCoords(0.5, 0.5);
    m_emptyText->setColor(palette().color(QPalette::PlaceholderText));
    m_emptyText->setText(tr("No singular values"));

    refresh();
}

SpectrumPlot::~SpectrumPlot() = default;

void SpectrumPlot::setSingularValues(const core::Vector &sigma, const QString &label, double totalEnergy)
{
    m_sigma = sigma;
    m_label = label;
    m_totalEnergy = totalEnergy;
    const auto k = sigma.size();
    m_cumulative.resize(k + 1);
    m_cumulative[0] = 0.0;
    for (core::Index i = 0; i < k; ++i)
        m_cumulative[i + 1] = m_cumulative[i] + sigma[i] * sigma[i];
    refresh();
}

void SpectrumPlot::setRank(int rank)
{
    m_rank = rank;
    if (m_sigma.size() == 0) {
        refresh();
        return;
    }
    placeRank();
    m_rankLine->layer()->replot();
}

void SpectrumPlot::clear()
{
    m_sigma.resize(0);
    m_cumulative.resize(0);
    m_label.clear();
    refresh();
}

double SpectrumPlot::energyAt(int rank) const
{
    const auto k = m_sigma.size();
    if (k == 0)
        return 0.0;
    // ‖M‖²_F when given (the values may be only the first few: a preview, a partial SVD),
    // else the sum of the values' squares (all of them).
    const double total = m_totalEnergy > 0.0 ? std::max(m_totalEnergy, m_cumulative[k]) : m_cumulative[k];
    if (!(total > 0.0))
        return 1.0; // the zero matrix: nothing is left out at any rank
    const auto r = std::clamp<core::Index>(rank, 0, k);
    return m_cumulative[r] / total;
}

QString SpectrumPlot::rankLabel() const
{
    if (m_sigma.size() == 0)
        return {};
    if (m_rank > m_sigma.size())
        return tr("r = %1: beyond the %2 values computed").arg(m_rank).arg(m_sigma.size());
    const int r = int(std::clamp<core::Index>(m_rank, 0, m_sigma.size()));
    return tr("r = %1: %2 % energy").arg(r).arg(formatPercent(energyAt(r)));
}

void SpectrumPlot::refresh()
{
    const auto k = m_sigma.size();
    const bool empty = k == 0;
    m_emptyText->setVisible(empty);
    m_rankLine->setVisible(!empty);
    m_rankText->setVisible(!empty);
    m_plot->yAxis->setLabel(m_label.isEmpty() ? tr("singular value σᵢ")
                                              : tr("singular value σᵢ (%1)").arg(m_label));
    if (empty) {
        m_bars->data()->clear();
        m_sigmaGraph->data()->clear();
        m_energyGraph->data()->clear();
        m_plot->xAxis->setRange(0, 1);
        m_plot->yAxis->setRange(1e-3, 1);
        m_plot->replot();
        return;
    }

    const int count = int(k);
    QVector<double> keys(count), values(count);
    double lowest = std::numeric_limits<double>::infinity(), highest = 0.0;
    for (int i = 0; i < count; ++i) {
        keys[i] = i + 1;
        const double s = m_sigma[i];
        values[i] = s > 0.0 ? s : std::numeric_limits<double>::quiet_NaN();
        if (s > 0.0) {
            lowest = std::min(lowest, s);
            highest = std::max(highest, s);
        }
    }
    QCPRange yRange(1e-3, 1);
    if (highest > 0.0) {
        // Keep sixteen decades at most: σ below ε·σ₁ are rounding noise.
        lowest = std::max(lowest, highest * 1e-16);
        yRange = QCPRange(lowest / 2.0, highest * 2.0);
    }
    m_plot->yAxis->setRange(yRange);
    // QCPBars draws a bar from its base b to b + value: store σ − b so that its top is σ.
    m_bars->setBaseValue(yRange.lower);
    m_bars->setWidth(k > 200 ? 1.0 : 0.8);
    QVector<double> heights(values);
    for (double &h : heights)
        h -= yRange.lower;
    m_bars->setData(keys, heights, true);
    m_sigmaGraph->setData(keys, values, true);
    m_sigmaGraph->setScatterStyle(k <= 64 ? QCPScatterStyle(QCPScatterStyle::ssDisc, sigmaColor, 4)
                                          : QCPScatterStyle(QCPScatterStyle::ssNone));

    QVector<double> energyKeys(count + 1), energy(count + 1);
    for (int r = 0; r <= count; ++r) {
        energyKeys[r] = r;
        energy[r] = 100.0 * energyAt(r);
    }
    m_energyGraph->setData(energyKeys, energy, true);
    m_plot->xAxis->setRange(0, double(k) + 0.6);
    updateTickCount();

    placeRank();
    m_plot->replot();
}

void SpectrumPlot::updateTickCount()
{
    // About one label per 70 pixels: "500 1000 1500" never run together.
    m_plot->xAxis->ticker()->setTickCount(std::clamp(std::max(1, m_plot->axisRect()->width()) / 70, 2, 10));
}

void SpectrumPlot::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateTickCount();
    // The rank label's side depends on the laid-out plot: after the plot has its new size.
    QTimer::singleShot(0, this, [this] {
        placeRank();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });
}

void SpectrumPlot::placeRank()
{
    const auto k = m_sigma.size();
    const int r = int(std::clamp<core::Index>(m_rank, 0, k));
    m_rankLine->start->setCoords(r, 0.0);
    m_rankLine->end->setCoords(r, 1.0);
    m_rankText->setText(rankLabel());
    // The label sits half-way down, beside the line (the energy curve hugs the top, σ the
    // bottom-left): right of it where it fits, else left of it, else against the plot's right
    // edge, never cut off.
    const QRect area = m_plot->axisRect()->rect();
    const QFontMetrics metrics(m_rankText->font());
    int width = metrics.horizontalAdvance(m_rankText->text()) + 10;
    if (area.width() > 0 && width > area.width() && r > 0) { // a narrow plot: the short form
        m_rankText->setText(tr("r = %1: %2 %").arg(r).arg(formatPercent(energyAt(r))));
        width = metrics.horizontalAdvance(m_rankText->text()) + 10;
    }
    const double x = m_plot->xAxis->coordToPixel(r);
    bool right = r < 0.6 * double(k);
    bool pinned = false;
    if (area.width() > 0 && std::isfinite(x)) {
        const bool fitsRight = x + width <= area.right(), fitsLeft = x - width >= area.left();
        right = fitsRight && (right || !fitsLeft);
        pinned = !fitsRight && !fitsLeft;
    }
    m_rankText->position->setTypeX(pinned ? QCPItemPosition::ptAxisRectRatio : QCPItemPosition::ptPlotCoords);
    m_rankText->position->setCoords(pinned ? 1.0 : double(r), 0.45);
    m_rankText->setPositionAlignment((right && !pinned ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
}

} // namespace factorscope::widgets
