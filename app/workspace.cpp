// SPDX-License-Identifier: MIT
#include "workspace.h"

#include "core/id.h"
#include "core/lapack.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <atomic>
#include <exception>
#include <future>
#include <mutex>
#include <set>

namespace factorscope::app {

/// Per channel, the state a partial SVD (block Lanczos) or ID (the pivoted QR) continues from.
/// Their large buffers, the Lanczos bases ((n + m)·d doubles) and the ID's working copy of the
/// channel (n·m doubles), are released as soon as a model is made from them
/// (core::PartialSvd::release, core::IncrementalId::release): an extension builds them again
/// from the channel (the same Krylov start block and block size, the same pivoted QR). Shared by a result and its extensions; one extension at a time (the mutex),
/// each channel's state used by one thread.
struct ResultExtension
{
    std::mutex mutex;
    std::vector<std::unique_ptr<core::PartialSvd>> svd;
    std::vector<std::unique_ptr<core::IncrementalId>> id;
};

using core::Index;
using core::Matrix;
using core::Method;
using core::MethodSettings;

namespace {

QString crRuleText(core::CrRule rule)
{
    switch (rule) {
    case core::CrRule::Top: return Workspace::tr("top r");
    case core::CrRule::Optimal: return Workspace::tr("optimal p");
    case core::CrRule::Uniform: return Workspace::tr("uniform p");
    }
    return {};
}

QString crProductText(core::CrProduct product)
{
    switch (product) {
    case core::CrProduct::MatrixIdentity: return QStringLiteral("M·I");
    case core::CrProduct::IdentityMatrix: return QStringLiteral("I·M");
    case core::CrProduct::SvdFactors: return Workspace::tr("SVD factors");
    case core::CrProduct::Given: return QStringLiteral("X·Y");
    }
    return {};
}

int methodIndex(Method method) { return int(method); }

/// Spectral errors of methods without a closed form are power-iteration estimates on the
/// reconstruction; only for inputs up to this many values, at this many ranks.
constexpr double spectralBudget = 4.0e6;
constexpr int spectralRanks = 16;

QString tr(const char *text) { return QCoreApplication::translate("Workspace", text); }

/// Everything a factorisation job needs, captured by value.
struct MethodJob
{
    std::shared_ptr<const std::vector<Matrix>> channels;
    Method method = Method::Svd;
    MethodSettings settings;
    QString key;
    quint64 documentId = 0;
    core::ColorMode color = core::ColorMode::Gray;
    bool preview = false;
    Index rank = 0;           ///< the rank to factorise to (workingRank, or the extension's target)
    Index limit = 0;          ///< Workspace::factorisationRank
    double inputNorm2 = 0.0;  ///< max_c ‖M_c‖₂ if already known
    std::shared_ptr<std::atomic<int>> counter;
};

std::shared_ptr<MethodResult> emptyResult(const MethodJob &job)
{
    auto r = std::make_shared<MethodResult>();
    r->method = job.method;
    r->settings = job.settings;
    r->key = job.key;
    r->documentId = job.documentId;
    r->color = job.color;
    r->rows = (*job.channels)[0].rows();
    r->cols = (*job.channels)[0].cols();
    return r;
}

Index usableRank(const MethodResult &r)
{
    Index rank = std::numeric_limits<Index>::max();
    for (const auto &trial : r.models)
        for (const auto &model : trial)
            rank = std::min(rank, model->maxRank());
    return r.models.empty() ? 0 : rank;
}

std::vector<std::vector<const core::ChannelModel *>> rawModels(const MethodResult &r, int trials)
{
    std::vector<std::vector<const core::ChannelModel *>> raw;
    for (int t = 0; t < trials; ++t) {
        raw.emplace_back();
        for (const auto &model : r.models[std::size_t(t)])
            raw.back().push_back(model.get());
    }
    return raw;
}

/// Runs work(i) for i = 0..count−1 on this thread and, when there are several, one more: the
/// program runs OpenBLAS single-threaded (see Workspace's constructor), so the channels of a
/// colour image are factorised side by side on the two cores instead. Rethrows the first
/// exception (core::Cancelled included) once both threads have stopped.
template<typename Work>
void runSideBySide(std::size_t count, bool parallel, const Work &work)
{
    std::atomic<std::size_t> next{0};
    const auto loop = [&] {
        for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1))
            work(i);
    };
    if (!parallel || count < 2) {
        loop();
        return;
    }
    auto helper = std::async(std::launch::async, loop);
    std::exception_ptr error;
    try {
        loop();
    } catch (...) {
        error = std::current_exception();
    }
    try {
        helper.get();
    } catch (...) {
        if (!error)
            error = std::current_exception();
    }
    if (error)
        std::rethrow_exception(error);
}

/// The randomized preview of an exact SVD (core::previewRsvdOptions), with its a-posteriori error estimates.
std::shared_ptr<MethodResult> computePreview(const MethodJob &job, core::Progress &progress)
{
    const std::vector<Matrix> &channels = *job.channels;
    auto r = emptyResult(job);
    r->approximate = true;
    std::vector<std::unique_ptr<core::RsvdModel>> models(channels.size());
    runSideBySide(channels.size(), true, [&](std::size_t c) {
        core::SubProgress sub(&progress, 0.15 * double(c) / channels.size(), 0.15 * double(c + 1) / channels.size());
        const core::RsvdOptions o = core::previewRsvdOptions(r->rows, r->cols, job.settings.seed);
        job.counter->fetch_add(1);
        models[c] = core::computeRandomizedSvd(channels[c], o, &sub);
    });
    double residual2 = 0.0, bound = 0.0, norm2 = 0.0;
    r->models.emplace_back();
    for (auto &model : models) {
        residual2 += model->residualFro() * model->residualFro();
        bound = std::max(bound, model->spectralBound());
        if (model->singularValues().size() > 0)
            norm2 = std::max(norm2, model->singularValues()[0]);
        r->models.back().push_back(std::shared_ptr<const core::ChannelModel>(std::move(model)));
    }
    r->maxRank = usableRank(*r);
    const double total2 = core::squaredNorm(channels);
    r->estimatedRelErrFro = total2 > 0.0 ? std::sqrt(residual2 / total2) : 0.0;
    r->estimatedRelErrSpec = norm2 > 0.0 ? bound / norm2 : 0.0;
    r->curve = core::evaluateCurve(channels, Method::Svd, job.settings, rawModels(*r, 1),
                                   Workspace::curveRanks(r->maxRank), std::nullopt, false, 0.0);
    return r;
}

/// Releases an extension state's large buffers (PartialSvd's bases, IncrementalId's working
/// copy) when the scope ends, also when it ends by Cancelled.
template<typename State>
struct ReleaseOnExit
{
    State &state;
    ~ReleaseOnExit() { state.release(); }
};

/// Factorises channel c for the first time: through `extension` (which keeps the state) for an
/// extendable method, else by core::factorise.
std::unique_ptr<core::ChannelModel> factoriseChannel(const MethodJob &job, std::size_t c, int trial,
                                                     ResultExtension *extension, core::Progress *progress)
{
    const Matrix &channel = (*job.channels)[c];
    if (extension && job.method == Method::Svd) {
        core::PartialSvdOptions o;
        o.seed = core::deriveSeed(job.settings.seed, 0);
        extension->svd[c] = std::make_unique<core::PartialSvd>(channel.rows(), channel.cols(), o);
        auto model = extension->svd[c]->compute(channel, job.rank, progress);
        extension->svd[c]->release(); // the Lanczos bases: 94 MB per channel of a 12-megapixel photo at k = 200
        return model;
    }
    if (extension && job.method == Method::Id) {
        extension->id[c] = std::make_unique<core::IncrementalId>(channel, job.settings.rowId, true);
        auto model = extension->id[c]->compute(channel, job.rank, progress);
        extension->id[c]->release(); // 96 MB per channel of a 12-megapixel photo, not kept for an extension
        return model;
    }
    const MethodSettings &s = job.settings;
    if (job.method == Method::Cr && (s.crProduct == core::CrProduct::MatrixIdentity || s.crProduct == core::CrProduct::IdentityMatrix)) {
        // Every trial holds the channel itself, not a copy (5 trials × 3 channels of a
        // 12-megapixel photo would be 1.4 GB of copies); as core::factorise otherwise.
        core::CrOptions o;
        o.rule = s.crRule;
        o.product = s.crProduct;
        o.rank = job.rank;
        o.seed = core::deriveSeed(s.seed, std::uint64_t(trial));
        return core::computeCr(std::shared_ptr<const Matrix>(job.channels, &channel), o, progress);
    }
    return core::factorise(channel, job.method, s, job.rank, trial, true, progress);
}

/// The rest of a result once its models are there: maxRank, the input's spectral norm, the
/// curve to maxRank and, for small inputs, spectral estimates (publishing the result without
/// them first).
void completeResult(MethodResult &r, const MethodJob &job, JobContext &context, double curveBegin,
                    const QElapsedTimer &clock)
{
    core::Progress &progress = context.progress();
    const std::vector<Matrix> &channels = *job.channels;
    const Index n = channels[0].rows(), m = channels[0].cols();
    const MethodSettings &s = job.settings;
    const int trials = r.trials();
    r.maxRank = usableRank(r);
    r.limitRank = r.extension ? std::max(job.limit, r.maxRank) : r.maxRank;
    if (!r.isPartial())
        r.extension.reset(); // nothing left to continue: free the bases / the QR's working copy

    double norm2 = job.inputNorm2;
    if (job.method == Method::Svd) {
        norm2 = 0.0;
        for (const auto &model : r.models[0])
            norm2 = std::max(norm2, model->errSpecExact(0).value_or(0.0));
    }
    const bool exactSpec = r.models[0][0]->errSpecExact(std::min<Index>(1, r.maxRank)).has_value();
    const bool estimateSpec = !exactSpec && r.maxRank > 0
                              && double(n) * double(m) * double(channels.size()) <= spectralBudget;
    if ((exactSpec || estimateSpec) && norm2 <= 0.0)
        norm2 = core::inputSpectralNorm(channels);
    r.inputSpectralNorm = norm2;
    r.spectralEstimated = false;

    core::SubProgress curveProgress(&progress, curveBegin, estimateSpec ? 0.9 : 1.0);
    r.curve = core::evaluateCurve(channels, job.method, s, rawModels(r, trials), Workspace::curveRanks(r.maxRank),
                                  std::nullopt, false, norm2, &curveProgress);

    if (estimateSpec) {
        // The Frobenius curve is complete: show it while the spectral estimates run.
        r.seconds = clock.elapsed() / 1000.0;
        context.publish(std::make_shared<MethodResult>(r));
        std::set<Index> picked;
        for (int i = 0; i < spectralRanks; ++i) {
            const double f = spectralRanks > 1 ? double(i) / (spectralRanks - 1) : 0.0;
            picked.insert(std::clamp<Index>(Index(std::lround(std::pow(double(r.maxRank), f))), 1, r.maxRank));
        }
        const std::vector<Index> ranks(picked.begin(), picked.end());
        // Trial 0 only: the estimate needs one reconstruction per rank and trial.
        core::SubProgress sub(&progress, 0.9, 1.0);
        const auto spec = core::evaluateCurve(channels, job.method, s, rawModels(r, 1), ranks, std::nullopt, true,
                                              norm2, &sub);
        for (const core::CurveRow &row : spec)
            for (core::CurveRow &target : r.curve)
                if (target.rank == row.rank) {
                    target.relErrSpec = row.relErrSpec;
                    target.relErrSpecEstimated = true;
                }
        r.spectralEstimated = true;
    }
    r.seconds = clock.elapsed() / 1000.0;
}

std::shared_ptr<MethodResult> computeMethod(const MethodJob &job, JobContext &context)
{
    QElapsedTimer clock;
    clock.start();
    core::Progress &progress = context.progress();
    const std::vector<Matrix> &channels = *job.channels;
    const MethodSettings &s = job.settings;
    double fitBegin = 0.0;
    if (job.preview && job.method == Method::Svd) {
        auto preview = computePreview(job, progress);
        preview->seconds = clock.elapsed() / 1000.0;
        context.publish(preview);
        fitBegin = 0.15;
    }

    auto r = emptyResult(job);
    const bool randomized = core::isRandomized(job.method, s);
    const int trials = randomized ? std::max(1, s.trials) : 1;
    if (job.rank < job.limit && Workspace::isExtendable(job.method, s)) {
        r->extension = std::make_shared<ResultExtension>();
        r->extension->svd.resize(channels.size());
        r->extension->id.resize(channels.size());
    }
    const double fitEnd = 0.85;
    const std::size_t count = std::size_t(trials) * channels.size();
    r->models.assign(std::size_t(trials), std::vector<std::shared_ptr<const core::ChannelModel>>(channels.size()));
    // Channels and trials side by side (Monarch already runs its slices on two threads).
    runSideBySide(count, job.method != Method::Monarch, [&](std::size_t done) {
        const int t = int(done / channels.size());
        const std::size_t c = done % channels.size();
        core::SubProgress sub(&progress, fitBegin + (fitEnd - fitBegin) * double(done) / count,
                              fitBegin + (fitEnd - fitBegin) * double(done + 1) / count);
        job.counter->fetch_add(1);
        r->models[std::size_t(t)][c] =
            std::shared_ptr<const core::ChannelModel>(factoriseChannel(job, c, t, r->extension.get(), &sub));
    });
    completeResult(*r, job, context, fitEnd, clock);
    return r;
}

/// Continues `source` (extendable, one trial) to job.rank: the block Lanczos and the ID's
/// truncated pivoted QR start over from the channel (their buffers were released), for an SVD
/// past the switch-over dgesdd; Monarch factorises again to the larger block rank. `source` itself is left as it was.
std::shared_ptr<MethodResult> computeExtension(const MethodJob &job, const std::shared_ptr<const MethodResult> &source,
                                               JobContext &context)
{
    QElapsedTimer clock;
    clock.start();
    const std::vector<Matrix> &channels = *job.channels;
    ResultExtension &extension = *source->extension;
    std::lock_guard<std::mutex> lock(extension.mutex);
    auto r = std::make_shared<MethodResult>(*source);
    const Index n = channels[0].rows(), m = channels[0].cols();
    const bool full = job.method == Method::Svd && !core::prefersLanczos(n, m, job.rank);
    const double fitEnd = 0.85;
    // Monarch runs its slices on two threads itself.
    runSideBySide(channels.size(), job.method != Method::Monarch, [&](std::size_t c) {
        core::SubProgress sub(&context.progress(), fitEnd * double(c) / channels.size(), fitEnd * double(c + 1) / channels.size());
        job.counter->fetch_add(1);
        std::unique_ptr<core::ChannelModel> model;
        if (full) {
            core::SvdOptions o;
            o.algorithm = core::SvdAlgorithm::Full;
            model = core::computeSvd(channels[c], o, &sub);
        } else if (job.method == Method::Svd) {
            // The Krylov space built again (its bases were released), released again after it.
            const ReleaseOnExit<core::PartialSvd> release{*extension.svd[c]};
            model = release.state.compute(channels[c], job.rank, &sub);
        } else if (job.method == Method::Monarch) {
            // The slices' SVDs again, keeping factors to the larger block rank: keeping every
            // slice's full factors to continue from would cost what the working rank saves.
            model = core::factorise(channels[c], Method::Monarch, job.settings, job.rank, 0, true, &sub);
        } else {
            // From the channel again (the working copy was released); released again after it.
            const ReleaseOnExit<core::IncrementalId> release{*extension.id[c]};
            model = release.state.compute(channels[c], job.rank, &sub);
        }
        r->models[0][c] = std::shared_ptr<const core::ChannelModel>(std::move(model));
    });
    completeResult(*r, job, context, fitEnd, clock);
    return r;
}

/// M − M̃ of an image, the mean over its displayed channels (a matrix: channel 1 only).
std::shared_ptr<const Matrix> residualMatrix(bool isImage, const std::vector<Matrix> &original,
                                             const std::vector<Matrix> &reconstruction)
{
    if (original.empty() || reconstruction.size() != original.size())
        return nullptr;
    if (!isImage)
        return std::make_shared<const Matrix>(original[0] - reconstruction[0]);
    Matrix residual = Matrix::Zero(original[0].rows(), original[0].cols());
    for (std::size_t c = 0; c < reconstruction.size(); ++c)
        residual += original[c] - reconstruction[c];
    residual /= double(reconstruction.size());
    return std::make_shared<const Matrix>(std::move(residual));
}

std::shared_ptr<ViewResult> computeView(const std::shared_ptr<const MethodResult> &source, Index rank,
                                        std::optional<Index> chromaRank,
                                        const std::shared_ptr<const InputDocument> &document,
                                        const std::shared_ptr<const std::vector<Matrix>> &channelsPtr,
                                        bool withResidual, JobContext &context)
{
    const std::vector<Matrix> &channels = *channelsPtr;
    auto v = std::make_shared<ViewResult>();
    v->source = source;
    v->rank = std::clamp<Index>(rank, 0, source->maxRank);
    v->isImage = document->isImage;
    v->channelRanks = source->channelRanks(rank, chromaRank);
    v->hasChromaRank = chromaRank && source->color == core::ColorMode::YCbCr && channels.size() == 3;
    std::vector<Matrix> recon;
    recon.reserve(channels.size());
    for (std::size_t c = 0; c < channels.size(); ++c) {
        context.checkpoint(0.6 * double(c) / channels.size());
        recon.push_back(source->model(int(c)).reconstruct(v->channelRanks[c]));
    }
    v->relErrFro = core::relErrFro(channels, recon);
    for (std::size_t c = 0; c < channels.size(); ++c)
        v->params += source->model(int(c)).storedParams(v->channelRanks[c]);
    v->ratio = v->params / (double(source->rows) * double(source->cols) * double(channels.size()));
    context.checkpoint(0.6);
    if (document->isImage) {
        // The reconstruction is what is displayed except in YCbCr mode: moved, not copied.
        auto display = std::make_shared<std::vector<Matrix>>(
            source->color == core::ColorMode::YCbCr ? core::channelsToDisplay(recon, source->color) : std::move(recon));
        // The original as displayed in this mode (its luma in grey mode), as the headless command;
        // in grey mode the factorised channel is that luma (the same conversion): no copy.
        v->original = document->planes.size() == 3 && source->color == core::ColorMode::Gray
                          ? channelsPtr
                          : Workspace::displayedOriginal(document, source->color);
        const std::vector<Matrix> &original = *v->original;
        v->psnrDb = core::psnr(original, *display);
        context.checkpoint(0.7);
        v->ssim = core::ssim(original, *display);
        v->residualLabel = display->size() > 1 ? tr("Residual M − M̃ (mean over R, G, B)") : tr("Residual M − M̃");
        v->reconstruction = std::move(display);
    } else {
        v->original = channelsPtr;
        v->residualLabel = channels.size() > 1 ? tr("Residual M − M̃ (channel 1)") : tr("Residual M − M̃");
        v->reconstruction = std::make_shared<const std::vector<Matrix>>(std::move(recon));
    }
    if (withResidual)
        v->residual = residualMatrix(v->isImage, *v->original, *v->reconstruction);
    return v;
}

} // namespace

std::shared_ptr<const Matrix> Workspace::residualOf(const ViewResult &view)
{
    if (view.residual)
        return view.residual;
    if (!view.original || !view.reconstruction)
        return nullptr;
    return residualMatrix(view.isImage, *view.original, *view.reconstruction);
}

std::shared_ptr<const std::vector<Matrix>> Workspace::displayedOriginal(const std::shared_ptr<const InputDocument> &document,
                                                                       core::ColorMode mode)
{
    if (document->isImage && document->planes.size() == 3 && mode == core::ColorMode::Gray)
        return std::make_shared<const std::vector<Matrix>>(displayedOriginal(*document, mode));
    return std::shared_ptr<const std::vector<Matrix>>(document, &document->planes); // no copy
}

std::vector<Matrix> Workspace::displayedOriginal(const InputDocument &document, core::ColorMode mode)
{
    if (document.isImage && document.planes.size() == 3 && mode == core::ColorMode::Gray)
        return core::imageToChannels(document.planes, core::ColorMode::Gray);
    return document.planes;
}

std::vector<Index> MethodResult::channelRanks(Index rank, std::optional<Index> chromaRank) const
{
    std::vector<Index> ranks(std::size_t(channels()), std::clamp<Index>(rank, 0, maxRank));
    if (chromaRank && color == core::ColorMode::YCbCr && ranks.size() == 3)
        // Y at the rank, Cb and Cr at the chroma rank (JPEG's idea: the eye forgives chroma).
        ranks[1] = ranks[2] = std::clamp<Index>(*chromaRank, 0, maxRank);
    return ranks;
}

core::Vector MethodResult::combinedSingularValues() const
{
    if (models.empty())
        return {};
    core::Vector sum;
    for (const auto &model : models[0]) {
        const core::Vector *sigma = nullptr;
        if (const auto *svd = dynamic_cast<const core::SvdModel *>(model.get()))
            sigma = &svd->singularValues();
        else if (const auto *rsvd = dynamic_cast<const core::RsvdModel *>(model.get()))
            sigma = &rsvd->singularValues();
        if (!sigma)
            return {};
        if (sum.size() == 0)
            sum = core::Vector::Zero(sigma->size());
        const Index k = std::min(sum.size(), sigma->size());
        sum = sum.head(k).eval();
        sum += sigma->head(k).cwiseAbs2();
    }
    return sum.cwiseSqrt();
}

Workspace::Workspace(QObject *parent) : QObject(parent)
{
    // The interactive program runs OpenBLAS on one thread and its jobs side by side: a threaded
    // OpenBLAS level-3 call holds a process-wide lock, and the GUI thread's small GEMMs (the
    // display-resolution stand-ins) waited up to a second behind a factorisation's.
    core::lapack::setBlasThreads(1);
    m_displayRunner.setMaxThreads(1);
    // Factorisations and full-resolution views run below the GUI thread and the display runner,
    // so that the first picture and the slider's stand-ins are never starved by them.
    m_runner.setNiceIncrement(5);
    connect(&m_runner, &JobRunner::finished, this,
            [this](const QString &slot, quint64 generation, JobValuePtr value) { onFinished(slot, generation, value, true); });
    connect(&m_runner, &JobRunner::partialResult, this,
            [this](const QString &slot, quint64 generation, JobValuePtr value) { onFinished(slot, generation, value, false); });
    connect(&m_runner, &JobRunner::failed, this,
            [this](const QString &slot, quint64, const QString &message) { onFailed(slot, message); });
}

Workspace::~Workspace()
{
    m_runner.cancelAll();
}

Index Workspace::rows() const { return m_channels && !m_channels->empty() ? (*m_channels)[0].rows() : 0; }
Index Workspace::cols() const { return m_channels && !m_channels->empty() ? (*m_channels)[0].cols() : 0; }

void Workspace::setDocument(std::shared_ptr<const InputDocument> document)
{
    m_runner.cancelAll();
    m_document = std::move(document);
    m_documentId = m_nextDocumentId++;
    m_results = {};
    m_wanted = {};
    m_extendingTo = {};
    // Results of other documents are never asked for again: free their memory.
    m_cache.clear();
    m_lru.clear();
    updateChannels();
}

void Workspace::setColorMode(core::ColorMode mode)
{
    if (mode == m_color)
        return;
    m_color = mode;
    if (!m_document || !m_document->isImage)
        return;
    m_runner.cancelAll();
    m_results = {};
    m_wanted = {};
    m_extendingTo = {};
    updateChannels();
}

double Workspace::channelsSquaredNorm() const
{
    if (m_channelsNorm2 < 0.0)
        m_channelsNorm2 = m_channels ? core::squaredNorm(*m_channels) : 0.0;
    return m_channelsNorm2;
}

void Workspace::updateChannels()
{
    m_channelsNorm2 = -1.0;
    if (!m_document || m_document->planes.empty()) {
        m_channels.reset();
        return;
    }
    // The document's own planes when nothing is converted (matrices, RGB, grey images): no copy
    // of a 12-megapixel photo's 288 MB on the GUI thread.
    if (m_document->isImage && m_document->planes.size() == 3 && m_color != core::ColorMode::Rgb)
        m_channels = std::make_shared<const std::vector<Matrix>>(core::imageToChannels(m_document->planes, m_color));
    else
        m_channels = std::shared_ptr<const std::vector<Matrix>>(m_document, &m_document->planes);
}

QStringList Workspace::channelNames() const
{
    if (!m_document || !m_channels)
        return {};
    if (m_channels->size() == 1)
        return {tr("only")};
    if (m_document->isImage)
        return m_color == core::ColorMode::YCbCr ? QStringList{tr("Y"), tr("Cb"), tr("Cr")} : QStringList{tr("R"), tr("G"), tr("B")};
    QStringList names;
    for (std::size_t c = 0; c < m_channels->size(); ++c)
        names << tr("channel %1").arg(c + 1);
    return names;
}

QString Workspace::slotName(Method method) { return QString::fromStdString(core::methodName(method)); }

QString Workspace::methodTitle(Method method)
{
    switch (method) {
    case Method::Svd: return tr("SVD");
    case Method::Rsvd: return tr("Randomized SVD");
    case Method::Id: return tr("ID");
    case Method::Cr: return tr("CR");
    case Method::Monarch: return tr("Monarch");
    case Method::Cur: return tr("CUR");
    }
    return {};
}

QString Workspace::parameterKey(Method method, const MethodSettings &s)
{
    QString key = slotName(method);
    const bool randomized = core::isRandomized(method, s);
    switch (method) {
    case Method::Svd: break;
    case Method::Rsvd:
        key += QStringLiteral(";p=%1;q=%2").arg(s.rsvdOversampling).arg(s.rsvdPowerIterations);
        break;
    case Method::Id:
        // The selector by name, γ for the leverage selectors (the CSV's variant says both), the
        // oversampling for the sketch (its stated size follows below).
        key += QStringLiteral(";%1;%2").arg(QString::fromStdString(core::selectorName(s.idSelector)),
                                            s.rowId ? QStringLiteral("rows") : QStringLiteral("cols"));
        if (core::usesLeverageRank(s.idSelector))
            key += QStringLiteral(";gamma=%1").arg(s.leverageRank);
        if (s.idSelector == core::IdSelector::SketchPivotedQr)
            key += QStringLiteral(";os=%1").arg(s.idOversampling);
        break;
    case Method::Cr:
        key += QStringLiteral(";rule=%1;product=%2").arg(int(s.crRule)).arg(int(s.crProduct));
        break;
    case Method::Monarch: key += QStringLiteral(";b=%1").arg(s.monarchBlocks); break;
    case Method::Cur:
        key += QStringLiteral(";%1;os=%2;gamma=%3").arg(QString::fromStdString(core::methodVariant(method, s))).arg(s.idOversampling).arg(s.leverageRank);
        break;
    }
    if (core::usesSketch(method, s))
        key += QStringLiteral(";sketch=%1").arg(s.sketch);
    if (randomized)
        key += QStringLiteral(";trials=%1;seed=%2").arg(s.trials).arg(s.seed);
    return key;
}

QString Workspace::cacheKey(Method method, const MethodSettings &settings) const
{
    const int color = m_document && m_document->isImage ? int(m_color) : -1;
    return QStringLiteral("%1|%2|%3").arg(m_documentId).arg(color).arg(parameterKey(method, settings));
}

QString Workspace::seriesName(Method method, const MethodSettings &s, Index maxRank)
{
    switch (method) {
    case Method::Svd: return tr("SVD");
    case Method::Rsvd:
        return s.sketch > 0 ? tr("rSVD (p = %1, q = %2, sketch %3)").arg(s.rsvdOversampling).arg(s.rsvdPowerIterations).arg(s.sketch)
                            : tr("rSVD (p = %1, q = %2)").arg(s.rsvdOversampling).arg(s.rsvdPowerIterations);
    case Method::Id: {
        // The selector as --id-selector names it (the CSV's variant), with what its numbers
        // depend on: the sketch size d, or γ (0 read as maxRank when it is given).
        const MethodSettings resolved = core::resolvedSettings(method, s, maxRank);
        QString selector;
        switch (s.idSelector) {
        case core::IdSelector::PivotedQr: selector = tr("pivoted QR"); break;
        case core::IdSelector::SketchPivotedQr:
            selector = s.sketch > 0 ? tr("sketch + QR, d = %1").arg(s.sketch) : tr("sketch + QR");
            break;
        default:
            selector = QString::fromStdString(core::selectorName(s.idSelector));
            if (core::usesLeverageRank(s.idSelector) && resolved.leverageRank > 0)
                selector += tr(", γ = %1").arg(resolved.leverageRank);
            break;
        }
        return tr("ID (%1%2)").arg(selector, s.rowId ? tr(", rows") : QString());
    }
    case Method::Cr: return tr("CR (%1, %2)").arg(crRuleText(s.crRule), crProductText(s.crProduct));
    case Method::Monarch: return tr("Monarch (b = %1)").arg(s.monarchBlocks);
    case Method::Cur:
        // The CSV's variant column, as the headless command writes it ("deim;optimal").
        return tr("CUR (%1)").arg(QString::fromStdString(core::methodVariant(method, core::resolvedSettings(method, s, maxRank))));
    }
    return {};
}

Index Workspace::factorisationRank(Method method, Index rows, Index cols, const MethodSettings &settings)
{
    const Index usable = core::maxUsableRank(method, rows, cols, settings);
    if (method == Method::Rsvd)
        return std::min<Index>(usable, 128);
    if (method == Method::Id && settings.idSelector == core::IdSelector::SketchPivotedQr)
        return std::min<Index>(usable, 256);
    // CUR: the cross middle's curve costs Σ_r r·l·(r + l) ~ r⁴/2 and every selector O(nm·r) per
    // side; the leverage and DEIM selectors need the top r singular vectors (block Lanczos only
    // while r ≤ 0.2·min(n, m)). 256 keeps a 4000 × 3000 photo in seconds (README, Benchmarks).
    // The ID with a selector other than pivoted QR: the same selection (one side), then
    // Gram–Schmidt on its columns, O(nm·r), computed at once (not extendable: a leverage
    // selection depends on γ = the rank computed).
    if (method == Method::Cur || (method == Method::Id && usesSelectorCap(settings)))
        return std::min<Index>(usable, curRankCap);
    return usable;
}

bool Workspace::usesSelectorCap(const MethodSettings &settings)
{
    return settings.idSelector != core::IdSelector::PivotedQr && settings.idSelector != core::IdSelector::SketchPivotedQr;
}

bool Workspace::isExtendable(Method method, const MethodSettings &settings)
{
    if (settings.fullFactorisation)
        return false;
    return method == Method::Svd || method == Method::Monarch
           || (method == Method::Id && settings.idSelector == core::IdSelector::PivotedQr);
}

Index Workspace::workingRank(Method method, Index rows, Index cols, const MethodSettings &settings, Index shown)
{
    const Index limit = factorisationRank(method, rows, cols, settings);
    if (!isExtendable(method, settings))
        return limit;
    // Monarch's block rank ρ goes to min(Lo, I) (187 for a 12-megapixel photo and 16 blocks),
    // and its factors take ρ·b·(n + m) numbers: 16 at least.
    const Index working = std::min(limit, std::max<Index>(method == Method::Monarch ? 16 : 128, 2 * shown));
    // An SVD to a large fraction of min(n, m) is computed in full (dgesdd), as the switch-over says.
    if (method == Method::Svd && !core::prefersLanczos(rows, cols, working))
        return limit;
    return working;
}

MethodSettings Workspace::statedSettings(Method method, Index rows, Index cols, const MethodSettings &settings)
{
    // A leverage selector's γ = 0 becomes the rank factorised, as the headless command reads it
    // for its largest rank: the result states the γ its numbers depend on.
    const Index rank = factorisationRank(method, rows, cols, settings);
    return core::statedSettings(method, rows, cols, core::resolvedSettings(method, settings, rank), rank);
}

QString Workspace::settingsKey(Method method, const MethodSettings &settings) const
{
    return parameterKey(method, statedSettings(method, rows(), cols(), settings));
}

std::vector<Index> Workspace::curveRanks(Index maxRank)
{
    std::vector<Index> ranks;
    for (Index r = 1; r <= maxRank; ++r)
        ranks.push_back(r);
    return ranks;
}

void Workspace::request(Method method, const MethodSettings &asked)
{
    if (!m_channels || m_channels->empty())
        return;
    const MethodSettings settings = statedSettings(method, rows(), cols(), asked);
    const QString key = cacheKey(method, settings);
    const int index = methodIndex(method);
    const QString slot = slotName(method);
    if (m_wanted[index] == key && (m_runner.isActive(slot) || (m_results[index] && m_results[index]->key == key && !m_results[index]->approximate)))
        return; // already computing or shown
    m_wanted[index] = key;
    m_extendingTo[index] = 0;
    if (const auto cached = m_cache.value(key)) {
        m_runner.cancel(slot);
        remember(cached);
        deliver(cached, true);
        return;
    }
    m_runner.submit(slot, tr("%1 of %2 × %3").arg(methodTitle(method)).arg(rows()).arg(cols()), methodWork(method, settings));
}

std::function<JobValuePtr(JobContext &)> Workspace::methodWork(Method method, const MethodSettings &settings) const
{
    MethodJob job;
    job.channels = m_channels;
    job.method = method;
    job.settings = settings;
    job.key = cacheKey(method, settings);
    job.documentId = m_documentId;
    job.color = m_color;
    job.preview = method == Method::Svd && double(rows()) * double(cols()) > double(m_previewThreshold);
    job.counter = m_factorisations;
    job.limit = factorisationRank(method, rows(), cols(), settings);
    job.rank = workingRank(method, rows(), cols(), settings, m_rankHint[methodIndex(method)]);
    if (const auto &svd = m_results[methodIndex(Method::Svd)]; svd && !svd->approximate)
        job.inputNorm2 = svd->inputSpectralNorm;
    return [job](JobContext &context) -> JobValuePtr { return computeMethod(job, context); };
}

void Workspace::requestPaneResult(int pane, Method method, const MethodSettings &asked)
{
    if (!m_channels || m_channels->empty())
        return;
    const MethodSettings settings = statedSettings(method, rows(), cols(), asked);
    const QString key = cacheKey(method, settings);
    const QString slot = QStringLiteral("pane-fit:%1").arg(pane);
    std::shared_ptr<const MethodResult> ready;
    if (const auto &current = m_results[methodIndex(method)]; current && current->key == key && !current->approximate)
        ready = current;
    else
        ready = m_cache.value(key);
    if (ready) {
        m_runner.cancel(slot);
        remember(ready);
        emit paneResultReady(pane, ready);
        return;
    }
    m_runner.submit(slot, tr("%1 of %2 × %3 for pane %4").arg(methodTitle(method)).arg(rows()).arg(cols()).arg(QChar(u'A' + pane)),
                    methodWork(method, settings));
}

std::shared_ptr<const MethodResult> Workspace::result(Method method) const { return m_results[methodIndex(method)]; }

void Workspace::setRankHint(Method method, Index rank) { m_rankHint[methodIndex(method)] = std::max<Index>(0, rank); }

bool Workspace::extend(Method method, Index rank)
{
    const int index = methodIndex(method);
    const auto &current = m_results[index];
    if (!current || current->approximate || !m_final[index] || current->key != m_wanted[index] || !current->canExtend()
        || rank <= current->maxRank)
        return false;
    if (isExtending(method) && m_extendingTo[index] >= std::min(rank, current->limitRank))
        return true; // already on its way
    Index target = std::min(current->limitRank, std::max(rank, 2 * current->maxRank));
    if (method == Method::Svd && !core::prefersLanczos(current->rows, current->cols, target))
        target = current->limitRank;
    m_extendingTo[index] = target;
    submitExtension(slotName(method), current, target);
    return true;
}

bool Workspace::isExtending(Method method) const
{
    const int index = methodIndex(method);
    return m_extendingTo[index] > 0 && m_runner.isActive(slotName(method));
}

void Workspace::submitExtension(const QString &slot, const std::shared_ptr<const MethodResult> &source, Index rank)
{
    MethodJob job;
    job.channels = m_channels;
    job.method = source->method;
    job.settings = source->settings;
    job.key = source->key;
    job.documentId = source->documentId;
    job.color = source->color;
    job.counter = m_factorisations;
    job.rank = rank;
    job.limit = source->limitRank;
    job.inputNorm2 = source->inputSpectralNorm;
    ++m_extensions;
    m_runner.submit(slot, tr("%1: extending from rank %2 to %3").arg(methodTitle(source->method)).arg(source->maxRank).arg(rank),
                    [job, source](JobContext &context) -> JobValuePtr { return computeExtension(job, source, context); });
}

bool Workspace::isStopped(Method method) const
{
    const int index = methodIndex(method);
    if (m_wanted[index].isEmpty() || m_runner.isActive(slotName(method)))
        return false;
    return !(m_results[index] && m_results[index]->key == m_wanted[index] && m_final[index]);
}

bool Workspace::isComputing(Method method) const
{
    const int index = methodIndex(method);
    if (m_wanted[index].isEmpty() || !m_runner.isActive(slotName(method)))
        return false;
    return !(m_results[index] && m_results[index]->key == m_wanted[index] && m_final[index]);
}

void Workspace::requestView(Method method, Index rank, std::optional<Index> chromaRank)
{
    const auto source = m_results[methodIndex(method)];
    if (!source || !m_document)
        return;
    const auto document = m_document;
    const auto channels = m_channels;
    // A rank beyond what was computed: the view shows the computed rank while the result extends.
    extend(method, std::max(rank, chromaRank.value_or(0)));
    // The same view already being computed (a method change asks for it twice: the method and
    // its cached result): let it finish instead of starting a second one beside it, which would
    // hold a second full-resolution reconstruction until the first reaches a checkpoint.
    const QString slot = QStringLiteral("view:") + slotName(method);
    ViewRequest &running = m_viewRequests[std::size_t(methodIndex(method))];
    const bool residual = m_viewResiduals;
    if (m_runner.isActive(slot) && running.source.lock() == source && running.rank == rank
        && running.chromaRank == chromaRank && running.residual == residual)
        return;
    running = ViewRequest{source, rank, chromaRank, residual};
    m_runner.submit(slot,
                    tr("%1 at rank %2").arg(methodTitle(method)).arg(rank),
                    [source, rank, chromaRank, document, channels, residual](JobContext &context) -> JobValuePtr {
                        return computeView(source, rank, chromaRank, document, channels, residual, context);
                    });
}

void Workspace::requestPaneView(int pane, Method method, Index rank, std::optional<Index> chromaRank)
{
    requestPaneView(pane, m_results[methodIndex(method)], rank, chromaRank);
}

void Workspace::requestPaneView(int pane, std::shared_ptr<const MethodResult> source, Index rank,
                                std::optional<Index> chromaRank)
{
    if (!source || !m_document || source->documentId != m_documentId || source->color != m_color)
        return;
    const Method method = source->method;
    const auto document = m_document;
    const auto channels = m_channels;
    if (const Index needed = std::max(rank, chromaRank.value_or(0)); needed > source->maxRank && source->canExtend()) {
        // The method's own result extends for every view of it; a pane's own result in the
        // pane's slot (delivered by paneResultReady).
        const QString fit = QStringLiteral("pane-fit:%1").arg(pane);
        if (source == m_results[methodIndex(method)])
            extend(method, needed);
        else if (!m_runner.isActive(fit))
            submitExtension(fit, source, std::min(source->limitRank, std::max(needed, 2 * source->maxRank)));
    }
    m_runner.submit(QStringLiteral("pane:%1").arg(pane),
                    tr("%1 at rank %2").arg(methodTitle(method)).arg(rank),
                    [pane, source, rank, chromaRank, document, channels](JobContext &context) -> JobValuePtr {
                        auto view = computeView(source, rank, chromaRank, document, channels, true, context);
                        view->pane = pane;
                        return view;
                    });
}

void Workspace::remember(std::shared_ptr<const MethodResult> result)
{
    const QString &key = result->key;
    m_lru.erase(std::remove(m_lru.begin(), m_lru.end(), key), m_lru.end());
    m_lru.push_back(key);
    m_cache.insert(key, result);
    while (int(m_lru.size()) > m_cacheCapacity) {
        m_cache.remove(m_lru.front());
        m_lru.pop_front();
    }
}

void Workspace::deliver(std::shared_ptr<const MethodResult> result, bool final)
{
    if (final)
        m_extendingTo[methodIndex(result->method)] = 0;
    m_results[methodIndex(result->method)] = result;
    m_final[methodIndex(result->method)] = final;
    if (final && !result->approximate)
        remember(result);
    emit resultReady(result->method, result);
}

void Workspace::onFinished(const QString &slot, quint64 generation, JobValuePtr value, bool final)
{
    Q_UNUSED(generation);
    if (auto view = std::dynamic_pointer_cast<const ViewResult>(value)) {
        if (view->source && view->source->documentId == m_documentId)
            emit viewReady(view);
        return;
    }
    auto result = std::dynamic_pointer_cast<const MethodResult>(value);
    if (slot.startsWith(QStringLiteral("pane-fit:"))) {
        if (!result || result->documentId != m_documentId || result->color != m_color)
            return;
        if (final)
            remember(result);
        emit paneResultReady(slot.mid(9).toInt(), result);
        return;
    }
    if (!result || result->documentId != m_documentId || result->key != m_wanted[methodIndex(result->method)])
        return;
    deliver(result, final);
}

void Workspace::onFailed(const QString &slot, const QString &message)
{
    for (Method method : core::allMethods())
        if (slot == slotName(method) || slot == QStringLiteral("view:") + slotName(method))
            emit failed(method, message);
}

} // namespace factorscope::app
