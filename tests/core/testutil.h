// SPDX-License-Identifier: MIT
#pragma once

#include "core/random.h"
#include "core/types.h"

namespace factorscope::test {

using core::Index;
using core::Matrix;
using core::Vector;

/// n×m matrix with the given singular values (descending), random orthonormal factors.
Matrix withSpectrum(Index n, Index m, const Vector &sigma, std::uint64_t seed);
/// n×m matrix of exact rank r (Gaussian factors).
Matrix lowRank(Index n, Index m, Index r, std::uint64_t seed);
/// n×m i.i.d. standard normal.
Matrix gaussian(Index n, Index m, std::uint64_t seed);
/// Random orthonormal n×k (k ≤ n).
Matrix orthonormal(Index n, Index k, std::uint64_t seed);
/// Sylvester Hadamard matrix of order 2^p.
Matrix hadamard(int p);
/// Relative difference |a−b| / max(|b|, tiny).
double relDiff(double a, double b);

} // namespace factorscope::test
