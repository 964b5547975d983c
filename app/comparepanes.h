// SPDX-License-Identifier: MIT
#pragma once

#include "settings.h"
#include "workspace.h"

#include <QWidget>

#include <array>
#include <functional>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDialog;
class QGridLayout;
class QLabel;
class QSlider;
class QSpinBox;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace factorscope::widgets {
class MatrixView;
}

namespace factorscope::app {

class DisplayPreview;

/// View ▸ Compare: two to four panes side by side, each with its own method and rank, showing
/// the original, the reconstruction or the signed difference M − M̃ (diverging scale centred on
/// 0, one range for every pane). Zoom and pan are linked across the panes. An A/B split shows
/// the left part of pane A and the right part of pane B in one view, split at a draggable
/// column. Views come from Workspace::requestPaneView (never a factorisation); the methods'
/// results are asked for through methodWanted().
class ComparePanes : public QWidget
{
    Q_OBJECT

public:
    enum class Show { Original, Reconstruction, Difference };
    static constexpr int maxPanes = 4;

    explicit ComparePanes(Workspace *workspace, QWidget *parent = nullptr);

    void setPaneCount(int count);  ///< clamped to 2..4
    int paneCount() const { return m_count; }
    void setPane(int pane, core::Method method, int rank);
    /// The pane's own parameters for its method, or nothing to follow the Method panel's (the
    /// default). Own parameters are factorised for the pane (Workspace::requestPaneResult), get
    /// their own curve on the error plot and are dropped when the pane's method changes.
    void setPaneSettings(int pane, std::optional<core::MethodSettings> settings);
    std::optional<core::MethodSettings> paneSettings(int pane) const { return m_panes[std::size_t(pane)].own; }
    /// The editor of the pane's own parameters ("Params…" next to its method): the Method
    /// panel's page of the pane's method without its rank, and "Same as the Method panel".
    /// Accepting it sets them (setPaneSettings).
    std::unique_ptr<QDialog> parametersDialog(int pane);
    /// The result the pane's views come from: its own one, or the method's current result
    /// (null while there is none).
    std::shared_ptr<const MethodResult> paneSource(int pane) const;
    void setShow(int pane, Show show);
    core::Method paneMethod(int pane) const;
    int paneRank(int pane) const;
    Show paneShow(int pane) const;
    /// "A: ID r = 40" (ρ for Monarch), the label of the pane's marker on the error plot.
    QString paneLabel(int pane) const;
    widgets::MatrixView *view(int pane) const;
    /// True while a pane's full-resolution view waits for its rank to rest (see requestPane).
    bool hasPendingViews() const;
    /// True while the pane shows a display-resolution stand-in (its full view is computed).
    bool showsStandIn(int pane) const;
    /// The newest view delivered to the pane (null before the first).
    std::shared_ptr<const ViewResult> paneView(int pane) const { return m_panes[std::size_t(pane)].result; }

    /// A/B: one view, pane A left of the split column, pane B right of it.
    void setSplitEnabled(bool on);
    bool isSplitEnabled() const;
    void setSplitPosition(double fraction); ///< 0..1 of the width
    double splitPosition() const;
    widgets::MatrixView *splitView() const { return m_split; }

    /// Pane count, each pane's method, rank and what it shows, the A/B split and its position
    /// (`open` is left false: compare mode is the main window's).
    Settings::CompareLayout state() const;
    /// Sets all of state() at once (out-of-range values clamped), then asks for the views.
    void restoreState(const Settings::CompareLayout &layout);

    /// The document or colour mode changed: every pane asks again.
    void reset();
    /// The chroma rank each method's pane uses in ycbcr mode (from the main window).
    void setChromaRankProvider(std::function<std::optional<core::Index>(core::Method)> provider);
    /// Asks for every pane's view (and result).
    void refresh();

    void onResult(core::Method method);
    /// A result asked for by requestPaneResult (from Workspace::paneResultReady).
    void onPaneResult(int pane, std::shared_ptr<const MethodResult> result);
    void onView(std::shared_ptr<const ViewResult> view);

signals:
    /// A pane shows `method`, which has no result yet.
    void methodWanted(core::Method method);
    /// A pane's method, rank or view changed (the main window moves the plot's markers).
    void panesChanged();
    /// Something state() holds was changed by the user or a setter (the main window saves it).
    void stateChanged();

private:
    struct Pane
    {
        QWidget *box = nullptr;
        QLabel *letter = nullptr;
        QComboBox *method = nullptr;
        QToolButton *parameters = nullptr;
        QSpinBox *rank = nullptr;
        QComboBox *show = nullptr;
        widgets::MatrixView *matrix = nullptr;
        std::shared_ptr<const ViewResult> result;
        /// Display-resolution stand-ins while the pane's full-resolution view is computed.
        DisplayPreview *preview = nullptr;
        QTimer *viewDelay = nullptr;                ///< the full view after the rank rests
        std::optional<core::MethodSettings> own;   ///< the pane's own parameters
        std::shared_ptr<const MethodResult> source; ///< with own parameters: their result
    };
    /// Opens the editor of the pane's own parameters.
    void editParameters(int pane);
    void updateParametersButton(int pane);
    /// "B: ID r = 40, chroma 10" for these ranks (paneLabel(pane) uses the asked rank and the
    /// chroma rank of the pane's view).
    QString paneLabel(int pane, core::Index rank, std::optional<core::Index> chromaRank) const;
    void buildPane(int index);
    void layoutPanes();
    void updateRankPrefix(int pane);
    void requestPane(int pane);
    /// Asks for the pane's full-resolution view now.
    void requestPaneView(int pane);
    /// The pane's reconstruction or difference at its new rank, rebuilt at the pane's display
    /// resolution from the cached factors (images larger than the pane only), shown at once
    /// until the full-resolution view arrives. Returns whether a stand-in was shown.
    bool showStandIn(int pane);
    /// Starts setting up the pane's display rebuilder for its current size (in the background).
    void prepareStandIn(int pane);
    void updatePane(int pane);
    void updateDifferenceRange();
    void updateSplit();
    void linkRegion(widgets::MatrixView *source);
    /// The view a pane's zoom and centre follow when it gets new data, or null.
    widgets::MatrixView *linkLeader(int pane) const;

    Workspace *m_workspace;
    std::function<std::optional<core::Index>(core::Method)> m_chroma;
    std::array<Pane, maxPanes> m_panes;
    int m_count = 2;
    QSpinBox *m_countSpin = nullptr;
    QCheckBox *m_splitCheck = nullptr;
    QSlider *m_splitSlider = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_grid = nullptr;
    QGridLayout *m_gridLayout = nullptr;
    widgets::MatrixView *m_split = nullptr;
    bool m_linking = false;
};

} // namespace factorscope::app
