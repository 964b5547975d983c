// SPDX-License-Identifier: MIT
#pragma once

#include "progress.h"
#include "types.h"

#include <vector>

namespace factorscope::core {

/// Businger–Golub column-pivoted Householder QR of an n×m matrix A, stopped after k steps and
/// continuable:
///   A·Π = Q·[R11 R12; 0 A22],   R11 k×k upper triangular, A22 (n−k)×(m−k) not yet factored,
/// so that ‖A − Q[:, :r]·R[:r, :]·Πᵀ‖²_F = Σ_{r≤i<k} ‖R[i, i:]‖² + ‖A22‖²_F for r ≤ k.
///
/// The same computation as LAPACK's dgeqp3, step for step: the same block size and crossover
/// (ILAENV), the same initial norms (DNRM2), the same DLAQPS blocks (norm downdating with the
/// recomputation safeguard, BLAS-3 trailing updates) and DLAQP2 for the last NX columns; only
/// the last block is cut at k. So the first k pivots are dgeqp3's (barring ties broken
/// differently by rounding), at O(n·m·k) instead of O(n·m·min(n,m)). Continuing from k to k2
/// (advance()) resumes from the stored state. Past min(n,m) − NX the rest is one DLAQP2 sweep to
/// the end, as in dgeqp3.
///
/// Memory: A itself (factored in place) plus O(m·NB). Reference: Quintana-Ortí, Sun & Bischof,
/// "A BLAS-3 version of the QR factorization with column pivoting", SIAM J. Sci. Comput. 19 (1998);
/// Drmač & Bujanović, LAPACK Working Note 176 (the norm recomputation).
class TruncatedPivotedQr
{
public:
    /// Takes A (n×m); nothing is factored until advance().
    explicit TruncatedPivotedQr(Matrix a);

    /// Factors until at least `steps` pivots are chosen (clamped to min(n, m)). Checks the cancel
    /// flag before each block (throws Cancelled; the state stays at the last completed block).
    void advance(Index steps, Progress *progress = nullptr);

    Index rows() const { return m_a.rows(); }
    Index cols() const { return m_a.cols(); }
    /// Pivots chosen so far (≥ what advance() was asked for; min(n, m) once complete).
    Index steps() const { return m_done; }
    bool complete() const { return m_done >= std::min(rows(), cols()); }
    /// The working matrix: R[:steps, :] in the upper trapezoid of its first steps() rows (columns
    /// in pivot order), the Householder vectors below the diagonal of its first steps() columns,
    /// A22 in rows and columns from steps() on.
    const Matrix &factors() const { return m_a; }
    /// τ of the first steps() reflectors.
    Vector tau() const { return m_tau.head(m_done); }
    /// Π as original column ids: entry j is the column of A at position j (all m; the order past
    /// steps() is only provisional).
    IndexList pivots() const;
    /// ‖A22‖²_F, summed from the working matrix.
    double trailingSquaredNorm() const;

private:
    Matrix m_a;
    std::vector<int> m_jpvt;   ///< 1-based, as LAPACK keeps it
    Vector m_tau;
    std::vector<double> m_work; ///< vn1 (m), vn2 (m), auxv, f: dgeqp3's WORK layout
    Index m_nb = 1, m_nx = 0, m_done = 0;
    bool m_blocked = false;
};

} // namespace factorscope::core
