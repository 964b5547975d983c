// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"
#include "jobrunner.h"

#include "core/color.h"
#include "core/curve.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <array>
#include <atomic>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace factorscope::app {

/// What a partial result is extended with (per channel the block Lanczos or the ID's pivoted QR,
/// their large buffers released between extensions); defined in workspace.cpp.
struct ResultExtension;

/// One method's factorisation of the current document: every channel (and every trial of a
/// randomized method), factorised up to maxRank, plus its error curve to maxRank. SVD, the
/// pivoted-QR ID and Monarch are first factorised to a working rank (Workspace::workingRank) and extended
/// on demand (Workspace::extend), which delivers a new result; every other method up to
/// limitRank at once. Immutable once delivered; shared by the GUI and the view jobs.
struct MethodResult final : JobValue
{
    core::Method method = core::Method::Svd;
    core::MethodSettings settings;
    QString key;                      ///< the cache key (document, colour mode, method, parameters)
    quint64 documentId = 0;
    core::ColorMode color = core::ColorMode::Gray;
    core::Index rows = 0, cols = 0;
    /// models[t][c]: trial t (one for deterministic methods) of channel c.
    std::vector<std::vector<std::shared_ptr<const core::ChannelModel>>> models;
    core::Index maxRank = 0;          ///< every model rebuilds ranks 0..maxRank: what was computed
    /// The largest rank the GUI offers (Workspace::factorisationRank); maxRank < limitRank for
    /// a partial result.
    core::Index limitRank = 0;
    /// The state extend() continues from; null when the result is complete or not extendable.
    std::shared_ptr<ResultExtension> extension;
    bool isPartial() const { return maxRank < limitRank; }
    bool canExtend() const { return extension != nullptr && maxRank < limitRank; }
    std::vector<core::CurveRow> curve;
    /// A randomized SVD shown while the exact SVD of a large input runs.
    bool approximate = false;
    double estimatedRelErrFro = std::numeric_limits<double>::quiet_NaN();  ///< preview: ‖M − QQᵀM‖_F / ‖M‖_F
    double estimatedRelErrSpec = std::numeric_limits<double>::quiet_NaN(); ///< preview: a-posteriori bound / ‖M‖₂
    /// max_c ‖M_c‖₂ when known (exact from an SVD), else 0.
    double inputSpectralNorm = 0.0;
    /// Relative spectral errors of a non-SVD method are power-iteration estimates at a few ranks.
    bool spectralEstimated = false;
    double seconds = 0.0;             ///< wall time of the job

    int trials() const { return int(models.size()); }
    int channels() const { return models.empty() ? 0 : int(models[0].size()); }
    const core::ChannelModel &model(int channel, int trial = 0) const { return *models[std::size_t(trial)][std::size_t(channel)]; }
    /// The rank of each channel for a view at `rank`: every channel at `rank` (clamped to
    /// 0..maxRank), except Cb and Cr at `chromaRank` (clamped likewise) for a ycbcr result.
    std::vector<core::Index> channelRanks(core::Index rank, std::optional<core::Index> chromaRank) const;
    /// Singular values of an SVD (or of the preview's randomized SVD), combined over channels as
    /// √(Σ_c σ_{c,i}²), so their tail sums are the curve's errors. Empty for other methods.
    core::Vector combinedSingularValues() const;
};

/// What the screen shows for one method at one rank: the reconstruction (display planes for an
/// image, channels for a matrix), the residual M − M̃ and the figures of merit. Built from a
/// MethodResult's models, never by factorising.
struct ViewResult final : JobValue
{
    std::shared_ptr<const MethodResult> source;
    core::Index rank = 0;             ///< the (luma) rank, clamped to the result's maxRank
    /// The rank of each channel: all `rank`, except Cb and Cr at the chroma rank in ycbcr mode
    /// when one was asked for.
    std::vector<core::Index> channelRanks;
    bool hasChromaRank = false;       ///< channelRanks[1..2] follow a separate chroma rank
    int pane = -1;                    ///< the comparison pane that asked (requestPaneView), else −1
    bool isImage = false;
    std::shared_ptr<const std::vector<core::Matrix>> reconstruction;
    /// What M̃ is compared with: the original as displayed for an image (displayedOriginal; in
    /// grey mode the factorised luma), the channels of a matrix. Shared, never a copy.
    std::shared_ptr<const std::vector<core::Matrix>> original;
    /// M − M̃ (an image: the mean over the displayed channels; a matrix: channel 1), or null when
    /// the view was asked for without it (Workspace::setViewResiduals): Workspace::residualOf()
    /// computes the same numbers when it is wanted.
    std::shared_ptr<const core::Matrix> residual;
    QString residualLabel;
    double relErrFro = 0.0;
    double psnrDb = std::numeric_limits<double>::quiet_NaN();
    double ssim = std::numeric_limits<double>::quiet_NaN();
    double params = 0.0;              ///< stored numbers, all channels
    double ratio = 0.0;               ///< params / (n·m·channels)
};

/// The documents' factorisation cache and the requests that fill it.
///
/// A result is cached per (document, colour mode, method, parameters); changing only the rank
/// rebuilds the view from the cached models (requestView) and never factorises again. Every
/// factorisation runs on the JobRunner in the method's own slot ("svd", "id" …), views in
/// "view:<method>", so the newest request of each wins. An exact SVD of a large input (more than
/// previewThreshold() cells) first publishes a randomized SVD preview (rank ≤ 100, marked
/// approximate, with its error estimates), then the exact result replaces it.
class Workspace : public QObject
{
    Q_OBJECT

public:
    explicit Workspace(QObject *parent = nullptr);
    ~Workspace() override;

    JobRunner *runner() { return &m_runner; }
    /// A second runner, one thread, for the short jobs the screen waits for (setting up the
    /// display-resolution stand-ins, app::DisplayPreview): they never queue behind a
    /// factorisation or a full-resolution view on runner(). Not in the status bar's progress.
    JobRunner *displayRunner() { return &m_displayRunner; }

    /// Makes `document` current: cancels every job, forgets the results of other documents.
    void setDocument(std::shared_ptr<const InputDocument> document);
    std::shared_ptr<const InputDocument> document() const { return m_document; }
    quint64 documentId() const { return m_documentId; }
    /// Colour mode of images (ignored for matrices).
    void setColorMode(core::ColorMode mode);
    core::ColorMode colorMode() const { return m_color; }
    /// The matrices that are factorised for the current document and colour mode.
    std::shared_ptr<const std::vector<core::Matrix>> channels() const { return m_channels; }
    core::Index rows() const;
    core::Index cols() const;
    /// ‖M‖²_F of the factorised channels, all together (computed once per document and mode).
    double channelsSquaredNorm() const;
    /// The names of the factorised channels: {"only"} for one; R, G, B or Y, Cb, Cr for a colour
    /// image; "channel 1" … for a matrix with several. Empty without a document.
    QStringList channelNames() const;

    /// Asks for `method` with `settings`: from the cache at once (resultReady is emitted before
    /// this returns), or by a background job (which replaces any job of the method's slot).
    void request(core::Method method, const core::MethodSettings &settings);
    /// The newest result delivered for the method on the current document and colour mode (may
    /// be a preview), or null.
    std::shared_ptr<const MethodResult> result(core::Method method) const;
    /// True while the method's newest request has not delivered its final result (a preview or
    /// a Frobenius-only curve may be shown meanwhile) and was not cancelled.
    bool isComputing(core::Method method) const;
    /// True when the method's newest request was stopped (Cancel) before its final result: what
    /// is shown, if anything, is a preview or nothing. request() with the same settings resumes.
    bool isStopped(core::Method method) const;
    /// Rebuilds the view of `method` at `rank` (clamped to the result's maxRank) in the
    /// background from the cached models. No-op before the method has a result. In ycbcr mode
    /// `chromaRank` (when given) is the rank of Cb and Cr, `rank` that of Y.
    void requestView(core::Method method, core::Index rank, std::optional<core::Index> chromaRank = std::nullopt);
    /// Whether the views of requestView() carry their residual M − M̃ (default: yes). The window
    /// asks for it only while the residual is on screen: a 12-megapixel view is then 288 MB
    /// instead of 384 MB; residualOf() gives it when the residual is shown later. Pane views
    /// always carry theirs.
    void setViewResiduals(bool on) { m_viewResiduals = on; }
    bool viewResiduals() const { return m_viewResiduals; }
    /// The view's residual: its own, else computed now from its original and reconstruction by
    /// the arithmetic of the view job (the same numbers). Null for a view without reconstruction.
    static std::shared_ptr<const core::Matrix> residualOf(const ViewResult &view);
    /// The same for comparison pane `pane` (its own slot "pane:N"; the view has pane set).
    void requestPaneView(int pane, core::Method method, core::Index rank,
                         std::optional<core::Index> chromaRank = std::nullopt);
    /// The same from `source`, a result of the current document and colour mode (a pane with
    /// its own parameters, see requestPaneResult).
    void requestPaneView(int pane, std::shared_ptr<const MethodResult> source, core::Index rank,
                         std::optional<core::Index> chromaRank = std::nullopt);
    /// Comparison pane `pane` shows `method` with its own `settings` (not the method panel's):
    /// the method's current result when its parameters are the same, else a cached result,
    /// else a factorisation in the pane's slot "pane-fit:N" (the newest request of the pane wins;
    /// the method's own result is left alone). paneResultReady is emitted with it, before this
    /// returns when no job is needed; a large SVD delivers its randomized preview first.
    void requestPaneResult(int pane, core::Method method, const core::MethodSettings &settings);

    /// The rank the person looks at for `method` (the slider's): the next request() factorises
    /// to workingRank() of it.
    void setRankHint(core::Method method, core::Index rank);
    /// Extends the method's current (final, exact, partial) result so that it reaches `rank`:
    /// one background job in the method's slot computes the block Lanczos or the ID's truncated
    /// pivoted QR again from the channel (the Lanczos bases and the working copy are not kept:
    /// 280 and 288 MB for a 12-megapixel photo) to max(rank, 2·maxRank) (an SVD past the switch-over, core::prefersLanczos, is computed in
    /// full by dgesdd instead), then delivers the new result (resultReady) and replaces the cached
    /// one. The current result stays meanwhile, and stays if the extension is cancelled. False
    /// when nothing needs extending (no result, a preview, a complete result, rank ≤ maxRank).
    bool extend(core::Method method, core::Index rank);
    /// True while an extension of the method's current result runs.
    bool isExtending(core::Method method) const;
    /// Extension jobs started so far.
    int extensionCount() const { return m_extensions; }

    /// Channel factorisations started so far (core::factorise or the preview's randomized SVD,
    /// one per channel and trial). A rank change never increases it.
    int factorisationCount() const { return m_factorisations->load(); }

    /// Inputs with more cells than this get a randomized preview before an exact SVD.
    qint64 previewThreshold() const { return m_previewThreshold; }
    void setPreviewThreshold(qint64 cells) { m_previewThreshold = cells; }
    /// Cached results kept (least recently used dropped first).
    void setCacheCapacity(int entries) { m_cacheCapacity = std::max(1, entries); }
    int cachedCount() const { return int(m_cache.size()); }

    /// The largest rank the GUI offers, and the rank each factorisation is computed to:
    /// core::maxUsableRank, capped for randomized SVD (128), the sketched ID (256), CUR and the
    /// ID with a selector of its own (curRankCap, usesSelectorCap), whose cost grows with the rank.
    static constexpr core::Index curRankCap = 256;
    /// True when the ID's selector (settings.idSelector) is neither pivoted QR nor its sketch:
    /// leverage, DEIM, norm or uniform choose first (leverage and DEIM from the top singular
    /// vectors), so the ID is computed to curRankCap at once, like CUR.
    static bool usesSelectorCap(const core::MethodSettings &settings);
    static core::Index factorisationRank(core::Method method, core::Index rows, core::Index cols,
                                         const core::MethodSettings &settings);
    /// The rank a factorisation of `method` is first computed to when the person looks at rank
    /// `shown`: min(limit, max(128, 2·shown)) for SVD and the pivoted-QR ID (which extend()
    /// continues; an SVD past core::prefersLanczos in full at once), min(limit, max(16, 2·ρ)) for
    /// Monarch's factors (extend() factorises again), factorisationRank() for every other method
    /// and for full factorisations.
    static core::Index workingRank(core::Method method, core::Index rows, core::Index cols,
                                   const core::MethodSettings &settings, core::Index shown);
    /// True for the methods whose results extend() continues: SVD, the pivoted-QR ID and
    /// Monarch (unless settings.fullFactorisation).
    static bool isExtendable(core::Method method, const core::MethodSettings &settings);
    /// `settings` as the program computes `method` on an n×m input: with the sketch of a
    /// sketched method stated (core::statedSettings at factorisationRank; rSVD: 128 + p) and a
    /// leverage selector's γ = 0 read as factorisationRank (core::resolvedSettings), so that the
    /// result's variant, curve name and CSV metadata say them.
    static core::MethodSettings statedSettings(core::Method method, core::Index rows, core::Index cols,
                                               const core::MethodSettings &settings);
    /// parameterKey of `settings` stated for the current document (statedSettings): equal for
    /// a result's settings and the settings it was asked with.
    QString settingsKey(core::Method method, const core::MethodSettings &settings) const;
    /// Ranks of the curve: every one of 1..maxRank (its Frobenius errors are closed forms of the
    /// factors, cheap at every rank), so that every point drawn or exported was computed.
    static std::vector<core::Index> curveRanks(core::Index maxRank);
    /// The parameters that matter for `method`, as a string ("rsvd;p=10;q=2;sketch=138;trials=5;seed=0").
    static QString parameterKey(core::Method method, const core::MethodSettings &settings);
    /// The name of the method's curve with these parameters: "SVD", "rSVD (p = 10, q = 1)" or
    /// with the sketch stated "rSVD (p = 10, q = 1, sketch 138)", "ID (pivoted QR)", "ID (sketch
    /// + QR, d = 266)", "ID (deim, rows)", "ID (leverage, γ = 20)", "CR (optimal p, M·I)",
    /// "Monarch (b = 16)", "CUR (deim;optimal)" (CUR: the CSV's variant; ID and CUR: a leverage
    /// selector's γ = 0 read as maxRank when it is given).
    static QString seriesName(core::Method method, const core::MethodSettings &settings, core::Index maxRank = 0);
    /// "SVD", "Randomized SVD", "ID", "CR", "Monarch".
    static QString methodTitle(core::Method method);
    static QString slotName(core::Method method);
    /// What the original looks like in `mode`: its BT.709 grey for a colour image in grey mode,
    /// else the document's planes. PSNR, SSIM and the residual compare against it.
    static std::vector<core::Matrix> displayedOriginal(const InputDocument &document, core::ColorMode mode);
    /// The same without copying the document's planes when they are what is displayed.
    static std::shared_ptr<const std::vector<core::Matrix>> displayedOriginal(const std::shared_ptr<const InputDocument> &document,
                                                                              core::ColorMode mode);

signals:
    /// A result (or a preview) for `method` on the current document is available.
    void resultReady(factorscope::core::Method method, std::shared_ptr<const factorscope::app::MethodResult> result);
    void viewReady(std::shared_ptr<const factorscope::app::ViewResult> view);
    /// The result a requestPaneResult() asked for (or its preview).
    void paneResultReady(int pane, std::shared_ptr<const factorscope::app::MethodResult> result);
    void failed(factorscope::core::Method method, const QString &message);

private:
    QString cacheKey(core::Method method, const core::MethodSettings &settings) const;
    /// The job computing `method` with `settings` on the current channels.
    std::function<JobValuePtr(JobContext &)> methodWork(core::Method method, const core::MethodSettings &settings) const;
    void updateChannels();
    void deliver(std::shared_ptr<const MethodResult> result, bool final);
    void onFinished(const QString &slot, quint64 generation, JobValuePtr value, bool final);
    void onFailed(const QString &slot, const QString &message);
    void remember(std::shared_ptr<const MethodResult> result);
    /// Submits the extension of `source` to `rank` in `slot`.
    void submitExtension(const QString &slot, const std::shared_ptr<const MethodResult> &source, core::Index rank);

    JobRunner m_runner;
    JobRunner m_displayRunner;
    std::shared_ptr<const InputDocument> m_document;
    quint64 m_documentId = 0;
    quint64 m_nextDocumentId = 1;
    core::ColorMode m_color = core::ColorMode::Rgb;
    std::shared_ptr<const std::vector<core::Matrix>> m_channels;
    mutable double m_channelsNorm2 = -1.0; ///< ‖channels‖²_F once known, else −1

    std::array<std::shared_ptr<const MethodResult>, core::methodCount> m_results;
    std::array<QString, core::methodCount> m_wanted;   ///< key of each method's newest request
    std::array<bool, core::methodCount> m_final{};     ///< m_results[i] is its job's final value
    std::array<core::Index, core::methodCount> m_rankHint{};  ///< setRankHint
    std::array<core::Index, core::methodCount> m_extendingTo{}; ///< target of the running extension, else 0
    /// What each method's newest view job ("view:<method>") was asked for.
    struct ViewRequest
    {
        std::weak_ptr<const MethodResult> source;
        core::Index rank = 0;
        std::optional<core::Index> chromaRank;
        bool residual = true;
    };
    bool m_viewResiduals = true;
    std::array<ViewRequest, core::methodCount> m_viewRequests;
    int m_extensions = 0;
    QHash<QString, std::shared_ptr<const MethodResult>> m_cache;
    std::deque<QString> m_lru;         ///< most recently used at the back
    int m_cacheCapacity = 10;
    qint64 m_previewThreshold = 800 * 800;
    std::shared_ptr<std::atomic<int>> m_factorisations = std::make_shared<std::atomic<int>>(0);
};

} // namespace factorscope::app
