// SPDX-License-Identifier: MIT
#include "lanczos.h"

#include "lapack.h"

#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

/// x ← x − basis·(basisᵀx), the coefficients added to coef (used×b).
void project(Matrix &x, const Matrix &basis, Index used, Matrix &coef)
{
    if (used == 0)
        return;
    const auto q = basis.leftCols(used);
    const Matrix g = q.transpose() * x;
    x.noalias() -= q * g;
    coef += g;
}

/// Orthonormalises the block x (len×b) against the first `used` columns of `basis` and within
/// itself: on return x is Q (orthonormal, ⊥ basis) with x_in = basis[:, :used]·coef + Q·r (to
/// rounding). Directions whose norm after the projections is negligible next to `scale` (an
/// exhausted Krylov space) are replaced by random ones, with zero rows in r.
void orthonormalizeBlock(Matrix &x, const Matrix &basis, Index used, Matrix &coef, Matrix &r, double &scale,
                         Rng &rng)
{
    const Index len = x.rows(), b = x.cols();
    coef.setZero(used, b);
    const double before = b > 0 ? x.colwise().norm().maxCoeff() : 0.0;
    scale = std::max(scale, before);
    project(x, basis, used, coef); // classical Gram–Schmidt, twice ("twice is enough")
    project(x, basis, used, coef);

    // Pivoted QR of the block, x·Π = Q·R: |R_ii| non-increasing, so a negligible part is trailing.
    const Eigen::ColPivHouseholderQR<Matrix> qr(static_cast<const Matrix &>(x));
    const Matrix rPivoted = qr.matrixR().topRows(b).triangularView<Eigen::Upper>();
    r = rPivoted * qr.colsPermutation().transpose(); // x = Q·(R·Πᵀ)
    x = qr.householderQ() * Matrix::Identity(len, b);
    const double negligible = 1e-14 * std::max(scale, std::numeric_limits<double>::min());
    Index kept = 0;
    while (kept < b && std::abs(rPivoted(kept, kept)) > negligible)
        ++kept;
    const double smallest = kept > 0 ? std::abs(rPivoted(kept - 1, kept - 1)) : 0.0;
    if (kept < b) {
        // Exhausted directions: fresh random ones (orthogonalised below), their part of x dropped.
        x.rightCols(b - kept) = rng.gaussian(len, b - kept);
        x.rightCols(b - kept).colwise().normalize();
        r.bottomRows(b - kept).setZero();
    }
    if (kept == b && smallest >= 1e-2 * before)
        return;
    // The block lost more than two digits to cancellation (or has random columns): its rounding
    // errors along the basis are no longer small next to it. Once more: Q = basis·G + Q'·R'.
    Matrix g = Matrix::Zero(used, b);
    project(x, basis, used, g);
    project(x, basis, used, g);
    const Eigen::HouseholderQR<Matrix> again(static_cast<const Matrix &>(x));
    const Matrix rAgain = again.matrixQR().topRows(b).triangularView<Eigen::Upper>();
    x = again.householderQ() * Matrix::Identity(len, b);
    coef.noalias() += g * r;
    r = rAgain * r;
}

} // namespace

BlockLanczos::BlockLanczos(Index rows, Index cols, const BlockLanczosOptions &options)
    : m_rows(rows), m_cols(cols), m_block(std::max<Index>(1, options.blockSize)),
      m_tolerance(options.tolerance), m_rng(options.seed)
{
    if (rows < 0 || cols < 0)
        throw std::invalid_argument("BlockLanczos: negative shape");
}

Index BlockLanczos::maxDimension() const
{
    const Index cap = std::min(m_rows, m_cols - m_block);
    return cap <= 0 ? 0 : (cap / m_block) * m_block;
}

void BlockLanczos::reserve(Index dim)
{
    const Index capacity = m_u.cols();
    if (dim <= capacity)
        return;
    const Index grown = std::min(std::max(dim, capacity + capacity / 2), maxDimension());
    const Index old = capacity;
    m_u.conservativeResize(m_rows, grown);
    m_v.conservativeResize(m_cols, grown + m_block);
    m_b.conservativeResize(grown, grown);
    // New rows and columns of B start at zero (its entries below the block band stay zero).
    m_b.rightCols(grown - old).setZero();
    m_b.bottomRows(grown - old).setZero();
}

void BlockLanczos::start()
{
    if (m_started)
        return;
    m_started = true;
    m_v.resize(m_cols, m_block);
    Matrix v0 = m_rng.gaussian(m_cols, m_block);
    Matrix coef, r;
    double unit = 1.0;
    orthonormalizeBlock(v0, m_v, 0, coef, r, unit, m_rng);
    m_v.leftCols(m_block) = v0;
    m_u.resize(m_rows, 0);
    m_b.resize(0, 0);
}

void BlockLanczos::step(const Matrix &a)
{
    const Index b = m_block, d = m_dim;
    reserve(d + b);
    // U side: M·V_j = U·C + U_j·D.
    Matrix p = a * m_v.middleCols(d, b);
    Matrix coef, r;
    orthonormalizeBlock(p, m_u, d, coef, r, m_scale, m_rng);
    m_u.middleCols(d, b) = p;
    m_b.block(0, d, d, b) = coef;
    m_b.block(d, d, b, b) = r;
    // V side: Mᵀ·U_j = V·(…) + V_{j+1}·E; the (…) part is Bᵀ's row block j (not stored again).
    Matrix q = a.transpose() * m_u.middleCols(d, b);
    Matrix coefV;
    orthonormalizeBlock(q, m_v, d + b, coefV, m_e, m_scale, m_rng);
    m_v.middleCols(d + b, b) = q;
    m_dim = d + b;
}

void BlockLanczos::refresh()
{
    if (m_refreshed == m_dim)
        return;
    const Index d = m_dim;
    m_theta.resize(d);
    m_residual.resize(d);
    if (d > 0) {
        const Matrix bd = m_b.topLeftCorner(d, d);
        if (!lapack::thinSvd(bd, m_x, m_theta, m_y))
            throw std::runtime_error("BlockLanczos: the SVD of the projected matrix did not converge");
        // ‖Mᵀu_i − θ_i v_i‖ = ‖E·x_i[d−b:d]‖.
        m_residual = (m_e * m_x.bottomRows(m_block)).colwise().norm().transpose();
    }
    m_refreshed = d;
    ++m_tests;
}

const Vector &BlockLanczos::ritzValues()
{
    refresh();
    return m_theta;
}

const Vector &BlockLanczos::residualEstimates()
{
    refresh();
    return m_residual;
}

double BlockLanczos::worstRelative(Index count)
{
    refresh();
    if (m_dim == 0 || count == 0)
        return 0.0;
    const double top = m_theta[0];
    const double worst = m_residual.head(count).maxCoeff();
    if (top <= 0.0)
        return 0.0; // M = 0 on the Krylov space: every θ = 0 is exact
    return worst / top;
}

void BlockLanczos::checkShape(const Matrix &a) const
{
    if (a.rows() != m_rows || a.cols() != m_cols)
        throw std::invalid_argument("BlockLanczos: the matrix is " + std::to_string(a.rows()) + "×"
                                    + std::to_string(a.cols()) + ", the basis was built for "
                                    + std::to_string(m_rows) + "×" + std::to_string(m_cols));
}

void BlockLanczos::addSteps(const Matrix &a, Index steps, Progress *progress)
{
    checkShape(a);
    start();
    for (Index s = 0; s < steps && m_dim + m_block <= maxDimension(); ++s) {
        checkpoint(progress, double(s) / double(std::max<Index>(steps, 1)));
        step(a);
    }
}

BlockLanczos::Status BlockLanczos::extend(const Matrix &a, Index count, Progress *progress)
{
    checkShape(a);
    count = std::max<Index>(count, 0);
    start();
    const Index maxDim = maxDimension();
    if (count > maxDim)
        return Status::Exhausted;
    // The first test once the space holds about twice the triplets wanted (on photo-like spectra
    // the top 100 converge near d = 4.4·k with b = 32); then the number of steps to the next test
    // is extrapolated from how fast the worst residual fell per Krylov dimension (assumed 1.5
    // digits per 32 dimensions until two tests have been seen; convergence accelerates, so 0.8 of
    // the extrapolation). Overshooting by a step costs about as much as one more test.
    const Index b = m_block;
    const Index firstTest = std::min(maxDim, ((2 * count + b + b - 1) / b) * b);
    double lastLog = 0.0;
    Index lastDim = -1;
    const double target = std::log10(m_tolerance);
    const double expected = std::max(double(firstTest), 4.5 * double(count));
    for (;;) {
        Index steps = 0;
        if (m_dim < firstTest) {
            steps = (firstTest - m_dim + b - 1) / b;
        } else {
            const double worst = worstRelative(count);
            if (worst <= m_tolerance)
                return Status::Converged;
            const double now = std::log10(std::max(worst, 1e-300));
            double perDimension = 1.5 / 32.0;
            if (lastDim >= 0 && m_dim > lastDim && lastLog > now)
                perDimension = (lastLog - now) / double(m_dim - lastDim);
            const double dims = 0.8 * (now - target) / perDimension;
            steps = std::clamp<Index>(Index(std::ceil(dims / double(b))), 1, std::max<Index>(2, m_dim / (2 * b)));
            lastLog = now;
            lastDim = m_dim;
        }
        steps = std::min(steps, (maxDim - m_dim) / b);
        if (steps <= 0)
            return worstRelative(count) <= m_tolerance ? Status::Converged : Status::Exhausted;
        for (Index s = 0; s < steps; ++s) {
            checkpoint(progress, std::min(0.95, double(m_dim) / expected));
            step(a);
        }
    }
}

void BlockLanczos::ritzTriplets(Index count, Vector &sigma, Matrix &u, Matrix &v)
{
    refresh();
    count = std::clamp<Index>(count, 0, m_dim);
    sigma = m_theta.head(count);
    u.noalias() = m_u.leftCols(m_dim) * m_x.leftCols(count);
    v.noalias() = m_v.leftCols(m_dim) * m_y.leftCols(count);
}

} // namespace factorscope::core
