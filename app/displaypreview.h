// SPDX-License-Identifier: MIT
#pragma once

#include "workspace.h"

#include "core/preview.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QWidget;

namespace factorscope::app {

/// Display-resolution stand-ins for one view of an image (issue 4 §1): what the screen shows
/// the moment a rank changes, rebuilt from a MethodResult's cached factors by a
/// core::FastDisplayRebuilder, while the full-resolution view job runs.
///
/// Setting the rebuilder up averages every factor column (O((n + m)·T) per channel; 0.5 s for an
/// exact SVD of a 4000×3000 colour photo at 1600×1200), so it never runs on the GUI thread: it is
/// a job in the runner's slot (latest request wins), started by prepare() when a result arrives
/// or by planes() when the size changed. The job first publishes a rebuilder for the ranks up to
/// earlyRanks (tens of ms), then the one for every rank. While the rebuilder for a rank is being
/// set up, planes() returns null and ready() follows once it can answer.
///
/// With `withOriginal`, the job also averages the displayed original to the same size, so that
/// planes() can give the signed difference M − M̃ (mean over R, G, B, as the view jobs' residual)
/// at display resolution: averaging is linear, so it equals the full difference averaged down.
class DisplayPreview : public QObject
{
    Q_OBJECT

public:
    /// Ranks the first, quick rebuilder holds (at least twice the rank asked for).
    static constexpr core::Index earlyRanks = 256;

    DisplayPreview(JobRunner *runner, QString slot, bool withOriginal, QObject *parent = nullptr);

    /// The display size of a rows×cols image in `view` (as large as it fits into the view's
    /// device pixels), or nothing when the image is no larger than that (no stand-in needed) or
    /// the view has no size yet.
    static std::optional<std::pair<core::Index, core::Index>> displaySize(const QWidget *view, QRect viewport,
                                                                         core::Index rows, core::Index cols);

    /// The reconstruction of `result` at display resolution in display colour space (RGB or
    /// grey planes, as core::channelsToDisplay), channel c at ranks[c] (clamped to the result's
    /// maxRank), or null when the rebuilder for these ranks is still being set up (the set-up
    /// is started if needed; ready() follows) or the result cannot be rebuilt. With
    /// withOriginal, `document` is the result's document (required).
    std::shared_ptr<const std::vector<core::Matrix>> planes(const std::shared_ptr<const MethodResult> &result,
                                                            const std::vector<core::Index> &ranks,
                                                            std::pair<core::Index, core::Index> size,
                                                            const std::shared_ptr<const InputDocument> &document = nullptr);
    /// The same, as the signed difference M − M̃ averaged over the display channels (requires
    /// withOriginal and `document`, the result's document).
    std::shared_ptr<const core::Matrix> difference(const std::shared_ptr<const MethodResult> &result,
                                                   const std::shared_ptr<const InputDocument> &document,
                                                   const std::vector<core::Index> &ranks,
                                                   std::pair<core::Index, core::Index> size);
    /// Starts setting up the rebuilder for `result` at `size` unless it is there or under way
    /// (`document`, the result's document, is required with withOriginal and ignored without).
    void prepare(const std::shared_ptr<const MethodResult> &result, std::pair<core::Index, core::Index> size,
                 const std::shared_ptr<const InputDocument> &document = nullptr);
    /// Forgets the rebuilder and cancels its set-up (a new document or colour mode).
    void reset();
    /// The result and size the rebuilder (or its set-up) is for.
    bool isFor(const std::shared_ptr<const MethodResult> &result, std::pair<core::Index, core::Index> size) const
    {
        return m_source == result && m_size == size;
    }

signals:
    /// A set-up finished that a planes() or difference() call had to wait for: ask again.
    void ready();

private:
    struct Built;
    const core::FastDisplayRebuilder *rebuilderFor(const std::shared_ptr<const MethodResult> &result,
                                                   const std::vector<core::Index> &ranks,
                                                   std::pair<core::Index, core::Index> size,
                                                   const std::shared_ptr<const InputDocument> &document);
    std::vector<core::Matrix> rebuild(const std::shared_ptr<const MethodResult> &result,
                                      const std::vector<core::Index> &ranks);
    void onDelivered(const QString &slot, quint64 generation, const JobValuePtr &value);

    JobRunner *m_runner;
    QString m_slot;
    bool m_withOriginal;
    std::shared_ptr<const MethodResult> m_source;
    std::shared_ptr<const InputDocument> m_document; ///< withOriginal: the original's document
    std::pair<core::Index, core::Index> m_size{0, 0};
    quint64 m_generation = 0;
    std::shared_ptr<const Built> m_built;
    bool m_waiting = false; ///< a planes() call returned null while the set-up runs
};

} // namespace factorscope::app
