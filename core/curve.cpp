// SPDX-License-Identifier: MIT
#include "curve.h"

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
    return {Method::Svd, Method::Rsvd, Method::Id, Method::Cr, Method::Monarch};
}

bool isRandomized(Method method, IdSelector idSelector, CrRule crRule)
{
    switch (method) {
    case Method::Rsvd: return true;
    case Method::Id: return idSelector == IdSelector::SketchPivotedQr;
    case Method::Cr: return crRule != CrRule::Top;
    default: return false;
    }
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

std::string methodVariant(Method method, const MethodSettings &s)
{
    switch (method) {
    case Method::Svd: return "exact";
    case Method::Rsvd:
        return "p=" + std::to_string(s.rsvdOversampling) + ";q=" + std::to_string(s.rsvdPowerIterations);
    case Method::Id: {
        std::string v = s.idSelector == IdSelector::PivotedQr ? "pivoted-qr" : "sketch";
        return s.rowId ? v + ";rows" : v;
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

Index maxUsableRank(Method method, Index rows, Index cols, const MethodSettings &s)
{
    switch (method) {
    case Method::Svd:
    case Method::Rsvd:
    case Method::Id: return std::min(rows, cols);
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
        return computeSvd(channel, o, progress);
    }
    case Method::Rsvd: {
        RsvdOptions o;
        o.rank = maxRank;
        o.oversampling = s.rsvdOversampling;
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
        o.seed = seed;
        o.rowId = s.rowId;
        o.reconstruction = reconstruction;
        return computeId(channel, o, progress);
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
        o.blockRank = maxRank;
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
    const bool randomized = isRandomized(method, s.idSelector, s.crRule);
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
                const std::vector<Matrix> shown = channelsToDisplay(acc, image->color);
                p.psnr = psnrFromMse(clampedMse(image->displayOriginal, shown));
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
    const MethodSettings &s = request.settings;
    std::optional<double> norm2; // max_c ‖M_c‖₂: exact from an SVD when one is made

    const std::size_t methodsAsked = request.methods.size();
    for (std::size_t mi = 0; mi < methodsAsked; ++mi) {
        const Method method = request.methods[mi];
        if (method == Method::Monarch && std::max(n, m) < s.monarchBlocks) {
            // Monarch needs at least one row or column per block: skipped, never an error, so
            // that "--method all" works on any matrix.
            result.notes.push_back("monarch: left out: " + std::to_string(s.monarchBlocks)
                                   + " blocks need at least as many rows or columns, and the input is "
                                   + std::to_string(n) + " x " + std::to_string(m) + "; use at most "
                                   + std::to_string(std::max(n, m)) + " blocks");
            continue;
        }
        const Index usable = maxUsableRank(method, n, m, s);
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
                note << " (the size of a slice with " << s.monarchBlocks << " blocks)";
            result.notes.push_back(note.str());
        }
        if (kept.empty())
            continue;
        const std::vector<Index> used(kept.begin(), kept.end());
        const Index rmax = used.back();
        const bool randomized = isRandomized(method, s.idSelector, s.crRule);
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
                owned[std::size_t(t)].push_back(factorise(channels[c], method, s, rmax, t, needRecon, &sub));
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
        std::vector<CurveRow> rows = evaluateCurve(channels, method, s, models, used, request.image,
                                                   request.spectralEstimates, denom, &sub);
        for (CurveRow &row : rows)
            result.rows.push_back(std::move(row));
    }
    checkpoint(progress, 1.0);
    return result;
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
