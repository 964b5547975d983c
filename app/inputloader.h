// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/matrixio.h"
#include "core/types.h"

#include <QImage>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace factorscope::app {

/// Something opened by the user: an image (planes in [0, 1]) or a matrix (raw values).
struct InputDocument
{
    QString path;                          ///< file path, or a label such as "Pasted image"
    QString displayName;                   ///< file name for titles and messages
    bool isImage = false;
    std::vector<core::Matrix> planes;      ///< image: 1 grey or 3 RGB planes; matrix: its channels
    QString format;                        ///< "PNG image, 8-bit RGB", "NumPy .npy (float64 …)"
    QStringList notes;                     ///< for the status bar (alpha dropped, header row skipped …)
    /// The array read from a file of named arrays (.npz, .safetensors, .mat), or empty.
    QString tensor;
    /// How a non-2-D array became the matrix, e.g. "rows:1 (64 x 3 x 3 x 3 -> 64 x 27)", or empty.
    QString reshape;

    /// What reopens this document: "path::tensor" when an array was named, else the path.
    QString source() const { return tensor.isEmpty() ? path : path + QStringLiteral("::") + tensor; }
    /// The name shown for it: "model.safetensors :: layers.3.mlp.up_proj.weight", or displayName.
    QString label() const;
    /// label() with the matrix made of an array: "model.safetensors :: w (4096 × 11008)",
    /// "ckpt.safetensors :: conv.weight (4 × 3 × 3 × 3 → 4 × 27, rows:1)"; displayName alone for
    /// a file that is not an array of a file of arrays and needed no reshape (images, CSV …).
    QString title() const;
    core::Index rows() const { return planes.empty() ? 0 : planes[0].rows(); }
    core::Index cols() const { return planes.empty() ? 0 : planes[0].cols(); }
};

struct OpenResult
{
    std::optional<InputDocument> document;
    QString error;                         ///< one sentence naming the file and the reason
    /// The core reader's kind of error for a matrix file: NameRequired means the file holds several
    /// arrays and the user should pick one (listTensors() lists them); nullopt for images.
    std::optional<core::LoadErrorKind> errorKind = std::nullopt;
    bool ok() const { return document.has_value(); }
};

/// Which array of a file to open and how to make it a matrix: the tensor picker's answer.
struct TensorChoice
{
    QString name;                          ///< "" for the only array, or taken from FILE::NAME
    core::Reshape reshape;
};

/// The single open path for files: matrices by the core parsers (by extension), everything else
/// through Qt's image plugins. Sizes are checked before anything is allocated. @p path may name an
/// array as FILE::NAME (core::splitTensorPath()).
OpenResult openInput(const QString &path, const core::LoadLimits &limits = core::LoadLimits::defaults());
/// The same with an explicit choice of array and reshape (a name in @p choice wins over ::NAME).
OpenResult openInput(const QString &path, const TensorChoice &choice,
                     const core::LoadLimits &limits = core::LoadLimits::defaults());

/// Images through QImageReader (EXIF orientation applied; 8/16-bit, grey, palette, alpha dropped).
OpenResult openImageFile(const QString &path, const core::LoadLimits &limits = core::LoadLimits::defaults());

/// An image already in memory (clipboard, embedded resource, generator) as a document.
InputDocument documentFromImage(const QImage &image, const QString &label);

/// Converts planes to a QImage for display: 1 plane grey or 3 planes RGB, clamped to [0, 1].
QImage planesToImage(const std::vector<core::Matrix> &planes);

} // namespace factorscope::app
