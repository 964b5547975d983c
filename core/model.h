// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <optional>
#include <string>

namespace factorscope::core {

/// One factorisation of one channel (an n×m matrix M), able to give its error and its
/// reconstruction M̃_r at every rank it supports, without factorising again.
///
/// "Rank" is the method's own knob: r for SVD, randomized SVD, ID and CR; the block rank ρ for
/// Monarch. Every method implements errFro2() in closed form from its factors (σ tails, trailing
/// norms of R, slice singular values, CR Gram matrices); tests check it against
/// ‖M − reconstruct(r)‖²_F.
class ChannelModel
{
public:
    virtual ~ChannelModel() = default;

    /// Rows and columns of M.
    virtual Index rows() const = 0;
    virtual Index cols() const = 0;
    /// Largest rank the model can rebuild (ranks 0..maxRank() are valid).
    virtual Index maxRank() const = 0;
    /// ‖M − M̃_r‖²_F, from the factors (no reconstruction).
    virtual double errFro2(Index rank) const = 0;
    /// ‖M − M̃_r‖₂ when the factorisation gives it exactly (SVD: σ_{r+1}); otherwise empty.
    virtual std::optional<double> errSpecExact(Index rank) const
    {
        (void)rank;
        return std::nullopt;
    }
    /// Numbers stored for rank r of this channel (design.md, "Methods and their parameters").
    virtual double storedParams(Index rank) const = 0;
    /// False when the model was computed for its error curve only (singular values without
    /// vectors); reconstruct() and advance() must not be called then.
    virtual bool canReconstruct() const { return true; }
    /// M̃_r as a dense n×m matrix.
    virtual Matrix reconstruct(Index rank) const = 0;
    /// Moves `acc`, which holds M̃_from, to M̃_to. Methods whose reconstructions are nested sums
    /// (SVD, ID, Monarch) override this to add only the new terms, so a curve over many ranks
    /// costs about one full reconstruction.
    virtual void advance(Matrix &acc, Index from, Index to) const
    {
        (void)from;
        acc = reconstruct(to);
    }
};

} // namespace factorscope::core
