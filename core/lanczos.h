// SPDX-License-Identifier: MIT
#pragma once

#include "progress.h"
#include "random.h"
#include "types.h"

#include <cstdint>

namespace factorscope::core {

struct BlockLanczosOptions
{
    /// b: columns per block. Larger blocks make the products with M compute-bound GEMMs (on a
    /// 3000×4000 matrix, 2 cores: 4.2 ms per vector at b = 1, 0.87 ms at b = 32) but need a somewhat
    /// larger Krylov space; 32 measured best on photo-like matrices (README, Benchmarks).
    Index blockSize = 32;
    std::uint64_t seed = 0;
    /// A Ritz triplet counts as converged when its residual estimate is ≤ tolerance·σ̃₁.
    double tolerance = 1e-14;
};

/// Block Golub–Kahan–Lanczos bidiagonalisation of an n×m matrix M with full reorthogonalisation
/// (no restarts), for the top singular triplets.
///
/// From a random orthonormal m×b block V_0 it builds orthonormal bases U = [U_0 … U_{s−1}] (n×d)
/// and V = [V_0 … V_{s−1}] (m×d), d = s·b, and the next block V_s, with
///   M·V = U·B,   Mᵀ·U = V·Bᵀ + V_s·E·[0 … 0 I_b]   (B = UᵀMV, d×d, block upper bidiagonal),
/// every new block orthogonalised twice against all earlier ones (block classical Gram–Schmidt),
/// a third time when the block lost more than two digits of norm, and completed by random
/// directions where the Krylov space is exhausted (exactly low-rank M). The Ritz triplets come
/// from the SVD B = X·diag(θ)·Yᵀ: u_i = U·x_i, v_i = V·y_i, θ_i; then M·v_i − θ_i·u_i = 0 and
/// ‖Mᵀu_i − θ_i·v_i‖ = ‖E·x_i[d−b:d]‖ (the residual estimate), to rounding.
///
/// The basis is kept, so extend() to more triplets continues the same Krylov sequence instead of
/// starting over; a cancelled extend() leaves the state at its last completed block step.
///
/// Cost per block step: two GEMMs with M (4·n·m·b flops), reorthogonalisation O((n+m)·d·b), and
/// an SVD of B (O(d³)) at each convergence test (a few per call: the number of steps between
/// tests is extrapolated from the observed decay of the residuals). Memory (n + m)·d doubles.
/// References: Golub, Luk & Overton, "A block Lanczos method for computing the singular values
/// and corresponding singular vectors of a matrix", ACM TOMS 7 (1981); Golub & Van Loan,
/// Matrix Computations, 4th ed., §10.4.
///
/// Not thread-safe; the const members may be called from several threads when none is extending.
class BlockLanczos
{
public:
    enum class Status {
        Converged, ///< the top `count` residual estimates are within the tolerance
        Exhausted, ///< the Krylov space reached maxDimension() first
    };

    BlockLanczos(Index rows, Index cols, const BlockLanczosOptions &options = {});

    /// Adds block steps with `a` (n×m, the same matrix at every call) until the top `count`
    /// Ritz triplets have converged or the space is exhausted. Throws Cancelled between steps,
    /// std::invalid_argument for a matrix of another shape.
    Status extend(const Matrix &a, Index count, Progress *progress = nullptr);
    /// Adds `steps` block steps without a convergence test (used when a certificate fails).
    void addSteps(const Matrix &a, Index steps, Progress *progress = nullptr);

    Index rows() const { return m_rows; }
    Index cols() const { return m_cols; }
    Index blockSize() const { return m_block; }
    /// d: the number of columns of U and V (a multiple of blockSize()).
    Index dimension() const { return m_dim; }
    /// Largest d: min(n, m − b) rounded down to a multiple of b (V holds d + b columns).
    Index maxDimension() const;
    /// Convergence tests (SVDs of B) made so far.
    int tests() const { return m_tests; }

    /// Ritz values θ (descending, d of them) and residual estimates of the current basis.
    const Vector &ritzValues();
    const Vector &residualEstimates();
    /// The top `count` Ritz triplets: u (n×count), θ, v (m×count).
    void ritzTriplets(Index count, Vector &sigma, Matrix &u, Matrix &v);

private:
    void checkShape(const Matrix &a) const;
    void start();
    void step(const Matrix &a);
    void refresh();
    void reserve(Index dim);
    /// Largest residual estimate of the top `count` triplets, relative to θ_1 (0 for M = 0).
    double worstRelative(Index count);

    Index m_rows, m_cols, m_block;
    double m_tolerance;
    Rng m_rng;
    Index m_dim = 0;
    bool m_started = false;
    Matrix m_u;  ///< n × capacity; the first d columns are U
    Matrix m_v;  ///< m × (capacity + b); the first d + b columns are V and V_s
    Matrix m_b;  ///< capacity × capacity; the leading d×d block is B
    Matrix m_e;  ///< b × b: E in Mᵀ·U_{s−1} = V·(…) + V_s·E
    double m_scale = 0.0; ///< largest block norm seen: the scale of "negligible"
    // Ritz data of the leading d×d block of B (valid while m_refreshed == m_dim).
    Index m_refreshed = -1;
    Vector m_theta, m_residual;
    Matrix m_x, m_y;
    int m_tests = 0;
};

} // namespace factorscope::core
