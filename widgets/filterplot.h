// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace factorscope::widgets {

/// What a pseudo-inverse does to each singular direction, over the index i on a log axis:
/// the reciprocal spectrum 1/σᵢ (solid where σᵢ > τ, i.e. what M⁺_τ keeps; dashed grey where the
/// tolerance τ drops it), the cut-off 1/τ as a horizontal line, and the ridge filter factors
/// σᵢ/(σᵢ² + ε) of X(ε) = (MᵀM + εI)⁻¹Mᵀ, which follow 1/σᵢ while σᵢ² ≫ ε and bend down to
/// σᵢ/ε below √ε (their maximum is 1/(2√ε) at σᵢ = √ε). Handed σ, τ and ε; computes nothing else.
class FilterPlot : public QWidget
{
    Q_OBJECT

public:
    explicit FilterPlot(QWidget *parent = nullptr);
    ~FilterPlot() override;

    /// σ in decreasing order (zeros are left off the log axis).
    void setSingularValues(const core::Vector &sigma);
    void setTolerance(double tolerance);
    /// ε ≤ 0 hides the ridge curve.
    void setEpsilon(double epsilon);
    void clear();

    QCustomPlot *plot() const { return m_plot; }
    QCPGraph *keptGraph() const { return m_kept; }
    QCPGraph *droppedGraph() const { return m_dropped; }
    QCPGraph *ridgeGraph() const { return m_ridge; }
    /// The y of the cut-off line, 1/τ (+∞ for τ = 0).
    double cutoffLevel() const;

private:
    void refresh();

    QCustomPlot *m_plot = nullptr;
    QCPGraph *m_kept = nullptr;
    QCPGraph *m_dropped = nullptr;
    QCPGraph *m_ridge = nullptr;
    QCPItemStraightLine *m_cutoff = nullptr;
    QCPItemText *m_cutoffText = nullptr;
    core::Vector m_sigma;
    double m_tolerance = 0.0;
    double m_epsilon = 0.0;
};

} // namespace factorscope::widgets
