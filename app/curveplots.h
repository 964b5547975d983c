// SPDX-License-Identifier: MIT
#pragma once

#include "workspace.h"

#include "widgets/errorplot.h"
#include "widgets/spectrumplot.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace factorscope::app {

class Selection;
class ViewArea;

/// The plots: the shared error plot (one curve per computed method and per compare pane with
/// its own parameters, the SVD optimum dashed under them, a marker at each method's or pane's
/// setting) and the spectrum (σᵢ of the SVD with the current rank).
///
/// Owns both plot widgets (the main window places them) and feeds them from the workspace's
/// results and the views shown; says which curve point the person clicked (rankPicked). Never
/// factorises and never changes a rank itself.
class CurvePlots : public QObject
{
    Q_OBJECT

public:
    CurvePlots(const Workspace *workspace, const Selection *selection, const ViewArea *views, QObject *parent = nullptr);
    /// Deletes the plots that were never placed in a window.
    ~CurvePlots() override;

    widgets::ErrorPlot *errorPlot() const { return m_errorPlot; }
    widgets::SpectrumPlot *spectrumPlot() const { return m_spectrum; }

    /// A new document or colour mode: no curves, no markers, no spectrum.
    void clear();
    /// A result arrived: the spectrum (an SVD's), the curves and the markers.
    void onResult(core::Method method, const MethodResult &result);
    /// Redraws every curve (the methods' results, and the compare panes' own ones) and marker.
    void updateCurves();
    /// Every marker: each method's at its rank, or each pane's in compare mode.
    void updateMarkers();
    /// The method's marker: on its curve at its rank, or, with a separate chroma rank, at the
    /// measured error of the view shown (none until there is one).
    void placeMarker(core::Method method);
    /// The spectrum's rank line follows the current method's rank (the SVD's for Monarch, whose
    /// block rank is no rank of M).
    void updateSpectrumRank();
    /// The error plot's working range follows the rank shown: ranks up to twice it, at least 128
    /// (in steps of 128·2^k).
    void updateWorkingRank();

signals:
    /// A point of a method's curve was clicked.
    void rankPicked(factorscope::core::Method method, int rank);
    /// The "computed to rank k — extend" text of a method's partial curve was clicked: the
    /// method's result should reach `rank` (twice k).
    void extendWanted(factorscope::core::Method method, factorscope::core::Index rank);

private:
    const Workspace *m_workspace;
    const Selection *m_selection;
    const ViewArea *m_views;
    QPointer<widgets::ErrorPlot> m_errorPlot;
    QPointer<widgets::SpectrumPlot> m_spectrum;
};

} // namespace factorscope::app
