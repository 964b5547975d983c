// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <cstdint>
#include <random>

namespace factorscope::core {

/// Reproducible random numbers: the same seed gives the same doubles on every platform.
/// std::uniform_real_distribution and std::normal_distribution differ between standard
/// libraries, so the mapping from mt19937_64 to doubles is our own (algorithms.md §8).
class Rng
{
public:
    explicit Rng(std::uint64_t seed) : m_engine(seed) {}

    std::uint64_t nextBits() { return m_engine(); }
    /// Uniform in [0, 1): the top 53 bits scaled by 2^-53.
    double uniform() { return double(m_engine() >> 11) * 0x1.0p-53; }
    /// Standard normal by Box–Muller (both values of a pair are used).
    double normal();
    /// rows×cols matrix of independent standard normals, filled column by column.
    Matrix gaussian(Index rows, Index cols);
    /// Uniform integer in [0, n) without modulo bias.
    std::uint64_t below(std::uint64_t n);

private:
    std::mt19937_64 m_engine;
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

/// Derives an independent seed for stream `index` of a run with seed `seed` (SplitMix64), so that
/// trial k of a randomized method is reproducible on its own.
std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t index);

} // namespace factorscope::core
