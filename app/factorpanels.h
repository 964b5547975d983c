// SPDX-License-Identifier: MIT
#pragma once

#include "workspace.h"

#include "core/selectors.h"
#include "core/types.h"

#include <QStringList>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>
#include <vector>

class QBoxLayout;
class QComboBox;
class QLabel;
class QStackedWidget;
class QTabWidget;

namespace factorscope::widgets {
class BarPlot;
class MatrixView;
} // namespace factorscope::widgets

namespace factorscope::app {

/// The Factors dock: one tab per method, showing the factors of that method's newest result at
/// its current rank — SVD and randomized SVD: U, Σ, Vᵀ; ID: C and Z (|z| > 1 and > 2 flagged)
/// with the |R_kk| decay (pivoted QR and its sketch) or the selector's scores with its choice
/// highlighted (the other selectors, as CUR); CR: C and R with the sampling probabilities (sampled indices
/// highlighted, with their draw counts); CUR: C, U and R with the column scores (chosen columns
/// highlighted) and the intersection's conditioning; Monarch: L, R, the permutation, the b×b map of slice
/// errors (click a slice to see its singular values and to highlight it on the document) — and
/// a channel selector for images with several channels.
///
/// Only the visible tab is rebuilt, lazily, when its result or rank changes. Extracting factors
/// is a copy of parts of the cached models (no factorisation).
class FactorPanels : public QWidget
{
    Q_OBJECT

public:
    explicit FactorPanels(QWidget *parent = nullptr);
    ~FactorPanels() override;

    void setResult(core::Method method, std::shared_ptr<const MethodResult> result);
    void setRank(core::Method method, core::Index rank);
    /// The SVD of the same document (CR with SVD factors draws its terms from it).
    void setSvdReference(std::shared_ptr<const MethodResult> svd);
    /// The factorised channels (CR's M·I and I·M terms are columns and rows of M) and their
    /// names ("R", "G", "B"; one name: no channel selector).
    void setChannels(std::shared_ptr<const std::vector<core::Matrix>> channels, const QStringList &names);
    /// Whether `method` is being computed: its tab says "Computing …" instead of asking the
    /// person to choose it while it has no result.
    void setComputing(core::Method method, bool computing);
    /// The sentence a tab shows instead of factors (empty when it shows factors).
    QString message(core::Method method) const;
    /// Forgets every result (a new document); the tabs show `message`.
    void clearAll(const QString &message);
    void showMethod(core::Method method);
    core::Method shownMethod() const;

    /// Monarch: selects slice (j = output group, k = input block) as a click on the map would.
    void selectSlice(core::Index j, core::Index k);
    void clearSlice();
    std::optional<std::pair<core::Index, core::Index>> selectedSlice() const { return m_slice; }

    /// For tests and screenshots: the views of a tab ("U", "Vt", "C", "Z", "R", "L", "P", "map").
    widgets::MatrixView *view(core::Method method, const QString &name) const;
    widgets::BarPlot *bars(core::Method method) const;

protected:
    void resizeEvent(QResizeEvent *event) override;

signals:
    /// The hover read-out of any factor view, prefixed with the factor's name.
    void hovered(const QString &text);
    /// A Monarch slice was selected: its strided rows and contiguous columns in M.
    void sliceSelected(const std::vector<core::Index> &rows, const std::vector<core::Index> &columns);
    void sliceCleared();

private:
    struct Tab
    {
        QStackedWidget *stack = nullptr;
        QLabel *message = nullptr;
        QWidget *content = nullptr;
        QLabel *caption = nullptr;
        std::vector<std::pair<QString, widgets::MatrixView *>> views;
        widgets::BarPlot *bars = nullptr;
        widgets::MatrixView *tall = nullptr; ///< n × r factor of the product layout
        widgets::MatrixView *wide = nullptr; ///< r × m factor of the product layout
        std::shared_ptr<const MethodResult> result;
        core::Index rank = 1;
        bool dirty = true;
        bool computing = false;
    };

    QWidget *buildFactorPairTab(core::Method method, const QString &tallKey, const QString &tallTitle,
                                const QString &wideKey, const QString &wideTitle);
    QWidget *buildSvdTab(core::Method method);
    QWidget *buildIdTab();
    QWidget *buildCrTab();
    QWidget *buildCurTab();
    QWidget *buildMonarchTab();
    widgets::MatrixView *addView(Tab &tab, const QString &name, const QString &label);
    void refresh(core::Method method);
    void refreshVisible();
    void refreshSvd(core::Method method, Tab &tab);
    void refreshId(Tab &tab);
    void refreshCr(Tab &tab);
    void refreshCur(Tab &tab);
    /// The bars of a column (row) selector's choice on channel c, for the ID and CUR tabs: the
    /// leverage scores (γ = leverageRank; DEIM: γ = rank) from the exact SVD when it has them,
    /// else the column (row) norms, with `chosen` highlighted. Returns a sentence for the caption
    /// when the bars are not what the selector ranks by (empty otherwise).
    QString setSelectorBars(Tab &tab, int c, core::Selector selector, core::Index leverageRank, core::Index rank,
                            const core::IndexList &chosen, bool rows);
    void refreshMonarch(Tab &tab);
    void refreshSliceBars();
    void fitLayout(Tab &tab);
    int channel() const;
    Tab &tab(core::Method method) { return m_tabs[std::size_t(method)]; }

    QTabWidget *m_tabWidget = nullptr;
    QComboBox *m_channel = nullptr;
    QWidget *m_channelRow = nullptr;
    std::array<Tab, core::methodCount> m_tabs;
    std::shared_ptr<const MethodResult> m_svd;
    std::shared_ptr<const std::vector<core::Matrix>> m_channels;
    std::optional<std::pair<core::Index, core::Index>> m_slice; ///< (j, k)
    QBoxLayout *m_curCorner = nullptr; ///< CUR's U and bars: side by side or stacked
};

} // namespace factorscope::app
