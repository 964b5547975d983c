// SPDX-License-Identifier: MIT
#include "testutil.h"

#include "core/lapack.h"

#include <algorithm>
#include <cmath>

namespace factorscope::test {

Matrix orthonormal(Index n, Index k, std::uint64_t seed)
{
    core::Rng rng(seed);
    return core::lapack::orthonormalBasis(rng.gaussian(n, k));
}

Matrix withSpectrum(Index n, Index m, const Vector &sigma, std::uint64_t seed)
{
    const Index k = sigma.size();
    const Matrix u = orthonormal(n, k, seed);
    const Matrix v = orthonormal(m, k, seed + 1);
    return u * sigma.asDiagonal() * v.transpose();
}

Matrix decaying(Index n, Index m, double rate, std::uint64_t seed)
{
    Vector sigma(std::min(n, m));
    for (Index i = 0; i < sigma.size(); ++i)
        sigma[i] = std::pow(rate, double(i));
    return withSpectrum(n, m, sigma, seed);
}

Matrix lowRank(Index n, Index m, Index r, std::uint64_t seed)
{
    core::Rng rng(seed);
    const Matrix a = rng.gaussian(n, r);
    const Matrix b = rng.gaussian(r, m);
    return a * b;
}

Matrix gaussian(Index n, Index m, std::uint64_t seed)
{
    core::Rng rng(seed);
    return rng.gaussian(n, m);
}

Matrix hadamard(int p)
{
    Matrix h = Matrix::Ones(1, 1);
    for (int i = 0; i < p; ++i) {
        Matrix next(2 * h.rows(), 2 * h.cols());
        next << h, h, h, -h;
        h = next;
    }
    return h;
}

double relDiff(double a, double b)
{
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

} // namespace factorscope::test
