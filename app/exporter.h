// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"
#include "workspace.h"

#include "core/curve.h"

#include <QString>

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

/// The rows `factorscope curve` gives for `result`'s method, settings and the ranks of its cached
/// curve, evaluated from the cached models (never refactorised): psnr_db for images, spectral
/// errors only where they are exact (the headless command estimates them only when asked).
std::vector<core::CurveRow> curveRows(const InputDocument &document, const std::vector<core::Matrix> &channels,
                                      const MethodResult &result, core::Progress *progress = nullptr);

bool writeCurveCsv(const QString &path, const core::CurveResult &curves, const core::CsvMetadata &meta,
                   QString *error);

/// The factor matrices of `model` at `rank`, named as `factorscope compress --factors` names
/// them: SVD/rSVD U, S, V; ID C, Z, indices; CR indices, weights (probabilities); Monarch L, R;
/// CUR C, U, R, columns, rows (the two index lists are written as 1-D int64 .npy).
std::vector<std::pair<std::string, core::Matrix>> factorMatrices(const core::ChannelModel &model,
                                                                 core::Method method, core::Index rank);

/// Channel suffixes of the factor files: "" for one channel, _R _G _B, _Y _Cb _Cr, else _c0 …
std::vector<std::string> channelSuffixes(const QString &colorName, std::size_t count);

enum class FactorFormat { Npy, Csv };
/// Writes every factor of `model` as NAME+suffix+".npy" (or ".csv") into `dir`. On failure
/// `*failedPath` names the file that could not be written.
bool writeFactors(const QString &dir, const core::ChannelModel &model, core::Method method, core::Index rank,
                  const std::string &suffix, FactorFormat format, QString *failedPath, QString *error);

/// Saves an image as PNG through QSaveFile.
bool saveImage(const QImage &image, const QString &path, QString *error);

} // namespace exporter
} // namespace factorscope::app
