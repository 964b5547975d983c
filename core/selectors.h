// SPDX-License-Identifier: MIT
#pragma once

#include "progress.h"
#include "random.h"
#include "types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace factorscope::core {

/// How r columns of an n×m matrix M are chosen (and, applied to Mᵀ, l rows), for ID and CUR
/// (algorithms.md §4, §5; Su Jianlin, "低秩近似之路（五）：CUR"). Every selector returns distinct
/// indices in selection order, and the first r of a selection of k ≥ r are the selection of r
/// (nested), so one selection serves every rank of a curve. For the randomized selectors this holds
/// because draws are made one after another without replacement.
enum class Selector {
    PivotedQr,       ///< "qr": the first r pivots of column-pivoted QR of M (dgeqp3, Businger–Golub), as ID uses
    SketchPivotedQr, ///< "sketch": the pivots of pivoted QR of a Gaussian sketch ΩM (d×m, d = r + oversampling); randomized
    Leverage,        ///< "leverage": the r largest leverage scores h_j = ‖V[j, :γ]‖² (V right singular vectors)
    LeverageSample,  ///< "leverage-sample": r draws without replacement with p_j = h_j/γ; randomized
    Deim,            ///< "deim": the DEIM greedy on V[:, :r] (Chaturantabut–Sorensen 2010)
    Norm,            ///< "norm": the r largest column norms ‖M[:, j]‖
    NormSample,      ///< "norm-sample": r draws without replacement with p_j ∝ ‖M[:, j]‖²; randomized
    Uniform,         ///< "uniform": r draws without replacement, every column equally likely; randomized
};

/// "qr", "sketch", "leverage", "leverage-sample", "deim", "norm", "norm-sample", "uniform".
std::string selectorName(Selector selector);
std::optional<Selector> parseSelector(const std::string &name);
std::vector<Selector> allSelectors();
/// True for the selectors that draw random numbers (sketch, the two samples, uniform).
bool isRandomized(Selector selector);
/// True for the selectors whose choice depends on the leverage rank γ (leverage, leverage-sample).
bool usesLeverageRank(Selector selector);

struct SelectorOptions
{
    Selector selector = Selector::PivotedQr;
    /// γ, the number of top singular vectors behind the leverage scores (columns and rows alike);
    /// 0 = the number of columns asked for, r (so one selection of k serves every r ≤ k, all
    /// with γ = k).
    Index leverageRank = 0;
    /// Sketch rows beyond the count (sketch only).
    Index oversampling = 10;
    std::uint64_t seed = 0;
};

/// Leverage scores h_i = ‖basis[i, :γ]‖² = (basis[:, :γ]·basis[:, :γ]ᵀ)_ii, the diagonal of the
/// projector onto the top-γ singular subspace: with basis = V (m×k, orthonormal columns) the column
/// scores of M, with basis = U the row scores. They lie in [0, 1] and sum to γ. O(pγ) for p rows.
/// Throws std::invalid_argument if γ is negative or above basis.cols().
Vector leverageScores(const Matrix &basis, Index gamma);

/// DEIM (discrete empirical interpolation) indices of the first `count` columns of basis (p×k,
/// orthonormal columns): s_0 = argmax_i |basis[i, 0]|, then for t = 1…count−1
///   res = basis[:, t] − basis[:, :t]·(basis[S, :t])⁻¹·basis[S, t],   s_t = argmax_i |res_i|,
/// which is zero on S, so the indices are distinct (already chosen rows are excluded explicitly
/// against rounding). Ties go to the lower index. Invariant under sign flips of the basis columns.
/// Computed as the row pivots of partial-pivoting Gaussian elimination of basis[:, :count] (res
/// is its Schur complement), O(p·count²). Reference: Chaturantabut & Sorensen, SIAM J. Sci.
/// Comput. 32(5), 2010; Sorensen & Embree, "A DEIM induced CUR factorization", SIAM J. Sci.
/// Comput. 38(3), 2016.
IndexList deimIndices(const Matrix &basis, Index count);

/// The `count` indices of the largest scores, in decreasing order of score, ties to the lower index.
IndexList largestFirst(const Vector &scores, Index count);

/// `count` distinct indices drawn one after another: each draw picks index i among those not yet
/// drawn with probability weights_i / (sum of their weights) (successive sampling, so a prefix of
/// the draws is itself such a sample). Once the positive weights are used up the remaining indices
/// are drawn uniformly. Uses the project's own mapping of mt19937_64 to doubles (core/random.h),
/// so the draws are the same on every platform. O(count·p). Weights must be ≥ 0.
IndexList sampleWithoutReplacement(const Vector &weights, Index count, Rng &rng);

/// `count` columns of `a` (n×m) chosen by options.selector, in selection order (see Selector).
/// The singular vectors of leverage and DEIM come from one thin SVD of `a`. Throws
/// std::invalid_argument if count is not in [0, m] or γ is not in [0, min(n, m)], Cancelled if
/// progress asks to stop.
IndexList selectColumns(const Matrix &a, Index count, const SelectorOptions &options,
                        Progress *progress = nullptr);

/// Columns and rows chosen together (CUR): the columns as selectColumns(a, columnCount), the rows
/// as selectColumns(aᵀ, rowCount) (U instead of V, row norms, pivots of aᵀ), with one SVD for both
/// and independent random streams (seeds derived from options.seed: 0 for columns, 1 for rows).
struct CrossIndices
{
    IndexList columns;
    IndexList rows;
};
CrossIndices selectColumnsAndRows(const Matrix &a, Index columnCount, Index rowCount,
                                  const SelectorOptions &options, Progress *progress = nullptr);

} // namespace factorscope::core
