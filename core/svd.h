// SPDX-License-Identifier: MIT
#pragma once

#include "lanczos.h"
#include "model.h"
#include "progress.h"

#include <memory>
#include <optional>
#include <string>

namespace factorscope::core {

/// How a SvdModel's triplets were obtained and how far they are vouched for.
enum class SvdStatus {
    Full,         ///< every singular value, LAPACK dgesdd (backward stable)
    Certified,    ///< the top k triplets by block Lanczos, each meeting the residual bound
    NotCertified, ///< the top k by block Lanczos, some triplet above the bound (see certificate)
};

/// What the partial SVD checked (SvdStatus::Certified / NotCertified); zeros for a full SVD.
struct SvdCertificate
{
    /// max over the delivered triplets (and σ_{k+1}) of max(‖Mv − σu‖₂, ‖Mᵀu − σv‖₂), measured
    /// with fresh products M·V and Mᵀ·U after the iteration (not the Lanczos estimates).
    double maxResidual = 0.0;
    /// The bound each triplet must meet: 1e-12·σ₁.
    double bound = 0.0;
    Index blockSize = 0;
    Index krylovDimension = 0; ///< d, columns of the Lanczos bases
    int convergenceTests = 0;  ///< SVDs of the projected matrix
    /// First rank whose tail ‖M − M_r‖²_F was not taken as ‖M‖²_F − Σ_{i<r} σ_i² (which would
    /// have kept fewer than 6 correct digits) but as ‖M − U_kΣ_kV_kᵀ‖²_F, measured, plus
    /// Σ_{r≤i<k} σ_i²; k + 1 when every rank used the subtraction.
    Index explicitTailFrom = 0;
};

/// Truncated SVD, exact (Eckart–Young–Mirsky): M ≈ M_r = U[:, :r]·diag(σ[:r])·V[:, :r]ᵀ is the best
/// rank-r approximation in both the Frobenius and the spectral norm, with
///   ‖M − M_r‖²_F = Σ_{i≥r} σ_i²   and   ‖M − M_r‖₂ = σ_r (0-based; 0 when r ≥ min(n,m)).
///
/// Full (computeSvd, LAPACK dgesdd, O(nm·min(n,m))): all min(n,m) values, the tails summed from
/// the smallest σ up. Partial (PartialSvd, block Lanczos, O(nm·k)): the top k triplets, certified
/// (SvdCertificate), the tails ‖M‖²_F − Σ_{i<r} σ_i² with ‖M‖²_F summed with compensation where
/// that keeps ≥ 6 correct digits, and measured otherwise; errSpecExact(r) = σ_r for r ≤ k (σ_k,
/// the (k+1)-th value, is certified too and kept without vectors).
class SvdModel final : public ChannelModel
{
public:
    /// Full SVD: σ are all min(n, m) values; u (n×k) and v (m×k) may be empty for values only.
    SvdModel(Index rows, Index cols, Vector sigma, Matrix u = Matrix(), Matrix v = Matrix());
    /// Partial SVD: the top k triplets, tail2[r] = ‖M − M_r‖²_F for r = 0..k, σ_{k} (0-based) if
    /// known, and what was certified.
    SvdModel(Index rows, Index cols, Vector sigma, Matrix u, Matrix v, Vector tail2,
             std::optional<double> nextSigma, SvdStatus status, const SvdCertificate &certificate);

    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    /// min(n, m) for a full SVD, k for a partial one.
    Index maxRank() const override { return m_sigma.size(); }
    double errFro2(Index rank) const override;
    /// σ_r; for a partial SVD known up to r = k, empty beyond.
    std::optional<double> errSpecExact(Index rank) const override;
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_u.cols() == m_sigma.size(); }
    Matrix reconstruct(Index rank) const override;
    void advance(Matrix &acc, Index from, Index to) const override;

    /// σ, descending: all min(n, m) values (full) or the top k (partial).
    const Vector &singularValues() const { return m_sigma; }
    /// Left singular vectors U (n×k), columns orthonormal.
    const Matrix &u() const { return m_u; }
    /// Right singular vectors V (m×k), columns orthonormal.
    const Matrix &v() const { return m_v; }
    bool isPartial() const { return m_status != SvdStatus::Full; }
    SvdStatus status() const { return m_status; }
    const SvdCertificate &certificate() const { return m_certificate; }

private:
    Index m_rows, m_cols;
    Vector m_sigma;
    Matrix m_u, m_v;
    Vector m_tail2; ///< m_tail2[r] = ‖M − M_r‖²_F, r = 0..maxRank()
    std::optional<double> m_next; ///< partial: σ_k, the first value not delivered
    SvdStatus m_status = SvdStatus::Full;
    SvdCertificate m_certificate;
};

/// Which algorithm computeSvd() uses.
enum class SvdAlgorithm {
    Auto,    ///< block Lanczos when 0 < rank ≤ lanczosFraction·min(n, m) and the matrix is not small
    Full,    ///< dgesdd, whatever the rank
    Lanczos, ///< block Lanczos for the top `rank` (dgesdd when rank is 0 or min(n, m))
};

struct SvdOptions
{
    bool vectors = true; ///< full SVD: false for singular values only (error curve only), ~3× faster
    /// Largest rank wanted; 0 = all. A partial result delivers ranks 0..rank.
    Index rank = 0;
    SvdAlgorithm algorithm = SvdAlgorithm::Auto;
    std::uint64_t seed = 0; ///< start block of the Lanczos iteration
};

/// Auto's switch-over: Lanczos for k ≤ this fraction of min(n, m). Measured on a 3000×4000
/// photo-like matrix (README, Benchmarks: partial against full SVD).
inline constexpr double lanczosFraction = 0.2;
/// Auto uses dgesdd below this min(n, m): there a full SVD takes milliseconds.
inline constexpr Index lanczosMinSize = 256;
/// True when SvdAlgorithm::Auto picks Lanczos for the top `rank` of an n×m matrix.
bool prefersLanczos(Index rows, Index cols, Index rank);

/// SVD of m per options (full, or the top options.rank triplets). Throws std::runtime_error if
/// LAPACK does not converge (never seen on finite input; NaN/Inf are refused at load time),
/// Cancelled if progress asks to stop.
std::unique_ptr<SvdModel> computeSvd(const Matrix &m, const SvdOptions &options = {},
                                     Progress *progress = nullptr);

struct PartialSvdOptions
{
    /// Lanczos block size; 0 = about k/3 between 8 and 32, fixed at the first compute() (32 for
    /// the top 100 of a photo, README Benchmarks; small k converge in fewer dimensions with
    /// smaller blocks).
    Index blockSize = 0;
    std::uint64_t seed = 0;
    /// When the Krylov space runs out or a certificate still fails after two more block steps:
    /// true: fall back to dgesdd (status Full); false: deliver with status NotCertified.
    bool fallbackToFull = true;
};

/// The top k singular triplets of one matrix by block Lanczos (core/lanczos.h), extendable:
/// compute(m, k2) after compute(m, k1) continues the same Krylov basis (no restart) and gives the
/// numbers a single compute(m, k2) gives, to the certificate's accuracy.
///
/// Each compute() certifies the k + 1 top triplets it delivers with fresh products
/// (R₁ = M·V − U·Σ, R₂ = Mᵀ·U − V·Σ, 4·n·m·(k+1) flops): every column must have norm ≤ 1e-12·σ₁.
/// The tails: T = ‖M‖²_F (compensated sum, once), S_r = Σ_{i<r} σ_i², and the error of T − S_r
/// bounded by δ_r = 8ε·T + Σ_{i<r} 2σ_i·ρ_i (ρ_i: triplet i's residual, which bounds |σ_i − σ_i*|).
/// Where T − S_r < 10⁶·δ_r (fewer than 6 correct digits: exactly or nearly low-rank M) the tail is
/// ‖M − U_kΣ_kV_kᵀ‖²_F + Σ_{r≤i<k} σ_i², the first term measured column block by column block
/// (2·n·m·k flops, no n×m buffer). Memory: the Lanczos bases, (n + m)·d doubles.
///
/// Not thread-safe: one computation at a time; the models it returns are independent values.
class PartialSvd
{
public:
    PartialSvd(Index rows, Index cols, const PartialSvdOptions &options = {});
    /// The top `rank` triplets of m (the same matrix at every call). Throws Cancelled (the state
    /// stays usable), std::invalid_argument for another shape.
    std::unique_ptr<SvdModel> compute(const Matrix &m, Index rank, Progress *progress = nullptr);
    /// d, the columns of the Lanczos bases so far (0 before the first compute() and after release()).
    Index krylovDimension() const { return m_lanczos ? m_lanczos->dimension() : 0; }
    /// Frees the Lanczos bases, (n + m)·d doubles (a photo's slowly decaying spectrum needs
    /// d = 1664 for the top 200 of a 3000 × 4000 photo channel: 94 MB). The next compute()
    /// builds the Krylov space again from the same start block with the same block size, so
    /// the same basis up to where the first run stopped, at O(n·m·d) again instead of the
    /// increment; ‖M‖²_F is kept.
    void release();

private:
    Index m_rows, m_cols;
    PartialSvdOptions m_options;
    std::optional<BlockLanczos> m_lanczos;
    std::optional<double> m_total2;
};

/// One-shot PartialSvd::compute.
std::unique_ptr<SvdModel> computePartialSvd(const Matrix &m, Index rank, const PartialSvdOptions &options = {},
                                            Progress *progress = nullptr);

/// ‖m‖²_F with compensated (Kahan–Babuška) summation of the column sums: relative error a few ε.
double accurateSquaredNorm(const Matrix &m);

/// ‖m − u·diag(σ)·vᵀ‖²_F, measured in column blocks (no n×m buffer), O(n·m·k); checkpoints per
/// block (throws Cancelled).
double residualSquaredNorm(const Matrix &m, const Matrix &u, const Vector &sigma, const Matrix &v,
                           Progress *progress = nullptr);

/// Moves acc from M̃_from to M̃_to for a truncated SVD u·diag(σ)·vᵀ (ranks clamped to σ's
/// size): adds the new triplets with one GEMM; going down rebuilds from zero (exact).
void advanceTruncated(Matrix &acc, const Matrix &u, const Vector &sigma, const Matrix &v, Index from,
                      Index to);

/// Σ_{i≥r} σ_i² for r = 0..k (k+1 values, last is 0), accumulated from the smallest σ.
Vector tailSquares(const Vector &sigma);

} // namespace factorscope::core
