// SPDX-License-Identifier: MIT
#pragma once

#include "progress.h"
#include "types.h"

namespace factorscope::core {

/// Orthogonal projections of A (p×q) onto the nested spans of its columns taken in a given order:
/// P_r = projector onto span(A[:, order[:r]]), for r = 0..k (k = order.size()). The ID and CUR of
/// a chosen selection use it (core/id, core/cur): C = A[:, order[:r]] and C·C⁺·A = P_r·A.
///
/// Modified Gram–Schmidt on the residuals (algorithms.md §8.4, ID_CPQR with a given order): with
/// E_0 = A, step t takes v = E_t[:, order[t]] (already orthogonal to the previous directions),
/// orthogonalises it once more against them (CGS2, Giraud et al., Numer. Math. 101, 2005) and
///   - if ‖v‖ ≤ tolerance the column adds no direction: q_t = 0 and nothing changes (a duplicate,
///     a zero column, or a combination of earlier ones — a Householder QR would instead invent a
///     direction from its rounding noise and under-report the error);
///   - else q_t = v/‖v‖, coefficients[t, :] = q_tᵀE_t and E_{t+1} = E_t − q_t·coefficients[t, :].
/// Then P_r·A = Σ_{t<r} q_t·coefficients[t, :] and ‖(I − P_r)A‖²_F = ‖E_r‖²_F, summed from the
/// explicit residual (never as ‖A‖² − ‖P_r A‖², which loses every digit of a small error).
/// In the order's coordinates coefficients is upper triangular with |diagonal| = distance: it is
/// the R of a QR of A[:, order] (then R[t, order[j]] = 0 for j < t up to rounding).
/// Computed in blocks of 32 columns (block classical Gram–Schmidt with reorthogonalisation; the
/// residual E and its squared norms updated by GEMMs, inside a block ‖E_t‖² = ‖E_{t1}‖² plus the
/// squared coefficients the block's later directions took away). Cost O(pqk) time and one p×q
/// work matrix with residuals; without, O(pk²) on A[:, order] alone.
struct NestedProjection
{
    Matrix q;            ///< p×k; column t is orthonormal to the previous ones, or zero (no new direction)
    Vector distance;     ///< k; ‖(I − P_t)·A[:, order[t]]‖ when that column came, 0 when it added nothing
    Matrix coefficients; ///< k×q; row t = q_tᵀ·E_t (empty when residuals were not asked for)
    Vector residual2;    ///< k+1; ‖(I − P_r)·A‖²_F for r = 0..k (empty when residuals were not asked for)
};

/// See NestedProjection. `order` holds distinct column indices of a; tolerance ≥ 0 is absolute
/// (spanTolerance() is the usual choice). Throws std::invalid_argument for an index out of range,
/// Cancelled if progress asks to stop (checked once per column).
NestedProjection projectNested(const Matrix &a, const IndexList &order, double tolerance, bool residuals,
                               Progress *progress = nullptr);

/// max(p, q)·ε·max_j ‖a[:, j]‖: below this distance a column counts as in the span of the others
/// (the numerical-rank tolerance of dgeqp3-based rank decisions, scaled by the largest column).
double spanTolerance(const Matrix &a);

} // namespace factorscope::core
