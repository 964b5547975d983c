// SPDX-License-Identifier: MIT
#include "metrics.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace factorscope::core {

double squaredNorm(const std::vector<Matrix> &channels)
{
    double total = 0.0;
    for (const Matrix &c : channels)
        total += c.squaredNorm();
    return total;
}

double relErrFro(const std::vector<Matrix> &original, const std::vector<Matrix> &approx)
{
    if (original.size() != approx.size())
        throw std::invalid_argument("relErrFro: channel counts differ");
    double err = 0.0;
    for (std::size_t c = 0; c < original.size(); ++c)
        err += (original[c] - approx[c]).squaredNorm();
    const double total = squaredNorm(original);
    return total > 0.0 ? std::sqrt(err / total) : 0.0;
}

double clampedMse(const std::vector<Matrix> &original, const std::vector<Matrix> &approx)
{
    if (original.size() != approx.size())
        throw std::invalid_argument("clampedMse: channel counts differ");
    double sum = 0.0;
    double count = 0.0;
    for (std::size_t c = 0; c < original.size(); ++c) {
        sum += (original[c] - approx[c].cwiseMax(0.0).cwiseMin(1.0)).squaredNorm();
        count += double(original[c].size());
    }
    return count > 0 ? sum / count : 0.0;
}

double psnrFromMse(double mse)
{
    return mse > 0.0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity();
}

double psnr(const std::vector<Matrix> &original, const std::vector<Matrix> &approx)
{
    return psnrFromMse(clampedMse(original, approx));
}

namespace {

/// scipy.ndimage 'reflect' (half-sample symmetric) index for i in (-n, 2n).
inline Index reflectIndex(Index i, Index n)
{
    if (n == 1)
        return 0;
    const Index period = 2 * n;
    i %= period;
    if (i < 0)
        i += period;
    return i < n ? i : period - 1 - i;
}

/// The first pass of the separable Gaussian filter (σ = 1.5, radius 5 = int(3.5σ + 0.5)) with
/// reflect borders: `column` filtered along its length into `filtered`. The interior as
/// whole-segment (vectorised) sums and only the reflected borders element by element; the terms
/// are added in the same order as the plain double loop, t = −radius … radius.
void filterDown(const Eigen::Ref<const Vector> &column, const Vector &w, Eigen::Ref<Vector> filtered)
{
    const Index radius = (w.size() - 1) / 2;
    const Index n = column.size();
    const Index inner = std::max<Index>(0, n - 2 * radius);
    if (inner > 0) {
        filtered.segment(radius, inner) = w[0] * column.segment(0, inner);
        for (Index t = 1; t <= 2 * radius; ++t)
            filtered.segment(radius, inner) += w[t] * column.segment(t, inner);
    }
    for (Index i = 0; i < n; ++i) {
        if (i >= radius && i < radius + inner)
            continue;
        double sum = 0.0;
        for (Index t = -radius; t <= radius; ++t)
            sum += w[t + radius] * column(reflectIndex(i + t, n));
        filtered(i) = sum;
    }
}

/// The second pass for output columns j0 ≤ j < j1 of an image `m` columns wide: column j − j0 of
/// `out` from the 2·radius + 1 reflected neighbours, whose first-pass columns are in `down`
/// starting at image column `lo`.
void filterAcross(const Matrix &down, Index lo, Index m, const Vector &w, Index j0, Index j1, Matrix &out)
{
    const Index radius = (w.size() - 1) / 2;
    for (Index j = j0; j < j1; ++j) {
        auto filtered = out.col(j - j0);
        filtered = w[0] * down.col(reflectIndex(j - radius, m) - lo);
        for (Index t = -radius + 1; t <= radius; ++t)
            filtered += w[t + radius] * down.col(reflectIndex(j + t, m) - lo);
    }
}

Vector gaussianWeights()
{
    const double sigma = 1.5;
    const Index radius = Index(3.5 * sigma + 0.5);
    Vector w(2 * radius + 1);
    for (Index t = -radius; t <= radius; ++t)
        w[t + radius] = std::exp(-0.5 * double(t * t) / (sigma * sigma));
    return w / w.sum();
}

} // namespace

double ssim(const Matrix &original, const Matrix &approxIn)
{
    if (original.rows() != approxIn.rows() || original.cols() != approxIn.cols())
        throw std::invalid_argument("ssim: shapes differ");
    const Vector w = gaussianWeights();
    const Index pad = (w.size() - 1) / 2;
    if (original.rows() <= 2 * pad || original.cols() <= 2 * pad)
        throw std::invalid_argument("ssim: the image must be larger than 11×11");
    // In strips of columns (each with its 2·radius halo), so that the five filtered maps take
    // O(n·strip) memory instead of five n×m matrices (a 12-megapixel photo: 50 MB, not 770 MB);
    // every value is computed exactly as by whole-image filtering, in the same order.
    const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
    const Index n = original.rows(), m = original.cols();
    constexpr Index strip = 256;
    Vector x(n), y(n);
    Matrix down[5], across[5];
    double sum = 0.0;
    for (Index j0 = 0; j0 < m; j0 += strip) {
        const Index j1 = std::min(m, j0 + strip);
        // Every reflected neighbour of columns j0..j1 lies in lo..hi.
        const Index lo = std::max<Index>(0, j0 - pad), hi = std::min(m, j1 + pad);
        for (auto &d : down)
            d.resize(n, hi - lo);
        for (Index j = lo; j < hi; ++j) {
            x = original.col(j);
            y = approxIn.col(j).cwiseMax(0.0).cwiseMin(1.0);
            filterDown(x, w, down[0].col(j - lo));
            filterDown(y, w, down[1].col(j - lo));
            filterDown(x.cwiseProduct(x), w, down[2].col(j - lo));
            filterDown(y.cwiseProduct(y), w, down[3].col(j - lo));
            filterDown(x.cwiseProduct(y), w, down[4].col(j - lo));
        }
        for (int k = 0; k < 5; ++k) {
            across[k].resize(n, j1 - j0);
            filterAcross(down[k], lo, m, w, j0, j1, across[k]);
        }
        for (Index j = std::max(j0, pad); j < std::min(j1, m - pad); ++j)
            for (Index i = pad; i < n - pad; ++i) {
                const Index c = j - j0;
                const double mx = across[0](i, c), my = across[1](i, c);
                const double vx = across[2](i, c) - mx * mx, vy = across[3](i, c) - my * my;
                const double vxy = across[4](i, c) - mx * my;
                sum += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            }
    }
    return sum / double((n - 2 * pad) * (m - 2 * pad));
}

double ssim(const std::vector<Matrix> &original, const std::vector<Matrix> &approx)
{
    if (original.size() != approx.size() || original.empty())
        throw std::invalid_argument("ssim: channel counts differ");
    double total = 0.0;
    for (std::size_t c = 0; c < original.size(); ++c)
        total += ssim(original[c], approx[c]);
    return total / double(original.size());
}

double spectralNormEstimate(const Matrix &e, int iterations, std::uint64_t seed)
{
    if (e.size() == 0)
        return 0.0;
    Rng rng(seed);
    Vector v = rng.gaussian(e.cols(), 1).col(0);
    double nv = v.norm();
    if (nv == 0.0)
        return 0.0;
    v /= nv;
    double sigma = 0.0;
    for (int it = 0; it < iterations; ++it) {
        const Vector u = e * v;
        const double nu = u.norm();
        if (nu == 0.0)
            return sigma;
        Vector next = e.transpose() * (u / nu);
        const double s = next.norm(); // = ‖Eᵀu‖ ≥ ‖Ev‖ for unit u, v
        if (s == 0.0)
            return nu;
        next /= s;
        const bool converged = std::abs(s - sigma) <= 1e-10 * s;
        sigma = s;
        v = next;
        if (converged)
            break;
    }
    return sigma;
}

} // namespace factorscope::core
