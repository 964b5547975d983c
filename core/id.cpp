// SPDX-License-Identifier: MIT
#include "id.h"

#include "lapack.h"
#include "random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

/// Number of leading |R_kk| above max(n,m)·ε·max_k |R_kk| (the usual numerical-rank tolerance).
Index leadingNonNegligible(const Vector &rDiagonal, Index n, Index m)
{
    if (rDiagonal.size() == 0)
        return 0;
    const double largest = rDiagonal.maxCoeff();
    const double tol = double(std::max(n, m)) * std::numeric_limits<double>::epsilon() * largest;
    Index s = 0;
    while (s < rDiagonal.size() && rDiagonal[s] > tol)
        ++s;
    return s;
}

/// tail[r] = Σ_{k≥r} rowNorm2[k] for r = 0..k, the last entry being `residual` (the part of the
/// error no row of rowNorm2 accounts for). Accumulated from the end, i.e. from the smallest terms.
Vector tailSums(const Vector &rowNorm2, double residual)
{
    const Index k = rowNorm2.size();
    Vector tail(k + 1);
    tail[k] = residual;
    for (Index i = k - 1; i >= 0; --i)
        tail[i] = tail[i + 1] + rowNorm2[i];
    return tail;
}

} // namespace

double IdModel::errFro2(Index rank) const
{
    return m_tail2[std::clamp<Index>(rank, 0, m_tail2.size() - 1)];
}

double IdModel::storedParams(Index rank) const
{
    // Skeleton n×r, the r×(m−r) block T of Z, and the r indices (shape of the factored A).
    const double r = double(rank);
    const double nA = double(m_a.rows()), mA = double(m_a.cols());
    return nA * r + r * (mA - r) + r;
}

Matrix IdModel::reconstruct(Index rank) const
{
    Matrix acc = Matrix::Zero(m_rows, m_cols);
    advance(acc, 0, rank);
    return acc;
}

void IdModel::advance(Matrix &acc, Index from, Index to) const
{
    if (!canReconstruct())
        throw std::logic_error("IdModel::advance: the model was computed for its error curve only");
    to = std::clamp<Index>(to, 0, m_maxRank);
    from = std::clamp<Index>(from, 0, m_maxRank);
    if (acc.rows() != m_rows || acc.cols() != m_cols) {
        acc.setZero(m_rows, m_cols);
        from = 0;
    }
    if (to == from)
        return;
    if (to < from) { // going down: rebuild, cheaper than subtracting and exact
        acc.setZero(m_rows, m_cols);
        from = 0;
    }
    const Index count = to - from;
    if (m_rowId) {
        // Mᵀ ≈ Q R Πᵀ, so acc += (R[from:to, :]Πᵀ)ᵀ · Q[:, from:to]ᵀ.
        acc.noalias() += m_rUnpivoted.middleRows(from, count).transpose() *
                         m_q.middleCols(from, count).transpose();
    } else {
        // acc += Q[:, from:to] · R[from:to, :]Πᵀ.
        acc.noalias() += m_q.middleCols(from, count) * m_rUnpivoted.middleRows(from, count);
    }
}

Matrix IdModel::skeleton(Index rank) const
{
    rank = std::clamp<Index>(rank, 0, m_maxRank);
    Matrix c(m_a.rows(), rank);
    for (Index j = 0; j < rank; ++j)
        c.col(j) = m_a.col(m_pivots[std::size_t(j)]);
    if (m_rowId)
        return c.transpose();
    return c;
}

Matrix IdModel::interpolationOfFactor(Index rank) const
{
    rank = std::clamp<Index>(rank, 0, m_maxRank);
    const Index mA = m_a.cols();
    Matrix z = Matrix::Zero(rank, mA);
    // Identity block: Z[:, piv[:r]] = I_r, set exactly.
    for (Index a = 0; a < rank; ++a)
        z(a, m_pivots[std::size_t(a)]) = 1.0;
    // Z[:s, piv[r:]] = R11⁻¹R12 with R11 = R[:s, :s], R12 = R[:s, piv[r:]] and s = min(r, numerical
    // rank): above the numerical rank the extra skeleton columns only carry the identity block.
    const Index s = std::min(rank, m_numericalRank);
    const Index rest = mA - rank;
    if (s == 0 || rest == 0)
        return z;
    Matrix r11(s, s), r12(s, rest);
    for (Index j = 0; j < s; ++j)
        r11.col(j) = m_rUnpivoted.col(m_pivots[std::size_t(j)]).head(s);
    for (Index c = 0; c < rest; ++c)
        r12.col(c) = m_rUnpivoted.col(m_pivots[std::size_t(rank + c)]).head(s);
    r11.triangularView<Eigen::Upper>().solveInPlace(r12); // R11 T = R12, back substitution
    for (Index c = 0; c < rest; ++c)
        z.col(m_pivots[std::size_t(rank + c)]).head(s) = r12.col(c);
    return z;
}

Matrix IdModel::interpolation(Index rank) const
{
    if (m_rowId)
        return interpolationOfFactor(rank).transpose();
    return interpolationOfFactor(rank);
}

double IdModel::maxAbsZ(Index rank) const
{
    rank = std::clamp<Index>(rank, 0, m_maxRank);
    if (rank == 0)
        return 0.0;
    return interpolationOfFactor(rank).cwiseAbs().maxCoeff();
}

std::unique_ptr<IdModel> computeId(const Matrix &m, const IdOptions &options, Progress *progress)
{
    if (options.rank < 0 || options.oversampling < 0)
        throw std::invalid_argument("computeId: rank (" + std::to_string(options.rank) +
                                    ") and oversampling (" + std::to_string(options.oversampling) +
                                    ") must not be negative");
    checkpoint(progress, 0.0);
    std::unique_ptr<IdModel> model(new IdModel);
    IdModel &id = *model;
    id.m_rows = m.rows();
    id.m_cols = m.cols();
    id.m_rowId = options.rowId;
    id.m_selector = options.selector;
    id.m_canReconstruct = options.reconstruction;
    // The factored matrix: a row ID of M is the column ID of Mᵀ.
    if (options.rowId)
        id.m_a = m.transpose();
    else
        id.m_a = m;
    const Matrix &a = id.m_a;
    const Index nA = a.rows(), mA = a.cols(), kAll = std::min(nA, mA);
    id.m_maxRank = options.rank == 0 ? kAll : std::min(options.rank, kAll);
    const Index k = id.m_maxRank;

    if (kAll == 0) { // empty: nothing to choose, error 0 at rank 0
        id.m_pivots.resize(std::size_t(mA));
        for (Index j = 0; j < mA; ++j)
            id.m_pivots[std::size_t(j)] = j;
        id.m_tail2 = Vector::Zero(1);
        id.m_rUnpivoted.resize(0, mA);
        id.m_q.resize(nA, 0);
        checkpoint(progress, 1.0);
        return model;
    }

    // `qr` holds, after factorisation, R (rows < rowsOfR, upper part) and the reflectors of the
    // first `reflectors` Householder steps below the diagonal.
    Matrix qr;
    Vector tau;
    Vector rowNorm2;     // ‖R[k, k:]‖² for the rows of R that are known
    double residual = 0; // error not covered by those rows (randomized: ‖(QᵀA)[rank:, rest]‖²)
    if (options.selector == IdSelector::PivotedQr) {
        // A Π = Q R by dgeqp3 (Businger–Golub pivoting with norm down-dating).
        qr = a;
        if (!lapack::pivotedQr(qr, id.m_pivots, tau))
            throw std::runtime_error("computeId: pivoted QR (dgeqp3) failed");
        checkpoint(progress, 0.75);
        // ‖R[k, k:]‖², k < min(n, m): the error of rank r is the sum over k ≥ r.
        rowNorm2 = Vector::Zero(kAll);
        for (Index j = 0; j < mA; ++j) {
            const Index h = std::min(j + 1, kAll);
            rowNorm2.head(h) += qr.col(j).head(h).cwiseAbs2();
        }
        id.m_rDiagonal = qr.diagonal().head(kAll).cwiseAbs();
    } else {
        // Pivots from dgeqp3 of the sketch Y = Ω A, Ω d×n i.i.d. N(0,1),
        // d = rank + oversampling ≤ n.
        const Index d = std::min(k + options.oversampling, nA);
        Rng rng(options.seed);
        const Matrix omega = rng.gaussian(d, nA);
        Matrix y = omega * a;
        checkpoint(progress, 0.2);
        Vector sketchTau;
        if (!lapack::pivotedQr(y, id.m_pivots, sketchTau))
            throw std::runtime_error("computeId: pivoted QR (dgeqp3) of the sketch failed");
        checkpoint(progress, 0.4);
        // Unpivoted Householder QR of A[:, piv], k steps: B1 = A[:, piv[:k]] = Q [R11; 0], then
        // B2 = Qᵀ A[:, piv[k:]] = [R12; R22'] with R22' the rotated residual (n−k)×(m−k).
        qr.resize(nA, mA);
        for (Index j = 0; j < mA; ++j)
            qr.col(j) = a.col(id.m_pivots[std::size_t(j)]);
        Matrix b1 = qr.leftCols(k);
        if (!lapack::householderQr(b1, tau))
            throw std::runtime_error("computeId: Householder QR (dgeqrf) failed");
        Matrix b2 = qr.rightCols(mA - k);
        if (!lapack::applyHouseholderQ(b1, tau, b2, true))
            throw std::runtime_error("computeId: applying Qᵀ (dormqr) failed");
        qr.leftCols(k) = b1;
        qr.rightCols(mA - k) = b2;
        checkpoint(progress, 0.75);
        rowNorm2 = Vector::Zero(k);
        for (Index j = 0; j < mA; ++j) {
            const Index h = std::min(j + 1, k);
            rowNorm2.head(h) += qr.col(j).head(h).cwiseAbs2();
        }
        // The rows k.. of Qᵀ A[:, piv] are zero in the first k columns; the rest is R22'.
        // (A block of an empty matrix offsets a null pointer, undefined behaviour: skip it.)
        residual = b2.size() > 0 ? b2.bottomRows(nA - k).squaredNorm() : 0.0;
        id.m_rDiagonal = qr.diagonal().head(k).cwiseAbs();
    }
    id.m_tail2 = tailSums(rowNorm2, residual);
    id.m_numericalRank = leadingNonNegligible(id.m_rDiagonal, nA, mA);

    // R[:k, :]Πᵀ: row i of R (zero left of the diagonal) with columns back in A's order.
    id.m_rUnpivoted = Matrix::Zero(k, mA);
    for (Index j = 0; j < mA; ++j) {
        const Index h = std::min(j + 1, k);
        id.m_rUnpivoted.col(id.m_pivots[std::size_t(j)]).head(h) = qr.col(j).head(h);
    }
    if (options.reconstruction) {
        id.m_q = lapack::householderQ(qr, tau, k); // dorgqr, first k columns
        checkpoint(progress, 0.95);
    } else {
        id.m_q.resize(nA, 0);
    }
    checkpoint(progress, 1.0);
    return model;
}

} // namespace factorscope::core
