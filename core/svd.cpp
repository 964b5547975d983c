// SPDX-License-Identifier: MIT
#include "svd.h"

#include "lapack.h"

#include <algorithm>
#include <stdexcept>

namespace factorscope::core {

Vector tailSquares(const Vector &sigma)
{
    const Index k = sigma.size();
    Vector tail(k + 1);
    tail[k] = 0.0;
    for (Index i = k - 1; i >= 0; --i)
        tail[i] = tail[i + 1] + sigma[i] * sigma[i];
    return tail;
}

SvdModel::SvdModel(Index rows, Index cols, Vector sigma, Matrix u, Matrix v)
    : m_rows(rows), m_cols(cols), m_sigma(std::move(sigma)), m_u(std::move(u)), m_v(std::move(v)),
      m_tail2(tailSquares(m_sigma))
{
}

double SvdModel::errFro2(Index rank) const
{
    return m_tail2[std::clamp<Index>(rank, 0, m_sigma.size())];
}

std::optional<double> SvdModel::errSpecExact(Index rank) const
{
    return rank < m_sigma.size() ? m_sigma[std::max<Index>(rank, 0)] : 0.0;
}

double SvdModel::storedParams(Index rank) const
{
    return double(rank) * double(m_rows + m_cols + 1);
}

Matrix SvdModel::reconstruct(Index rank) const
{
    Matrix acc = Matrix::Zero(m_rows, m_cols);
    advance(acc, 0, rank);
    return acc;
}

void SvdModel::advance(Matrix &acc, Index from, Index to) const
{
    advanceTruncated(acc, m_u, m_sigma, m_v, from, to);
}

void advanceTruncated(Matrix &acc, const Matrix &u, const Vector &sigma, const Matrix &v, Index from,
                      Index to)
{
    to = std::min(to, Index(std::min(sigma.size(), u.cols())));
    if (to == from)
        return;
    if (to < from) { // going down: rebuild (cheaper than subtracting, and exact)
        acc.setZero(u.rows(), v.rows());
        from = 0;
    }
    const Index count = to - from;
    // acc += U[:, from:to] · diag(σ) · V[:, from:to]ᵀ, one GEMM.
    acc.noalias() += (u.middleCols(from, count) * sigma.segment(from, count).asDiagonal()) *
                     v.middleCols(from, count).transpose();
}

std::unique_ptr<SvdModel> computeSvd(const Matrix &m, const SvdOptions &options, Progress *progress)
{
    checkpoint(progress, 0.0);
    Vector sigma;
    Matrix u, v;
    const bool ok = options.vectors ? lapack::thinSvd(m, u, sigma, v) : lapack::singularValues(m, sigma);
    if (!ok)
        throw std::runtime_error("the SVD did not converge");
    checkpoint(progress, 1.0);
    return std::make_unique<SvdModel>(m.rows(), m.cols(), std::move(sigma), std::move(u), std::move(v));
}

} // namespace factorscope::core
