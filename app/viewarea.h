// SPDX-License-Identifier: MIT
#pragma once

#include "workspace.h"

#include <QWidget>

#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QLabel;
class QStackedWidget;
class QTabWidget;
class QTimer;

namespace factorscope::widgets {
class MatrixView;
}

namespace factorscope::app {

class ComparePanes;
class DisplayPreview;
class Selection;
class Settings;

/// The view area: the original M beside the reconstruction M̃ and the residual M − M̃ (zoom and
/// pan linked), or the side-by-side compare panes in their place, and the read-out line under
/// them (relative error, PSNR, SSIM, numbers stored).
///
/// Owns those views, the newest view result of the current method, the display-resolution
/// stand-in that follows a rank change at once (DisplayPreview) and the timer that asks for the
/// full-resolution view once the rank rests, and the marks drawn on the original (ID's skeleton,
/// CR's draws, a Monarch slice). It asks the workspace for views, never for factorisations, and
/// reads the person's choice from Selection; it never touches the plots, the factors or the
/// method panel (the main window wires them to its signals).
class ViewArea : public QWidget
{
    Q_OBJECT

public:
    /// While a display-resolution stand-in follows the rank, the full-resolution view is asked
    /// for this long after the last rank change (a drag does not start one per step).
    static constexpr int viewDelayMs = 150;

    ViewArea(Workspace *workspace, Settings *settings, const Selection *selection, QWidget *parent = nullptr);

    widgets::MatrixView *documentView() const { return m_documentView; }
    widgets::MatrixView *reconstructionView() const { return m_reconstructionView; }
    widgets::MatrixView *residualView() const { return m_residualView; }
    ComparePanes *comparePanes() const { return m_compare; }
    /// The view zoom actions act on: pane A in compare mode (the others follow), else the original.
    widgets::MatrixView *zoomTarget() const;
    /// The widget shown (the compare panes, or the original beside the result tabs).
    QWidget *currentWidget() const;

    /// The newest view delivered for the current method (null before the first).
    std::shared_ptr<const ViewResult> currentView() const { return m_view; }
    QString metricsText() const;

    void setCompareMode(bool on);
    bool isCompareMode() const;

    /// A new document or colour mode, before its factorisations are asked for: forgets the view,
    /// the stand-in and the slice marks; "Computing…" in the result views.
    void clearResults();
    /// Then (drawing a large photo takes a while, so after the factorisations have started): the
    /// original in the workspace's colour mode, no marks, no read-out, the compare panes reset.
    void showDocument();
    /// The current method has no result yet and is being computed.
    void showComputing(core::Method method);

    /// A result arrived: its stand-in as soon as it is set up, and its full-resolution view.
    void onResult(core::Method method);
    /// A view arrived (the main view's, or a compare pane's).
    void onView(std::shared_ptr<const ViewResult> view);
    /// The current method's rank or chroma rank changed: the stand-in at once, the full view
    /// viewDelayMs after the last change (at once when there is no stand-in). Returns whether
    /// the stand-in was shown (rankSettled() then follows when the rank rests).
    bool followRank(core::Method method);
    /// Asks for the full-resolution view of `method` at its rank now.
    void requestView(core::Method method);
    /// The current method changed: its marks, and its view when it has a result.
    void onMethodChanged(core::Method method);

    /// Monarch: highlights a slice's strided rows and contiguous columns on the original.
    void setSliceHighlight(std::vector<core::Index> rows, std::vector<core::Index> columns);
    /// Redraws the marks of the current method on the original.
    void updateDocumentMarks();

    /// True while a full-resolution view is still to be asked for (the rank has not rested yet,
    /// here or in a compare pane).
    bool hasPendingViews() const;

    /// The read-out while the view of `method` at its rank is computed: the numbers that are
    /// closed forms of the factors (relative error, numbers stored) at once, "PSNR and SSIM:
    /// computing…" greyed — never an older view's numbers beside a new picture.
    /// `stopped`: the view was cancelled, said instead of "computing…".
    void showPendingReadout(core::Method method, bool stopped = false);
    /// Every job was cancelled: a read-out waiting for its view says it was stopped.
    void onCancelled();

signals:
    /// The full-resolution view of `method` was asked for after the rank rested.
    void rankSettled(factorscope::core::Method method);
    /// A view of the current method is shown (the plots move its marker).
    void viewShown(std::shared_ptr<const factorscope::app::ViewResult> view);
    /// Hover read-out of a view, prefixed with the view's name ("" when the cursor left).
    void hovered(const QString &text);

private:
    /// What the read-out line says of one setting.
    struct Readout
    {
        QString title;
        double relErrFro = 0.0;
        double psnrDb = std::numeric_limits<double>::quiet_NaN();
        double ssim = std::numeric_limits<double>::quiet_NaN();
        double params = 0.0, ratio = 0.0;
        core::Index rank = 0;
        QString pending; ///< what is still being computed, greyed; empty when nothing is
    };
    void setReadout(const MethodResult &source, const Readout &readout);
    /// Only a greyed sentence ("Computing SVD…").
    void setPendingText(const QString &text);
    void showOriginal();
    /// "SVD, rank 12" or "Monarch, ρ = 2 (Y), 1 (Cb, Cr)" for the reconstruction's title.
    static QString viewTitle(core::Method method, core::Index rank, const std::vector<core::Index> &ranks, bool chroma);
    /// The stand-in's size for the method's result in the reconstruction view, or nothing when
    /// there is no stand-in: images larger than the view only, not in compare mode, only once
    /// the method has a result of the current document and colour mode.
    std::optional<std::pair<core::Index, core::Index>> displayPreviewSize(core::Method method) const;
    /// Starts setting up the rebuilder for the current method's result.
    void prepareDisplayPreview(core::Method method);
    /// Shows at once, on the GUI thread, the reconstruction rebuilt at display resolution from
    /// the cached models (a few ms) while the view job computes the full-resolution view. False
    /// when there is no stand-in, or while its rebuilder is set up in the background
    /// (DisplayPreview::ready shows it then).
    bool showDisplayPreview(core::Method method);
    void linkViews();
    /// The residual tab is current: the views carry their residual (Workspace::setViewResiduals)
    /// and the shown view's is drawn (computed now if it came without).
    bool residualOnScreen() const;
    void onResultTabChanged();
    /// Draws m_view's residual in the residual view (Workspace::residualOf) unless it is there.
    void showResidual();
    /// Forgets the shown view (a new result or another method is about to be viewed), so that
    /// its residual and, once the stand-in replaces the picture, its planes are freed before the
    /// next view is computed instead of being held beside it.
    void releaseView();

    Workspace *m_workspace;
    Settings *m_settings;
    const Selection *m_selection;
    std::shared_ptr<const ViewResult> m_view;
    DisplayPreview *m_displayPreview = nullptr;
    std::vector<core::Index> m_sliceRows, m_sliceColumns;
    widgets::MatrixView *m_documentView = nullptr;
    widgets::MatrixView *m_reconstructionView = nullptr;
    widgets::MatrixView *m_residualView = nullptr;
    QTabWidget *m_resultTabs = nullptr;
    QLabel *m_metrics = nullptr;
    QWidget *m_views = nullptr;
    QStackedWidget *m_stack = nullptr;
    ComparePanes *m_compare = nullptr;
    QTimer *m_viewDelay = nullptr; ///< the full-resolution view after the rank rests
    bool m_readoutPending = false; ///< the read-out waits for a view (showPendingReadout)
    bool m_residualShown = false;  ///< the residual view shows m_view's residual
};

} // namespace factorscope::app
