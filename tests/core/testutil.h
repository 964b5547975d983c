// SPDX-License-Identifier: MIT
#pragma once

#include "core/progress.h"
#include "core/random.h"
#include "core/types.h"

#include <vector>

namespace factorscope::test {

using core::Index;
using core::Matrix;
using core::Vector;

/// n×m matrix with the given singular values (descending), random orthonormal factors.
Matrix withSpectrum(Index n, Index m, const Vector &sigma, std::uint64_t seed);
/// n×m matrix with σ_i = rate^i, i < min(n, m), random orthonormal factors.
Matrix decaying(Index n, Index m, double rate, std::uint64_t seed);
/// n×m matrix of exact rank r (Gaussian factors).
Matrix lowRank(Index n, Index m, Index r, std::uint64_t seed);
/// n×m i.i.d. standard normal.
Matrix gaussian(Index n, Index m, std::uint64_t seed);
/// Random orthonormal n×k (k ≤ n).
Matrix orthonormal(Index n, Index k, std::uint64_t seed);
/// Sylvester Hadamard matrix of order 2^p.
Matrix hadamard(int p);
/// Records the progress fractions it is given; cancels after `cancelAfter` calls if that is ≥ 0.
class RecordingProgress final : public core::Progress
{
public:
    explicit RecordingProgress(int cancelAfter = -1) : m_cancelAfter(cancelAfter) {}
    void setFraction(double f) override { fractions.push_back(f); }
    bool isCancelled() const override { return m_cancelAfter >= 0 && int(fractions.size()) >= m_cancelAfter; }
    std::vector<double> fractions;

private:
    int m_cancelAfter;
};

/// Relative difference |a−b| / max(|b|, tiny).
double relDiff(double a, double b);

} // namespace factorscope::test
