// SPDX-License-Identifier: MIT
#include "curve.h"

#include "color.h"
#include "metrics.h"
#include "monarch.h"
#include "random.h"
#include "rsvd.h"
#include "svd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace factorscope::core {

std::string methodName(Method method)
{
    switch (method) {
    case Method::Svd: return "svd";
    case Method::Rsvd: return "rsvd";
    case Method::Id: return "id";
    case Method::Cr: return "cr";
    case Method::Monarch: return "monarch";
    case Method::Cur: return "cur";
    }
    return "svd";
}

std::optional<Method> parseMethod(const std::string &name)
{
    for (Method m : allMethods())
        if (methodName(m) == name)
            return m;
    return std::nullopt;
}

std::vector<Method> allMethods()
{
    return {Method::Svd, Method::Rsvd, Method::Id, Method::Cr, Method::Monarch, Method::Cur};
}

bool isRandomized(Method method, const MethodSettings &s)
{
    switch (method) {
    case Method::Rsvd: return true;
    case Method::Id: return isRandomized(s.idSelector);
    case Method::Cr: return s.crRule != CrRule::Top;
    case Method::Cur: return isRandomized(s.curSelector);
    default: return false;
    }
}

MethodSettings resolvedSettings(Method method, const MethodSettings &settings, Index maxRank)
{
    MethodSettings s = settings;
    const bool leverage = (method == Method::Id && usesLeverageRank(s.idSelector)) ||
                          (method == Method::Cur && usesLeverageRank(s.curSelector));
    if (leverage && s.leverageRank == 0)
        s.leverageRank = maxRank;
    return s;
}

namespace {

const char *crRuleName(CrRule rule)
{
    switch (rule) {
    case CrRule::Top: return "top";
    case CrRule::Optimal: return "optimal";
    case CrRule::Uniform: return "uniform";
    }
    return "optimal";
}

const char *crProductName(CrProduct product)
{
    switch (product) {
    case CrProduct::MatrixIdentity: return "m-i";
    case CrProduct::IdentityMatrix: return "i-m";
    case CrProduct::SvdFactors: return "svd";
    case CrProduct::Given: return "x-y";
    }
    return "m-i";
}

Index ceilDiv(Index a, Index b) { return (a + b - 1) / b; }

} // namespace

bool usesSketch(Method method, const MethodSettings &s)
{
    return method == Method::Rsvd || (method == Method::Id && s.idSelector == IdSelector::SketchPivotedQr);
}

namespace {

/// The dimension a sketch draws from: min(n, m) for randomized SVD; for the ID the rows of the
/// matrix whose columns are chosen (n for a column ID, m for a row ID, which is the ID of Mᵀ).
Index sketchedDimension(Method method, Index rows, Index cols, const MethodSettings &s)
{
    if (method == Method::Rsvd)
        return std::min(rows, cols);
    return s.rowId ? cols : rows;
}

Index sketchOversampling(Method method, const MethodSettings &s)
{
    return std::max<Index>(0, method == Method::Rsvd ? s.rsvdOversampling : s.idOversampling);
}

} // namespace

Index sketchSize(Method method, Index rows, Index cols, const MethodSettings &s, Index maxRank)
{
    if (!usesSketch(method, s))
        return 0;
    const Index wanted = s.sketch > 0 ? s.sketch : std::max<Index>(0, maxRank) + sketchOversampling(method, s);
    return std::min(wanted, sketchedDimension(method, rows, cols, s));
}

MethodSettings statedSettings(Method method, Index rows, Index cols, const MethodSettings &s, Index maxRank)
{
    MethodSettings stated = s;
    if (usesSketch(method, s))
        stated.sketch = sketchSize(method, rows, cols, s, maxRank);
    return stated;
}

std::string methodVariant(Method method, const MethodSettings &s)
{
    const std::string sketch = s.sketch > 0 ? std::to_string(s.sketch) : std::string();
    switch (method) {
    case Method::Svd: return "exact";
    case Method::Rsvd:
        return "p=" + std::to_string(s.rsvdOversampling) + ";q=" + std::to_string(s.rsvdPowerIterations)
               + (sketch.empty() ? "" : ";sketch=" + sketch);
    case Method::Id: {
        // "pivoted-qr" (not "qr") for the ID's own default, as before the selectors came.
        std::string v = s.idSelector == IdSelector::PivotedQr ? "pivoted-qr" : selectorName(s.idSelector);
        if (s.idSelector == IdSelector::SketchPivotedQr && !sketch.empty())
            v += ";d=" + sketch;
        if (usesLeverageRank(s.idSelector) && s.leverageRank > 0)
            v += ";gamma=" + std::to_string(s.leverageRank);
        return s.rowId ? v + ";rows" : v;
    }
    case Method::Cur: {
        std::string v = selectorName(s.curSelector) + ";" + curMiddleName(s.curMiddle);
        if (s.curRows > 0)
            v += ";rows=" + std::to_string(s.curRows);
        if (usesLeverageRank(s.curSelector) && s.leverageRank > 0)
            v += ";gamma=" + std::to_string(s.leverageRank);
        if (s.curMiddle == CurMiddle::Cross && s.curTolerance >= 0.0)
            v += ";tol=" + formatNumber(s.curTolerance);
        return v;
    }
    case Method::Cr:
        // The rule alone for the default product M·I, as design.md's examples; else rule;product.
        return s.crProduct == CrProduct::MatrixIdentity
                   ? std::string(crRuleName(s.crRule))
                   : std::string(crRuleName(s.crRule)) + ";" + crProductName(s.crProduct);
    case Method::Monarch: return "blocks=" + std::to_string(s.monarchBlocks);
    }
    return {};
}

std::string methodDescription(Method method, Index rows, Index cols, const MethodSettings &s, int trials)
{
    std::ostringstream out;
    const auto randomness = [&] {
        out << ", " << trials << (trials == 1 ? " trial" : " trials") << ", seed " << s.seed;
    };
    const auto sketch = [&](const char *symbol) {
        const Index top = maxUsableRank(method, rows, cols, s), p = sketchOversampling(method, s);
        const Index size = sketchSize(method, rows, cols, s, top);
        out << symbol << " = " << size;
        if (top + p == size)
            out << " (r_max " << top << " + p " << p << ")";
        else
            out << " (all of " << (method == Method::Rsvd ? "min(n, m)" : s.rowId ? "m" : "n") << "; r_max " << top << ")";
    };
    switch (method) {
    case Method::Svd: out << "exact SVD"; break; // partial or full: describeFactorisation
    case Method::Rsvd:
        out << "randomized SVD, ";
        sketch("sketch");
        out << ", q = " << s.rsvdPowerIterations;
        randomness();
        break;
    case Method::Id:
        out << (s.rowId ? "row ID" : "column ID") << ", ";
        if (s.idSelector == IdSelector::PivotedQr) {
            out << "pivoted QR of the matrix (deterministic)";
        } else if (s.idSelector == IdSelector::SketchPivotedQr) {
            out << "pivoted QR of a Gaussian sketch, ";
            sketch("sketch d");
            randomness();
        } else {
            out << "skeleton chosen by " << selectorName(s.idSelector);
            if (usesLeverageRank(s.idSelector))
                out << ", gamma = " << (s.leverageRank > 0 ? std::to_string(s.leverageRank) : std::string("r"));
            if (isRandomized(s.idSelector))
                randomness();
            else
                out << " (deterministic)";
        }
        break;
    case Method::Cur:
        out << "CUR, columns and rows by " << selectorName(s.curSelector) << ", " << curMiddleName(s.curMiddle)
            << " middle, l = " << (s.curRows > 0 ? std::to_string(s.curRows) : std::string("r")) << " rows";
        if (usesLeverageRank(s.curSelector))
            out << ", gamma = " << (s.leverageRank > 0 ? std::to_string(s.leverageRank) : std::string("r"));
        if (s.curMiddle == CurMiddle::Cross)
            out << ", tolerance " << (s.curTolerance >= 0.0 ? formatNumber(s.curTolerance)
                                                            : std::string("max(r, l)·eps·sigma_1 of the intersection"));
        if (isRandomized(s.curSelector))
            randomness();
        else
            out << " (deterministic)";
        break;
    case Method::Cr:
        out << "CR, product " << crProductName(s.crProduct) << ", rule " << crRuleName(s.crRule);
        if (isRandomized(method, s))
            randomness();
        else
            out << " (deterministic)";
        break;
    case Method::Monarch: {
        const Index b = std::max<Index>(1, s.monarchBlocks);
        out << "Monarch, b = " << b << " blocks, slices of " << ceilDiv(rows, b) << " x " << ceilDiv(cols, b)
            << ", each projected by its SVD";
        break;
    }
    }
    return out.str();
}

Index maxUsableRank(Method method, Index rows, Index cols, const MethodSettings &s)
{
    switch (method) {
    case Method::Svd: return std::min(rows, cols);
    case Method::Rsvd:
    case Method::Id: {
        const Index full = std::min(rows, cols);
        if (!usesSketch(method, s) || s.sketch <= 0)
            return full;
        // A stated sketch ℓ serves ranks up to ℓ − p, or every rank once it covers the
        // dimension it sketches.
        if (s.sketch >= sketchedDimension(method, rows, cols, s))
            return full;
        return std::clamp<Index>(s.sketch - sketchOversampling(method, s), 0, full);
    }
    case Method::Cur: return std::min(rows, cols);
    case Method::Cr:
        switch (s.crProduct) {
        case CrProduct::MatrixIdentity: return cols;
        case CrProduct::IdentityMatrix: return rows;
        case CrProduct::Given: return s.crLeft ? s.crLeft->cols() : 0;
        default: return std::min(rows, cols);
        }
    case Method::Monarch: {
        const Index b = std::max<Index>(1, s.monarchBlocks);
        return std::min(ceilDiv(rows, b), ceilDiv(cols, b));
    }
    }
    return 0;
}

std::unique_ptr<ChannelModel> factorise(const Matrix &channel, Method method, const MethodSettings &s,
                                        Index maxRank, int trial, bool reconstruction,
                                        Progress *progress)
{
    const std::uint64_t seed = deriveSeed(s.seed, std::uint64_t(trial));
    switch (method) {
    case Method::Svd: {
        SvdOptions o;
        o.vectors = reconstruction;
        o.rank = maxRank;
        o.algorithm = s.fullFactorisation ? SvdAlgorithm::Full : SvdAlgorithm::Auto;
        o.seed = seed;
        return computeSvd(channel, o, progress);
    }
    case Method::Rsvd: {
        RsvdOptions o;
        o.rank = maxRank;
        o.oversampling = s.rsvdOversampling;
        if (s.sketch > 0) { // Ω has exactly the stated ℓ columns, whatever the largest rank
            o.rank = std::min(maxRank, s.sketch);
            o.oversampling = s.sketch - o.rank;
        }
        o.powerIterations = s.rsvdPowerIterations;
        o.seed = seed;
        o.vectors = reconstruction;
        return computeRandomizedSvd(channel, o, progress);
    }
    case Method::Id: {
        IdOptions o;
        o.selector = s.idSelector;
        o.rank = maxRank;
        o.oversampling = s.idOversampling;
        if (s.idSelector == IdSelector::SketchPivotedQr && s.sketch > 0) { // d = the stated sketch
            o.rank = std::min(maxRank > 0 ? maxRank : std::min(channel.rows(), channel.cols()), s.sketch);
            o.oversampling = s.sketch - o.rank;
        }
        o.seed = seed;
        o.rowId = s.rowId;
        o.leverageRank = s.leverageRank;
        o.reconstruction = reconstruction;
        o.completeQr = s.fullFactorisation;
        return computeId(channel, o, progress);
    }
    case Method::Cur: {
        CurOptions o;
        o.selection.selector = s.curSelector;
        o.selection.leverageRank = s.leverageRank;
        o.selection.oversampling = s.idOversampling;
        o.selection.seed = seed;
        o.middle = s.curMiddle;
        o.rank = maxRank;
        o.rowCount = s.curRows;
        o.crossTolerance = s.curTolerance;
        o.reconstruction = reconstruction;
        return computeCur(channel, o, progress);
    }
    case Method::Cr: {
        CrOptions o;
        o.rule = s.crRule;
        o.product = s.crProduct;
        o.rank = maxRank;
        o.seed = seed;
        if (s.crProduct == CrProduct::Given) {
            if (!s.crLeft || !s.crRight)
                throw std::invalid_argument("factorise: CR on a given product needs X and Y");
            return computeCr(*s.crLeft, *s.crRight, o, progress);
        }
        return computeCr(channel, o, progress);
    }
    case Method::Monarch: {
        MonarchOptions o;
        o.blocks = std::max<Index>(1, s.monarchBlocks);
        o.blockRank = s.fullFactorisation ? 0 : maxRank;
        o.reconstruction = reconstruction;
        return computeMonarch(channel, o, progress);
    }
    }
    throw std::invalid_argument("factorise: unknown method");
}

namespace {

struct TrialPoint
{
    double err2 = 0.0;
    double params = 0.0;
    std::optional<double> spec;   // absolute ‖E‖₂ (max over channels)
    bool specEstimated = false;
    std::optional<double> psnr;
    std::optional<double> expected2;
};

/// Σ of the squared differences between the displayed original and the displayed reconstruction
/// (clamped to [0, 1]) over every value, without forming the displayed planes: grey and RGB
/// compare the channels themselves, YCbCr converts one column at a time in registers. No
/// allocation, so a curve over many ranks costs one pass per rank on top of the GEMM update.
double displayedSquaredError(const ImageContext &image, const std::vector<Matrix> &original,
                             const std::vector<Matrix> &acc)
{
    double sum = 0.0;
    if (image.color != ColorMode::YCbCr || acc.size() != 3) {
        if (original.size() != acc.size())
            throw std::invalid_argument("evaluateCurve: the image has " + std::to_string(original.size())
                                        + " displayed planes for " + std::to_string(acc.size()) + " channels");
        for (std::size_t c = 0; c < acc.size(); ++c)
            sum += (original[c] - acc[c].cwiseMax(0.0).cwiseMin(1.0)).squaredNorm();
        return sum;
    }
    if (original.size() != 3)
        throw std::invalid_argument("evaluateCurve: a YCbCr image needs 3 displayed planes");
    const Eigen::Matrix3d inv = ycbcrToRgb();
    for (Index j = 0; j < acc[0].cols(); ++j) {
        const auto y = acc[0].col(j).array();
        const auto cb = acc[1].col(j).array(); // chroma centred on zero (core/color.h)
        const auto cr = acc[2].col(j).array();
        for (int c = 0; c < 3; ++c)
            sum += ((inv(c, 0) * y + inv(c, 1) * cb + inv(c, 2) * cr).cwiseMax(0.0).cwiseMin(1.0)
                    - original[std::size_t(c)].col(j).array())
                       .square()
                       .sum();
    }
    return sum;
}

} // namespace

double inputSpectralNorm(const std::vector<Matrix> &channels)
{
    double best = 0.0;
    for (const Matrix &c : channels)
        best = std::max(best, spectralNormEstimate(c, 200, 7));
    return best;
}

std::vector<CurveRow> evaluateCurve(const std::vector<Matrix> &channels, Method method,
                                    const MethodSettings &s,
                                    const std::vector<std::vector<const ChannelModel *>> &models,
                                    const std::vector<Index> &ranksIn,
                                    const std::optional<ImageContext> &image, bool spectralEstimates,
                                    double inputNorm2, Progress *progress)
{
    std::vector<CurveRow> rows;
    if (channels.empty() || models.empty() || models[0].empty())
        return rows;
    const Index n = channels[0].rows(), m = channels[0].cols();
    Index usable = models[0][0]->maxRank();
    for (const auto &trial : models)
        for (const ChannelModel *model : trial)
            usable = std::min(usable, model->maxRank());
    std::set<Index> rankSet;
    for (Index r : ranksIn)
        if (r >= 0 && r <= usable)
            rankSet.insert(r);
    const std::vector<Index> used(rankSet.begin(), rankSet.end());
    if (used.empty())
        return rows;
    const double total2 = squaredNorm(channels);
    const bool randomized = isRandomized(method, s);
    const int trials = int(models.size());
    const bool wantSpec = spectralEstimates && method != Method::Svd;
    const bool needRecon = image.has_value() || wantSpec;

    std::vector<std::vector<TrialPoint>> points(std::size_t(trials), std::vector<TrialPoint>(used.size()));
    for (int t = 0; t < trials; ++t) {
        const auto &trialModels = models[std::size_t(t)];
        std::vector<Matrix> acc;
        if (needRecon)
            for (std::size_t c = 0; c < channels.size(); ++c)
                acc.push_back(Matrix::Zero(n, m));
        Index prev = 0;
        for (std::size_t ri = 0; ri < used.size(); ++ri) {
            const Index r = used[ri];
            TrialPoint &p = points[std::size_t(t)][ri];
            std::optional<double> specExact = 0.0;
            for (std::size_t c = 0; c < trialModels.size(); ++c) {
                const ChannelModel &model = *trialModels[c];
                p.err2 += model.errFro2(r);
                p.params += model.storedParams(r);
                const auto e = model.errSpecExact(r);
                specExact = (specExact && e) ? std::optional<double>(std::max(*specExact, *e)) : std::nullopt;
                if (method == Method::Cr) {
                    const auto &cr = static_cast<const CrModel &>(model);
                    p.expected2 = p.expected2.value_or(0.0) + cr.expectedErrFro2(r);
                }
                if (needRecon)
                    model.advance(acc[c], prev, r);
            }
            prev = r;
            if (specExact) {
                p.spec = specExact;
            } else if (wantSpec) {
                double worst = 0.0;
                for (std::size_t c = 0; c < channels.size(); ++c)
                    worst = std::max(worst, spectralNormEstimate(channels[c] - acc[c], 60, 11));
                p.spec = worst;
                p.specEstimated = true;
            }
            if (image) {
                // Grey and RGB may leave displayOriginal empty: the channels are what is shown.
                const std::vector<Matrix> &original =
                    image->displayOriginal.empty() && image->color != ColorMode::YCbCr ? channels
                                                                                       : image->displayOriginal;
                double values = 0.0;
                for (const Matrix &plane : original)
                    values += double(plane.size());
                p.psnr = psnrFromMse(values > 0 ? displayedSquaredError(*image, original, acc) / values : 0.0);
            }
            checkpoint(progress, (double(t) + double(ri + 1) / double(used.size())) / double(trials));
        }
    }

    // Aggregate the trials.
    for (std::size_t ri = 0; ri < used.size(); ++ri) {
        CurveRow row;
        row.method = methodName(method);
        row.variant = methodVariant(method, s);
        row.rank = used[ri];
        row.params = points[0][ri].params;
        double sum = 0.0, lo = std::numeric_limits<double>::infinity(), hi = 0.0;
        double psnrSum = 0.0, specSum = 0.0;
        for (int t = 0; t < trials; ++t) {
            const TrialPoint &p = points[std::size_t(t)][ri];
            const double rel = total2 > 0.0 ? std::sqrt(std::max(p.err2, 0.0) / total2) : 0.0;
            sum += rel;
            lo = std::min(lo, rel);
            hi = std::max(hi, rel);
            if (p.psnr)
                psnrSum += *p.psnr;
            if (p.spec)
                specSum += *p.spec;
        }
        row.relErrFro = sum / trials;
        const TrialPoint &first = points[0][ri];
        if (first.psnr)
            row.psnrDb = psnrSum / trials;
        if (first.spec) {
            row.relErrSpec = inputNorm2 > 0.0 ? (specSum / trials) / inputNorm2 : 0.0;
            row.relErrSpecEstimated = first.specEstimated;
        }
        if (randomized) {
            row.trials = trials;
            row.relErrFroMin = lo;
            row.relErrFroMax = hi;
        }
        if (first.expected2)
            row.relErrFroExpected = total2 > 0.0 ? std::sqrt(std::max(*first.expected2, 0.0) / total2) : 0.0;
        rows.push_back(std::move(row));
    }
    return rows;
}

CurveResult computeCurves(const std::vector<Matrix> &channels, const CurveRequest &request,
                          Progress *progress)
{
    CurveResult result;
    if (channels.empty())
        return result;
    const Index n = channels[0].rows(), m = channels[0].cols();
    std::optional<double> norm2; // max_c ‖M_c‖₂: exact from an SVD when one is made

    const std::size_t methodsAsked = request.methods.size();
    for (std::size_t mi = 0; mi < methodsAsked; ++mi) {
        const Method method = request.methods[mi];
        const Index usable = maxUsableRank(method, n, m, request.settings);
        std::set<Index> kept, dropped;
        for (Index r : request.ranks)
            if (r >= 0)
                (r <= usable ? kept : dropped).insert(r);
        if (!dropped.empty()) {
            std::ostringstream note;
            note << methodName(method) << ": rank" << (dropped.size() > 1 ? "s " : " ");
            if (dropped.size() > 3) {
                note << *dropped.begin() << " to " << *dropped.rbegin() << " (" << dropped.size() << " ranks)";
            } else {
                bool first = true;
                for (Index r : dropped) {
                    note << (first ? "" : ", ") << r;
                    first = false;
                }
            }
            note << " left out: the largest usable rank is " << usable;
            if (method == Method::Monarch)
                note << " (the size of a slice with " << request.settings.monarchBlocks << " blocks)";
            else if (usesSketch(method, request.settings) && request.settings.sketch > 0 && usable < std::min(n, m))
                note << " (the sketch of " << request.settings.sketch << " less the oversampling p = "
                     << sketchOversampling(method, request.settings) << ")";
            result.notes.push_back(note.str());
        }
        if (kept.empty())
            continue;
        const std::vector<Index> used(kept.begin(), kept.end());
        const Index rmax = used.back();
        // γ = r for the leverage selectors, and the sketch stated before factorising, so that
        // the rows say it (the variant) and the same settings repeat these numbers whatever
        // ranks are asked for.
        const MethodSettings s = resolvedSettings(method, request.settings, rmax);
        const MethodSettings stated = statedSettings(method, n, m, s, rmax);
        const bool randomized = isRandomized(method, s);
        const int trials = randomized ? std::max(1, s.trials) : 1;
        const bool needRecon = request.image.has_value() || (request.spectralEstimates && method != Method::Svd);
        const double base = double(mi) / double(methodsAsked), span = 1.0 / double(methodsAsked);

        std::vector<std::vector<std::unique_ptr<ChannelModel>>> owned(static_cast<std::size_t>(trials));
        std::vector<std::vector<const ChannelModel *>> models(static_cast<std::size_t>(trials));
        for (int t = 0; t < trials; ++t)
            for (std::size_t c = 0; c < channels.size(); ++c) {
                const double done = (double(t) * channels.size() + c) / (double(trials) * channels.size());
                const double next = (double(t) * channels.size() + c + 1) / (double(trials) * channels.size());
                SubProgress sub(progress, base + span * 0.8 * done, base + span * 0.8 * next);
                owned[std::size_t(t)].push_back(factorise(channels[c], method, stated, rmax, t, needRecon, &sub));
                models[std::size_t(t)].push_back(owned[std::size_t(t)].back().get());
            }
        if (method == Method::Svd && !norm2) {
            double best = 0.0;
            for (const ChannelModel *model : models[0])
                best = std::max(best, model->errSpecExact(0).value_or(0.0));
            norm2 = best;
        }
        double denom = 0.0;
        if (method == Method::Svd)
            denom = *norm2;
        else if (request.spectralEstimates) {
            if (!norm2)
                norm2 = inputSpectralNorm(channels);
            denom = *norm2;
        }
        SubProgress sub(progress, base + span * 0.8, base + span);
        std::vector<CurveRow> rows = evaluateCurve(channels, method, stated, models, used, request.image,
                                                   request.spectralEstimates, denom, &sub);
        result.computed.push_back(computedLine(method, models[0], stated, trials));
        for (CurveRow &row : rows)
            result.rows.push_back(std::move(row));
    }
    checkpoint(progress, 1.0);
    return result;
}

namespace {

std::string shortNumber(double value)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", value);
    return buf;
}

std::string describeSvd(const std::vector<const SvdModel *> &svds)
{
    std::vector<const SvdModel *> partial;
    for (const SvdModel *m : svds)
        if (m->isPartial())
            partial.push_back(m);
    if (partial.empty())
        return "full, dgesdd, all " + std::to_string(svds[0]->maxRank()) + " singular values";
    const SvdModel &first = *partial[0];
    double worst = 0.0, bound = 0.0;
    Index dimension = 0, explicitFrom = first.maxRank() + 1;
    bool certified = true;
    for (const SvdModel *m : partial) {
        const SvdCertificate &c = m->certificate();
        const double s1 = m->singularValues().size() > 0 ? m->singularValues()[0] : 0.0;
        if (s1 > 0.0) {
            worst = std::max(worst, c.maxResidual / s1);
            bound = std::max(bound, c.bound / s1);
        }
        dimension = std::max(dimension, c.krylovDimension);
        explicitFrom = std::min(explicitFrom, c.explicitTailFrom);
        certified = certified && m->status() == SvdStatus::Certified;
    }
    std::ostringstream line;
    line << "partial, k = " << first.maxRank() << ", block Lanczos (b = " << first.certificate().blockSize
         << ", Krylov dimension " << (partial.size() > 1 ? "up to " : "") << dimension << "), "
         << (certified ? "certified" : "uncertified") << ": residuals ≤ " << shortNumber(worst)
         << "·σ₁ (bound " << shortNumber(bound > 0 ? bound : 1e-12) << "·σ₁), ";
    if (explicitFrom > first.maxRank())
        line << "tails ‖M‖² − Σσ² (≥ 6 digits)";
    else
        line << "tails measured as ‖M − M_k‖² + Σσ² from rank " << explicitFrom
             << " on (the subtraction would keep < 6 digits)";
    if (partial.size() < svds.size())
        line << "; dgesdd on " << svds.size() - partial.size() << " of " << svds.size()
             << " channels (the Krylov space ran out)";
    return line.str();
}

} // namespace

std::string describeFactorisation(Method method, const std::vector<const ChannelModel *> &models,
                                  const MethodSettings &s)
{
    if (models.empty() || !models[0])
        return {};
    const ChannelModel &first = *models[0];
    const Index k = first.maxRank();
    switch (method) {
    case Method::Svd: {
        std::vector<const SvdModel *> svds;
        for (const ChannelModel *m : models)
            if (const auto *svd = dynamic_cast<const SvdModel *>(m))
                svds.push_back(svd);
        return svds.size() == models.size() ? describeSvd(svds) : std::string();
    }
    case Method::Rsvd:
        return {}; // partial by construction; its sketch (methodDescription) is what the numbers depend on
    case Method::Id: {
        const auto *id = dynamic_cast<const IdModel *>(&first);
        if (!id)
            return {};
        const Index all = std::min(first.rows(), first.cols());
        if (id->selector() != IdSelector::PivotedQr)
            return {}; // the sketch or the selector (methodDescription) is what the numbers depend on
        if (id->qrSteps() < all)
            return "partial, k = " + std::to_string(k) + ", pivoted QR stopped after "
                   + std::to_string(id->qrSteps()) + " of " + std::to_string(all)
                   + " steps (dgeqp3's DLAQPS blocks: its first pivots)";
        return "full, dgeqp3, all " + std::to_string(all) + " steps";
    }
    case Method::Monarch: {
        const auto *monarch = dynamic_cast<const MonarchModel *>(&first);
        if (!monarch)
            return {};
        const std::string slices = std::to_string(monarch->blocks() * monarch->blocks()) + " slice SVDs (dgesdd)";
        if (!monarch->canReconstruct())
            return "singular values of the " + slices + ", every block rank";
        return slices + ", factors kept to block rank " + std::to_string(k) + " of "
               + std::to_string(monarch->sliceRank());
    }
    case Method::Cr:
        return {}; // CR samples k column–row pairs: there is no partial or full to tell
    case Method::Cur:
        return {}; // one selection serves every rank up to k: methodDescription says how it is made
    }
    return {};
}

std::string computedLine(Method method, const std::vector<const ChannelModel *> &models,
                         const MethodSettings &settings, int trials)
{
    const Index rows = models.empty() || !models[0] ? 0 : models[0]->rows();
    const Index cols = models.empty() || !models[0] ? 0 : models[0]->cols();
    std::string line = methodName(method) + ": " + methodDescription(method, rows, cols, settings, trials);
    if (const std::string how = describeFactorisation(method, models, settings); !how.empty())
        line += "; " + how;
    return line;
}

std::optional<std::vector<Index>> parseRanks(const std::string &text, std::string *error)
{
    auto fail = [&](const std::string &why) -> std::optional<std::vector<Index>> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    auto parseInt = [](const std::string &s, long long &out) {
        if (s.empty() || s.size() > 12)
            return false;
        for (char ch : s)
            if (ch < '0' || ch > '9')
                return false;
        out = std::stoll(s);
        return true;
    };
    std::vector<Index> ranks;
    std::stringstream items(text);
    std::string item;
    const long long limit = 1000000;
    while (std::getline(items, item, ',')) {
        std::vector<std::string> parts;
        std::stringstream ps(item);
        std::string part;
        while (std::getline(ps, part, ':'))
            parts.push_back(part);
        long long a = 0, b = 0, step = 1;
        if (parts.size() == 1 && parseInt(parts[0], a)) {
            ranks.push_back(Index(a));
        } else if ((parts.size() == 2 || parts.size() == 3) && parseInt(parts[0], a) && parseInt(parts[1], b)
                   && (parts.size() == 2 || parseInt(parts[2], step))) {
            if (step <= 0)
                return fail("the step in '" + item + "' must be positive");
            if (b < a)
                return fail("the range '" + item + "' ends before it starts");
            if ((b - a) / step > limit)
                return fail("the range '" + item + "' has too many ranks");
            for (long long r = a; r <= b; r += step)
                ranks.push_back(Index(r));
        } else {
            return fail("'" + item + "' is not a rank, a range like 1:64, or a stepped range like 1:256:4");
        }
    }
    if (ranks.empty())
        return fail("no ranks given");
    return ranks;
}

std::string formatNumber(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
}

void writeCurveCsv(std::ostream &out, const CurveResult &result, const CsvMetadata &meta)
{
    out << "# input: " << meta.input << '\n';
    out << "# shape: " << meta.rows << " x " << meta.cols << " x " << meta.channels << '\n';
    if (!meta.color.empty())
        out << "# color: " << meta.color << '\n';
    auto oneLine = [](std::string text) { // a tensor name is the file's text: keep it on its line
        for (char &c : text)
            if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
                c = '?';
        return text;
    };
    if (!meta.tensor.empty())
        out << "# tensor: " << oneLine(meta.tensor) << '\n';
    if (!meta.reshape.empty())
        out << "# reshape: " << oneLine(meta.reshape) << '\n';
    for (const std::string &line : meta.lines)
        out << "# " << oneLine(line) << '\n';
    out << "# factorscope: " << FACTORSCOPE_VERSION << '\n';
    out << "method,variant,rank,params,rel_err_fro,rel_err_spec,psnr_db,rel_err_fro_min,"
           "rel_err_fro_max,trials,rel_err_fro_expected,rel_err_spec_kind\n";
    auto opt = [](const std::optional<double> &v) { return v ? formatNumber(*v) : std::string(); };
    for (const CurveRow &r : result.rows) {
        out << r.method << ',' << r.variant << ',' << r.rank << ',' << formatNumber(r.params) << ','
            << formatNumber(r.relErrFro) << ',' << opt(r.relErrSpec) << ',' << opt(r.psnrDb) << ','
            << opt(r.relErrFroMin) << ',' << opt(r.relErrFroMax) << ','
            << (r.trials > 0 ? std::to_string(r.trials) : std::string()) << ','
            << opt(r.relErrFroExpected) << ','
            << (r.relErrSpec ? (r.relErrSpecEstimated ? "estimate" : "exact") : "") << '\n';
    }
}

} // namespace factorscope::core
