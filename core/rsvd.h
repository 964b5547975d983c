// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"

#include <cstdint>
#include <memory>

namespace factorscope::core {

struct RsvdOptions
{
    Index rank = 10;          ///< largest rank wanted, k
    Index oversampling = 10;  ///< p: the sketch has k + p columns
    int powerIterations = 2;  ///< q: subspace iterations, re-orthonormalised after every product
    std::uint64_t seed = 0;
    bool vectors = true;      ///< false: σ and the curve only
    /// true: ‖M − QB‖_F is measured on the formed residual (exact to rounding, one more GEMM and
    /// an n×m copy). false: √(‖M‖²_F − ‖B‖²_F), which loses relative accuracy only when the
    /// residual is tiny next to ‖M‖ — fine for a preview's error label.
    bool measureResidual = true;
};

/// The settings of the quick first picture shown while an exact SVD runs: rank ≤ 50,
/// oversampling 10, one power iteration, residual from norms. The GUI and bench/bench_slider
/// use these same settings.
RsvdOptions previewRsvdOptions(Index rows, Index cols, std::uint64_t seed);

/// Randomized SVD (Halko, Martinsson & Tropp 2011, Algorithms 4.4 and 5.1).
///
/// Y = M·Ω with Ω an m×(k+p) Gaussian; q power iterations Q = orth(M·orth(Mᵀ·Q)); B = QᵀM;
/// B = Ũ·diag(σ)·Vᵀ; U = Q·Ũ. Rank r ≤ k keeps the first r triplets of this one sketch, so
///   ‖M − U_r Σ_r V_rᵀ‖²_F = ‖M − QB‖²_F + Σ_{i≥r} σ_i(B)²   (exact: M − QB ⊥ range(Q)),
/// with ‖M − QB‖_F measured directly (not as ‖M‖² − ‖B‖², which cancels).
/// Cost O(nm(k+p)(2q+2)).
class RsvdModel final : public ChannelModel
{
public:
    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    Index maxRank() const override { return m_rank; }
    double errFro2(Index rank) const override;
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_u.cols() > 0 || m_rank == 0; }
    Matrix reconstruct(Index rank) const override;
    void advance(Matrix &acc, Index from, Index to) const override;

    const Vector &singularValues() const { return m_sigma; }
    const Matrix &u() const { return m_u; }
    const Matrix &v() const { return m_v; }
    /// ‖M − QQᵀM‖_F, exact.
    double residualFro() const { return std::sqrt(m_residual2); }
    /// A-posteriori bound on ‖M − QQᵀM‖₂ (Halko et al. §4.3, eq. 4.3): 10·sqrt(2/π)·max_i
    /// ‖(I − QQᵀ)Mω_i‖ over 10 fresh Gaussian ω_i; holds with probability ≥ 1 − 10⁻¹⁰.
    double spectralBound() const { return m_spectralBound; }

private:
    friend std::unique_ptr<RsvdModel> computeRandomizedSvd(const Matrix &, const RsvdOptions &, Progress *);
    RsvdModel() = default;
    Index m_rows = 0, m_cols = 0, m_rank = 0;
    Vector m_sigma, m_tail2;
    Matrix m_u, m_v;
    double m_residual2 = 0.0;
    double m_spectralBound = 0.0;
};

std::unique_ptr<RsvdModel> computeRandomizedSvd(const Matrix &m, const RsvdOptions &options,
                                                Progress *progress = nullptr);

} // namespace factorscope::core
