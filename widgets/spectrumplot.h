// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <QString>
#include <QWidget>

class QCustomPlot;
class QCPBars;
class QCPGraph;
class QCPItemLine;
class QCPItemText;

namespace factorscope::widgets {

/// Singular values σ_i (i = 1..k) on a log left axis, bars with a line over them, and the
/// cumulative energy E(r) = Σ_{i≤r} σ_i² / Σ σ² in % on the right axis (E(0) = 0; the zero
/// matrix keeps 100 % at every rank), with a vertical line at the current rank labelled
/// "r = 20: 97.3 % energy". One channel at a time: the label says which.
class SpectrumPlot : public QWidget
{
    Q_OBJECT

public:
    explicit SpectrumPlot(QWidget *parent = nullptr);
    ~SpectrumPlot() override;

    /// The singular values to draw, in decreasing order. `totalEnergy` is ‖M‖²_F when the values
    /// may be only the leading ones (a preview, a partial SVD): the cumulative energy is measured
    /// against it; 0 means the values are all of them (their squares sum to ‖M‖²_F).
    void setSingularValues(const core::Vector &sigma, const QString &label = {}, double totalEnergy = 0.0);
    void setRank(int rank);
    void clear();
    QCustomPlot *plot() const { return m_plot; }

    // --- additions ---------------------------------------------------------------------------
    int rank() const { return m_rank; }
    /// E(r) = Σ_{i≤r} σᵢ² / ‖M‖²_F in [0, 1] (r clamped to 0..k).
    double energyAt(int rank) const;
    /// The rank line's label ("r = 20: 97.3 % energy", or "beyond the 50 values computed");
    /// empty without data.
    QString rankLabel() const;
    /// The bars hold σ_i − baseValue() (QCPBars draws from the base to base + value).
    QCPBars *bars() const { return m_bars; }
    QCPGraph *sigmaGraph() const { return m_sigmaGraph; }
    QCPGraph *energyGraph() const { return m_energyGraph; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void refresh();
    void updateTickCount();
    /// The rank line and label at m_rank (no replot).
    void placeRank();

    QCustomPlot *m_plot = nullptr;
    QCPBars *m_bars = nullptr;
    QCPGraph *m_sigmaGraph = nullptr;
    QCPGraph *m_energyGraph = nullptr;
    QCPItemLine *m_rankLine = nullptr;
    QCPItemText *m_rankText = nullptr;
    QCPItemText *m_emptyText = nullptr;
    core::Vector m_sigma;
    core::Vector m_cumulative; ///< m_cumulative[r] = Σ_{i<r} σ_i² (0-based), r = 0..k
    QString m_label;
    double m_totalEnergy = 0.0;
    int m_rank = 0;
};

} // namespace factorscope::widgets
