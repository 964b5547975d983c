// SPDX-License-Identifier: MIT
#pragma once

#include "color.h"
#include "curve.h"
#include "model.h"
#include "types.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace factorscope::core {

namespace detail {
template<typename Scalar>
class DisplayChannel; ///< per-method state of one channel (preview.cpp)
} // namespace detail

/// A displayed channel: o_r×o_c, ROW-major like the pixels it becomes, so that the 8-bit
/// conversion streams through memory (writePixels()).
template<typename Scalar>
using DisplayPlane = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Rebuilds reconstructions at DISPLAY resolution from cached factors, never forming the full
/// n×m matrix, and moves between ranks incrementally (design.md, Speed; issue 4 §1).
///
/// **Identity.** With W (o_r×n) and W' (o_c×m) the area-averaging operators of
/// reduceForDisplay() (o_r = min(outRows, n), o_c = min(outCols, m); see rowAveragingOperator()),
/// the displayed matrix of a rank-r approximation M̃_r = Σ_{t<T(r)} a_t·b_tᵀ is
///     D_r = W·M̃_r·W'ᵀ = Σ_{t<T(r)} (W·a_t)·(W'·b_t)ᵀ,
/// because averaging is linear. The averaged factors W·a_t (o_r) and W'·b_t (o_c) are computed
/// once, in O((n + m)·T) for the largest rank kept; moving from rank r to r' then adds or
/// subtracts only the |T(r') − T(r)| terms in between, one GEMM (OpenBLAS) of
/// o_r×o_c×|ΔT| per channel, instead of O(n·m·r) for a full reconstruction plus O(n·m) to average it.
/// Equal to reduceForDisplay(model.reconstruct(r)).values up to rounding (tested to 1e-12
/// relative in double precision, over moves up and down).
///
/// **Terms per method** (a_t, b_t as above):
/// - SVD, randomized SVD: a_t = σ_t·u_t, b_t = v_t; T(r) = r.
/// - ID: a_t = Q[:, t], b_t = (RΠᵀ)[t, :]ᵀ (column ID; swapped for a row ID), the nested sum
///   reconstruct() uses (equal to C·Z, IdModel); T(r) = r.
/// - CR: the draws s_0, s_1, …: D_r = c_r·Σ_{t<r} d_t·(W·x_{s_t})·(W'·y_{s_t})ᵀ with
///   d_t = 1/p_{s_t}, c_r = 1/r for the sampled rules (λ_i = count_i/(r·p_i) summed draw by draw),
///   d_t = c_r = 1 for Top. The unscaled sum is kept and the output rescaled by c_r, so CR too is
///   incremental (one extra o_r×o_c pass for the sampled rules). M·I and I·M use that W'·e_i (or
///   W·e_i) has one or two non-zeros: a draw costs O(o_r) (or O(o_c)), no GEMM.
/// - Monarch (b blocks, block rank ρ): M̃_ρ = Σ_{k,j} Σ_{t<ρ} P_j·u_t^{kj}·(Q_k·v_t^{kj})ᵀ, where
///   P_j scatters a slice column onto the strided rows l·b + j and Q_k onto the contiguous
///   columns of block k. W'·Q_k·v_t^{kj} is non-zero only on the o_c/b + 2 output columns that
///   overlap block k, so H_ρ = M̃_ρ·W'ᵀ (n×o_c, exact; stored transposed, rows in slice order) is updated per
///   slice by GEMMs of Lo×|Δρ|×(o_c/b + 2), O(n·o_c·|Δρ|) in all, and D_ρ = W·H_ρ is one
///   O(n·o_c) averaging pass per update. Exact (no dense fallback); padding is never formed.
///
/// **Accuracy of moves.** Going down subtracts terms; rounding then accumulates like
/// O(k·ε·‖terms‖) after k subtractions, so a channel is rebuilt from scratch (exactly, with the
/// first T(r') terms) when that is no dearer (T(r') ≤ |ΔT|) or after 1024 incremental moves.
///
/// **Precision.** BasicDisplayRebuilder<double> (DisplayRebuilder) for tests, read-outs and
/// anything compared with full-resolution numbers; BasicDisplayRebuilder<float>
/// (FastDisplayRebuilder) for the screen: half the memory traffic, error ~1e-6 relative, far
/// below one 8-bit step.
///
/// Ranks above a channel's maxRank() are clamped to it, as the models' reconstruct() does.
/// Not thread-safe (at() mutates the cached planes); the models are shared read-only, so separate
/// rebuilders may run on separate threads. Memory: (o_r + o_c)·T averaged factor entries and one
/// o_r×o_c plane per channel (Monarch: plus n×o_c; CR sampled: plus o_r×o_c).
template<typename Scalar>
class BasicDisplayRebuilder
{
public:
    using Plane = DisplayPlane<Scalar>;

    /// Averages the factors of `channels` (one model per channel, all n×m, all of `method`) for
    /// an outRows×outCols display. maxRank > 0 keeps only the terms up to that rank (less
    /// memory and set-up time when the slider stops there); 0 keeps every rank of the models.
    /// Throws std::invalid_argument for no channel, a null model, models of different shapes, a
    /// model that is not of `method`'s class, a model that cannot reconstruct, outRows or outCols
    /// below 1, or a negative maxRank. Cost O((n + m)·T) per channel (CR M·I / I·M: O(n·m)).
    BasicDisplayRebuilder(std::vector<std::shared_ptr<const ChannelModel>> channels, Method method,
                          Index outRows, Index outCols, Index maxRank = 0);
    ~BasicDisplayRebuilder();
    BasicDisplayRebuilder(BasicDisplayRebuilder &&) noexcept;
    BasicDisplayRebuilder &operator=(BasicDisplayRebuilder &&) noexcept;
    BasicDisplayRebuilder(const BasicDisplayRebuilder &) = delete;
    BasicDisplayRebuilder &operator=(const BasicDisplayRebuilder &) = delete;

    /// Display size o_r = min(outRows, n), o_c = min(outCols, m).
    Index rows() const { return m_rows; }
    Index cols() const { return m_cols; }
    Index channelCount() const { return Index(m_planes.size()); }
    /// Largest rank of a channel (min of the model's maxRank() and the constructor's maxRank).
    Index maxRank(Index channel) const;
    /// Smallest maxRank(c) over the channels.
    Index maxRank() const;
    /// Rank currently held by each channel (−1 before the first at() or atRanks()).
    const std::vector<Index> &ranks() const { return m_ranks; }

    /// Every channel at `rank` (clamped to each channel's maxRank()); o_r×o_c row-major planes,
    /// one per channel, in the models' channel space (Y, Cb, Cr for ycbcr; see writePixels();
    /// Matrix(plane) gives the column-major copy channelsToDisplay() takes).
    /// Throws std::invalid_argument for a negative rank. The reference stays valid until the
    /// next call.
    const std::vector<Plane> &at(Index rank);
    /// Channel c at perChannelRanks[c] (ycbcr: luma rank for channel 0, chroma rank for 1 and 2).
    /// Throws std::invalid_argument if the size differs from channelCount() or a rank is negative.
    const std::vector<Plane> &atRanks(const std::vector<Index> &perChannelRanks);

private:
    Index m_rows = 0, m_cols = 0;
    std::vector<std::unique_ptr<detail::DisplayChannel<Scalar>>> m_channels;
    std::vector<Plane> m_planes;
    std::vector<Index> m_ranks;
};

using DisplayRebuilder = BasicDisplayRebuilder<double>;
using FastDisplayRebuilder = BasicDisplayRebuilder<float>;

extern template class BasicDisplayRebuilder<double>;
extern template class BasicDisplayRebuilder<float>;

/// Memory layout of the pixels writePixels() fills.
enum class PixelFormat {
    Rgb888, ///< 3 bytes R, G, B per pixel (QImage::Format_RGB888)
    Rgb32,  ///< one native-endian 32-bit word 0xFFRRGGBB per pixel (QImage::Format_RGB32)
};

/// Converts displayed channels to 8-bit pixels in one pass, the last step of a slider update:
/// channel space → RGB (as channelsToDisplay(): ycbcr by the exact inverse of JPEG's forward
/// matrix applied to (Y, Cb, Cr), chroma centred on zero; one channel is grey, R = G = B), then
/// round(255·clamp(v, 0, 1)), halves rounded up, as app::planesToImage. `bits` points at row 0;
/// row y starts at bits + y·bytesPerLine (the padding after each row is left alone). One
/// streaming pass over row-major planes and pixel rows, O(o_r·o_c).
/// Throws std::invalid_argument for a channel count other than 1 or 3 or planes of different
/// sizes.
template<typename Scalar>
void writePixels(const std::vector<DisplayPlane<Scalar>> &channels, ColorMode mode,
                 PixelFormat format, std::uint8_t *bits, Index bytesPerLine);

extern template void writePixels<double>(const std::vector<DisplayPlane<double>> &, ColorMode,
                                         PixelFormat, std::uint8_t *, Index);
extern template void writePixels<float>(const std::vector<DisplayPlane<float>> &, ColorMode,
                                        PixelFormat, std::uint8_t *, Index);

} // namespace factorscope::core
