// SPDX-License-Identifier: MIT
#pragma once

#include "progress.h"
#include "types.h"

#include <memory>

namespace factorscope::core {

/// The Moore–Penrose pseudo-inverse of M (n×m) and its ridge path, from one thin SVD
/// M = U·diag(σ)·Vᵀ (U n×k, V m×k, k = min(n, m), σ descending; LAPACK dgesdd):
///   M⁺_τ  = V·diag(1/σ_i if σ_i > τ, else 0)·Uᵀ                  (m×n; τ the tolerance),
///   X(ε) = (MᵀM + εI)⁻¹Mᵀ = V·diag(σ_i/(σ_i² + ε))·Uᵀ              (ε > 0, the ridge solution).
/// σ_i/(σ_i² + ε) are the filter factors: → 1/σ_i as ε → 0 for σ_i > 0 and 0 for σ_i = 0, so
/// X(ε) → M⁺ (the limit definition); ‖X(ε) − M⁺_τ‖²_F = Σ_{σ_i > τ} (ε/(σ_i(σ_i² + ε)))² +
/// Σ_{0 < σ_i ≤ τ} (σ_i/(σ_i² + ε))². The first sum shrinks like ε² as ε → 0, the second (the
/// σ_i the tolerance drops, e.g. rounding noise of a rank-deficient M) grows like (σ_i/ε)² until
/// ε ~ σ_i²: on a computed rank-deficient matrix the ridge path turns away from M⁺_τ once
/// ε² ≲ σ_dropped·σ_kept³ and heads for the τ = 0 pseudo-inverse, which inverts the noise.
/// M⁺ at τ = 0 is the exact pseudo-inverse of the computed SVD; the default tolerance
/// max(n, m)·ε_mach·σ₁ treats what rounding cannot tell from zero as zero (numpy's and LAPACK's
/// convention). The four Penrose conditions MXM = M, XMX = X, (MX)ᵀ = MX, (XM)ᵀ = XM hold for
/// X = M⁺_τ up to rounding when no σ_i sits close to τ (penroseResiduals()). Each product is
/// O(nm·rank). Reference: algorithms.md §1, §8.1; Su Jianlin, "低秩近似之路（一）：伪逆" (2024);
/// Golub & Van Loan, Matrix Computations, §5.5.
///
/// Immutable after construction; every const member is safe to call from several threads.
class PseudoInverse
{
public:
    Index rows() const { return m_u.rows(); }
    Index cols() const { return m_v.rows(); }
    /// σ, descending, k = min(n, m) values.
    const Vector &singularValues() const { return m_sigma; }
    const Matrix &u() const { return m_u; }
    const Matrix &v() const { return m_v; }
    /// max(n, m)·ε_mach·σ₁ (0 for an empty or zero matrix).
    double defaultTolerance() const;
    /// Number of σ_i above the tolerance: the rank of M⁺_τ.
    Index rankAbove(double tolerance) const;
    /// M⁺_τ (m×n). Throws std::invalid_argument for a negative or NaN tolerance.
    Matrix pinv(double tolerance) const;
    /// X(ε) (m×n). Throws std::invalid_argument unless ε > 0 and finite.
    Matrix ridge(double epsilon) const;
    /// σ_i/(σ_i² + ε), i < k (same checks as ridge()).
    Vector filterFactors(double epsilon) const;
    /// 1/σ_i, i < k (+∞ where σ_i = 0): the spectrum M⁺ inverts, before any cut-off.
    Vector reciprocalSpectrum() const;
    /// ‖X(ε) − M⁺_τ‖_F from σ alone (the formula in the class note), O(k).
    double ridgeDistance(double epsilon, double tolerance) const;

private:
    friend std::unique_ptr<PseudoInverse> computePseudoInverse(const Matrix &, Progress *);
    PseudoInverse() = default;
    /// V·diag(d)·Uᵀ over the i with d_i ≠ 0.
    Matrix assemble(const Vector &d) const;
    Matrix m_u, m_v;
    Vector m_sigma;
};

/// The thin SVD of m, ready for pinv() and ridge() at any tolerance or ε. Throws
/// std::runtime_error if the SVD does not converge, Cancelled if progress asks to stop.
std::unique_ptr<PseudoInverse> computePseudoInverse(const Matrix &m, Progress *progress = nullptr);

/// The residuals of the four Penrose conditions for a candidate X (m×n) of M (n×m), Frobenius norms.
struct PenroseResiduals
{
    double mxm = 0.0;        ///< ‖MXM − M‖_F
    double xmx = 0.0;        ///< ‖XMX − X‖_F
    double mxSymmetry = 0.0; ///< ‖(MX)ᵀ − MX‖_F
    double xmSymmetry = 0.0; ///< ‖(XM)ᵀ − XM‖_F
};
/// O(nm·min(n, m)) (four products). Throws std::invalid_argument if the shapes do not fit.
PenroseResiduals penroseResiduals(const Matrix &m, const Matrix &x);

/// The pseudo-inverse of a small matrix a with the tolerance `tolerance` (σ ≤ tolerance dropped;
/// a negative value means the default max(n, m)·ε_mach·σ₁), for CUR's cross middle. The tolerance
/// used and the number of σ kept are returned through the optional pointers.
Matrix pseudoInverse(const Matrix &a, double tolerance, double *usedTolerance = nullptr,
                     Index *rank = nullptr);

} // namespace factorscope::core
