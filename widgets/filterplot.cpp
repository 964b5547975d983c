// SPDX-License-Identifier: MIT
// qcustomplot.h uses Qt's `foreach` in its templates: include it first, with QT_NO_FOREACH
// lifted for it (see errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "filterplot.h"

#include "errorplot.h" // applyPlotStyle, makeLogTicker

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace factorscope::widgets {

namespace {

const QColor keptColor(31, 119, 180);
const QColor ridgeColor(230, 110, 0);
const QColor cutoffColor(200, 30, 60);

} // namespace

FilterPlot::FilterPlot(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(240, 160);
    layout->addWidget(m_plot);
    applyPlotStyle(m_plot, palette(), font());
    m_plot->xAxis->setLabel(tr("index i"));
    m_plot->xAxis->setTicker(makeIntegerTicker());
    m_plot->yAxis->setLabel(tr("factor applied to direction i"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(makeLogTicker());
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);

    m_kept = m_plot->addGraph();
    m_kept->setName(tr("1/σᵢ kept (σᵢ > τ)"));
    m_kept->setPen(QPen(keptColor, 2.0));
    m_dropped = m_plot->addGraph();
    m_dropped->setName(tr("1/σᵢ dropped (σᵢ ≤ τ)"));
    m_dropped->setPen(QPen(QColor(140, 140, 140), 1.5, Qt::DashLine));
    m_ridge = m_plot->addGraph();
    m_ridge->setName(tr("ridge σᵢ/(σᵢ² + ε)"));
    m_ridge->setPen(QPen(ridgeColor, 1.8));
    m_cutoff = new QCPItemStraightLine(m_plot);
    m_cutoff->setPen(QPen(cutoffColor, 1.2, Qt::DashDotLine));
    m_cutoffText = new QCPItemText(m_plot);
    m_cutoffText->setColor(cutoffColor);
    m_cutoffText->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_cutoffText->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_cutoffText->position->setTypeY(QCPItemPosition::ptPlotCoords);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    clear();
}

FilterPlot::~FilterPlot() = default;

void FilterPlot::setSingularValues(const core::Vector &sigma)
{
    m_sigma = sigma;
    refresh();
}

void FilterPlot::setTolerance(double tolerance)
{
    m_tolerance = std::max(0.0, tolerance);
    refresh();
}

void FilterPlot::setEpsilon(double epsilon)
{
    m_epsilon = epsilon;
    refresh();
}

void FilterPlot::clear()
{
    m_sigma = core::Vector();
    refresh();
}

double FilterPlot::cutoffLevel() const
{
    return m_tolerance > 0.0 ? 1.0 / m_tolerance : std::numeric_limits<double>::infinity();
}

void FilterPlot::refresh()
{
    QVector<double> keptX, keptY, droppedX, droppedY, ridgeX, ridgeY;
    double low = std::numeric_limits<double>::infinity(), high = 0.0;
    for (Eigen::Index i = 0; i < m_sigma.size(); ++i) {
        const double s = m_sigma[i];
        if (!(s > 0.0))
            continue;
        const double x = double(i + 1);
        const double inverse = 1.0 / s;
        (s > m_tolerance ? keptX : droppedX) << x;
        (s > m_tolerance ? keptY : droppedY) << inverse;
        low = std::min(low, inverse);
        high = std::max(high, inverse);
        if (m_epsilon > 0.0) {
            const double f = s / (s * s + m_epsilon);
            ridgeX << x;
            ridgeY << f;
            low = std::min(low, f);
        }
    }
    // The dashed part starts at the last kept point, so the two halves read as one curve.
    if (!keptX.isEmpty() && !droppedX.isEmpty()) {
        droppedX.prepend(keptX.back());
        droppedY.prepend(keptY.back());
    }
    m_kept->setData(keptX, keptY, true);
    m_dropped->setData(droppedX, droppedY, true);
    m_ridge->setData(ridgeX, ridgeY, true);
    m_ridge->setVisible(m_epsilon > 0.0);
    const bool cut = m_tolerance > 0.0 && std::isfinite(cutoffLevel()) && high > 0.0;
    m_cutoff->setVisible(cut);
    m_cutoffText->setVisible(cut);
    if (cut) {
        m_cutoff->point1->setCoords(0.0, cutoffLevel());
        m_cutoff->point2->setCoords(1.0, cutoffLevel());
        m_cutoffText->position->setCoords(0.98, cutoffLevel());
        m_cutoffText->setText(tr("cut-off 1/τ = %1").arg(cutoffLevel(), 0, 'g', 3));
        low = std::min(low, cutoffLevel());
        high = std::max(high, cutoffLevel());
    }
    if (high > 0.0 && std::isfinite(low)) {
        m_plot->xAxis->setRange(0.5, double(m_sigma.size()) + 0.5);
        m_plot->yAxis->setRange(low / 2.0, high * 4.0);
    } else {
        m_plot->xAxis->setRange(0.5, 1.5);
        m_plot->yAxis->setRange(0.1, 10.0);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace factorscope::widgets
