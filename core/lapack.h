// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <vector>

/// Thin wrappers over OpenBLAS's LAPACK (through LAPACKE), which measures faster than Eigen's own
/// BDCSVD and ColPivHouseholderQR on these machines (see README, Benchmarks). Only lapack.cpp
/// includes <lapacke.h>: its complex.h `I` macro must never meet a Qt header.
namespace factorscope::core::lapack {

/// OpenBLAS's thread count, process-wide (openblas_set_num_threads / openblas_get_num_threads).
/// The interactive program runs OpenBLAS single-threaded: a threaded level-3 call holds a
/// process-wide lock for its whole duration, so a small GEMM on the GUI thread waited up to a
/// second for a background factorisation's (measured, bench_slider --gui); parallelism there
/// comes from running jobs side by side instead.
void setBlasThreads(int threads);
int blasThreads();

/// Singular values of a (descending), by dgesdd without vectors. Returns false if LAPACK failed
/// to converge (then s is left empty).
bool singularValues(const Matrix &a, Vector &s);

/// Thin SVD a = U·diag(s)·Vᵀ by dgesdd: U is n×k, V is m×k, k = min(n,m), s descending.
bool thinSvd(const Matrix &a, Matrix &u, Vector &s, Matrix &v);

/// Reusable workspace for many small SVDs of the same shape (Monarch slices): no allocation per
/// call. Not thread-safe; give each thread its own.
class SmallSvd
{
public:
    SmallSvd(Index rows, Index cols, bool vectors);
    /// SVD of the rows×cols column-major block at `a` (leading dimension lda). On success s()
    /// holds min(rows,cols) singular values, and with vectors u() (rows×k) and vt() (k×cols).
    bool compute(const double *a, Index lda);
    const Vector &s() const { return m_s; }
    const Matrix &u() const { return m_u; }
    const Matrix &vt() const { return m_vt; }

private:
    Index m_rows, m_cols;
    bool m_vectors;
    Matrix m_a, m_u, m_vt;
    Vector m_s;
    std::vector<double> m_work;
    std::vector<int> m_iwork;
};

/// Column-pivoted Householder QR a·Π = Q·R by dgeqp3. On return `a` holds R in its upper
/// triangle and the reflectors below; pivots[k] is the original column at position k.
bool pivotedQr(Matrix &a, IndexList &pivots, Vector &tau);

/// The first `cols` columns of Q from a Householder QR stored in (qr, tau), by dorgqr.
Matrix householderQ(const Matrix &qr, const Vector &tau, Index cols);

/// Thin Householder QR: returns the n×k orthonormal Q of a (k = min(n, cols)), by dgeqrf + dorgqr.
Matrix orthonormalBasis(const Matrix &a);

} // namespace factorscope::core::lapack

// Appended for the ID (core/id.cpp): unpivoted Householder QR and applying its Q.
namespace factorscope::core::lapack {

/// Unpivoted Householder QR a = Q·R by dgeqrf, in place: R in the upper triangle of `a`, the
/// reflectors below it, tau (min(n, m) scalars) their factors. O(nm·min(n,m)).
bool householderQr(Matrix &a, Vector &tau);

/// c ← Qᵀ·c (transpose) or Q·c, where Q = H_0·H_1·…·H_{k−1} is given by the first k = tau.size()
/// reflectors stored below the diagonal of qr (qr.rows() = c.rows() ≥ k), by dormqr. O(n·k·cols).
bool applyHouseholderQ(const Matrix &qr, const Vector &tau, Matrix &c, bool transpose);

} // namespace factorscope::core::lapack

// Appended for the truncated pivoted QR (core/partialqr.cpp): dgeqp3's building blocks, called
// through their Fortran symbols (LAPACKE has no wrappers for these auxiliary routines).
namespace factorscope::core::lapack {

/// The block size NB and crossover NX that dgeqp3 takes from ILAENV for an n×m matrix (32 and 128
/// with the reference ILAENV).
void geqp3Blocking(Index rows, Index cols, Index &nb, Index &nx);

/// DLAQPS: up to nb steps of Businger–Golub pivoted QR on the m×n block at `a` whose first
/// `offset` rows are already factored, BLAS-3 update of the trailing matrix at the end; stops
/// early when a downdated column norm became unreliable (the recomputation safeguard). Returns the
/// number of columns factorised. jpvt is 1-based, vn1/vn2 the partial and exact column norms,
/// auxv (nb) and f (ldf×nb, ldf ≥ n) workspace.
Index laqps(Index m, Index n, Index offset, Index nb, double *a, Index lda, int *jpvt, double *tau,
            double *vn1, double *vn2, double *auxv, double *f, Index ldf);

/// DLAQP2: unblocked pivoted QR of the m×n block at `a` from row offset + 1 to the end.
void laqp2(Index m, Index n, Index offset, double *a, Index lda, int *jpvt, double *tau, double *vn1,
           double *vn2, double *work);

/// DNRM2 of n contiguous doubles (the routine dgeqp3 starts its column norms with).
double nrm2(Index n, const double *x);

} // namespace factorscope::core::lapack
