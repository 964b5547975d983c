// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"
#include "selectors.h"

#include <cstdint>
#include <memory>

namespace factorscope::core {

/// The middle matrix U of a CUR approximation M ≈ C·U·R (algorithms.md §5).
enum class CurMiddle {
    Optimal, ///< "optimal": U = C⁺·M·R⁺, the best U for the chosen C and R in the Frobenius norm
    Cross,   ///< "cross": U = (M[S₂, S₁])⁺_τ, the pseudo-inverse of the intersection (skeleton)
};

std::string curMiddleName(CurMiddle middle); ///< "optimal", "cross"
std::optional<CurMiddle> parseCurMiddle(const std::string &name);

struct CurOptions
{
    SelectorOptions selection; ///< how S₁ (columns) and S₂ (rows) are chosen
    CurMiddle middle = CurMiddle::Optimal;
    /// Largest number of columns r (0 = min(n, m)); the model serves every r up to it.
    Index rank = 0;
    /// l, the number of rows: 0 = l = r at every rank; else this many rows at every rank r ≥ 1.
    Index rowCount = 0;
    /// Cross middle: singular values of the intersection at or below this are treated as zero.
    /// A negative value (the default) means max(r, l)·ε·σ₁(M[S₂, S₁]) at each rank.
    double crossTolerance = -1.0;
    /// false: the error curve only (reconstruct(), advance() and the factors unavailable).
    bool reconstruction = true;
};

/// CUR approximation M ≈ C·U·R with C = M[:, S₁[:r]] (n×r), R = M[S₂[:l], :] (l×m) and U (r×l)
/// the optimal middle C⁺MR⁺ or the cross middle (M[S₂, S₁])⁺ (Su Jianlin, "低秩近似之路（五）：
/// CUR", 2024; Mahoney & Drineas, PNAS 106(3), 2009; Sorensen & Embree, SIAM J. Sci. Comput.
/// 38(3), 2016). Selections are nested (core/selectors.h), so one selection of r_max columns and
/// l_max rows serves every rank: rank r uses the first r columns and the first l(r) rows, with
/// l(r) = r, or the fixed rowCount.
///
/// Error curve without rebuilding C·U·R per rank. Let Q_C (n×r_max) and Q_R (m×l_max) be the
/// nested orthonormal bases of the chosen columns and of the chosen rows (core/nestedprojection:
/// Gram–Schmidt in selection order, so the first r columns of Q_C span C_r; a chosen column that
/// adds no direction gets a zero column), Y = Q_CᵀM and B = Y·Q_R. Optimal middle: C·U·R =
/// P_C·M·P_R = Q_C·B[:r, :l]·Q_R[:, :l]ᵀ and, by Pythagoras,
///   ‖M − C·U·R‖²_F = ‖(I − P_C)M‖²_F + ‖Y[:r, :]·(I − P_R)‖²_F,
/// the first from the explicit residual of the column projection at every r (O(nm) per column),
/// the second from Y·(I − P_R) updated one row-basis vector at a time (O(r_max·m) per row): every
/// term is a sum of squares, nothing is subtracted. Cross middle: with T = Q_CᵀC = Y[:, S₁] and
/// S = R·Q_R, C·U·R = Q_C·T·U·S·Q_Rᵀ lies in the P_C·P_R block, orthogonal to M − P_C·M·P_R, so
///   ‖M − C·U_cross·R‖²_F = ‖M − C·U_opt·R‖²_F + ‖B[:r, :l] − T[:r, :r]·U·S[:l, :l]‖²_F,
/// an r×l computation per rank (plus the SVD of the l×r intersection for U): `optimal` is never
/// worse than `cross`, and equal exactly when T·U·S reproduces B. When a chosen column or row adds
/// no direction that identity needs C = Q_C·T exactly, so such a rank is measured directly
/// instead (O(nm·r)). Costs: selection (core/selectors), O(nm·r_max) for the column projection,
/// O(m·r_max·l_max) for the rows, cross O(Σ_r r·l·(r + l)).
///
/// Cross middle and exact recovery: with l = r and an invertible intersection W = M[S₂, S₁],
/// C·W⁻¹·R reproduces the chosen columns and rows exactly (C·W⁻¹·W = C, W·W⁻¹·R = R); with an
/// ill-conditioned W, U = W⁺ is large and the error can exceed ‖M‖ (crossTolerance() and
/// intersectionSingularValues() show why). A matrix of exact rank r is recovered exactly by both
/// middles when the chosen columns and rows span its column and row spaces (e.g. `qr`).
///
/// Stored numbers n·r + r·l + l·m (C, U, R; the indices are implied by C and R).
/// Immutable after construction; every const member is safe to call from several threads.
class CurModel final : public ChannelModel
{
public:
    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    /// r_max: options.rank clamped to min(n, m) (0 = min(n, m)).
    Index maxRank() const override { return Index(m_columnIndices.size()); }
    /// ‖M − C·U·R‖²_F of the model's middle, from the projections (see the class note); O(1).
    double errFro2(Index rank) const override;
    /// n·r + r·l + l·m with l = rowCount(r).
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_canReconstruct; }
    /// C·U·R (n×m). Optimal: Q_C[:, :r]·B[:r, :l]·Q_R[:, :l]ᵀ, O(nm·r). Cross: C·(W⁺·R).
    Matrix reconstruct(Index rank) const override;
    /// Optimal middle: adds only the new blocks of Q_C·B·Q_Rᵀ (one or two GEMMs); cross: rebuilds.
    void advance(Matrix &acc, Index from, Index to) const override;

    /// ‖M − C·U_opt·R‖²_F at rank r, whatever the model's middle.
    double optimalErrFro2(Index rank) const;
    /// l(r): the number of rows at rank r (0 at r = 0).
    Index rowCount(Index rank) const;
    /// options.rowCount: the fixed l, or 0 when l = r.
    Index fixedRowCount() const { return m_fixedRows; }
    /// S₁ and S₂ in selection order (r_max columns, l_max rows); rank r uses the first r and l(r).
    const IndexList &columnSequence() const { return m_columnIndices; }
    const IndexList &rowSequence() const { return m_rowIndices; }
    IndexList columnsAt(Index rank) const;
    IndexList rowsAt(Index rank) const;
    /// C = M[:, S₁[:r]] (n×r).
    Matrix columnFactor(Index rank) const;
    /// R = M[S₂[:l], :] (l×m).
    Matrix rowFactor(Index rank) const;
    /// U (r×l) of the model's middle: C⁺MR⁺ (computed as T⁺·B·S⁺, the same matrix), or W⁺_τ.
    Matrix middleFactor(Index rank) const;
    /// W = M[S₂[:l], S₁[:r]] (l×r), the intersection.
    Matrix intersection(Index rank) const;
    /// σ of the intersection at rank r (min(r, l) values, descending).
    Vector intersectionSingularValues(Index rank) const;
    /// The tolerance τ the cross middle uses at rank r (the given one, or max(r, l)·ε·σ₁(W)),
    /// and how many σ of W it keeps.
    double crossTolerance(Index rank) const;
    Index crossRank(Index rank) const;
    CurMiddle middle() const { return m_middle; }
    Selector selector() const { return m_selector; }
    /// Q_C (n×r_max) and Q_R (m×l_max): the nested orthonormal bases (zero columns where a chosen
    /// column or row added no direction), and B = Q_CᵀMQ_R (r_max×l_max), so that the optimal
    /// M̃_r = Q_C[:, :r]·B[:r, :l]·Q_R[:, :l]ᵀ (the nested form core/preview uses).
    const Matrix &columnBasis() const { return m_qc; }
    const Matrix &rowBasis() const { return m_qr; }
    const Matrix &projectedCore() const { return m_b; }

private:
    friend std::unique_ptr<CurModel> computeCur(const Matrix &, const CurOptions &, Progress *);
    CurModel() = default;
    void checkReconstruct(const char *what) const;

    Index m_rows = 0, m_cols = 0;
    CurMiddle m_middle = CurMiddle::Optimal;
    Selector m_selector = Selector::PivotedQr;
    Index m_fixedRows = 0;       ///< options.rowCount (0: l = r)
    bool m_canReconstruct = false;
    IndexList m_columnIndices, m_rowIndices;
    Matrix m_c, m_r;             ///< C = M[:, S₁] (n×r_max), R = M[S₂, :] (l_max×m)
    Matrix m_qc, m_qr;           ///< Q_C (n×r_max), Q_R (m×l_max)
    Matrix m_b;                  ///< B = Q_CᵀM·Q_R (r_max×l_max)
    Matrix m_t, m_s;             ///< T = Q_CᵀC (r_max×r_max), S = R·Q_R (l_max×l_max)
    Vector m_optimal2, m_cross2; ///< errors at r = 0..r_max (m_cross2 only for the cross middle)
    Vector m_crossTolerance;     ///< τ at r = 0..r_max (cross middle)
    std::vector<Index> m_crossRank;
};

/// CUR of m (n×m) per options. Throws std::invalid_argument for a negative rank, a row count above
/// n, a NaN tolerance or a selector error (core/selectors.h), std::runtime_error if an SVD fails,
/// Cancelled if progress asks to stop.
std::unique_ptr<CurModel> computeCur(const Matrix &m, const CurOptions &options, Progress *progress = nullptr);

} // namespace factorscope::core
