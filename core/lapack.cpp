// SPDX-License-Identifier: MIT
#include "lapack.h"

#include <algorithm>
#include <cstddef>
#include <complex>
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapacke.h>

// OpenBLAS's thread control (declared in its cblas.h, which we do not include here).
extern "C" {
void openblas_set_num_threads(int threads);
int openblas_get_num_threads(void);
}

namespace factorscope::core::lapack {

namespace {
lapack_int li(Index v) { return static_cast<lapack_int>(v); }
} // namespace

void setBlasThreads(int threads) { openblas_set_num_threads(std::max(1, threads)); }

int blasThreads() { return openblas_get_num_threads(); }

bool singularValues(const Matrix &a, Vector &s)
{
    const Index n = a.rows(), m = a.cols(), k = std::min(n, m);
    s.resize(k);
    if (k == 0)
        return true;
    Matrix work = a;
    double dummy = 0.0;
    const lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', li(n), li(m), work.data(), li(n),
                                           s.data(), &dummy, 1, &dummy, 1);
    if (info != 0) {
        s.resize(0);
        return false;
    }
    return true;
}

bool thinSvd(const Matrix &a, Matrix &u, Vector &s, Matrix &v)
{
    const Index n = a.rows(), m = a.cols(), k = std::min(n, m);
    u.resize(n, k);
    s.resize(k);
    Matrix vt(k, m);
    if (k == 0) {
        v.resize(m, 0);
        return true;
    }
    Matrix work = a;
    const lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', li(n), li(m), work.data(), li(n),
                                           s.data(), u.data(), li(n), vt.data(), li(k));
    if (info != 0)
        return false;
    v = vt.transpose();
    return true;
}

SmallSvd::SmallSvd(Index rows, Index cols, bool vectors)
    : m_rows(rows), m_cols(cols), m_vectors(vectors), m_a(rows, cols)
{
    const Index k = std::min(rows, cols);
    m_s.resize(k);
    if (vectors) {
        m_u.resize(rows, k);
        m_vt.resize(k, cols);
    }
    m_iwork.resize(std::max<Index>(1, 8 * k));
    double query = 0.0;
    const char jobz = vectors ? 'S' : 'N';
    double dummy = 0.0;
    LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, li(rows), li(cols), m_a.data(), li(rows), m_s.data(),
                        vectors ? m_u.data() : &dummy, li(std::max<Index>(1, rows)),
                        vectors ? m_vt.data() : &dummy, li(std::max<Index>(1, k)), &query, -1,
                        m_iwork.data());
    m_work.resize(std::max<std::size_t>(1, std::size_t(query) + 1));
}

bool SmallSvd::compute(const double *a, Index lda)
{
    if (m_s.size() == 0)
        return true;
    for (Index j = 0; j < m_cols; ++j)
        std::copy(a + j * lda, a + j * lda + m_rows, m_a.data() + j * m_rows);
    double dummy = 0.0;
    const Index k = m_s.size();
    const lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, m_vectors ? 'S' : 'N', li(m_rows), li(m_cols), m_a.data(), li(m_rows),
        m_s.data(), m_vectors ? m_u.data() : &dummy, li(std::max<Index>(1, m_rows)),
        m_vectors ? m_vt.data() : &dummy, li(std::max<Index>(1, k)), m_work.data(),
        li(Index(m_work.size())), m_iwork.data());
    return info == 0;
}

bool pivotedQr(Matrix &a, IndexList &pivots, Vector &tau)
{
    const Index n = a.rows(), m = a.cols(), k = std::min(n, m);
    std::vector<lapack_int> jpvt(std::size_t(m), 0); // 0: every column is free to move
    tau.resize(std::max<Index>(k, 1));
    pivots.assign(std::size_t(m), 0);
    if (m == 0 || n == 0) {
        for (Index j = 0; j < m; ++j)
            pivots[std::size_t(j)] = j;
        return true;
    }
    const lapack_int info = LAPACKE_dgeqp3(LAPACK_COL_MAJOR, li(n), li(m), a.data(), li(n),
                                           jpvt.data(), tau.data());
    if (info != 0)
        return false;
    for (Index j = 0; j < m; ++j)
        pivots[std::size_t(j)] = Index(jpvt[std::size_t(j)]) - 1; // LAPACK is 1-based
    tau.conservativeResize(k);
    return true;
}

Matrix householderQ(const Matrix &qr, const Vector &tau, Index cols)
{
    const Index n = qr.rows();
    cols = std::min(cols, std::min(n, Index(tau.size())));
    Matrix q = qr.leftCols(cols);
    if (cols == 0)
        return Matrix(n, 0);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, li(n), li(cols), li(cols), q.data(), li(n), tau.data());
    return q;
}

Matrix orthonormalBasis(const Matrix &a)
{
    const Index n = a.rows(), k = std::min(a.rows(), a.cols());
    if (k == 0)
        return Matrix(n, 0);
    Matrix q = a.leftCols(k);
    Vector tau(k);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, li(n), li(k), q.data(), li(n), tau.data());
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, li(n), li(k), li(k), q.data(), li(n), tau.data());
    return q;
}

} // namespace factorscope::core::lapack

// Appended for the ID (core/id.cpp).
namespace factorscope::core::lapack {

bool householderQr(Matrix &a, Vector &tau)
{
    const Index n = a.rows(), m = a.cols(), k = std::min(n, m);
    tau.resize(k);
    if (k == 0)
        return true;
    return LAPACKE_dgeqrf(LAPACK_COL_MAJOR, lapack_int(n), lapack_int(m), a.data(), lapack_int(n),
                          tau.data()) == 0;
}

bool applyHouseholderQ(const Matrix &qr, const Vector &tau, Matrix &c, bool transpose)
{
    const Index n = c.rows(), k = tau.size();
    if (k == 0 || c.cols() == 0 || n == 0)
        return true;
    if (qr.rows() != n || qr.cols() < k || k > n)
        return false;
    return LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', transpose ? 'T' : 'N', lapack_int(n),
                          lapack_int(c.cols()), lapack_int(k), qr.data(), lapack_int(n), tau.data(),
                          c.data(), lapack_int(n)) == 0;
}

} // namespace factorscope::core::lapack

// Appended for the truncated pivoted QR (core/partialqr.cpp).
extern "C" {
int ilaenv_(const int *ispec, const char *name, const char *opts, const int *n1, const int *n2,
            const int *n3, const int *n4, std::size_t nameLength, std::size_t optsLength);
void dlaqps_(const int *m, const int *n, const int *offset, const int *nb, int *kb, double *a,
             const int *lda, int *jpvt, double *tau, double *vn1, double *vn2, double *auxv, double *f,
             const int *ldf);
void dlaqp2_(const int *m, const int *n, const int *offset, double *a, const int *lda, int *jpvt,
             double *tau, double *vn1, double *vn2, double *work);
}
// dnrm2_ is declared by Eigen's blas.h (EIGEN_USE_BLAS), with non-const pointers.

namespace factorscope::core::lapack {

void geqp3Blocking(Index rows, Index cols, Index &nb, Index &nx)
{
    const int one = 1, three = 3, m = int(rows), n = int(cols), none = -1;
    nb = ilaenv_(&one, "DGEQRF", " ", &m, &n, &none, &none, 6, 1);
    nx = std::max(0, ilaenv_(&three, "DGEQRF", " ", &m, &n, &none, &none, 6, 1));
}

Index laqps(Index m, Index n, Index offset, Index nb, double *a, Index lda, int *jpvt, double *tau,
            double *vn1, double *vn2, double *auxv, double *f, Index ldf)
{
    const int mi = int(m), ni = int(n), oi = int(offset), nbi = int(nb), ldai = int(lda), ldfi = int(ldf);
    int kb = 0;
    dlaqps_(&mi, &ni, &oi, &nbi, &kb, a, &ldai, jpvt, tau, vn1, vn2, auxv, f, &ldfi);
    return Index(kb);
}

void laqp2(Index m, Index n, Index offset, double *a, Index lda, int *jpvt, double *tau, double *vn1,
           double *vn2, double *work)
{
    const int mi = int(m), ni = int(n), oi = int(offset), ldai = int(lda);
    dlaqp2_(&mi, &ni, &oi, a, &ldai, jpvt, tau, vn1, vn2, work);
}

double nrm2(Index n, const double *x)
{
    int ni = int(n), inc = 1;
    return dnrm2_(&ni, const_cast<double *>(x), &inc);
}

} // namespace factorscope::core::lapack
