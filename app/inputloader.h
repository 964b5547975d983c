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

    core::Index rows() const { return planes.empty() ? 0 : planes[0].rows(); }
    core::Index cols() const { return planes.empty() ? 0 : planes[0].cols(); }
};

struct OpenResult
{
    std::optional<InputDocument> document;
    QString error;                         ///< one sentence naming the file and the reason
    bool ok() const { return document.has_value(); }
};

/// The single open path for files: matrices by the core parsers (by extension), everything else
/// through Qt's image plugins. Sizes are checked before anything is allocated.
OpenResult openInput(const QString &path, const core::LoadLimits &limits = core::LoadLimits::defaults());

/// Images through QImageReader (EXIF orientation applied; 8/16-bit, grey, palette, alpha dropped).
OpenResult openImageFile(const QString &path, const core::LoadLimits &limits = core::LoadLimits::defaults());

/// Headless command: while Qt's image plugins decode a file, stderr goes to /dev/null. libpng and
/// libtiff print their warnings and errors there directly ("libpng error: IDAT: incorrect data
/// check"), past Qt's message handler, and the failure is reported as one sentence anyway. Only the
/// decoding is silenced, so anything else on stderr (a sanitizer report, an abort message) still
/// reaches it. Off by default: the GUI keeps stderr as it is.
void setQuietImageDecoders(bool quiet);

/// An image already in memory (clipboard, embedded resource, generator) as a document.
InputDocument documentFromImage(const QImage &image, const QString &label);

/// Converts planes to a QImage for display: 1 plane grey or 3 planes RGB, clamped to [0, 1].
QImage planesToImage(const std::vector<core::Matrix> &planes);

} // namespace factorscope::app
