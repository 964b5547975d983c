// SPDX-License-Identifier: MIT
#pragma once

#include "color.h"
#include "cr.h"
#include "cur.h"
#include "id.h"
#include "model.h"
#include "progress.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace factorscope::core {

enum class Method { Svd, Rsvd, Id, Cr, Monarch, Cur };
/// How many methods there are: the size of per-method tables (std::array<T, methodCount>),
/// indexed by std::size_t(method).
inline constexpr std::size_t methodCount = 6;

std::string methodName(Method method);               ///< "svd", "rsvd", "id", "cr", "monarch", "cur"
std::optional<Method> parseMethod(const std::string &name);
std::vector<Method> allMethods();

/// Every parameter of every method, with the defaults the GUI and the headless command share.
struct MethodSettings
{
    Index rsvdOversampling = 10;
    int rsvdPowerIterations = 2;
    IdSelector idSelector = IdSelector::PivotedQr;
    Index idOversampling = 10;
    bool rowId = false;
    CrRule crRule = CrRule::Optimal;
    CrProduct crProduct = CrProduct::MatrixIdentity;
    Index monarchBlocks = 16;
    /// CR on a given product X·Y (crProduct == Given): the two factors; the channel is then X·Y.
    std::shared_ptr<const Matrix> crLeft, crRight;
    /// γ of the leverage selectors (ID and CUR); 0 = the rank (resolvedSettings() fills it in).
    Index leverageRank = 0;
    Selector curSelector = Selector::PivotedQr;
    CurMiddle curMiddle = CurMiddle::Optimal;
    Index curRows = 0;         ///< CUR's row count l; 0 = l = r
    double curTolerance = -1.0; ///< cross middle τ; negative = max(r, l)·ε·σ₁ of the intersection
    int trials = 5;            ///< for randomized methods
    std::uint64_t seed = 0;
    /// false: factorise only up to the rank asked for where that is cheaper (SVD by block Lanczos
    /// for a small fraction of min(n, m), ID by a pivoted QR stopped at that rank, Monarch's factors
    /// to that block rank); true: the complete factorisation (dgesdd, dgeqp3, every block rank).
    bool fullFactorisation = false;
    /// The size of the Gaussian sketch: the columns of randomized SVD's Ω (m×ℓ) and the rows of
    /// the sketched ID's Ω (d×n). 0 (the default): the largest rank factorised + the method's
    /// oversampling p. A stated size ℓ gives ranks up to ℓ − p (every rank when ℓ covers the
    /// sketched dimension); the numbers at a rank depend on ℓ, q, the seed and the trials, not
    /// on the largest rank, so results state it (statedSettings).
    Index sketch = 0;
};

/// True when the method with these settings draws random numbers (trials are averaged).
bool isRandomized(Method method, const MethodSettings &settings);

/// The settings as used for a factorisation up to `maxRank`: a leverage selector's γ = 0 ("the
/// rank") becomes maxRank, so that the variant column states the γ the numbers depend on.
MethodSettings resolvedSettings(Method method, const MethodSettings &settings, Index maxRank);

/// True for the methods whose numbers depend on MethodSettings::sketch: randomized SVD and the
/// ID with the sketched selector.
bool usesSketch(Method method, const MethodSettings &settings);

/// The sketch a sketched method draws for ranks up to `maxRank` on an n×m channel:
/// settings.sketch when stated, else maxRank + p; never more than the sketched dimension
/// (min(n, m) for randomized SVD; n for a column ID, m for a row ID). 0 for other methods.
Index sketchSize(Method method, Index rows, Index cols, const MethodSettings &settings, Index maxRank);

/// `settings` with the sketch stated (sketch = sketchSize(…)) for a sketched method, unchanged
/// for the others: what a result computed up to `maxRank` was computed with, so that its
/// variant and metadata say it and a later run with these settings repeats it exactly.
MethodSettings statedSettings(Method method, Index rows, Index cols, const MethodSettings &settings,
                              Index maxRank);

/// The `variant` column: "exact", "p=10;q=2;sketch=138" (the sketch once stated), "pivoted-qr",
/// "sketch;d=266", "optimal;m-i", "blocks=16", "deim;optimal", "leverage;cross;gamma=20" …
std::string methodVariant(Method method, const MethodSettings &settings);

/// How a method's numbers were computed, for the CSV metadata (`# rsvd: …`), e.g.
/// "randomized SVD, sketch = 138 (r_max 128 + p 10), q = 2, 5 trials, seed 0" or "exact SVD"
/// (whether partial or full is describeFactorisation's, from the models). `trials` is the number of trials the rows average (≤ settings.trials).
std::string methodDescription(Method method, Index rows, Index cols, const MethodSettings &settings, int trials);

/// Factorises one channel with one method for ranks up to maxRank (trial 0 ≤ t < trials for a
/// randomized method: seed derived from settings.seed and t). `reconstruction` false asks only
/// for what the error curve needs. Throws Cancelled.
std::unique_ptr<ChannelModel> factorise(const Matrix &channel, Method method,
                                        const MethodSettings &settings, Index maxRank, int trial,
                                        bool reconstruction, Progress *progress = nullptr);

/// Largest rank a method can use on an n×m channel (Monarch: min(Lo, I) for its block count).
Index maxUsableRank(Method method, Index rows, Index cols, const MethodSettings &settings);

/// One row of the CSV (design.md, "The headless command").
struct CurveRow
{
    std::string method;
    std::string variant;
    Index rank = 0;
    double params = 0.0;                       ///< stored numbers over all channels
    double relErrFro = 0.0;                    ///< mean over trials for randomized methods
    std::optional<double> relErrSpec;
    bool relErrSpecEstimated = false;          ///< power-iteration estimate, not exact
    std::optional<double> psnrDb;              ///< images only
    std::optional<double> relErrFroMin, relErrFroMax;
    int trials = 0;                            ///< 0 for deterministic methods
    std::optional<double> relErrFroExpected;   ///< CR: sqrt(E‖XY − CR‖²_F) / ‖M‖_F
};

/// What the PSNR needs to know about an image: the colour mode and the displayed original.
struct ImageContext
{
    ColorMode color = ColorMode::Gray;
    /// 1 grey or 3 RGB planes in [0, 1]. May be left empty in the grey and RGB modes, where the
    /// displayed original is the factorised channels themselves (saves a copy of the image).
    std::vector<Matrix> displayOriginal;
};

struct CurveRequest
{
    std::vector<Method> methods;
    std::vector<Index> ranks;               ///< any order; duplicates ignored
    MethodSettings settings;
    std::optional<ImageContext> image;      ///< set for images: adds psnr_db
    bool spectralEstimates = false;         ///< estimate ‖M − M̃‖₂ where it is not exact
};

struct CurveResult
{
    std::vector<CurveRow> rows;
    std::vector<std::string> notes;         ///< e.g. ranks left out
    /// One line per method with rows (computedLine: its settings, then partial or full), for
    /// CsvMetadata::lines.
    std::vector<std::string> computed;
};

/// Error curves of every requested method over the requested ranks, all channels together.
/// One factorisation per method, channel and trial; errors from the factors in closed form
/// (SVD from σ, ID from R, Monarch from slice σ, CR from Gram matrices), reconstructions only
/// for PSNR and spectral estimates. Spectral error over channels: ‖diag(E_c)‖₂ / ‖diag(M_c)‖₂,
/// i.e. max_c ‖E_c‖₂ / max_c ‖M_c‖₂.
CurveResult computeCurves(const std::vector<Matrix> &channels, const CurveRequest &request,
                          Progress *progress = nullptr);

/// Curve rows of one method from models already computed: models[t][c] is trial t of channel c
/// (one trial for deterministic methods), each factorised up to at least the largest rank
/// asked for. Ranks beyond the models' maxRank() are skipped silently (computeCurves notes them).
/// With an image context or spectral estimates the models must be able to reconstruct.
/// `inputSpectralNorm` is max_c ‖M_c‖₂ (needed only for relative spectral errors).
std::vector<CurveRow> evaluateCurve(const std::vector<Matrix> &channels, Method method,
                                    const MethodSettings &settings,
                                    const std::vector<std::vector<const ChannelModel *>> &models,
                                    const std::vector<Index> &ranks,
                                    const std::optional<ImageContext> &image, bool spectralEstimates,
                                    double inputSpectralNorm, Progress *progress = nullptr);

/// How one method's models (one per channel) were factorised, e.g. "partial, k = 100, block
/// Lanczos (b = 32, Krylov dimension 448), certified: residuals ≤ 6.2e-15·σ₁ (bound 1e-12·σ₁),
/// tails ‖M‖² − Σσ² (≥ 6 digits)", "full, dgesdd, all 512 singular values" or "full, dgeqp3, all
/// 512 steps"; empty for CR and CUR (nothing partial or full to tell).
std::string describeFactorisation(Method method, const std::vector<const ChannelModel *> &channelModels,
                                  const MethodSettings &settings);

/// The CSV metadata line of one method (without "# "): "svd: exact SVD; partial, k = 24, block
/// Lanczos …", "rsvd: randomized SVD, sketch = 138 (r_max 128 + p 10), q = 2, 5 trials, seed 0;
/// partial by construction, k = 128": methodName, methodDescription of `settings` (the stated
/// ones) with `trials`, then describeFactorisation of `models` (trial 0's channels) when it
/// says something.
std::string computedLine(Method method, const std::vector<const ChannelModel *> &models,
                         const MethodSettings &settings, int trials);

/// max_c ‖M_c‖₂ by power iteration (200 steps at most), for relative spectral errors.
double inputSpectralNorm(const std::vector<Matrix> &channels);

/// Parses "1:64", "1,2,4,8", "1:256:4" (and combinations separated by commas). Empty on error,
/// with *error set.
std::optional<std::vector<Index>> parseRanks(const std::string &text, std::string *error);

struct CsvMetadata
{
    std::string input;
    Index rows = 0, cols = 0, channels = 1;
    std::string color;       ///< empty for matrices
    std::string tensor;      ///< the array of a file of named arrays (FILE::NAME), or empty
    std::string reshape;     ///< how a non-2-D array became the matrix (LoadedMatrix::reshape), or empty
    /// Further `# ` lines after those, e.g. "rsvd: randomized SVD, sketch = 138 …" (one per
    /// method, methodDescription) and "chroma rank: 3".
    std::vector<std::string> lines;
};

/// Writes `# ` metadata lines (input, shape, and when set color, tensor, reshape; then `lines`;
/// control characters in them become '?'), the header row and one row per CurveRow; 17
/// significant digits, empty cells where a value does not apply.
void writeCurveCsv(std::ostream &out, const CurveResult &result, const CsvMetadata &meta);
std::string formatNumber(double value);

} // namespace factorscope::core
