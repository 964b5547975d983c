// SPDX-License-Identifier: MIT
#include "exporter.h"

#include "core/color.h"
#include "core/cr.h"
#include "core/cur.h"
#include "core/id.h"
#include "core/io/matrixio.h"
#include "core/monarch.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QCoreApplication>
#include <QDir>
#include <QImage>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace factorscope::app::exporter {

using core::Index;
using core::Matrix;
using core::Method;

namespace {

QString tr(const char *text) { return QCoreApplication::translate("factorscope::app::exporter", text); }

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

/// The whole numbers an index factor holds, in order.
std::vector<Index> indexValues(const Matrix &values)
{
    std::vector<Index> out;
    out.reserve(std::size_t(values.size()));
    for (Index i = 0; i < values.size(); ++i)
        out.push_back(Index(std::llround(values(i))));
    return out;
}

/// One channel held at a fixed rank whatever rank is asked for: Cb and Cr at the chroma rank
/// while the row's rank is Y's. Its error, stored numbers and reconstruction are the inner
/// model's at that rank. core::evaluateCurve starts every accumulator at zero (the rank-0
/// reconstruction of a rank model), so advance() from rank 0 fills it; later moves keep it.
class PinnedRankModel final : public core::ChannelModel
{
public:
    PinnedRankModel(const core::ChannelModel &inner, Index rank) : m_inner(inner), m_rank(rank) {}
    Index rows() const override { return m_inner.rows(); }
    Index cols() const override { return m_inner.cols(); }
    Index maxRank() const override { return m_inner.maxRank(); }
    double errFro2(Index) const override { return m_inner.errFro2(m_rank); }
    std::optional<double> errSpecExact(Index) const override { return m_inner.errSpecExact(m_rank); }
    double storedParams(Index) const override { return m_inner.storedParams(m_rank); }
    bool canReconstruct() const override { return m_inner.canReconstruct(); }
    Matrix reconstruct(Index) const override { return m_inner.reconstruct(m_rank); }
    void advance(Matrix &acc, Index from, Index) const override
    {
        if (from == 0)
            acc = m_inner.reconstruct(m_rank);
    }

private:
    const core::ChannelModel &m_inner;
    Index m_rank;
};

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

std::vector<Index> exportRanks(const MethodResult &result, const CurveExport &choice)
{
    std::vector<Index> ranks;
    const Index last = std::min(choice.lastRank, result.maxRank);
    for (Index r = std::max<Index>(0, choice.firstRank); r <= last; ++r)
        ranks.push_back(r);
    return ranks;
}

int exportTrials(const MethodResult &result, const CurveExport &choice)
{
    const int computed = std::max(1, result.trials());
    return choice.trials > 0 ? std::min(choice.trials, computed) : computed;
}

std::vector<core::CurveRow> curveRows(const InputDocument &document, const std::vector<Matrix> &channels,
                                      const MethodResult &result, const std::vector<Index> &ranks, int trials,
                                      bool psnr, std::optional<Index> chromaRank, core::Progress *progress)
{
    std::optional<core::ImageContext> image;
    if (document.isImage && psnr) {
        core::ImageContext context;
        context.color = result.color;
        context.displayOriginal = Workspace::displayedOriginal(document, result.color);
        image = std::move(context);
    }
    const bool chroma = chromaRank && result.color == core::ColorMode::YCbCr && result.channels() == 3;
    const Index chromaAt = chroma ? std::clamp<Index>(*chromaRank, 0, result.maxRank) : 0;
    std::vector<std::unique_ptr<PinnedRankModel>> pinned;
    std::vector<std::vector<const core::ChannelModel *>> models;
    for (int t = 0; t < std::clamp(trials, 1, std::max(1, result.trials())); ++t) {
        models.emplace_back();
        for (int c = 0; c < result.channels(); ++c) {
            const core::ChannelModel &model = result.model(c, t);
            if (chroma && c > 0) {
                pinned.push_back(std::make_unique<PinnedRankModel>(model, chromaAt));
                models.back().push_back(pinned.back().get());
            } else {
                models.back().push_back(&model);
            }
        }
    }
    std::vector<core::CurveRow> rows = core::evaluateCurve(channels, result.method, result.settings, models, ranks, image,
                                                           false, result.inputSpectralNorm, progress);
    if (chroma)
        for (core::CurveRow &row : rows)
            row.variant += ";chroma=" + std::to_string(chromaAt);
    return rows;
}

std::vector<std::string> curveExportLines(const std::vector<std::shared_ptr<const MethodResult>> &results,
                                          const CurveExport &choice)
{
    std::vector<std::string> lines;
    std::vector<std::pair<std::string, Index>> chroma;
    for (const auto &result : results) {
        const auto asked = choice.chromaRanks[std::size_t(result->method)];
        std::vector<const core::ChannelModel *> trial0;
        for (int c = 0; c < result->channels(); ++c)
            trial0.push_back(&result->model(c));
        // As core::computedLine, with the chroma rank among what the numbers depend on.
        std::string line = core::methodName(result->method) + ": "
                           + core::methodDescription(result->method, result->rows, result->cols, result->settings,
                                                     exportTrials(*result, choice));
        if (asked && result->color == core::ColorMode::YCbCr && result->channels() == 3) {
            const Index at = std::clamp<Index>(*asked, 0, result->maxRank);
            line += ", Cb and Cr at chroma rank " + std::to_string(at);
            chroma.emplace_back(core::methodName(result->method), at);
        }
        if (const std::string how = core::describeFactorisation(result->method, trial0, result->settings); !how.empty())
            line += "; " + how;
        lines.push_back(line);
    }
    if (!chroma.empty()) {
        const bool same = std::all_of(chroma.begin(), chroma.end(), [&](const auto &c) { return c.second == chroma[0].second; });
        std::string line = "chroma rank: ";
        if (same) {
            line += std::to_string(chroma[0].second) + " (";
            for (std::size_t i = 0; i < chroma.size(); ++i)
                line += (i ? ", " : "") + chroma[i].first;
        } else {
            for (std::size_t i = 0; i < chroma.size(); ++i)
                line += (i ? ", " : "") + chroma[i].first + " " + std::to_string(chroma[i].second);
            line += " (";
        }
        line += "; Cb and Cr at it, the rank column is Y's)";
        lines.push_back(line);
    }
    return lines;
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

std::vector<Factor> factorFiles(const core::ChannelModel &model, Method method, Index rank)
{
    const auto table = [](std::string name, Matrix values) {
        Factor f{std::move(name), std::move(values), {}, false};
        f.shape = {f.values.rows(), f.values.cols()};
        return f;
    };
    const auto vector = [](std::string name, const core::Vector &values) {
        return Factor{std::move(name), Matrix(values), {values.size()}, false};
    };
    const auto indices = [](const core::IndexList &idx, Index count) {
        const Index k = std::min<Index>(count, Index(idx.size()));
        Matrix v(k, 1);
        for (Index i = 0; i < k; ++i)
            v(i, 0) = double(idx[std::size_t(i)]);
        return Factor{"indices", std::move(v), {k}, true};
    };
    std::vector<Factor> files;
    switch (method) {
    case Method::Svd: {
        const auto &m = static_cast<const core::SvdModel &>(model);
        files = {table("U", m.u().leftCols(rank)), vector("S", m.singularValues().head(rank)), table("V", m.v().leftCols(rank))};
        break;
    }
    case Method::Rsvd: {
        const auto &m = static_cast<const core::RsvdModel &>(model);
        files = {table("U", m.u().leftCols(rank)), vector("S", m.singularValues().head(rank)), table("V", m.v().leftCols(rank))};
        break;
    }
    case Method::Id: {
        const auto &m = static_cast<const core::IdModel &>(model);
        files = {table("C", m.skeleton(rank)), table("Z", m.interpolation(rank)), indices(m.pivots(), rank)};
        break;
    }
    case Method::Cr: {
        const auto &m = static_cast<const core::CrModel &>(model);
        files = {indices(m.draws(), rank), vector("weights", m.weights())};
        if (m.probabilities().size() > 0)
            files.push_back(vector("probabilities", m.probabilities()));
        break;
    }
    case Method::Monarch: {
        // The blocks stacked are L[j, l, k, t] and R[k, t, j, i] in C order.
        const auto &m = static_cast<const core::MonarchModel &>(model);
        const Index b = m.blocks(), lo = m.outBlockSize(), in = m.inBlockSize();
        const Index rho = std::clamp<Index>(rank, 0, m.maxRank());
        files = {table("L", stackVertically(m.leftBlocks(rho))), table("R", stackVertically(m.rightBlocks(rho)))};
        files[0].shape = {b, lo, b, rho};
        files[1].shape = {b, rho, b, in};
        break;
    }
    case Method::Cur: {
        const auto &m = static_cast<const core::CurModel &>(model);
        const core::IndexList columns = m.columnsAt(rank), rows = m.rowsAt(rank);
        Factor c = indices(columns, Index(columns.size())), r = indices(rows, Index(rows.size()));
        c.name = "columns";
        r.name = "rows";
        files = {table("C", m.columnFactor(rank)), table("U", m.middleFactor(rank)), table("R", m.rowFactor(rank)),
                 std::move(c), std::move(r)};
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
    for (const Factor &factor : factorFiles(model, method, rank)) {
        const QString path = QDir(dir).filePath(QString::fromStdString(factor.name + suffix + extension));
        const std::string file = path.toStdString();
        std::string reason;
        bool ok = false;
        if (format == FactorFormat::Csv)
            ok = core::writeCsv(file, factor.values, &reason);
        else if (factor.integer)
            ok = core::writeNpyIndices(file, indexValues(factor.values), &reason);
        else
            ok = core::writeNpyArray(file, factor.values, factor.shape, &reason);
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
