// SPDX-License-Identifier: MIT
#include "selectors.h"

#include "id.h"
#include "svd.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace factorscope::core {

namespace {

struct Named
{
    Selector selector;
    const char *name;
};

constexpr Named kNames[] = {
    {Selector::PivotedQr, "qr"},       {Selector::SketchPivotedQr, "sketch"},
    {Selector::Leverage, "leverage"},  {Selector::LeverageSample, "leverage-sample"},
    {Selector::Deim, "deim"},          {Selector::Norm, "norm"},
    {Selector::NormSample, "norm-sample"}, {Selector::Uniform, "uniform"},
};

bool needsSingularVectors(Selector s)
{
    return s == Selector::Leverage || s == Selector::LeverageSample || s == Selector::Deim;
}

/// The first k right (v) and left (u) singular vectors of a, from one thin SVD. The only call into
/// core/svd: when a partial (top-k) SVD is available, this is the place to use it.
void topSingularVectors(const Matrix &a, Index k, Matrix *u, Matrix *v, Progress *progress)
{
    const auto svd = computeSvd(a, SvdOptions{}, progress);
    if (u)
        *u = svd->u().leftCols(k);
    if (v)
        *v = svd->v().leftCols(k);
}

/// The pivots of an ID of a (its columns, or its rows with rowId): the only call into core/id, so
/// that the `qr` and `sketch` selectors are ID's pivots by construction.
IndexList idPivots(const Matrix &a, Index count, bool rowId, const SelectorOptions &o, std::uint64_t seed,
                   Progress *progress)
{
    IdOptions io;
    io.selector = o.selector;
    io.rank = std::max<Index>(count, 1);
    io.oversampling = o.oversampling;
    io.seed = seed;
    io.rowId = rowId;
    io.reconstruction = false;
    IndexList pivots = computeId(a, io, progress)->pivots();
    pivots.resize(std::size_t(count));
    return pivots;
}

/// One side (columns: basis = V, norms of columns, a's pivots; rows: U, row norms, aᵀ's pivots).
IndexList selectSide(const Matrix &a, bool rows, Index count, const SelectorOptions &o, const Matrix &basis,
                     Index gamma, std::uint64_t seed, Progress *progress)
{
    switch (o.selector) {
    case Selector::PivotedQr:
    case Selector::SketchPivotedQr: return idPivots(a, count, rows, o, seed, progress);
    case Selector::Leverage: return largestFirst(leverageScores(basis, gamma), count);
    case Selector::LeverageSample: {
        Rng rng(seed);
        return sampleWithoutReplacement(leverageScores(basis, gamma), count, rng);
    }
    case Selector::Deim: return deimIndices(basis, count);
    case Selector::Norm:
        return largestFirst(rows ? Vector(a.rowwise().norm()) : Vector(a.colwise().norm().transpose()), count);
    case Selector::NormSample: {
        Rng rng(seed);
        return sampleWithoutReplacement(rows ? Vector(a.rowwise().squaredNorm())
                                             : Vector(a.colwise().squaredNorm().transpose()),
                                        count, rng);
    }
    case Selector::Uniform: {
        Rng rng(seed);
        return sampleWithoutReplacement(Vector::Ones(rows ? a.rows() : a.cols()), count, rng);
    }
    }
    throw std::invalid_argument("selectColumns: unknown selector");
}

void checkCounts(const Matrix &a, Index columnCount, Index rowCount, const SelectorOptions &o)
{
    if (columnCount < 0 || columnCount > a.cols() || rowCount < 0 || rowCount > a.rows())
        throw std::invalid_argument("selector: " + std::to_string(columnCount) + " columns and " +
                                    std::to_string(rowCount) + " rows asked of a " + std::to_string(a.rows()) +
                                    "×" + std::to_string(a.cols()) + " matrix");
    const Index k = std::min(a.rows(), a.cols());
    if (o.leverageRank < 0 || o.leverageRank > k)
        throw std::invalid_argument("selector: the leverage rank γ = " + std::to_string(o.leverageRank) +
                                    " must be from 0 to min(n, m) = " + std::to_string(k));
    if (o.selector == Selector::Deim && std::max(columnCount, rowCount) > k)
        throw std::invalid_argument("selector: deim chooses at most min(n, m) = " + std::to_string(k) +
                                    " indices (one per singular vector)");
}

} // namespace

std::string selectorName(Selector selector)
{
    for (const Named &n : kNames)
        if (n.selector == selector)
            return n.name;
    return "qr";
}

std::optional<Selector> parseSelector(const std::string &name)
{
    for (const Named &n : kNames)
        if (name == n.name)
            return n.selector;
    return std::nullopt;
}

std::vector<Selector> allSelectors()
{
    std::vector<Selector> all;
    for (const Named &n : kNames)
        all.push_back(n.selector);
    return all;
}

bool isRandomized(Selector s)
{
    return s == Selector::SketchPivotedQr || s == Selector::LeverageSample || s == Selector::NormSample ||
           s == Selector::Uniform;
}

bool usesLeverageRank(Selector s) { return s == Selector::Leverage || s == Selector::LeverageSample; }

Vector leverageScores(const Matrix &basis, Index gamma)
{
    if (gamma < 0 || gamma > basis.cols())
        throw std::invalid_argument("leverageScores: γ = " + std::to_string(gamma) + " of " +
                                    std::to_string(basis.cols()) + " singular vectors");
    return basis.leftCols(gamma).rowwise().squaredNorm();
}

IndexList deimIndices(const Matrix &basis, Index count)
{
    if (count < 0 || count > basis.cols() || count > basis.rows())
        throw std::invalid_argument("deimIndices: " + std::to_string(count) + " indices from a " +
                                    std::to_string(basis.rows()) + "×" + std::to_string(basis.cols()) + " basis");
    // Column t of `res` is, after steps 0..t−1, basis[:, t] − basis[:, :t]·(basis[S, :t])⁻¹·basis[S, t]
    // (zero on S): the Schur complement of Gaussian elimination on the chosen rows, so DEIM's
    // indices are the row pivots of partial-pivoting LU of basis[:, :count], O(p·count²) in all.
    Matrix res = basis.leftCols(count);
    IndexList chosen;
    std::vector<bool> taken(std::size_t(basis.rows()), false);
    for (Index t = 0; t < count; ++t) {
        // argmax |res_i| over the rows not chosen yet, first index on ties.
        Index best = -1;
        double bestValue = -1.0;
        for (Index i = 0; i < res.rows(); ++i)
            if (!taken[std::size_t(i)] && std::abs(res(i, t)) > bestValue) {
                bestValue = std::abs(res(i, t));
                best = i;
            }
        chosen.push_back(best);
        taken[std::size_t(best)] = true;
        // Eliminate with row `best`: the later columns lose their interpolant through it.
        const Index later = count - t - 1;
        if (later > 0 && res(best, t) != 0.0) {
            const Vector multipliers = res.col(t) / res(best, t);
            const Eigen::RowVectorXd pivotRow = res.row(best).tail(later);
            res.rightCols(later).noalias() -= multipliers * pivotRow;
        }
    }
    return chosen;
}

IndexList largestFirst(const Vector &scores, Index count)
{
    IndexList order(std::size_t(scores.size()));
    std::iota(order.begin(), order.end(), Index(0));
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return scores[a] > scores[b]; });
    order.resize(std::size_t(std::clamp<Index>(count, 0, scores.size())));
    return order;
}

IndexList sampleWithoutReplacement(const Vector &weights, Index count, Rng &rng)
{
    const Index p = weights.size();
    if (count < 0 || count > p)
        throw std::invalid_argument("sampleWithoutReplacement: " + std::to_string(count) + " draws from " +
                                    std::to_string(p) + " indices");
    std::vector<bool> drawn(std::size_t(p), false);
    IndexList out;
    out.reserve(std::size_t(count));
    for (Index t = 0; t < count; ++t) {
        // The total of the weights not drawn yet, summed afresh each draw (no drift from subtraction).
        double total = 0.0;
        for (Index i = 0; i < p; ++i)
            if (!drawn[std::size_t(i)])
                total += std::max(weights[i], 0.0);
        Index pick = -1;
        if (total > 0.0) {
            // The first i whose running sum exceeds u ∈ [0, total); the last positive one if rounding
            // leaves u at the very top.
            const double u = rng.uniform() * total;
            double running = 0.0;
            for (Index i = 0; i < p; ++i) {
                if (drawn[std::size_t(i)] || !(weights[i] > 0.0))
                    continue;
                running += weights[i];
                pick = i;
                if (u < running)
                    break;
            }
        } else {
            // Only zero weights are left: uniformly among the indices not drawn yet.
            Index k = Index(rng.below(std::uint64_t(p - t)));
            for (Index i = 0; i < p && pick < 0; ++i)
                if (!drawn[std::size_t(i)] && k-- == 0)
                    pick = i;
        }
        drawn[std::size_t(pick)] = true;
        out.push_back(pick);
    }
    return out;
}

IndexList selectColumns(const Matrix &a, Index count, const SelectorOptions &options, Progress *progress)
{
    return selectColumnsAndRows(a, count, 0, options, progress).columns;
}

CrossIndices selectColumnsAndRows(const Matrix &a, Index columnCount, Index rowCount,
                                  const SelectorOptions &options, Progress *progress)
{
    checkCounts(a, columnCount, rowCount, options);
    checkpoint(progress, 0.0);
    const Index most = std::max(columnCount, rowCount);
    // γ defaults to the column count r (the rank), for the rows too; to the row count without columns.
    // (at most min(n, m), the number of singular vectors).
    const Index gamma = options.leverageRank > 0
                            ? options.leverageRank
                            : std::min(std::min(a.rows(), a.cols()), columnCount > 0 ? columnCount : rowCount);
    Matrix u, v;
    if (needsSingularVectors(options.selector) && most > 0) {
        // DEIM uses as many singular vectors as indices, the leverage scores γ of them.
        const Index k = options.selector == Selector::Deim ? most : gamma;
        SubProgress sub(progress, 0.0, 0.8);
        topSingularVectors(a, k, rowCount > 0 ? &u : nullptr, columnCount > 0 ? &v : nullptr, &sub);
    }
    CrossIndices out;
    {
        SubProgress sub(progress, 0.8, 0.9);
        if (columnCount > 0)
            out.columns = selectSide(a, false, columnCount, options, v, gamma, deriveSeed(options.seed, 0), &sub);
    }
    {
        SubProgress sub(progress, 0.9, 1.0);
        if (rowCount > 0)
            out.rows = selectSide(a, true, rowCount, options, u, gamma, deriveSeed(options.seed, 1), &sub);
    }
    checkpoint(progress, 1.0);
    return out;
}

} // namespace factorscope::core
