// SPDX-License-Identifier: MIT
#include "exporter.h"

#include "core/color.h"
#include "core/cr.h"
#include "core/cur.h"
#include "core/id.h"
#include "core/io/matrixio.h"
#include "core/io/npyindices.h"
#include "core/monarch.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QCoreApplication>
#include <QDir>
#include <QImage>
#include <QSaveFile>

#include <cmath>
#include <ostream>

namespace factorscope::app::exporter {

using core::Index;
using core::Matrix;
using core::Method;

namespace {

QString tr(const char *text) { return QCoreApplication::translate("factorscope::app::exporter", text); }

Matrix indexColumn(const core::IndexList &idx, Index count)
{
    Matrix v(std::min<Index>(count, Index(idx.size())), 1);
    for (Index i = 0; i < v.rows(); ++i)
        v(i, 0) = double(idx[std::size_t(i)]);
    return v;
}

Matrix stackVertically(const std::vector<Matrix> &blocks)
{
    Index rows = 0;
    for (const Matrix &b : blocks)
        rows += b.rows();
    Matrix out(rows, blocks.empty() ? 0 : blocks[0].cols());
    Index at = 0;
    for (const Matrix &b : blocks) {
        out.middleRows(at, b.rows()) = b;
        at += b.rows();
    }
    return out;
}

} // namespace

core::CsvMetadata curveMetadata(const InputDocument &document, core::ColorMode mode, Index channels)
{
    core::CsvMetadata meta;
    meta.input = document.path.toStdString();
    meta.rows = document.rows();
    meta.cols = document.cols();
    meta.channels = channels;
    meta.tensor = document.tensor.toStdString();
    meta.reshape = document.reshape.toStdString();
    // As `factorscope curve --color MODE` labels it (headless.cpp, prepare()).
    if (document.isImage)
        meta.color = document.planes.size() == 1 ? std::string("gray (grey image)") : core::colorModeName(mode);
    return meta;
}

std::vector<core::CurveRow> curveRows(const InputDocument &document, const std::vector<Matrix> &channels,
                                      const MethodResult &result, core::Progress *progress)
{
    std::vector<Index> ranks;
    ranks.reserve(result.curve.size());
    for (const core::CurveRow &row : result.curve)
        ranks.push_back(row.rank);
    std::optional<core::ImageContext> image;
    if (document.isImage) {
        core::ImageContext context;
        context.color = result.color;
        context.displayOriginal = Workspace::displayedOriginal(document, result.color);
        image = std::move(context);
    }
    std::vector<std::vector<const core::ChannelModel *>> models;
    for (const auto &trial : result.models) {
        models.emplace_back();
        for (const auto &model : trial)
            models.back().push_back(model.get());
    }
    if (!image) {
        // Nothing new to compute: the cached rows, without the GUI's spectral estimates.
        std::vector<core::CurveRow> rows = result.curve;
        for (core::CurveRow &row : rows)
            if (row.relErrSpecEstimated) {
                row.relErrSpec.reset();
                row.relErrSpecEstimated = false;
            }
        return rows;
    }
    return core::evaluateCurve(channels, result.method, result.settings, models, ranks, image, false,
                               result.inputSpectralNorm, progress);
}

bool writeCurveCsv(const QString &path, const core::CurveResult &curves, const core::CsvMetadata &meta,
                   QString *error)
{
    std::string reason;
    const bool ok = core::writeFileAtomically(
        path.toStdString(),
        [&](std::ostream &out) {
            core::writeCurveCsv(out, curves, meta);
            return bool(out);
        },
        &reason);
    if (!ok && error)
        *error = QString::fromStdString(reason);
    return ok;
}

std::vector<std::pair<std::string, Matrix>> factorMatrices(const core::ChannelModel &model, Method method, Index rank)
{
    std::vector<std::pair<std::string, Matrix>> files;
    switch (method) {
    case Method::Svd: {
        const auto &m = static_cast<const core::SvdModel &>(model);
        files = {{"U", m.u().leftCols(rank)}, {"S", m.singularValues().head(rank)}, {"V", m.v().leftCols(rank)}};
        break;
    }
    case Method::Rsvd: {
        const auto &m = static_cast<const core::RsvdModel &>(model);
        files = {{"U", m.u().leftCols(rank)}, {"S", m.singularValues().head(rank)}, {"V", m.v().leftCols(rank)}};
        break;
    }
    case Method::Id: {
        const auto &m = static_cast<const core::IdModel &>(model);
        files = {{"C", m.skeleton(rank)}, {"Z", m.interpolation(rank)}, {"indices", indexColumn(m.pivots(), rank)}};
        break;
    }
    case Method::Cr: {
        const auto &m = static_cast<const core::CrModel &>(model);
        files = {{"indices", indexColumn(m.draws(), rank)}, {"weights", m.weights()}};
        if (m.probabilities().size() > 0)
            files.push_back({"probabilities", m.probabilities()});
        break;
    }
    case Method::Monarch: {
        const auto &m = static_cast<const core::MonarchModel &>(model);
        files = {{"L", stackVertically(m.leftBlocks(rank))}, {"R", stackVertically(m.rightBlocks(rank))}};
        break;
    }
    case Method::Cur: {
        const auto &m = static_cast<const core::CurModel &>(model);
        const core::IndexList columns = m.columnsAt(rank), rows = m.rowsAt(rank);
        files = {{"C", m.columnFactor(rank)},
                 {"U", m.middleFactor(rank)},
                 {"R", m.rowFactor(rank)},
                 // 1×k, as the 1-D .npy they are written to reads back (core/io: a 1-D array is a row).
                 {"columns", indexColumn(columns, Index(columns.size())).transpose()},
                 {"rows", indexColumn(rows, Index(rows.size())).transpose()}};
        break;
    }
    }
    return files;
}

std::vector<std::string> channelSuffixes(const QString &colorName, std::size_t count)
{
    if (count == 1)
        return {""};
    if (colorName == QStringLiteral("rgb"))
        return {"_R", "_G", "_B"};
    if (colorName == QStringLiteral("ycbcr"))
        return {"_Y", "_Cb", "_Cr"};
    std::vector<std::string> s;
    for (std::size_t c = 0; c < count; ++c)
        s.push_back("_c" + std::to_string(c));
    return s;
}

bool writeFactors(const QString &dir, const core::ChannelModel &model, Method method, Index rank,
                  const std::string &suffix, FactorFormat format, QString *failedPath, QString *error)
{
    const std::string extension = format == FactorFormat::Npy ? ".npy" : ".csv";
    for (const auto &[name, matrix] : factorMatrices(model, method, rank)) {
        const QString path = QDir(dir).filePath(QString::fromStdString(name + suffix + extension));
        std::string reason;
        bool ok = false;
        if (format == FactorFormat::Npy && method == Method::Cur && (name == "columns" || name == "rows")) {
            // CUR's index files are 1-D int64, ready for numpy indexing (M[:, columns]).
            core::IndexList indices(static_cast<std::size_t>(matrix.size()));
            for (Index i = 0; i < matrix.size(); ++i)
                indices[std::size_t(i)] = Index(std::llround(matrix(i)));
            ok = core::writeNpyIndices(path.toStdString(), indices, &reason);
        } else {
            ok = format == FactorFormat::Npy ? core::writeNpy(path.toStdString(), {matrix}, &reason)
                                             : core::writeCsv(path.toStdString(), matrix, &reason);
        }
        if (!ok) {
            if (failedPath)
                *failedPath = path;
            if (error)
                *error = QString::fromStdString(reason);
            return false;
        }
    }
    return true;
}

bool saveImage(const QImage &image, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    if (!image.save(&file, "PNG")) {
        file.cancelWriting();
        if (error)
            *error = tr("the image could not be encoded as PNG");
        return false;
    }
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace factorscope::app::exporter
