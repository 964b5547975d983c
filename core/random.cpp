// SPDX-License-Identifier: MIT
#include "random.h"

#include <cmath>

namespace factorscope::core {

double Rng::normal()
{
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    // u1 in (0, 1] so that log(u1) is finite.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * M_PI * u2;
    m_spare = radius * std::sin(angle);
    m_hasSpare = true;
    return radius * std::cos(angle);
}

Matrix Rng::gaussian(Index rows, Index cols)
{
    Matrix g(rows, cols);
    double *p = g.data();
    for (Index i = 0, n = rows * cols; i < n; ++i)
        p[i] = normal();
    return g;
}

std::uint64_t Rng::below(std::uint64_t n)
{
    if (n <= 1)
        return 0;
    // Rejection sampling on the top of the range.
    const std::uint64_t limit = std::uint64_t(-1) - (std::uint64_t(-1) % n);
    std::uint64_t x;
    do {
        x = m_engine();
    } while (x >= limit);
    return x % n;
}

std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t index)
{
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

} // namespace factorscope::core
