// SPDX-License-Identifier: MIT
#include "displaypreview.h"

#include "core/color.h"
#include "core/display.h"
#include "core/rsvd.h"

#include <QWidget>

#include <algorithm>
#include <cmath>

namespace factorscope::app {

using core::Index;
using core::Matrix;

/// What the set-up job delivers: the rebuilder (its at() mutates, so it is not const) and, with
/// withOriginal, the displayed original at the same size.
struct DisplayPreview::Built final : JobValue
{
    std::shared_ptr<core::FastDisplayRebuilder> rebuilder;
    std::shared_ptr<const std::vector<Matrix>> original;
    bool complete = false; ///< holds every rank of the result (else the first earlyRanks)
};

DisplayPreview::DisplayPreview(JobRunner *runner, QString slot, bool withOriginal, QObject *parent)
    : QObject(parent), m_runner(runner), m_slot(std::move(slot)), m_withOriginal(withOriginal)
{
    connect(m_runner, &JobRunner::partialResult, this, &DisplayPreview::onDelivered);
    connect(m_runner, &JobRunner::finished, this, &DisplayPreview::onDelivered);
    // A set-up cancelled before it finished (the status bar's Cancel, a new document) is
    // started again by the next request.
    connect(m_runner, &JobRunner::cancelled, this, [this](const QString &slot, quint64 generation) {
        if (slot == m_slot && generation == m_generation && !(m_built && m_built->complete)) {
            m_generation = 0;
            m_source.reset();
            m_document.reset();
            m_size = {0, 0};
            m_built.reset();
        }
    });
}

std::optional<std::pair<Index, Index>> DisplayPreview::displaySize(const QWidget *view, QRect viewport,
                                                                  Index rows, Index cols)
{
    const double dpr = view->devicePixelRatioF();
    if (viewport.width() < 1 || viewport.height() < 1 || rows < 1 || cols < 1)
        return std::nullopt;
    const double scale = std::min({1.0, viewport.height() * dpr / double(rows), viewport.width() * dpr / double(cols)});
    const Index outRows = std::clamp<Index>(Index(std::ceil(double(rows) * scale)), 1, rows);
    const Index outCols = std::clamp<Index>(Index(std::ceil(double(cols) * scale)), 1, cols);
    if (outRows >= rows && outCols >= cols)
        return std::nullopt;
    return std::make_pair(outRows, outCols);
}

void DisplayPreview::reset()
{
    if (m_generation != 0)
        m_runner->cancel(m_slot);
    m_generation = 0;
    m_source.reset();
    m_document.reset();
    m_size = {0, 0};
    m_built.reset();
    m_waiting = false;
}

void DisplayPreview::prepare(const std::shared_ptr<const MethodResult> &result, std::pair<Index, Index> size,
                             const std::shared_ptr<const InputDocument> &document)
{
    if (!result || (isFor(result, size) && (!m_withOriginal || m_document == document)))
        return;
    reset();
    if (m_withOriginal && !document)
        return;
    const int channels = result->channels();
    if (result->models.empty() || (channels != 1 && channels != 3) || size.first < 1 || size.second < 1)
        return;
    m_source = result;
    m_size = size;
    m_document = m_withOriginal ? document : nullptr;
    auto models = result->models[0];
    // A large SVD's preview holds randomized SVD models under Method::Svd.
    const core::Method method = dynamic_cast<const core::RsvdModel *>(models.front().get()) ? core::Method::Rsvd : result->method;
    const Index maxRank = result->maxRank;
    const core::ColorMode color = result->color;
    std::shared_ptr<const InputDocument> doc = m_withOriginal ? document : nullptr;
    m_generation = m_runner->submit(
        m_slot, tr("Preparing the display of %1").arg(Workspace::methodTitle(method)),
        [models, method, maxRank, size, doc, color](JobContext &context) -> JobValuePtr {
            std::shared_ptr<const std::vector<Matrix>> original;
            if (doc) {
                std::vector<Matrix> reduced;
                for (const Matrix &plane : *Workspace::displayedOriginal(doc, color))
                    reduced.push_back(core::reduceForDisplay(plane, size.first, size.second).values);
                original = std::make_shared<const std::vector<Matrix>>(std::move(reduced));
            }
            context.checkpoint(0.05);
            // The ranks near the slider first (tens of ms), then all of them.
            if (maxRank > earlyRanks) {
                auto early = std::make_shared<Built>();
                early->rebuilder = std::make_shared<core::FastDisplayRebuilder>(models, method, size.first,
                                                                                size.second, earlyRanks);
                early->original = original;
                context.publish(early);
                context.checkpoint(0.1);
            }
            auto all = std::make_shared<Built>();
            all->rebuilder = std::make_shared<core::FastDisplayRebuilder>(models, method, size.first, size.second);
            all->original = original;
            all->complete = true;
            return all;
        });
}

void DisplayPreview::onDelivered(const QString &slot, quint64 generation, const JobValuePtr &value)
{
    if (slot != m_slot || generation != m_generation)
        return;
    auto built = std::dynamic_pointer_cast<const Built>(value);
    if (!built || !built->rebuilder)
        return;
    m_built = std::move(built);
    if (m_waiting) {
        m_waiting = false;
        emit ready();
    }
}

const core::FastDisplayRebuilder *DisplayPreview::rebuilderFor(const std::shared_ptr<const MethodResult> &result,
                                                               const std::vector<Index> &ranks,
                                                               std::pair<Index, Index> size,
                                                               const std::shared_ptr<const InputDocument> &document)
{
    if (!result || ranks.size() != std::size_t(result->channels()))
        return nullptr;
    prepare(result, size, document);
    if (!isFor(result, size)) {
        m_waiting = false; // cannot be rebuilt (prepare() refused it)
        return nullptr;
    }
    const Index highest = ranks.empty() ? 0 : *std::max_element(ranks.begin(), ranks.end());
    if (!m_built || (!m_built->complete && std::min(highest, result->maxRank) > m_built->rebuilder->maxRank())) {
        m_waiting = true;
        return nullptr;
    }
    return m_built->rebuilder.get();
}

std::vector<Matrix> DisplayPreview::rebuild(const std::shared_ptr<const MethodResult> &result,
                                            const std::vector<Index> &ranks)
{
    std::vector<Index> clamped(ranks.size());
    for (std::size_t c = 0; c < ranks.size(); ++c)
        clamped[c] = std::clamp<Index>(ranks[c], 0, result->maxRank);
    std::vector<Matrix> channels;
    channels.reserve(clamped.size());
    for (const auto &plane : m_built->rebuilder->atRanks(clamped))
        channels.emplace_back(plane.cast<double>());
    return core::channelsToDisplay(channels, result->color);
}

std::shared_ptr<const std::vector<Matrix>> DisplayPreview::planes(const std::shared_ptr<const MethodResult> &result,
                                                                  const std::vector<Index> &ranks,
                                                                  std::pair<Index, Index> size,
                                                                  const std::shared_ptr<const InputDocument> &document)
{
    if (!rebuilderFor(result, ranks, size, document))
        return nullptr;
    return std::make_shared<const std::vector<Matrix>>(rebuild(result, ranks));
}

std::shared_ptr<const Matrix> DisplayPreview::difference(const std::shared_ptr<const MethodResult> &result,
                                                         const std::shared_ptr<const InputDocument> &document,
                                                         const std::vector<Index> &ranks,
                                                         std::pair<Index, Index> size)
{
    if (!m_withOriginal || !document || !rebuilderFor(result, ranks, size, document) || !m_built->original)
        return nullptr;
    const std::vector<Matrix> display = rebuild(result, ranks);
    const std::vector<Matrix> &original = *m_built->original;
    if (display.empty() || original.size() != display.size())
        return nullptr;
    // The view jobs' residual: the mean over the displayed channels of original − reconstruction.
    Matrix residual = Matrix::Zero(display[0].rows(), display[0].cols());
    for (std::size_t c = 0; c < display.size(); ++c)
        residual += original[c] - display[c];
    residual /= double(display.size());
    return std::make_shared<const Matrix>(std::move(residual));
}

} // namespace factorscope::app
