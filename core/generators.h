// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace factorscope::core {

/// Test matrices and images for File ▸ New from generator (design.md, "Matrices"). Every random
/// generator is deterministic for its seed (core::Rng), so a generated document can be recreated.

/// Rank-r signal plus Gaussian noise: M = G₁·G₂/√r + noise·E, G₁ (n×r), G₂ (r×m) and E (n×m)
/// i.i.d. standard normal. Without noise rank(M) = min(r, n, m) almost surely; with noise the
/// spectrum has r large values followed by a plateau of about noise·(√n + √m).
Matrix lowRankPlusNoise(Index rows, Index cols, Index rank, double noise, std::uint64_t seed);

/// Hilbert matrix H_ij = 1 / (i + j + 1) (0-based), n×n: symmetric positive definite and
/// notoriously ill-conditioned (σ decays roughly geometrically), a good SVD/ID stress test.
Matrix hilbert(Index n);

/// Sylvester Hadamard matrix of order 2^p: H₁ = [1], H_{2k} = [[H, H], [H, −H]]; entries ±1,
/// HᵀH = n·I, all singular values √n (the worst case for any low-rank method) and exactly
/// representable by Monarch matrices (a Kronecker product). 0 ≤ p ≤ 14.
Matrix hadamard(int order);

/// Kronecker product A ⊗ B of Gaussian A (r₁×c₁) and B (r₂×c₂): (r₁r₂)×(c₁c₂), rank
/// rank(A)·rank(B) = min(r₁,c₁)·min(r₂,c₂) almost surely.
Matrix kroneckerRandom(Index leftRows, Index leftCols, Index rightRows, Index rightCols,
                       std::uint64_t seed);

/// A random Monarch matrix with `blocks` blocks and block rank ρ, built from random factors:
/// every slice (k, j) (rows l·b + j, columns k·I + i, see core/monarch.h) is an independent
/// Gaussian rank-ρ matrix G₁·G₂/√ρ, so the Monarch projection with the same block count has zero
/// error at ρ. Sizes that `blocks` does not divide are generated padded and cropped (still exactly
/// Monarch for the zero-padded projection). blocks ≥ 1, blockRank ≥ 1.
Matrix randomMonarch(Index rows, Index cols, Index blocks, Index blockRank, std::uint64_t seed);

/// Sparse random matrix: exactly round(density·n·m) non-zero entries at uniformly random distinct
/// positions (selection sampling, Knuth's Algorithm S), values standard normal (never exactly 0).
/// 0 ≤ density ≤ 1.
Matrix sparseRandom(Index rows, Index cols, double density, std::uint64_t seed);

/// A smooth colour test image (three planes R, G, B in [0, 1]): R ramps left to right, G top to
/// bottom, B = 1 − (R + G)/2; each plane has rank ≤ 2.
std::vector<Matrix> gradientImage(Index rows, Index cols);

/// A grey checkerboard of square cells of `cell` pixels (0 and 1, top-left cell dark): rank 2 as
/// soon as there are two cells along each side (rank 1 otherwise).
Matrix checkerboardImage(Index rows, Index cols, Index cell);

enum class GeneratorKind {
    LowRankNoise,
    Hilbert,
    Hadamard,
    Kronecker,
    RandomMonarch,
    SparseRandom,
    Gradient,
    Checkerboard,
};

std::vector<GeneratorKind> allGenerators();
std::string generatorName(GeneratorKind kind); ///< "low-rank", "hilbert", "hadamard" …
std::optional<GeneratorKind> parseGenerator(const std::string &name);

/// Parameters of every generator with sensible defaults; each generator reads only its own.
struct GeneratorSpec
{
    GeneratorKind kind = GeneratorKind::LowRankNoise;
    Index rows = 256, cols = 256;
    Index rank = 10;             ///< low-rank
    double noise = 0.01;         ///< low-rank
    int hadamardOrder = 8;       ///< Hadamard: n = 2^order
    Index leftRows = 16, leftCols = 16, rightRows = 16, rightCols = 16; ///< Kronecker
    Index blocks = 16;           ///< random Monarch
    Index blockRank = 1;         ///< random Monarch
    double density = 0.05;       ///< sparse random
    Index cell = 32;             ///< checkerboard
    std::uint64_t seed = 0;
};

struct Generated
{
    std::vector<Matrix> planes;  ///< one matrix, or 1 grey / 3 RGB image planes in [0, 1]
    bool isImage = false;
    std::string name;            ///< "Hilbert 64×64", "Random Monarch 256×256, 16 blocks, ρ=1" …
};

/// Runs the generator the spec names. Throws std::invalid_argument for out-of-range parameters
/// (with the offending values in the message).
Generated generate(const GeneratorSpec &spec);

} // namespace factorscope::core
