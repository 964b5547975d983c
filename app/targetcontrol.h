// SPDX-License-Identifier: MIT
#pragma once

#include "jobrunner.h"

#include "core/curve.h"
#include "core/target.h"

#include <QObject>
#include <QStringList>

#include <map>
#include <optional>
#include <set>
#include <utility>

class QComboBox;
class QDoubleSpinBox;
class QToolBar;

namespace factorscope::app {

class Selection;
class Workspace;

/// The Target control of the toolbar: the smallest rank of each computed method that reaches a
/// relative error, PSNR or SSIM, or the largest within a stored-numbers budget.
///
/// Owns its kind and value controls and the search, a background job on the workspace's runner
/// (slot "target") that evaluates the cached models (core::rankForTarget), never factorising.
/// Says what it found (ranksFound, message); the main window sets the ranks.
class TargetControl : public QObject
{
    Q_OBJECT

public:
    TargetControl(Workspace *workspace, const Selection *selection, QObject *parent = nullptr);

    /// Adds " Target [kind] [value] Apply" to `bar`.
    void addTo(QToolBar *bar);

    /// Searches, for each computed method, the rank reaching `value` (relative error ≤, PSNR ≥,
    /// SSIM ≥; stored numbers: the largest rank within the budget). On the shown trial's models,
    /// with the chroma rank fixed in ycbcr mode. ranksFound follows when the search ends. A
    /// method whose answer lies beyond the rank it was computed to (a partial SVD, ID or Monarch
    /// not reaching the target, or a budget allowing more) is extended and the search repeated
    /// once the extended result is there.
    void apply(core::TargetKind kind, double value);
    /// The answer of the last search that ended, per method (nullopt: out of reach).
    std::map<core::Method, std::optional<core::Index>> lastRanks() const { return m_ranks; }

signals:
    /// The search ended: the rank per method (nullopt: out of reach; 0: below rank 1).
    void ranksFound(const std::map<factorscope::core::Method, std::optional<factorscope::core::Index>> &ranks);
    /// A sentence for the status bar.
    void message(const QString &text);
    /// Something failed, for the error banner.
    void error(const QString &text);

private:
    struct Outcome;
    void onFound(const Outcome &outcome);

    Workspace *m_workspace;
    const Selection *m_selection;
    /// A search that found methods whose answer lies beyond their computed rank: searched again
    /// (m_retry) once each of them (m_waiting) has delivered its extended result.
    std::optional<std::pair<core::TargetKind, double>> m_retry;
    std::set<core::Method> m_waiting;
    QComboBox *m_kind = nullptr;
    QDoubleSpinBox *m_value = nullptr;
    std::map<core::Method, std::optional<core::Index>> m_ranks;
};

} // namespace factorscope::app
