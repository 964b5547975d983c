// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"
#include "workspace.h"

#include "core/curve.h"

#include <QString>

#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

class QImage;

namespace factorscope::app {

/// What File ▸ Export writes, shared with the headless command where both write the same thing.
/// Every writer is atomic (temporary file, then rename) and returns false with `*error` set to
/// the reason (a sentence fragment without the file name) when it fails.
namespace exporter {

/// The `# ` metadata of `factorscope curve INPUT --color MODE` for the open document.
core::CsvMetadata curveMetadata(const InputDocument &document, core::ColorMode mode, core::Index channels);

/// What an export of the error curves holds (File ▸ Export ▸ Error Curves, CurveExportDialog):
/// exactly these rows, never a subsample.
struct CurveExport
{
    /// The methods, in this order; each needs a final (not approximate) result.
    std::vector<core::Method> methods;
    /// Every rank from firstRank to lastRank that a method has (0..its maxRank).
    core::Index firstRank = 1;
    core::Index lastRank = std::numeric_limits<core::Index>::max();
    /// Images: psnr_db at every rank (one reconstruction per rank, moved from the previous one
    /// by ChannelModel::advance). Without it the rows are closed forms and come at once.
    bool psnr = true;
    /// Randomized methods: the mean, min and max over their first `trials` trials (the
    /// numbers of `factorscope curve --trials N`); 0 = every trial computed.
    int trials = 0;
    /// YCbCr: the rank of Cb and Cr per method (indexed by std::size_t(method)); the rank column
    /// is then Y's and the variant says ";chroma=c". Empty: every channel at the row's rank.
    std::array<std::optional<core::Index>, core::methodCount> chromaRanks{};
};

/// The ranks an export holds of `result`: firstRank..min(lastRank, result.maxRank).
std::vector<core::Index> exportRanks(const MethodResult &result, const CurveExport &choice);
/// The trials an export averages for `result`: 1 for a deterministic method, else
/// min(choice.trials, computed) or every computed trial when choice.trials is 0.
int exportTrials(const MethodResult &result, const CurveExport &choice);

/// The rows `factorscope curve` gives for `result`'s method and settings at `ranks`, evaluated
/// from the cached models (never refactorised) over the first `trials` trials: psnr_db for
/// images when `psnr`, spectral errors only where they are exact (the headless command
/// estimates them only when asked). With `chromaRank` (a ycbcr result), Cb and Cr stay at that
/// rank while Y follows the row's rank, as the views show it; the variant ends in ";chroma=c".
std::vector<core::CurveRow> curveRows(const InputDocument &document, const std::vector<core::Matrix> &channels,
                                      const MethodResult &result, const std::vector<core::Index> &ranks, int trials,
                                      bool psnr, std::optional<core::Index> chromaRank,
                                      core::Progress *progress = nullptr);

/// The metadata lines of an export after input, shape and colour: "METHOD: how it was computed"
/// for each exported method (core::methodDescription with the exported trials and the chroma
/// rank), and "chroma rank: …" when one applies. `results` are those of choice.methods.
std::vector<std::string> curveExportLines(const std::vector<std::shared_ptr<const MethodResult>> &results,
                                          const CurveExport &choice);

bool writeCurveCsv(const QString &path, const core::CurveResult &curves, const core::CsvMetadata &meta,
                   QString *error);

/// One factor file of `factorscope compress --factors` and File ▸ Export ▸ Factors.
struct Factor
{
    std::string name;               ///< "U", "S", "indices" …
    /// The values as a table: what the .csv holds; read row by row, the .npy's data.
    core::Matrix values;
    /// The .npy's shape: values' rows × columns, 1-D (S, weights, probabilities, indices), or
    /// Monarch's 4-D L (b, Lo, b, ρ) and R (b, ρ, b, I) (README, "Factor files").
    std::vector<core::Index> shape;
    bool integer = false;           ///< the .npy is int64 (indices), else float64
};

/// The factors of `model` at `rank`, as loaded by numpy (README, "Factor files"):
/// SVD/rSVD U (n×r), S (r,), V (m×r) with M̃ = U·diag(S)·Vᵀ; ID C = M[:, indices] (n×r),
/// Z (r×m), indices int64 (r,) with M̃ = C·Z (a row ID: C = M[indices, :] r×m, Z n×r, M̃ = Z·C);
/// CR indices int64 (r,) (the draws), weights (l,), probabilities (l,) for the sampled rules;
/// CUR C = M[:, columns] (n×r), U (r×l), R = M[rows, :] (l×m), columns and rows int64 (r,), (l,)
/// with M̃ = C·U·R; Monarch L[j, l, k, t] and R[k, t, j, i] with M̃[l·b + j, k·I + i] = Σ_t L[j, l, k, t]·R[k, t, j, i]
/// on the zero-padded (b·Lo)×(b·I), cropped to n×m.
std::vector<Factor> factorFiles(const core::ChannelModel &model, core::Method method, core::Index rank);

/// Channel suffixes of the factor files: "" for one channel, _R _G _B, _Y _Cb _Cr, else _c0 …
std::vector<std::string> channelSuffixes(const QString &colorName, std::size_t count);

enum class FactorFormat { Npy, Csv };
/// Writes every factor of `model` as NAME+suffix+".npy" (its shape and dtype) or ".csv" (its
/// table; 17 significant digits) into `dir`. On failure
/// `*failedPath` names the file that could not be written.
bool writeFactors(const QString &dir, const core::ChannelModel &model, core::Method method, core::Index rank,
                  const std::string &suffix, FactorFormat format, QString *failedPath, QString *error);

/// Saves an image as PNG through QSaveFile.
bool saveImage(const QImage &image, const QString &path, QString *error);

} // namespace exporter
} // namespace factorscope::app
