// SPDX-License-Identifier: MIT
#pragma once

#include "curve.h"
#include "model.h"
#include "progress.h"
#include "types.h"

#include <optional>
#include <vector>

namespace factorscope::core {

/// What the "target" control aims at (issue 4 §2), for one method's models.
enum class TargetKind {
    RelErrFro,     ///< smallest rank with ‖M − M̃_r‖_F / ‖M‖_F ≤ target (all channels together)
    PsnrDb,        ///< smallest rank with psnr(displayed original, clamped M̃_r) ≥ target dB
    Ssim,          ///< smallest rank with ssim(displayed original, clamped M̃_r) ≥ target
    StoredNumbers, ///< LARGEST rank whose stored numbers (all channels) are ≤ the budget
};

/// The models of one method (one trial) and what the metrics need.
struct TargetProblem
{
    /// One model per channel, all n×m; rel err and stored numbers only need errFro2() and
    /// storedParams(), PSNR and SSIM need models that can reconstruct.
    std::vector<const ChannelModel *> models;
    /// Σ_c ‖M_c‖²_F (squaredNorm(channels)), the denominator of RelErrFro; 0 means the zero
    /// matrix, whose relative error is 0 at every rank (design.md, Metrics).
    double inputNorm2 = 0.0;
    /// PsnrDb and Ssim: the colour mode and the displayed original planes (as for the curve's
    /// psnr_db: M̃'s channels go through channelsToDisplay() and are clamped to [0, 1]).
    std::optional<ImageContext> image;
    /// Empty: every channel at the searched rank (gray, rgb, ycbcr with one rank). Otherwise one
    /// entry per channel: a fixed rank, or std::nullopt for a channel that follows the search
    /// (ycbcr: {nullopt, c, c} searches the luma rank with the chroma rank c fixed;
    /// {y, nullopt, nullopt} the chroma rank with the luma rank y fixed).
    std::vector<std::optional<Index>> fixedRanks;
};

/// Ranks of every channel when the search is at `rank` (fixed ones kept, each clamped to its
/// model's maxRank()).
std::vector<Index> targetChannelRanks(const TargetProblem &problem, Index rank);

/// Largest searchable rank: min of maxRank() over the channels that follow the search.
Index targetMaxRank(const TargetProblem &problem);

/// The rank the target control picks, over ranks 0..targetMaxRank(problem), or std::nullopt when
/// no rank reaches the target.
///
/// - RelErrFro and StoredNumbers: exact, a scan of the closed forms errFro2() and storedParams()
///   over every rank (O(maxRank) model calls, no reconstruction). The scan, not a bisection,
///   because a CR model's realised error is not monotone in r (each rank is a new 1/r rescaling
///   of its draws); for SVD, rSVD, ID and Monarch it is, and the scan returns the same rank.
///   StoredNumbers returns the largest rank within the budget (stored numbers grow with r for
///   every method).
/// - PsnrDb and Ssim: from reconstructions at FULL resolution (values as exported, not the
///   display averages), searched by doubling then bisection: r = 0, 1, 2, 4, … until a rank
///   reaches the target, then bisection between the last rank that did not and the first that
///   did. Reconstructions are moved up incrementally with ChannelModel::advance() from the
///   last failing rank, so the whole search costs about two full reconstructions at the answer
///   plus O(log r) metric evaluations (SSIM: Gaussian filtering of every plane).
///   PSNR and SSIM are NOT strictly monotone in the rank (clamping to [0, 1], and for SSIM the
///   local statistics, can dip by a little when a term is added; CR is random): the result is
///   the smallest rank found by this search whose value was computed and verified to reach the
///   target, with the rank below it verified not to; it equals the first rank of the curve
///   meeting the target whenever the metric never falls back below the target after first
///   reaching it (tested against a brute-force scan). nullopt when the largest rank does not
///   reach it.
///
/// Throws std::invalid_argument for no model, a size mismatch in fixedRanks, a negative fixed
/// rank, or PsnrDb / Ssim without an image context or with models that cannot reconstruct.
/// Throws Cancelled if progress asks to stop (checked between probes).
std::optional<Index> rankForTarget(const TargetProblem &problem, TargetKind kind, double target,
                                   Progress *progress = nullptr);

} // namespace factorscope::core
