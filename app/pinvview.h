// SPDX-License-Identifier: MIT
#pragma once

#include "core/pinv.h"
#include "core/types.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace factorscope::widgets {
class FilterPlot;
}

namespace factorscope::app {

class Workspace;

/// The pseudo-inverse, made visible (issue 11 item 4), for one channel of the open document:
/// a tolerance slider (log scale; σ at or below τ count as zero in M⁺_τ), the reciprocal spectrum
/// 1/σᵢ with the cut-off, the ridge filter factors σᵢ/(σᵢ² + ε) for a chosen ε beside it, and the
/// four Penrose residuals of M⁺_τ, recomputed by core (core::penroseResiduals) in a job off the
/// GUI thread whenever τ moves. The SVD (core::computePseudoInverse) is a job too.
///
/// A channel with more than maxCells entries is computed on a stated stand-in: block means of
/// f × f cells with the smallest f that brings it under the limit (the residuals are then those
/// of the stand-in, and the page says so).
///
/// Owns its controls, the stand-in and its SVD; asks the workspace only for the channels and its
/// job runner. Computes nothing until it is shown.
class PinvView : public QWidget
{
    Q_OBJECT

public:
    /// Largest channel taken as it is: the four products of the residuals cost O(nm·min(n, m)),
    /// under a second at 512 × 512 on one core.
    static constexpr double maxCells = 512.0 * 512.0;

    explicit PinvView(Workspace *workspace, QWidget *parent = nullptr);
    ~PinvView() override;

    /// The workspace's document or colour mode changed: forget the SVD, recompute when shown.
    void documentChanged();

    /// The matrix analysed (the channel or its stand-in), null before the SVD job ends.
    std::shared_ptr<const core::Matrix> matrix() const { return m_matrix; }
    std::shared_ptr<const core::PseudoInverse> pseudoInverse() const { return m_pinv; }
    double tolerance() const { return m_tolerance; }
    double epsilon() const { return m_epsilon; }
    /// τ and ε as the sliders would set them (clamped to their ranges); recomputes the residuals.
    void setTolerance(double tolerance);
    void setEpsilon(double epsilon);
    /// The residuals shown, for the τ they were computed at (NaN-free only once computed).
    const core::PenroseResiduals &residuals() const { return m_residuals; }
    double residualTolerance() const { return m_residualTolerance; }
    bool hasResiduals() const { return m_hasResiduals; }
    /// The sentence about the stand-in (empty when the channel is taken as it is).
    QString standInNote() const;
    widgets::FilterPlot *filterPlot() const { return m_plot; }
    /// As wide as the Factors dock it shares a tab group with.
    QSize sizeHint() const override { return {520, 600}; }

    /// Block means of f × f cells (the last row and column of blocks averaged over what they hold).
    static core::Matrix blockMeans(const core::Matrix &m, core::Index factor);
    /// The smallest f with ⌈n/f⌉·⌈m/f⌉ ≤ maxCells (1 when the matrix is small enough).
    static core::Index standInFactor(core::Index rows, core::Index cols);

signals:
    /// New residuals are shown (tests and screenshots wait for it).
    void residualsShown();
    /// The SVD of the channel is ready.
    void spectrumShown();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void start();
    void requestResiduals();
    void updateLabels();
    double sliderToTolerance(int value) const;
    int toleranceToSlider(double tolerance) const;
    double sliderToEpsilon(int value) const;
    int epsilonToSlider(double epsilon) const;

    Workspace *m_workspace;
    QComboBox *m_channel = nullptr;
    QLabel *m_channelLabel = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_note = nullptr;
    QSlider *m_toleranceSlider = nullptr;
    QLabel *m_toleranceLabel = nullptr;
    QPushButton *m_defaultButton = nullptr;
    QSlider *m_epsilonSlider = nullptr;
    QLabel *m_epsilonLabel = nullptr;
    widgets::FilterPlot *m_plot = nullptr;
    QLabel *m_residualLabel = nullptr;

    bool m_stale = true;
    core::Index m_sourceRows = 0, m_sourceCols = 0, m_factor = 1;
    std::shared_ptr<const core::Matrix> m_matrix;
    std::shared_ptr<const core::PseudoInverse> m_pinv;
    double m_tolerance = 0.0, m_epsilon = 0.0;
    double m_logSigmaMax = 0.0; ///< log10 σ₁ (slider ranges are relative to it)
    core::PenroseResiduals m_residuals;
    double m_residualTolerance = -1.0;
    bool m_hasResiduals = false;
};

} // namespace factorscope::app
