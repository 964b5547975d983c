// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"

#include <cstdint>
#include <memory>

namespace factorscope::core {

/// Which of the l rank-one terms x_i·y_iᵀ of X·Y a CR approximation keeps (algorithms.md §3).
enum class CrRule {
    Top,     ///< the r largest w_i = ‖x_i‖·‖y_i‖ (ties: lower index), unscaled; deterministic
    Optimal, ///< r i.i.d. draws with p_i ∝ w_i (Drineas–Kannan–Mahoney), scaled by 1/(r·p_i)
    Uniform, ///< r i.i.d. draws with p_i = 1/l, scaled by 1/(r·p_i) = l/r
};

/// The product X·Y whose terms CR samples. For a single matrix M (algorithms.md §3.5):
enum class CrProduct {
    MatrixIdentity, ///< M·I_m: x_i = column i of M, y_i = e_i, l = m; w_i = ‖M[:, i]‖
    IdentityMatrix, ///< I_n·M: x_i = e_i, y_i = row i of M, l = n; w_i = ‖M[i, :]‖
    SvdFactors,     ///< (U√Σ)(√ΣVᵀ) from the thin SVD of M, l = min(n,m); w_i = σ_i
    Given,          ///< two given matrices X (n×l) and Y (l×m)
};

struct CrOptions
{
    CrRule rule = CrRule::Optimal;
    CrProduct product = CrProduct::MatrixIdentity;
    /// Number of draws r_max (0 = l). Rank r uses the FIRST r draws of one sequence of r_max
    /// i.i.d. draws, so every prefix is itself an i.i.d. sample of size r. Top: at most l.
    Index rank = 0;
    std::uint64_t seed = 0;
};

/// Column–row approximation of a product X·Y = Σ_{i<l} x_i·y_iᵀ (x_i column i of X, n×l; y_iᵀ row
/// i of Y, l×m) by r of its terms: X·Y ≈ C_r·R_r = Σ_i λ_i x_i·y_iᵀ with
///   λ_i = count_i / (r·p_i)  (count_i = times i occurs among the first r draws; sampled rules),
///   λ_i = 1 for the r kept indices, 0 otherwise  (Top rule).
/// Column t of C_r is x_{s_t}/√(r·p_{s_t}), row t of R_r is y_{s_t}/√(r·p_{s_t}).
///
/// Realised error, with γ = 1 − λ and G = (XᵀX) ∘ (YYᵀ) (l×l, Hadamard product):
///   ‖XY − C_r R_r‖²_F = γᵀ·G·γ,
/// which for M·I, I·M and SVD factors (mutually orthogonal terms) is Σ_i γ_i²·w_i² in O(l).
/// Expected error over the draws (sampled rules, DKM 2006):
///   E‖XY − C_r R_r‖²_F = (1/r)·[Σ_{p_i>0} w_i²/p_i − ‖XY‖²_F],  E[C_r R_r] = XY,
/// = (1/r)·[(Σ_i w_i)² − ‖XY‖²_F] for the optimal p. Costs: weights O(nl + lm) (SVD factors: one
/// thin SVD by dgesdd, O(nm·min(n,m))); Given adds G, O(l²(n+m)) time and l² memory, and errFro2
/// is then O(l²) per rank; reconstruct() is O(nm·r) at most. Reference: algorithms.md
/// §3.3, §8.3; Drineas, Kannan, Mahoney, SIAM J. Comput. 36(1), 2006.
///
/// If Σ_i w_i = 0 the product is zero: every error is 0 and every reconstruction the zero matrix
/// (the optimal rule then draws with uniform p so that draws() stays defined).
///
/// Immutable after construction; every const member is safe to call from several threads.
class CrModel final : public ChannelModel
{
public:
    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    /// r_max (options.rank, 0 = l; the Top rule clamps it to l).
    Index maxRank() const override { return Index(m_draws.size()); }
    /// Realised ‖XY − C_r R_r‖²_F in closed form (see the class note), never forming a product.
    double errFro2(Index rank) const override;
    /// r(n+2) for M·I (r columns, index and scale), r(m+2) for I·M, r(n+m) for SVD factors and
    /// Given; r counts draws, duplicates included.
    double storedParams(Index rank) const override;
    /// C_r·R_r = Σ_{t<r} x_{s_t}·y_{s_t}ᵀ/(r·p_{s_t}), n×m. M·I: the columns of M scaled by λ
    /// and the others zero (the identity is never formed); I·M likewise with rows.
    Matrix reconstruct(Index rank) const override;

    /// (1/r)·[Σ_{p_i>0} w_i²/p_i − ‖XY‖²_F] (0 at r = 0: ‖XY‖²_F); Top rule: errFro2(rank).
    double expectedErrFro2(Index rank) const;
    /// ‖XY‖²_F (Σσ² for SVD factors, 1ᵀG1 for Given).
    double productNorm2() const { return m_productNorm2; }
    /// w_i = ‖x_i‖·‖y_i‖, length l.
    const Vector &weights() const { return m_weights; }
    /// The sampling distribution p (sums to 1); empty for the Top rule.
    const Vector &probabilities() const { return m_probabilities; }
    /// s_0..s_{r_max−1}; Top: indices of the largest w in decreasing order, ties to the lower
    /// index.
    const IndexList &draws() const { return m_draws; }
    /// λ at rank r (length l): count_i/(r·p_i), or 1 on the first r Top indices.
    Vector lambda(Index rank) const;
    CrRule rule() const { return m_rule; }
    CrProduct product() const { return m_product; }
    /// Number of terms l.
    Index terms() const { return m_weights.size(); }
    /// The factors whose terms are sampled: M (n×m) for M·I and I·M; U (n×k) for SVD factors;
    /// X (n×l) for Given. Term i is x_i·y_iᵀ with x_i = column i (M·I, SVD factors, Given), or
    /// e_i·(row i of M)ᵀ for I·M.
    const Matrix &productLeft() const { return *m_x; }
    /// Vᵀ (k×m) for SVD factors, Y (l×m) for Given: y_iᵀ = row i; empty for M·I and I·M.
    const Matrix &productRight() const { return m_y; }
    /// σ for SVD factors (term i is σ_i·u_i·v_iᵀ); empty otherwise.
    const Vector &productSigma() const { return m_sigma; }

private:
    friend std::unique_ptr<CrModel> computeCr(const Matrix &, const CrOptions &, Progress *);
    friend std::unique_ptr<CrModel> computeCr(std::shared_ptr<const Matrix>, const CrOptions &, Progress *);
    friend std::unique_ptr<CrModel> computeCr(const Matrix &, const Matrix &, const CrOptions &,
                                              Progress *);
    CrModel() = default;
    /// From m_x, m_y, m_sigma, m_product (already set): weights, ‖XY‖², G, p and the draws.
    void finish(const CrOptions &options, Progress *progress);
    /// ‖x_i‖²‖y_i‖² summed with weights γ_i² (orthogonal terms) or γᵀGγ (Given).
    double errorOf(const Vector &gamma) const;

    Index m_rows = 0, m_cols = 0;
    CrRule m_rule = CrRule::Optimal;
    CrProduct m_product = CrProduct::MatrixIdentity;
    /// M·I and I·M: m_x = M. SVD factors: m_x = U (n×k), m_y = Vᵀ (k×m), m_sigma = σ. Given:
    /// m_x = X, m_y = Y. Shared: the trials of M·I and I·M on one channel hold M once.
    std::shared_ptr<const Matrix> m_x;
    Matrix m_y;
    Vector m_sigma;
    Matrix m_gram;          ///< G = (XᵀX) ∘ (YYᵀ), Given only
    Vector m_weights;
    Vector m_probabilities;
    IndexList m_draws;
    double m_productNorm2 = 0.0;
    double m_sumW2OverP = 0.0; ///< Σ_{p_i>0} w_i²/p_i
};

/// CR of a product built from a single matrix m (n×m): options.product must be MatrixIdentity,
/// IdentityMatrix or SvdFactors (std::invalid_argument otherwise). Throws std::runtime_error if
/// the SVD does not converge, Cancelled if progress asks to stop.
std::unique_ptr<CrModel> computeCr(const Matrix &m, const CrOptions &options,
                                   Progress *progress = nullptr);
/// The same, holding m itself for M·I and I·M instead of a copy (n·m doubles per model: the
/// trials of a 12-megapixel photo's channel share one); other products as computeCr(*m, …).
std::unique_ptr<CrModel> computeCr(std::shared_ptr<const Matrix> m, const CrOptions &options,
                                   Progress *progress = nullptr);
/// CR of the given product X·Y (X n×l, Y l×m; std::invalid_argument if the inner sizes differ).
/// options.product is ignored (the model reports Given).
std::unique_ptr<CrModel> computeCr(const Matrix &x, const Matrix &y, const CrOptions &options,
                                   Progress *progress = nullptr);

} // namespace factorscope::core
