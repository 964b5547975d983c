// SPDX-License-Identifier: MIT
#include "svd.h"

#include "lapack.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

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

SvdModel::SvdModel(Index rows, Index cols, Vector sigma, Matrix u, Matrix v, Vector tail2,
                   std::optional<double> nextSigma, SvdStatus status, const SvdCertificate &certificate)
    : m_rows(rows), m_cols(cols), m_sigma(std::move(sigma)), m_u(std::move(u)), m_v(std::move(v)),
      m_tail2(std::move(tail2)), m_next(nextSigma), m_status(status), m_certificate(certificate)
{
    if (m_tail2.size() != m_sigma.size() + 1)
        throw std::invalid_argument("SvdModel: " + std::to_string(m_tail2.size()) + " tails for "
                                    + std::to_string(m_sigma.size()) + " singular values");
}

double SvdModel::errFro2(Index rank) const
{
    return m_tail2[std::clamp<Index>(rank, 0, m_sigma.size())];
}

std::optional<double> SvdModel::errSpecExact(Index rank) const
{
    rank = std::max<Index>(rank, 0);
    if (rank < m_sigma.size())
        return m_sigma[rank];
    if (!isPartial())
        return 0.0;
    if (rank == m_sigma.size() && m_next)
        return m_next;
    return std::nullopt;
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

namespace {

std::unique_ptr<SvdModel> fullSvd(const Matrix &m, bool vectors, Progress *progress)
{
    checkpoint(progress, 0.0);
    Vector sigma;
    Matrix u, v;
    const bool ok = vectors ? lapack::thinSvd(m, u, sigma, v) : lapack::singularValues(m, sigma);
    if (!ok)
        throw std::runtime_error("the SVD did not converge");
    checkpoint(progress, 1.0);
    return std::make_unique<SvdModel>(m.rows(), m.cols(), std::move(sigma), std::move(u), std::move(v));
}

/// Kahan–Babuška (Neumaier) running sum.
struct CompensatedSum
{
    double sum = 0.0, carry = 0.0;
    void add(double x)
    {
        const double t = sum + x;
        carry += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    double value() const { return sum + carry; }
};

/// Per-column max(‖M·v_i − σ_i·u_i‖, ‖Mᵀ·u_i − σ_i·v_i‖), from fresh products.
Vector tripletResiduals(const Matrix &m, const Matrix &u, const Vector &sigma, const Matrix &v)
{
    Matrix r1 = m * v;
    r1.noalias() -= u * sigma.asDiagonal();
    Matrix r2 = m.transpose() * u;
    r2.noalias() -= v * sigma.asDiagonal();
    return r1.colwise().norm().transpose().cwiseMax(r2.colwise().norm().transpose());
}

} // namespace

double accurateSquaredNorm(const Matrix &m)
{
    CompensatedSum total;
    for (Index j = 0; j < m.cols(); ++j)
        total.add(m.col(j).squaredNorm());
    return total.value();
}

double residualSquaredNorm(const Matrix &m, const Matrix &u, const Vector &sigma, const Matrix &v,
                           Progress *progress)
{
    const Index n = m.rows(), cols = m.cols(), k = sigma.size();
    const Matrix us = u.leftCols(k) * sigma.asDiagonal();
    // Blocks of about 2 MB: the GEMM stays efficient and the buffer stays in cache.
    const Index width = std::clamp<Index>((Index(1) << 18) / std::max<Index>(n, 1), 16, 1024);
    Matrix block(n, std::min(width, cols));
    CompensatedSum total;
    for (Index j = 0; j < cols; j += width) {
        checkpoint(progress, double(j) / double(cols));
        const Index w = std::min(width, cols - j);
        auto e = block.leftCols(w);
        e = m.middleCols(j, w);
        e.noalias() -= us * v.middleRows(j, w).leftCols(k).transpose();
        for (Index c = 0; c < w; ++c)
            total.add(e.col(c).squaredNorm());
    }
    checkpoint(progress, 1.0);
    return total.value();
}

bool prefersLanczos(Index rows, Index cols, Index rank)
{
    const Index small = std::min(rows, cols);
    return small >= lanczosMinSize && rank > 0 && double(rank) <= lanczosFraction * double(small);
}

std::unique_ptr<SvdModel> computeSvd(const Matrix &m, const SvdOptions &options, Progress *progress)
{
    const Index small = std::min(m.rows(), m.cols());
    const Index rank = std::clamp<Index>(options.rank, 0, small);
    bool lanczos = false;
    switch (options.algorithm) {
    case SvdAlgorithm::Auto: lanczos = prefersLanczos(m.rows(), m.cols(), rank); break;
    case SvdAlgorithm::Full: lanczos = false; break;
    case SvdAlgorithm::Lanczos: lanczos = rank > 0 && rank < small; break;
    }
    if (!lanczos)
        return fullSvd(m, options.vectors, progress);
    PartialSvdOptions p;
    p.seed = options.seed;
    return computePartialSvd(m, rank, p, progress);
}

PartialSvd::PartialSvd(Index rows, Index cols, const PartialSvdOptions &options)
    : m_rows(rows), m_cols(cols), m_options(options)
{
}

void PartialSvd::release()
{
    if (m_lanczos)
        m_options.blockSize = m_lanczos->blockSize(); // the same Krylov sequence next time
    m_lanczos.reset();
}

std::unique_ptr<SvdModel> PartialSvd::compute(const Matrix &m, Index rank, Progress *progress)
{
    const Index n = m.rows(), cols = m.cols(), small = std::min(n, cols);
    if (n != m_rows || cols != m_cols)
        throw std::invalid_argument("PartialSvd: the matrix is " + std::to_string(n) + "×" + std::to_string(cols)
                                    + ", the state was made for " + std::to_string(m_rows) + "×"
                                    + std::to_string(m_cols));
    const Index k = std::clamp<Index>(rank, 0, small);
    const Index want = std::min(k + 1, small); // σ_{k} too, for the spectral error at rank k
    checkpoint(progress, 0.0);
    if (!m_lanczos) {
        BlockLanczosOptions o;
        o.blockSize = m_options.blockSize > 0 ? m_options.blockSize : std::clamp<Index>((want + 2) / 3, 8, 32);
        o.seed = m_options.seed;
        m_lanczos.emplace(n, cols, o);
    }
    BlockLanczos &lanczos = *m_lanczos;
    const bool fits = want <= lanczos.maxDimension();
    SubProgress iterate(progress, 0.0, 0.75);
    const bool converged = fits && lanczos.extend(m, want, &iterate) == BlockLanczos::Status::Converged;

    Vector sigma, residual;
    Matrix u, v;
    double bound = 0.0;
    bool certified = false;
    for (int attempt = 0; converged && attempt < 2 && !certified; ++attempt) {
        if (attempt > 0)
            lanczos.addSteps(m, 2, &iterate);
        lanczos.ritzTriplets(want, sigma, u, v);
        checkpoint(progress, 0.8);
        residual = tripletResiduals(m, u, sigma, v);
        bound = 1e-12 * (sigma.size() > 0 ? sigma[0] : 0.0);
        certified = residual.size() == 0 || residual.maxCoeff() <= bound;
    }
    if (!certified && (m_options.fallbackToFull || !converged))
        return fullSvd(m, true, progress);
    checkpoint(progress, 0.85);

    // Tails: T − S_r where that keeps ≥ 6 digits, else the measured residual at k plus σ².
    if (!m_total2)
        m_total2 = accurateSquaredNorm(m);
    const double total2 = *m_total2;
    const double eps = std::numeric_limits<double>::epsilon();
    Vector tail2(k + 1);
    Index explicitFrom = k + 1;
    {
        double prefix = 0.0, errorBound = 8.0 * eps * total2;
        for (Index r = 0; r <= k; ++r) {
            const double t = total2 - prefix;
            if (explicitFrom > k && !(t >= 1e6 * errorBound))
                explicitFrom = r;
            tail2[r] = std::max(t, 0.0);
            if (r < k) {
                prefix += sigma[r] * sigma[r];
                errorBound += 2.0 * sigma[r] * residual[r] + 2.0 * eps * sigma[r] * sigma[r];
            }
        }
    }
    if (explicitFrom <= k) {
        SubProgress measure(progress, 0.85, 1.0);
        double t = residualSquaredNorm(m, u.leftCols(k), sigma.head(k), v.leftCols(k), &measure);
        tail2[k] = t;
        for (Index r = k - 1; r >= explicitFrom; --r) { // smallest terms first
            t += sigma[r] * sigma[r];
            tail2[r] = t;
        }
    }
    SvdCertificate c;
    c.maxResidual = residual.size() > 0 ? residual.maxCoeff() : 0.0;
    c.bound = bound;
    c.blockSize = lanczos.blockSize();
    c.krylovDimension = lanczos.dimension();
    c.convergenceTests = lanczos.tests();
    c.explicitTailFrom = explicitFrom;
    const std::optional<double> next = want > k ? std::optional<double>(sigma[k]) : std::nullopt;
    checkpoint(progress, 1.0);
    return std::make_unique<SvdModel>(n, cols, Vector(sigma.head(k)), Matrix(u.leftCols(k)), Matrix(v.leftCols(k)),
                                      std::move(tail2), next,
                                      certified ? SvdStatus::Certified : SvdStatus::NotCertified, c);
}

std::unique_ptr<SvdModel> computePartialSvd(const Matrix &m, Index rank, const PartialSvdOptions &options,
                                            Progress *progress)
{
    PartialSvd solver(m.rows(), m.cols(), options);
    return solver.compute(m, rank, progress);
}

} // namespace factorscope::core
