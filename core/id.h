// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"
#include "selectors.h"

#include <cstdint>
#include <memory>

namespace factorscope::core {

class TruncatedPivotedQr;

/// How the skeleton columns of an interpolative decomposition are chosen (algorithms.md §4): any
/// selector of core/selectors.h. PivotedQr (Businger–Golub column-pivoted QR of M, dgeqp3) and
/// SketchPivotedQr (pivoted QR of a Gaussian sketch ΩM, Martinsson 2021) are the ID's own; the
/// others choose the columns first and the ID projects onto them (Z = C⁺M either way).
using IdSelector = Selector;

struct IdOptions
{
    IdSelector selector = IdSelector::PivotedQr;
    /// Largest rank wanted; 0 = all, min(n, m). The deterministic selector stops its pivoted QR
    /// after `rank` steps (TruncatedPivotedQr, O(nm·rank), the first pivots of dgeqp3) unless
    /// completeQr is set.
    Index rank = 0;
    /// Deterministic selector: run dgeqp3 to the end whatever the rank (its error curve then
    /// covers every rank up to min(n, m); O(nm·min(n,m))).
    bool completeQr = false;
    /// Sketch rows d = rank + oversampling, at most n (randomized selector only).
    Index oversampling = 10;
    std::uint64_t seed = 0;
    /// γ of the leverage selectors (core/selectors.h); 0 = the rank.
    Index leverageRank = 0;
    /// Row ID by transposition: M ≈ Z·C with C = M[pivots[:r], :] (r×m) and Z (n×r).
    bool rowId = false;
    /// false: the error curve only (Q is not formed; reconstruct() and advance() unavailable).
    bool reconstruction = true;
};

/// Interpolative decomposition M ≈ C·Z (column ID), C = M[:, S] the first r pivots S, Z r×m with
/// Z[:, S] = I_r and Z = C⁺M, the least-squares optimum for that skeleton.
///
/// Internally a Householder QR A·Π = Q·R of the factored matrix A (A = M for a column ID, A = Mᵀ
/// for a row ID), with Π's first r columns the skeleton. Then, with R11 = R[:r,:r], R12 = R[:r,r:]:
///   C = A[:, S] = Q[:, :r]·R11,   Z = [I_r, R11⁻¹R12]·Πᵀ,   C·Z = Q[:, :r]·R[:r, :]·Πᵀ,
///   ‖A − C·Z‖²_F = ‖R22‖²_F = Σ_{k≥r} ‖R[k, k:]‖²   (trailing row norms of R).
/// Deterministic selector: R is that of dgeqp3 (Businger–Golub pivoting). With rank k < min(n,m)
/// the QR stops after k steps (core/partialqr.h; the first k pivots and rows of R are dgeqp3's)
/// and ‖R22‖²_F is the measured norm of the unfactored trailing block; O(nm·k). With completeQr
/// (or k = min(n,m)) every rank is available from one dgeqp3; O(nm·min(n,m)). Randomized selector: the pivots come
/// from dgeqp3 of ΩA (Ω d×n Gaussian, d = rank + oversampling), then an unpivoted Householder QR
/// of A[:, pivots] (rank reflectors) gives R; O(nmd) + O(nm·rank). Reference: algorithms.md §4.2,
/// §4.3, §8.4; Martinsson, "Randomized algorithms for pivoting and for computing interpolatory
/// and CUR factorizations" (2021).
///
/// Other selectors (IdOptions::selector leverage, leverage-sample, deim, norm, norm-sample,
/// uniform; core/selectors.h): the skeleton is the selector's r columns in order, and Q, R and the
/// error tail come from Gram–Schmidt on the residuals (core/nestedprojection) instead of
/// Householder: a chosen column that adds no direction gets a zero column of Q and a zero row of
/// R (|R_kk| = 0), so ‖A − C·Z‖ = ‖(I − P_C)A‖ exactly, and Z interpolates through the columns
/// that did add a direction. O(nm·r) after the selection.
///
/// Row ID (IdOptions::rowId): the ID of Mᵀ, transposed: M ≈ Z·C with C = M[S, :] (r×m, the
/// skeleton rows) and Z (n×r) with Z[S, :] = I_r; skeleton() and interpolation() return those
/// transposed factors, rows()/cols() are M's, and storedParams() is m·r + r·(n−r) + r.
///
/// Rank-deficient A: let s be the numerical rank, the number of leading |R_kk| above
/// max(n,m)·ε·max_k|R_kk|. For r ≤ s Z is the triangular-solve formula above. For r > s the chosen
/// columns past s are (to working precision) combinations of the first s, and R11 is singular or
/// nearly so; interpolation() then keeps Z[:, S] = I_r exactly and expresses every other column
/// with the first s skeleton columns only (rows s..r−1 of Z are zero off the identity block),
/// which is a least-squares minimiser up to ‖R[s:, :]‖, i.e. up to the error at rank s. The error
/// curve and reconstruct() (from Q and R) are exact at every rank.
///
/// Immutable after construction; every const member is safe to call from several threads.
class IdModel final : public ChannelModel
{
public:
    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    /// options.rank clamped to min(n, m) (0 = min(n, m)).
    Index maxRank() const override { return m_maxRank; }
    /// ‖M − M̃_r‖²_F = Σ_{k≥r} ‖R[k, k:]‖², summed from the smallest term up; O(1). The
    /// deterministic selector knows it for every r ≤ min(n, m), even above maxRank(); ranks past
    /// what is known are clamped.
    double errFro2(Index rank) const override;
    /// n·r + r·(m−r) + r: the skeleton, the non-identity part of Z, the r indices (transposed
    /// shape for a row ID).
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_canReconstruct; }
    /// M̃_r = Q[:, :r]·R[:r, :]·Πᵀ (transposed for a row ID), O(nmr). Same matrix as C·Z.
    Matrix reconstruct(Index rank) const override;
    /// acc += Q[:, from:to]·(R[from:to, :]·Πᵀ) (transposed for a row ID): one GEMM,
    /// O(nm·(to−from)). to < from, or an acc of the wrong shape, rebuilds from rank 0.
    void advance(Matrix &acc, Index from, Index to) const override;

    /// Column order chosen by the selector, as original column ids (row ids for a row ID); the
    /// first r are the skeleton at rank r. Length m (n for a row ID); after a truncated QR the
    /// order past qrSteps() is only provisional.
    const IndexList &pivots() const { return m_pivots; }
    /// The skeleton C = M[:, pivots[:r]] (n×r); row ID: M[pivots[:r], :] (r×m).
    Matrix skeleton(Index rank) const;
    /// Z (r×m) with Z[:, pivots[:r]] = I_r exactly and Z[:, pivots[r:]] = R11⁻¹R12 (upper
    /// triangular solve, O(r²(m−r))); equals C⁺M when C has full column rank (see the class note
    /// for r above the numerical rank). Row ID: the n×r matrix with Z[pivots[:r], :] = I_r.
    Matrix interpolation(Index rank) const;
    /// max |Z_ij| at rank r (1 when r ≥ 1 and Z has no larger entry; 0 at rank 0).
    double maxAbsZ(Index rank) const;
    /// |R_kk| for every step of the QR that was made: k < min(n, m) for a complete QR, k < rank for
    /// a truncated or randomized one, for the decay plot. Non-increasing for the deterministic
    /// selector.
    Vector rDiagonal() const { return m_rDiagonal; }
    /// Numerical rank s of the factored matrix as seen by R (see the class note).
    Index numericalRank() const { return m_numericalRank; }
    bool isRowId() const { return m_rowId; }
    IdSelector selector() const { return m_selector; }
    /// Steps of the pivoted QR behind the model: min(n, m) for a complete dgeqp3, fewer for a
    /// truncated one (deterministic selector), rank for the randomized selector.
    Index qrSteps() const { return m_qrSteps; }
    /// Q[:, :maxRank()] of A·Π = Q·R (nA×maxRank, orthonormal columns; A = M, or Mᵀ for a row ID);
    /// empty for a curve-only model. With rFactorRows(): M̃_r = Q[:, :r]·(RΠᵀ)[:r, :] (column ID)
    /// or its transpose (row ID), the nested sum reconstruct() and advance() use (core/preview).
    const Matrix &qFactor() const { return m_q; }
    /// R[:k, :]·Πᵀ (k×mA, k = maxRank()): R's rows with the columns back in A's order.
    const Matrix &rFactorRows() const { return m_rUnpivoted; }

private:
    friend std::unique_ptr<IdModel> computeId(const Matrix &, const IdOptions &, Progress *);
    friend class IncrementalId;
    IdModel() = default;
    /// Fills everything from a Householder QR of A·Π held in `qr` (R in the upper part of its first
    /// `rowsOfR` rows, the first k reflectors below the diagonal), `residual` = the error no row of
    /// R accounts for, and the original A for the skeleton columns.
    void finish(const Matrix &qr, const Vector &tau, Index rowsOfR, double residual, const Matrix &a,
                bool transposed, bool reconstruction, Progress *progress);
    /// Z of the factored matrix A (r × A.cols()), before any transposition.
    Matrix interpolationOfFactor(Index rank) const;

    Index m_rows = 0, m_cols = 0; ///< shape of M (not of the factored A)
    bool m_rowId = false;
    bool m_canReconstruct = false;
    IdSelector m_selector = IdSelector::PivotedQr;
    Index m_maxRank = 0;
    Index m_numericalRank = 0;
    Index m_aRows = 0, m_aCols = 0; ///< shape of the factored matrix A = M, or Mᵀ for a row ID
    Index m_qrSteps = 0;
    Matrix m_skeleton;   ///< A[:, pivots[:maxRank]] (nA×maxRank)
    IndexList m_pivots;  ///< Π as original column ids of A
    Matrix m_rUnpivoted; ///< R[:k, :]·Πᵀ (k×mA): R's rows with columns back in A's order
    Matrix m_q;          ///< Q[:, :maxRank] (nA×maxRank); empty for a curve-only model
    Vector m_tail2;      ///< m_tail2[r] = Σ_{k≥r} ‖R[k, k:]‖², r = 0..maxRank
    Vector m_rDiagonal;  ///< |R_kk|
};

/// The deterministic (pivoted-QR) ID of one matrix, extendable: compute(m, k2) after
/// compute(m, k1) continues the pivoted QR from step k1 (TruncatedPivotedQr) instead of starting
/// over, and gives the model a single compute(m, k2) gives. Keeps a working copy of M (or Mᵀ),
/// n·m doubles, until release(): after it the next compute() starts the truncated QR again from
/// m, O(n·m·k2) instead of the increment O(n·m·(k2 − k1)), and gives the same model (the
/// program releases the copy of every channel once a result is delivered: for a 12-megapixel
/// photo that is 288 MB it would otherwise keep for an extension that may never come). Not
/// thread-safe; the models are independent values.
class IncrementalId
{
public:
    /// `reconstruction` false: the models carry no Q (error curve only, see IdOptions).
    IncrementalId(const Matrix &m, bool rowId, bool reconstruction = true);
    ~IncrementalId();
    /// The column (or row) ID of m, the same matrix as at construction, up to `rank` (0 = all).
    /// Throws Cancelled (the state stays usable), std::invalid_argument for another shape.
    std::unique_ptr<IdModel> compute(const Matrix &m, Index rank, Progress *progress = nullptr);
    /// Pivoted-QR steps made so far (0 after release()).
    Index steps() const;
    /// Frees the working copy (n·m doubles); the next compute() starts over from its matrix.
    void release();
    /// True while the working copy is held (from the first compute() until release()).
    bool holdsWorkingCopy() const { return m_qr != nullptr; }

private:
    bool m_rowId, m_reconstruction;
    Index m_rows, m_cols;
    std::unique_ptr<TruncatedPivotedQr> m_qr;
};

/// Interpolative decomposition of m (n×m) per options. Throws std::invalid_argument for a negative
/// rank or oversampling, std::runtime_error if LAPACK fails, Cancelled if progress asks to stop.
std::unique_ptr<IdModel> computeId(const Matrix &m, const IdOptions &options,
                                   Progress *progress = nullptr);

} // namespace factorscope::core
