// SPDX-License-Identifier: MIT
#include "id.h"

#include "lapack.h"
#include "partialqr.h"
#include "nestedprojection.h"
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
    const double nA = double(m_aRows), mA = double(m_aCols);
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
    if (m_rowId)
        return m_skeleton.leftCols(rank).transpose();
    return m_skeleton.leftCols(rank);
}

Matrix IdModel::interpolationOfFactor(Index rank) const
{
    rank = std::clamp<Index>(rank, 0, m_maxRank);
    const Index mA = m_aCols;
    Matrix z = Matrix::Zero(rank, mA);
    // Identity block: Z[:, piv[:r]] = I_r, set exactly.
    for (Index a = 0; a < rank; ++a)
        z(a, m_pivots[std::size_t(a)]) = 1.0;
    // Z[D, piv[r:]] = R11⁻¹R12 with R11 = R[D, piv[D]], R12 = R[D, piv[r:]] (upper triangular, as R
    // is). Householder paths: D = the first min(r, numerical rank) positions; above the numerical
    // rank the extra skeleton columns only carry the identity block. Selector path (Gram–Schmidt):
    // D = the positions < r whose column added a direction (R's other rows are exactly zero), so
    // a duplicate chosen early does not cut off the columns chosen after it.
    const Index rest = mA - rank;
    const bool gramSchmidt = m_selector != IdSelector::PivotedQr && m_selector != IdSelector::SketchPivotedQr;
    IndexList kept;
    for (Index a = 0; a < std::min(rank, gramSchmidt ? Index(m_rDiagonal.size()) : m_numericalRank); ++a)
        if (!gramSchmidt || m_rDiagonal[a] > 0.0)
            kept.push_back(a);
    const Index s = Index(kept.size());
    if (s == 0 || rest == 0)
        return z;
    Matrix r11(s, s), r12(s, rest);
    for (Index i = 0; i < s; ++i) {
        const Index row = kept[std::size_t(i)];
        for (Index j = 0; j < s; ++j)
            r11(i, j) = m_rUnpivoted(row, m_pivots[std::size_t(kept[std::size_t(j)])]);
        for (Index c = 0; c < rest; ++c)
            r12(i, c) = m_rUnpivoted(row, m_pivots[std::size_t(rank + c)]);
    }
    r11.triangularView<Eigen::Upper>().solveInPlace(r12); // R11 T = R12, back substitution
    for (Index c = 0; c < rest; ++c)
        for (Index i = 0; i < s; ++i)
            z(kept[std::size_t(i)], m_pivots[std::size_t(rank + c)]) = r12(i, c);
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

namespace {

/// ‖R[k, k:]‖² for the first `rows` rows of the R stored in qr's upper part.
Vector rowNorms2(const Matrix &qr, Index rows)
{
    Vector rowNorm2 = Vector::Zero(rows);
    for (Index j = 0; j < qr.cols(); ++j) {
        const Index h = std::min(j + 1, rows);
        rowNorm2.head(h) += qr.col(j).head(h).cwiseAbs2();
    }
    return rowNorm2;
}

void checkIdOptions(const IdOptions &options)
{
    if (options.rank < 0 || options.oversampling < 0)
        throw std::invalid_argument("computeId: rank (" + std::to_string(options.rank) +
                                    ") and oversampling (" + std::to_string(options.oversampling) +
                                    ") must not be negative");
}

} // namespace

void IdModel::finish(const Matrix &qr, const Vector &tau, Index rowsOfR, double residual, const Matrix &a,
                     bool transposed, bool reconstruction, Progress *progress)
{
    const Index nA = m_aRows, mA = m_aCols, k = m_maxRank;
    m_qrSteps = rowsOfR;
    m_tail2 = tailSums(rowNorms2(qr, rowsOfR), residual);
    m_rDiagonal = qr.diagonal().head(rowsOfR).cwiseAbs();
    m_numericalRank = leadingNonNegligible(m_rDiagonal, nA, mA);
    // R[:k, :]Πᵀ: row i of R (zero left of the diagonal) with columns back in A's order.
    m_rUnpivoted = Matrix::Zero(k, mA);
    for (Index j = 0; j < mA; ++j) {
        const Index h = std::min(j + 1, k);
        m_rUnpivoted.col(m_pivots[std::size_t(j)]).head(h) = qr.col(j).head(h);
    }
    // The skeleton columns of A (rows of M for a row ID, `a` being M then).
    m_skeleton.resize(nA, k);
    for (Index j = 0; j < k; ++j) {
        const Index p = m_pivots[std::size_t(j)];
        if (transposed)
            m_skeleton.col(j) = a.row(p).transpose();
        else
            m_skeleton.col(j) = a.col(p);
    }
    if (reconstruction) {
        m_q = lapack::householderQ(qr, tau, k); // dorgqr, first k columns
        checkpoint(progress, 0.95);
    } else {
        m_q.resize(nA, 0);
    }
    checkpoint(progress, 1.0);
}

IncrementalId::IncrementalId(const Matrix &m, bool rowId, bool reconstruction)
    : m_rowId(rowId), m_reconstruction(reconstruction), m_rows(m.rows()), m_cols(m.cols())
{
}

IncrementalId::~IncrementalId() = default;

Index IncrementalId::steps() const { return m_qr ? m_qr->steps() : 0; }

void IncrementalId::release() { m_qr.reset(); }

std::unique_ptr<IdModel> IncrementalId::compute(const Matrix &m, Index rank, Progress *progress)
{
    if (m.rows() != m_rows || m.cols() != m_cols)
        throw std::invalid_argument("IncrementalId: the matrix is " + std::to_string(m.rows()) + "×"
                                    + std::to_string(m.cols()) + ", the state was made for "
                                    + std::to_string(m_rows) + "×" + std::to_string(m_cols));
    if (rank < 0)
        throw std::invalid_argument("IncrementalId: negative rank " + std::to_string(rank));
    if (!m_qr) // the first compute(), or the first after release(): the working copy of A
        m_qr = std::make_unique<TruncatedPivotedQr>(m_rowId ? Matrix(m.transpose()) : m);
    const Index nA = m_qr->rows(), mA = m_qr->cols(), kAll = std::min(nA, mA);
    const Index k = rank == 0 ? kAll : std::min(rank, kAll);
    checkpoint(progress, 0.0);
    {
        SubProgress qrProgress(progress, 0.0, 0.75);
        m_qr->advance(k, &qrProgress);
    }
    std::unique_ptr<IdModel> model(new IdModel);
    IdModel &id = *model;
    id.m_rows = m_rows;
    id.m_cols = m_cols;
    id.m_aRows = nA;
    id.m_aCols = mA;
    id.m_rowId = m_rowId;
    id.m_selector = IdSelector::PivotedQr;
    id.m_canReconstruct = m_reconstruction;
    id.m_maxRank = k;
    id.m_pivots = m_qr->pivots();
    const Index steps = m_qr->steps();
    id.finish(m_qr->factors(), m_qr->tau(), steps, m_qr->trailingSquaredNorm(), m, m_rowId, m_reconstruction,
              progress);
    return model;
}

std::unique_ptr<IdModel> computeId(const Matrix &m, const IdOptions &options, Progress *progress)
{
    checkIdOptions(options);
    const Index kAll = std::min(m.rows(), m.cols());
    const Index rank = options.rank == 0 ? kAll : std::min(options.rank, kAll);
    if (options.selector == IdSelector::PivotedQr && !options.completeQr && rank < kAll)
        return IncrementalId(m, options.rowId, options.reconstruction).compute(m, rank, progress);

    checkpoint(progress, 0.0);
    std::unique_ptr<IdModel> model(new IdModel);
    IdModel &id = *model;
    id.m_rows = m.rows();
    id.m_cols = m.cols();
    id.m_rowId = options.rowId;
    id.m_selector = options.selector;
    id.m_canReconstruct = options.reconstruction;
    // The factored matrix: a row ID of M is the column ID of Mᵀ.
    const Matrix a = options.rowId ? Matrix(m.transpose()) : m;
    const Index nA = a.rows(), mA = a.cols();
    id.m_aRows = nA;
    id.m_aCols = mA;
    id.m_maxRank = rank;
    const Index k = rank;

    if (kAll == 0) { // empty: nothing to choose, error 0 at rank 0
        id.m_pivots.resize(std::size_t(mA));
        for (Index j = 0; j < mA; ++j)
            id.m_pivots[std::size_t(j)] = j;
        id.m_tail2 = Vector::Zero(1);
        id.m_rUnpivoted.resize(0, mA);
        id.m_skeleton.resize(nA, 0);
        id.m_q.resize(nA, 0);
        checkpoint(progress, 1.0);
        return model;
    }

    if (options.selector != IdSelector::PivotedQr && options.selector != IdSelector::SketchPivotedQr) {
        // A selector of core/selectors: its k columns in order, projected by Gram–Schmidt on the
        // residuals (core/nestedprojection). Same quantities as below (pivots, RΠᵀ, Q, error tail),
        // but a chosen column that adds no direction gets a zero row of R and a zero column of Q.
        SelectorOptions so;
        so.selector = options.selector;
        so.leverageRank = options.leverageRank;
        so.oversampling = options.oversampling;
        so.seed = options.seed;
        SubProgress choose(progress, 0.0, 0.4);
        const IndexList chosen = selectColumns(a, k, so, &choose);
        SubProgress project(progress, 0.4, 1.0);
        NestedProjection p = projectNested(a, chosen, spanTolerance(a), true, &project);
        std::vector<bool> used(std::size_t(mA), false);
        id.m_pivots = chosen;
        for (Index j : chosen)
            used[std::size_t(j)] = true;
        for (Index j = 0; j < mA; ++j)
            if (!used[std::size_t(j)])
                id.m_pivots.push_back(j);
        id.m_rUnpivoted = std::move(p.coefficients);
        id.m_skeleton.resize(nA, k);
        for (Index j = 0; j < k; ++j)
            id.m_skeleton.col(j) = a.col(chosen[std::size_t(j)]);
        id.m_tail2 = std::move(p.residual2);
        id.m_rDiagonal = std::move(p.distance);
        id.m_numericalRank = leadingNonNegligible(id.m_rDiagonal, nA, mA);
        if (options.reconstruction)
            id.m_q = std::move(p.q);
        else
            id.m_q.resize(nA, 0);
        checkpoint(progress, 1.0);
        return model;
    }

    // `qr` holds, after factorisation, R (rows < rowsOfR, upper part) and the reflectors of the
    // first `reflectors` Householder steps below the diagonal.
    Matrix qr;
    Vector tau;
    Index rowsOfR = 0;
    double residual = 0; // error not covered by those rows (randomized: ‖(QᵀA)[rank:, rest]‖²)
    if (options.selector == IdSelector::PivotedQr) {
        // A Π = Q R by dgeqp3 (Businger–Golub pivoting with norm down-dating), to the end.
        qr = a;
        if (!lapack::pivotedQr(qr, id.m_pivots, tau))
            throw std::runtime_error("computeId: pivoted QR (dgeqp3) failed");
        checkpoint(progress, 0.75);
        rowsOfR = kAll; // ‖R[k, k:]‖², k < min(n, m): the error of rank r is the sum over k ≥ r
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
        rowsOfR = k;
        // The rows k.. of Qᵀ A[:, piv] are zero in the first k columns; the rest is R22'.
        // (A block of an empty matrix offsets a null pointer, undefined behaviour: skip it.)
        residual = b2.size() > 0 ? b2.bottomRows(nA - k).squaredNorm() : 0.0;
    }
    id.finish(qr, tau, rowsOfR, residual, a, false, options.reconstruction, progress);
    return model;
}

} // namespace factorscope::core
