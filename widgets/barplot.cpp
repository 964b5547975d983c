// SPDX-License-Identifier: MIT
// qcustomplot.h uses Qt's `foreach` in its templates: include it first, with QT_NO_FOREACH
// lifted for it (see errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "barplot.h"

#include "errorplot.h" // applyPlotStyle

#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace factorscope::widgets {

namespace {

const QColor barColor(100, 140, 190);
const QColor highlightColor(230, 110, 0);
constexpr int maxCountLabels = 60;

} // namespace

BarPlot::BarPlot(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(200, 140);
    layout->addWidget(m_plot);
    applyPlotStyle(m_plot, palette(), font());
    m_plot->legend->setVisible(false);
    m_plot->xAxis->grid()->setVisible(false);

    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setBrush(barColor);
    m_bars->setPen(Qt::NoPen);
    m_highlight = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_highlight->setBrush(highlightColor);
    m_highlight->setPen(QPen(highlightColor.darker(130), 1));

    connect(m_plot, &QCustomPlot::mousePress, this, &BarPlot::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &BarPlot::onMouseMove);
    refresh();
}

BarPlot::~BarPlot() = default;

void BarPlot::setBars(const QVector<double> &values, const QString &xLabel, const QString &yLabel,
                      bool logY)
{
    m_values = values;
    m_logY = logY;
    m_plot->xAxis->setLabel(xLabel);
    m_plot->yAxis->setLabel(yLabel);
    // New bars: old highlights would point at other things.
    m_highlighted.clear();
    m_counts.clear();
    refresh();
}

void BarPlot::setHighlighted(const QVector<int> &indices, const QVector<int> &counts)
{
    m_highlighted = indices;
    m_counts = counts.size() == indices.size() ? counts : QVector<int>();
    refresh();
}

void BarPlot::setTitle(const QString &title)
{
    if (!m_title) {
        m_plot->plotLayout()->insertRow(0);
        m_title = new QCPTextElement(m_plot, QString(), font());
        m_plot->plotLayout()->addElement(0, 0, m_title);
        m_title->setTextColor(palette().color(QPalette::WindowText));
    }
    QFont bold = font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setText(title);
    m_title->setVisible(!title.isEmpty());
    m_plot->replot();
}

void BarPlot::clear()
{
    m_values.clear();
    m_highlighted.clear();
    m_counts.clear();
    m_plot->xAxis->setLabel(QString());
    m_plot->yAxis->setLabel(QString());
    refresh();
}

void BarPlot::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateDecorations();
}

QStringList BarPlot::countLabels() const
{
    QStringList labels;
    for (int i = 0; i < m_plot->itemCount(); ++i)
        if (auto *t = qobject_cast<QCPItemText *>(m_plot->item(i)))
            labels << t->text();
    return labels;
}

void BarPlot::refresh()
{
    const int n = int(m_values.size());
    const double missing = std::numeric_limits<double>::quiet_NaN();
    const auto shown = [&](double v) { return (!std::isfinite(v) || (m_logY && !(v > 0.0))) ? missing : v; };
    QVector<double> keys(n), values(n);
    double lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
    for (int i = 0; i < n; ++i) {
        keys[i] = i;
        values[i] = shown(m_values[i]);
        if (std::isfinite(values[i])) {
            lowest = std::min(lowest, values[i]);
            highest = std::max(highest, values[i]);
        }
    }

    double base = 0.0;
    if (m_logY) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
        const QCPRange range = std::isfinite(lowest) ? QCPRange(lowest / 2.0, highest * 4.0)
                                                     : QCPRange(1e-3, 1.0);
        m_plot->yAxis->setRange(range);
        base = range.lower;
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->yAxis->setNumberFormat(QStringLiteral("g"));
        m_plot->yAxis->setNumberPrecision(6);
        const double low = std::isfinite(lowest) ? std::min(0.0, lowest) : 0.0;
        const double high = std::isfinite(highest) ? std::max(0.0, highest) : 1.0;
        const double pad = high > low ? 0.15 * (high - low) : 1.0; // room for the count labels
        m_plot->yAxis->setRange(low < 0.0 ? low - pad : 0.0, high + pad);
    }
    // QCPBars draws from its base b to b + value: store value − b so that the top is the value.
    m_bars->setBaseValue(base);
    m_highlight->setBaseValue(base);
    QVector<double> heights(values);
    for (double &h : heights)
        h -= base;
    m_bars->setData(keys, heights, true);

    m_highlightKeys.clear();
    m_highlightValues.clear();
    m_highlightCounts.clear();
    QVector<int> order(m_highlighted.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return m_highlighted[a] < m_highlighted[b]; });
    for (int k : order) {
        const int i = m_highlighted[k];
        if (i < 0 || i >= n || (!m_highlightKeys.isEmpty() && m_highlightKeys.back() == i))
            continue;
        m_highlightKeys << i;
        m_highlightValues << values[i];
        m_highlightCounts << (m_counts.isEmpty() ? 1 : m_counts[k]);
    }
    QVector<double> highlightHeights(m_highlightValues);
    for (double &h : highlightHeights)
        h -= base;
    m_highlight->setData(m_highlightKeys, highlightHeights, true);
    m_highlight->setVisible(!m_highlightKeys.isEmpty());

    m_plot->xAxis->setRange(-0.6, std::max(0, n - 1) + 0.6);
    m_plot->xAxis->setTicker(makeIntegerTicker());
    updateDecorations();
}

void BarPlot::updateDecorations()
{
    // Count labels of the previous layout.
    for (int i = m_plot->itemCount() - 1; i >= 0; --i)
        m_plot->removeItem(i);

    // Thousands of bars in a few hundred pixels: every bar at least one whole pixel, without
    // antialiasing, so the tallest in each pixel column shows (no faint hatching); highlighted
    // bars at least 3 pixels so that a single sampled index stays visible.
    const int n = int(m_values.size());
    const double axisWidth = m_plot->axisRect()->width() > 50 ? m_plot->axisRect()->width()
                                                              : std::max(100, m_plot->width() - 80);
    const double pixelsPerBar = n > 0 ? axisWidth / double(n) : 100.0;
    const bool dense = pixelsPerBar < 1.5;
    m_bars->setAntialiased(pixelsPerBar >= 6.0);
    m_bars->setWidthType(dense ? QCPBars::wtAbsolute : QCPBars::wtPlotCoords);
    m_bars->setWidth(dense || pixelsPerBar < 6.0 ? 1.0 : 0.8);
    m_highlight->setWidthType(pixelsPerBar < 3.0 ? QCPBars::wtAbsolute : QCPBars::wtPlotCoords);
    m_highlight->setWidth(pixelsPerBar < 3.0 ? 3.0 : pixelsPerBar < 6.0 ? 1.0 : 0.8);

    // Draw counts: "×3" along the top of the plot above bars drawn more than once (where no
    // bar reaches: the value axis leaves room), while there are few enough to read, never
    // closer than a label's width to the previous one.
    if (!m_counts.isEmpty() && m_highlightKeys.size() <= maxCountLabels) {
        QFont small = font();
        small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.8));
        const QFontMetrics fm(small);
        double lastPixel = -1e9;
        for (int j = 0; j < m_highlightKeys.size(); ++j) {
            if (m_highlightCounts[j] <= 1 || !std::isfinite(m_highlightValues[j]))
                continue;
            const QString text = QStringLiteral("×%1").arg(m_highlightCounts[j]);
            const double pixel = m_highlightKeys[j] * pixelsPerBar;
            if (pixel - lastPixel < fm.horizontalAdvance(text) + 4)
                continue;
            lastPixel = pixel;
            auto *label = new QCPItemText(m_plot);
            label->position->setAxes(m_plot->xAxis, m_plot->yAxis);
            label->position->setAxisRect(m_plot->axisRect());
            label->position->setTypeX(QCPItemPosition::ptPlotCoords);
            label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            label->position->setCoords(m_highlightKeys[j], 0.0);
            // At the left edge, start at the bar rather than centre on it (no clipping).
            label->setPositionAlignment((pixel < fm.horizontalAdvance(text) ? Qt::AlignLeft : Qt::AlignHCenter)
                                        | Qt::AlignTop);
            label->setPadding(QMargins(1, 2, 1, 0));
            label->setText(text);
            label->setFont(small);
            label->setColor(highlightColor.darker(150));
        }
    }
    m_plot->replot();
}

int BarPlot::barAt(const QPointF &pixel) const
{
    if (m_values.isEmpty() || !m_plot->axisRect()->rect().contains(pixel.toPoint()))
        return -1;
    const double key = m_plot->xAxis->pixelToCoord(pixel.x());
    const int i = int(std::lround(key));
    if (i < 0 || i >= m_values.size())
        return -1;
    // Within the bar's half-width, or the nearest bar when bars are thinner than a few pixels.
    const double pixelsPerBar = m_plot->axisRect()->width() / double(m_values.size());
    if (pixelsPerBar >= 6.0 && std::abs(key - i) > 0.45)
        return -1;
    return i;
}

void BarPlot::onMousePress(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const int i = barAt(event->position());
    if (i >= 0)
        emit barClicked(i);
}

void BarPlot::onMouseMove(QMouseEvent *event)
{
    const int i = barAt(event->position());
    if (i < 0) {
        QToolTip::hideText();
        return;
    }
    QString text = tr("%1: %2").arg(i).arg(QString::number(m_values[i], 'g', 4));
    const int k = int(m_highlighted.indexOf(i));
    if (k >= 0)
        text += m_counts.isEmpty() ? tr(" (highlighted)") : tr(" (drawn ×%1)").arg(m_counts[k]);
    QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

} // namespace factorscope::widgets
