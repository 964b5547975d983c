// SPDX-License-Identifier: MIT
#pragma once

#include "model.h"
#include "progress.h"
#include "types.h"

#include <memory>
#include <vector>

namespace factorscope::core {

/// Parameters of the Monarch projection (algorithms.md §6.3(b), design.md "Methods").
struct MonarchOptions
{
    /// b ≥ 1: the number of blocks of both factors (J = K = b, as fly's MonarchLinear).
    /// At most max(n, m) for a non-empty matrix.
    Index blocks = 16;
    /// Largest block rank ρ kept in the factors; 0 = all (min(Lo, I)); larger values are
    /// clamped to min(Lo, I). The error curve (errFro2) always covers every ρ ≤ min(Lo, I).
    Index blockRank = 0;
    /// false: slice singular values only (error curve and maps; no factors, much faster).
    bool reconstruction = true;
};

/// Optimal Frobenius projection of one n×m channel onto the Monarch matrices with b blocks per
/// factor and block rank ρ, in fly's rectangular conventions (algorithms.md §6.3(b), §8.6).
///
/// **Shapes.** A is zero-padded to n2 = ⌈n/b⌉·b rows and m2 = ⌈m/b⌉·b columns; J = K = b,
/// Lo = n2/b (output block size), I = m2/b (input block size). Output index l·J + j
/// (l ∈ [0,Lo), j ∈ [0,J)), input index k·I + i (k ∈ [0,K), i ∈ [0,I)).
///
/// **Identity.** M̃_ρ = P_out · BD(L2) · P_mid · BD(R1), entrywise
///     M̃[l·J+j][k·I+i] = Σ_{t<ρ} L2[j][l][k·ρ+t] · R1[k][t·J+j][i],
/// with R1 = K blocks of (ρ·J)×I (applied first), L2 = J blocks of Lo×(K·ρ), P_mid = P_(Kρ,J)
/// (see permutation()) and P_out = P_(J,Lo): w[j·Lo+l] → out[l·J+j].
/// So slice (k, j), S_kj[l][i] = A[l·J+j][k·I+i] (Lo×I: rows strided by J, columns the
/// contiguous block k), is approximated independently by a matrix of rank ≤ ρ, and the optimum is
/// its truncated SVD: L2[j][:, k·ρ+t] = √σ_t·u_t, R1[k][t·J+j][:] = √σ_t·v_tᵀ, with (u_t, v_t)
/// sign-normalised so that the largest-|·| entry of u_t is positive (the first one on ties).
///
/// **Error.** ‖A − M̃_ρ‖²_F = Σ_{k,j} Σ_{t≥ρ} σ_t(S_kj)². Padded rows/columns of a slice are zero,
/// so each slice is factorised cropped (its singular values are those of the padded slice), the
/// factors are exactly zero on the padding, the reconstruction is exactly zero there, and the
/// cropped error equals the padded formula.
///
/// **Stored numbers** per channel: ρ·J·K·(I + Lo).
///
/// **Cost.** b² SVDs of Lo×I slices, O(b²·Lo·I·min(Lo,I)) = O(n·m·min(Lo,I)); no dense SVD of A.
///
/// References: T. Dao et al., "Monarch: Expressive Structured Matrices for Efficient and Accurate
/// Training", ICML 2022; Su Jianlin, kexue.fm/archives/10249; HazyResearch/fly,
/// blockdiag_butterfly_project_einsum_rank.
class MonarchModel : public ChannelModel
{
public:
    /// n and m of the original (unpadded) matrix.
    Index rows() const override { return m_rows; }
    Index cols() const override { return m_cols; }
    /// Largest ρ reconstruct() accepts: the factor rank kept (options.blockRank clamped to
    /// sliceRank()), or sliceRank() for a curve-only model.
    Index maxRank() const override;
    /// min(Lo, I): the number of singular values per slice; errFro2() is exact for every
    /// ρ ∈ [0, sliceRank()] (and 0 beyond).
    Index sliceRank() const { return m_sliceRank; }
    /// Σ over slices of the discarded σ², summed from the smallest up. O(1).
    double errFro2(Index rank) const override;
    /// For b = 1 the model is the truncated SVD of A, so ‖A − M̃_ρ‖₂ = σ_{ρ+1}; otherwise empty.
    std::optional<double> errSpecExact(Index rank) const override;
    /// ρ·J·K·(I + Lo), ρ clamped to sliceRank().
    double storedParams(Index rank) const override;
    bool canReconstruct() const override { return m_hasFactors; }
    /// M̃_ρ as a dense n×m matrix (cropped), in O(n·m·ρ). ρ above sliceRank() is clamped.
    Matrix reconstruct(Index rank) const override;
    /// acc += (M̃_to − M̃_from): adds terms from..to−1 of every slice (subtracts if to < from).
    void advance(Matrix &acc, Index from, Index to) const override;

    /// b (= J = K).
    Index blocks() const { return m_blocks; }
    /// Lo = n2 / b: rows of a slice, rows of an L2 block.
    Index outBlockSize() const { return m_lo; }
    /// I = m2 / b: columns of a slice, columns of an R1 block.
    Index inBlockSize() const { return m_in; }
    Index paddedRows() const { return m_lo * m_blocks; }
    Index paddedCols() const { return m_in * m_blocks; }
    bool isPadded() const { return paddedRows() != m_rows || paddedCols() != m_cols; }

    /// The min(Lo, I) singular values of slice (k, j) (descending; zeros where the slice is
    /// rank-deficient or lies in the padding). k = input block, j = output group.
    const Vector &sliceSingularValues(Index k, Index j) const;
    /// b×b map of the slice errors at rank ρ: entry (j, k) = Σ_{t≥ρ} σ_t² of slice (k, j)
    /// (rows j = output group, columns k = input block). Its sum is errFro2(ρ).
    Matrix sliceErrors(Index rank) const;
    /// Original row ids of the rows of slices (·, j): l·J + j for l ∈ [0,Lo) while < n.
    IndexList sliceRows(Index j) const;
    /// Original column ids of the columns of slices (k, ·): k·I + i for i ∈ [0,I) while < m.
    IndexList sliceCols(Index k) const;

    /// L2 at rank ρ: J matrices Lo×(K·ρ); column k·ρ+t of block j is √σ_t·u_t of slice (k, j).
    std::vector<Matrix> leftBlocks(Index rank) const;
    /// R1 at rank ρ: K matrices (ρ·J)×I; row t·J+j of block k is √σ_t·v_tᵀ of slice (k, j).
    std::vector<Matrix> rightBlocks(Index rank) const;
    /// The middle permutation P_mid = P_(Kρ,J) as a gather map of length K·ρ·J: entry q of the
    /// input of BD(L2) is entry perm[q] of the output of BD(R1), i.e.
    /// perm[j·(K·ρ) + k·ρ + t] = k·(ρ·J) + t·J + j. (With ρ = 1: perm[j·K + k] = k·J + j, the
    /// reshape (K, J) → transpose "perfect shuffle"; an involution when K = J.)
    std::vector<Index> permutation(Index rank = 1) const;
    /// y = M̃_ρ·x through the factors, never forming M̃: pad x to m2, apply the R1 blocks,
    /// permute, apply the L2 blocks, un-permute, crop to n. O(ρ·b²·(I + Lo)) ≈ O(ρ·b·(n2 + m2)).
    Vector apply(Index rank, const Vector &x) const;

private:
    friend std::unique_ptr<MonarchModel> computeMonarch(const Matrix &, const MonarchOptions &,
                                                        Progress *);
    MonarchModel() = default;
    /// Rank clamped to [0, sliceRank()]; throws std::invalid_argument when negative.
    Index clampRank(Index rank, const char *what) const;
    /// Clamped rank that must also be ≤ the factor rank kept; throws otherwise or without factors.
    Index factorRank(Index rank, const char *what) const;
    /// Number of original rows of slices (·, j) / columns of slices (k, ·) inside A.
    Index validRows(Index j) const;
    Index validCols(Index k) const;
    /// acc += sign · Σ_{k,j} Σ_{from ≤ t < to} (factor terms of slice (k,j)), cropped to n×m.
    void addTerms(Matrix &acc, Index from, Index to, double sign) const;

    Index m_rows = 0, m_cols = 0;
    Index m_blocks = 1;
    Index m_lo = 0, m_in = 0;
    Index m_sliceRank = 0;   ///< min(Lo, I)
    Index m_factorRank = 0;  ///< ρ kept in the factors (0 without factors)
    bool m_hasFactors = false;
    /// Singular values of slice (k, j) at index k·b + j, each of length sliceRank().
    std::vector<Vector> m_sigma;
    /// m_tail[ρ] = Σ_slices Σ_{t≥ρ} σ_t², ρ ∈ [0, sliceRank()].
    Vector m_tail;
    /// Internal, rank-major factor storage (so every rank is a prefix):
    /// m_left[j] is Lo × (m_factorRank·K), column t·K + k = √σ_t·u_t of slice (k, j);
    /// m_right[k] is I × (m_factorRank·J), column t·J + j = √σ_t·v_t of slice (k, j) (= R1[k]ᵀ).
    std::vector<Matrix> m_left;
    std::vector<Matrix> m_right;
};

/// Projects the n×m matrix `a` onto Monarch matrices with `options.blocks` blocks (see
/// MonarchModel). Slices are gathered cropped and factorised by LAPACK dgesdd with a reused
/// workspace per thread (values only when options.reconstruction is false). Beyond ~4 Mflop the
/// slices are split over hardware_concurrency() threads, the calling thread being one of them and
/// the only one that talks to `progress`; meanwhile OpenBLAS is held at one thread and restored
/// afterwards (measured faster at every slice size). Calls checkpoint(progress, ·) once per chunk
/// of slices (~32 chunks per thread); throws Cancelled after stopping and joining the workers.
/// Throws std::invalid_argument for blocks < 1, blocks > max(n, m), blockRank < 0, or a non-finite
/// entry.
std::unique_ptr<MonarchModel> computeMonarch(const Matrix &a, const MonarchOptions &options,
                                             Progress *progress = nullptr);

} // namespace factorscope::core
