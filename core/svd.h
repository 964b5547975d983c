// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"

#include <memory>

namespace factorscope::core {

/// Truncated SVD, exact (Eckart–Young–Mirsky): M ≈ M_r = U[:, :r]·diag(σ[:r])·V[:, :r]ᵀ is the best
/// rank-r approximation in both the Frobenius and the spectral norm, with
///   ‖M − M_r‖²_F = Σ_{i≥r} σ_i²   and   ‖M − M_r‖₂ = σ_r (0-based; 0 when r ≥ min(n,m)).
/// Computed by LAPACK dgesdd (OpenBLAS), O(nm·min(n,m)).
class SvdModel final : public ChannelModel
{
public:
    /// Takes ownership of the factors; u (n×k) and v (m×k) may be empty for a values-only model.
    SvdModel(Index rows, Index cols, Vector sigma, Matrix u = Matrix(), Matrix v = Matrix());

    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    Index maxRank() const override { return m_sigma.size(); }
    double errFro2(Index rank) const override;
    std::optional<double> errSpecExact(Index rank) const override;
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_u.cols() == m_sigma.size(); }
    Matrix reconstruct(Index rank) const override;
    void advance(Matrix &acc, Index from, Index to) const override;

    /// σ, descending, k = min(n, m) values.
    const Vector &singularValues() const { return m_sigma; }
    /// Left singular vectors U (n×k), columns orthonormal.
    const Matrix &u() const { return m_u; }
    /// Right singular vectors V (m×k), columns orthonormal.
    const Matrix &v() const { return m_v; }

private:
    Index m_rows, m_cols;
    Vector m_sigma;
    Matrix m_u, m_v;
    Vector m_tail2; ///< m_tail2[r] = Σ_{i≥r} σ_i², summed from the smallest up for accuracy
};

struct SvdOptions
{
    bool vectors = true; ///< false: singular values only (error curve only), about 3× faster
};

/// Thin SVD of m. Throws std::runtime_error if LAPACK does not converge (never seen on finite
/// input; NaN/Inf are refused at load time).
std::unique_ptr<SvdModel> computeSvd(const Matrix &m, const SvdOptions &options = {},
                                     Progress *progress = nullptr);

/// Moves acc from M̃_from to M̃_to for a truncated SVD u·diag(σ)·vᵀ (ranks clamped to σ's
/// size): adds the new triplets with one GEMM; going down rebuilds from zero (exact).
void advanceTruncated(Matrix &acc, const Matrix &u, const Vector &sigma, const Matrix &v, Index from,
                      Index to);

/// Σ_{i≥r} σ_i² for r = 0..k (k+1 values, last is 0), accumulated from the smallest σ.
Vector tailSquares(const Vector &sigma);

} // namespace factorscope::core
