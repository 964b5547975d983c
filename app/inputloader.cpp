// SPDX-License-Identifier: MIT
#include "inputloader.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImageReader>
#include <QSysInfo>

#include <algorithm>
#include <array>
#include <functional>
#include <thread>
#include <cmath>

namespace factorscope::app {

using core::Index;
using core::Matrix;

namespace {

QString fileLabel(const QString &path)
{
    return path;
}

OpenResult failure(const QString &path, const QString &reason)
{
    OpenResult r;
    r.error = QStringLiteral("%1: %2.").arg(fileLabel(path), reason);
    return r;
}

bool isSixteenBit(QImage::Format f)
{
    switch (f) {
    case QImage::Format_Grayscale16:
    case QImage::Format_RGBX64:
    case QImage::Format_RGBA64:
    case QImage::Format_RGBA64_Premultiplied:
    case QImage::Format_BGR30:
    case QImage::Format_A2BGR30_Premultiplied:
    case QImage::Format_RGB30:
    case QImage::Format_A2RGB30_Premultiplied:
        return true;
    default:
        return false;
    }
}

} // namespace

namespace {

/// Copies interleaved samples (`channels` per pixel, `stride` samples per pixel) of an image
/// into column-major planes divided by `divisor`, in 64×64 tiles so that both the image rows and
/// the matrix columns stay in cache (a plain row-by-row loop into column-major planes is 3–4×
/// slower on a 12-megapixel photo).
template<typename Sample>
void copyTiledColumns(const QImage &img, int stride, const std::array<int, 3> &offsets, std::vector<Matrix> &planes,
                      double divisor, Index xBegin, Index xEnd)
{
    const Index h = img.height();
    const std::size_t count = planes.size();
    constexpr Index tile = 64;
    for (Index x0 = xBegin; x0 < xEnd; x0 += tile)
        for (Index y0 = 0; y0 < h; y0 += tile) {
            const Index x1 = std::min(xEnd, x0 + tile), y1 = std::min(h, y0 + tile);
            for (Index x = x0; x < x1; ++x)
                for (Index y = y0; y < y1; ++y) {
                    const auto *px = reinterpret_cast<const Sample *>(img.constScanLine(int(y))) + x * stride;
                    for (std::size_t c = 0; c < count; ++c)
                        planes[c](y, x) = double(px[offsets[c]]) / divisor;
                }
        }
}

/// Copies interleaved samples (`stride` per pixel) into column-major planes divided by
/// `divisor`, in 64×64 tiles so that image rows and matrix columns both stay in cache, on every
/// core (a plain row-by-row loop into column-major planes is 3–4× slower on a 12-megapixel photo).
template<typename Sample>
void copyTiled(const QImage &img, int stride, std::vector<Matrix> &planes, double divisor,
               const std::array<int, 3> &offsets = {0, 1, 2})
{
    const Index w = img.width();
    const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    if (threads == 1 || double(w) * img.height() < 1e6) {
        copyTiledColumns<Sample>(img, stride, offsets, planes, divisor, 0, w);
        return;
    }
    std::vector<std::thread> workers;
    const Index chunk = ((w + threads - 1) / threads + 63) / 64 * 64;
    for (Index x = chunk; x < w; x += chunk)
        workers.emplace_back(copyTiledColumns<Sample>, std::cref(img), stride, std::cref(offsets), std::ref(planes),
                             divisor, x, std::min(w, x + chunk));
    copyTiledColumns<Sample>(img, stride, offsets, planes, divisor, 0, std::min(w, chunk));
    for (std::thread &t : workers)
        t.join();
}

} // namespace

QString InputDocument::label() const
{
    return tensor.isEmpty() ? displayName : displayName + QStringLiteral(" :: ") + tensor;
}

QString InputDocument::title() const
{
    if (tensor.isEmpty() && reshape.isEmpty())
        return displayName;
    if (reshape.isEmpty())
        return QStringLiteral("%1 (%2 × %3)").arg(label()).arg(rows()).arg(cols());
    // The core's "rows:1 (4 x 3 x 3 x 3 -> 4 x 27)" as "4 × 3 × 3 × 3 → 4 × 27, rows:1".
    QString text = reshape;
    text.replace(QStringLiteral(" x "), QStringLiteral(" × ")).replace(QStringLiteral(" -> "), QStringLiteral(" → "));
    const qsizetype open = text.indexOf(QStringLiteral(" ("));
    if (open > 0 && text.endsWith(QLatin1Char(')')))
        text = text.mid(open + 2, text.size() - open - 3) + QStringLiteral(", ") + text.left(open);
    return QStringLiteral("%1 (%2)").arg(label(), text);
}

InputDocument documentFromImage(const QImage &source, const QString &label)
{
    InputDocument doc;
    doc.path = label;
    doc.displayName = QFileInfo(label).fileName().isEmpty() ? label : QFileInfo(label).fileName();
    doc.isImage = true;
    const bool grey = source.isGrayscale();
    const bool deep = isSixteenBit(source.format());
    const Index h = source.height(), w = source.width();
    if (source.hasAlphaChannel())
        doc.notes << QCoreApplication::translate("InputLoader", "The alpha channel was dropped.");
    const QString depth = deep ? QStringLiteral("16-bit") : QStringLiteral("8-bit");
    doc.planes.assign(grey ? 1 : 3, Matrix(h, w));
    // Divisions by 255 and 65535 as scikit-image does (v / 255.0), so values match it exactly.
    if (grey) {
        if (deep)
            copyTiled<quint16>(source.convertToFormat(QImage::Format_Grayscale16), 1, doc.planes, 65535.0);
        else
            copyTiled<uchar>(source.convertToFormat(QImage::Format_Grayscale8), 1, doc.planes, 255.0);
        doc.format = QStringLiteral("%1 grey").arg(depth);
    } else {
        if (deep) // RGBA64 keeps 16 bits; alpha is ignored, not blended
            copyTiled<quint16>(source.convertToFormat(QImage::Format_RGBA64), 4, doc.planes, 65535.0);
        else if (source.format() == QImage::Format_RGB32 || source.format() == QImage::Format_ARGB32)
            // What JPEG and PNG decode to: read the 0xAARRGGBB words in place (no conversion pass);
            // alpha is ignored, not blended, as scikit-image's img[..., :3].
            copyTiled<uchar>(source, 4, doc.planes, 255.0,
                             QSysInfo::ByteOrder == QSysInfo::LittleEndian ? std::array<int, 3>{2, 1, 0}
                                                                           : std::array<int, 3>{1, 2, 3});
        else // RGB888 drops alpha without blending, as scikit-image's img[..., :3]
            copyTiled<uchar>(source.convertToFormat(QImage::Format_RGB888), 3, doc.planes, 255.0);
        doc.format = QStringLiteral("%1 RGB").arg(depth);
    }
    return doc;
}

OpenResult openImageFile(const QString &path, const core::LoadLimits &limits)
{
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QByteArray kind = reader.format();
    if (!reader.canRead())
        return failure(path, QCoreApplication::translate("InputLoader",
                                   "is neither a matrix file (.npy, .npz, .safetensors, .csv, .tsv, .txt, .mtx, .mat) nor an image Qt can read"));
    const QSize size = reader.size();
    const std::uint64_t maxElements = limits.maxElements;
    if (size.isValid()) {
        const std::uint64_t values = std::uint64_t(size.width()) * std::uint64_t(size.height()) * 3u;
        if (size.width() <= 0 || size.height() <= 0)
            return failure(path, QCoreApplication::translate("InputLoader", "declares an empty image"));
        if (values > maxElements)
            return failure(path, QCoreApplication::translate("InputLoader",
                                       "is %1 × %2 pixels, more than the memory budget of %3 million values")
                                       .arg(size.width()).arg(size.height()).arg(double(maxElements) / 1e6, 0, 'f', 0));
    }
    // Qt refuses images above its allocation limit; ours is the budget above (RGBA64 = 8 bytes/pixel).
    const std::uint64_t mb = std::max<std::uint64_t>(256, maxElements / 3 * 8 / (1024 * 1024) + 1);
    QImageReader::setAllocationLimit(int(std::min<std::uint64_t>(mb, 1u << 30)));
    QImage image;
    if (!reader.read(&image) || image.isNull())
        return failure(path, QCoreApplication::translate("InputLoader", "could not be decoded (%1)")
                                 .arg(reader.errorString()));
    if (std::uint64_t(image.width()) * std::uint64_t(image.height()) * 3u > maxElements)
        return failure(path, QCoreApplication::translate("InputLoader", "is too large for the memory budget"));
    OpenResult r;
    InputDocument doc = documentFromImage(image, path);
    doc.format = QStringLiteral("%1 image, %2").arg(QString::fromLatin1(kind).toUpper(), doc.format);
    r.document = std::move(doc);
    return r;
}

OpenResult openInput(const QString &path, const core::LoadLimits &limits)
{
    return openInput(path, TensorChoice{}, limits);
}

OpenResult openInput(const QString &spec, const TensorChoice &choice, const core::LoadLimits &limits)
{
    const core::TensorPath split = core::splitTensorPath(spec.toStdString());
    const QString path = QString::fromStdString(split.file);
    const QString name = choice.name.isEmpty() ? QString::fromStdString(split.name) : choice.name;
    const QFileInfo info(path);
    if (!info.exists())
        return failure(path, QCoreApplication::translate("InputLoader", "does not exist"));
    if (info.isDir())
        return failure(path, QCoreApplication::translate("InputLoader", "is a directory, not a file"));
    if (!info.isReadable())
        return failure(path, QCoreApplication::translate("InputLoader", "cannot be read (permission denied)"));
    const std::string native = path.toStdString();
    if (core::isMatrixFileName(native)) {
        core::LoadResult loaded = core::loadTensor(native, name.toStdString(), choice.reshape, limits);
        if (!loaded.ok()) {
            OpenResult r;
            r.error = QString::fromStdString(core::describeLoadError(native, loaded.error));
            r.errorKind = loaded.error.kind;
            return r;
        }
        InputDocument doc;
        doc.path = path;
        doc.displayName = info.fileName();
        doc.isImage = false;
        doc.planes = std::move(loaded.matrix->channels);
        doc.format = QString::fromStdString(loaded.matrix->format);
        doc.tensor = QString::fromStdString(loaded.matrix->tensor);
        doc.reshape = QString::fromStdString(loaded.matrix->reshape);
        for (const std::string &note : loaded.matrix->notes)
            doc.notes << QString::fromStdString(note);
        OpenResult r;
        r.document = std::move(doc);
        return r;
    }
    if (!name.isEmpty()) {
        OpenResult r = failure(path, QCoreApplication::translate("InputLoader", "is not a file of named arrays "
                                                                                "(.npz, .safetensors, .mat); it holds "
                                                                                "no array named \"%1\"").arg(name));
        r.errorKind = core::LoadErrorKind::NoSuchName;
        return r;
    }
    if (info.size() == 0)
        return failure(path, QCoreApplication::translate("InputLoader", "is empty"));
    OpenResult r = openImageFile(path, limits);
    if (r.document) {
        r.document->displayName = info.fileName();
        if (choice.reshape.mode != core::Reshape::Mode::Auto)
            r.document->notes << QCoreApplication::translate("InputLoader",
                                                             "A reshape applies to arrays; the image was read as it is.");
    }
    return r;
}

QImage planesToImage(const std::vector<Matrix> &planes)
{
    if (planes.empty())
        return {};
    const Index h = planes[0].rows(), w = planes[0].cols();
    auto to8 = [](double v) { return uchar(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
    if (planes.size() == 1) {
        QImage img(int(w), int(h), QImage::Format_Grayscale8);
        for (Index y = 0; y < h; ++y) {
            uchar *line = img.scanLine(int(y));
            for (Index x = 0; x < w; ++x)
                line[x] = to8(planes[0](y, x));
        }
        return img;
    }
    QImage img(int(w), int(h), QImage::Format_RGB888);
    for (Index y = 0; y < h; ++y) {
        uchar *line = img.scanLine(int(y));
        for (Index x = 0; x < w; ++x) {
            line[3 * x] = to8(planes[0](y, x));
            line[3 * x + 1] = to8(planes[1](y, x));
            line[3 * x + 2] = to8(planes[2](y, x));
        }
    }
    return img;
}

} // namespace factorscope::app
