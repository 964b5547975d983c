// SPDX-License-Identifier: MIT
#include "target.h"

#include "color.h"
#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

std::string str(Index v) { return std::to_string(static_cast<long long>(v)); }

void validate(const TargetProblem &problem)
{
    if (problem.models.empty())
        throw std::invalid_argument("rankForTarget: no channel model");
    for (const ChannelModel *model : problem.models)
        if (!model)
            throw std::invalid_argument("rankForTarget: a channel model is null");
    if (!problem.fixedRanks.empty() && problem.fixedRanks.size() != problem.models.size())
        throw std::invalid_argument("rankForTarget: " + str(Index(problem.fixedRanks.size()))
                                    + " fixed ranks for " + str(Index(problem.models.size()))
                                    + " channels");
    for (const auto &fixed : problem.fixedRanks)
        if (fixed && *fixed < 0)
            throw std::invalid_argument("rankForTarget: fixed rank " + str(*fixed) + " is negative");
}

bool follows(const TargetProblem &problem, std::size_t c)
{
    return problem.fixedRanks.empty() || !problem.fixedRanks[c].has_value();
}

/// The metric at one rank from reconstructions `acc` (channel space): PSNR or SSIM of the
/// displayed, clamped planes against the displayed original.
double imageMetric(const TargetProblem &problem, TargetKind kind, const std::vector<Matrix> &acc)
{
    const std::vector<Matrix> shown = channelsToDisplay(acc, problem.image->color);
    if (kind == TargetKind::PsnrDb)
        return psnrFromMse(clampedMse(problem.image->displayOriginal, shown));
    return ssim(problem.image->displayOriginal, shown);
}

/// Doubling + bisection over full-resolution reconstructions (see rankForTarget).
std::optional<Index> searchImageTarget(const TargetProblem &problem, TargetKind kind,
                                       double target, Progress *progress)
{
    if (!problem.image)
        throw std::invalid_argument("rankForTarget: PSNR and SSIM targets need the image context");
    for (const ChannelModel *model : problem.models)
        if (!model->canReconstruct())
            throw std::invalid_argument(
                "rankForTarget: PSNR and SSIM targets need models that can reconstruct");
    const std::size_t channels = problem.models.size();
    const Index maxRank = targetMaxRank(problem);
    const Index n = problem.models[0]->rows(), m = problem.models[0]->cols();

    // Reconstructions at the last rank known to miss the target (`lo`); fixed channels are
    // built once and never move.
    Index lo = 0;
    std::vector<Matrix> accLo(channels);
    const std::vector<Index> ranks0 = targetChannelRanks(problem, 0);
    for (std::size_t c = 0; c < channels; ++c)
        accLo[c] = follows(problem, c) ? Matrix(Matrix::Zero(n, m))
                                       : problem.models[c]->reconstruct(ranks0[c]);
    const auto reaches = [&](double value) { return value >= target; };
    if (reaches(imageMetric(problem, kind, accLo)))
        return Index(0);

    // The reconstructions at `to` (> lo), moved up from accLo.
    const auto probe = [&](Index to) {
        std::vector<Matrix> acc = accLo;
        for (std::size_t c = 0; c < channels; ++c)
            if (follows(problem, c))
                problem.models[c]->advance(acc[c], lo, to);
        return acc;
    };
    const double expectedProbes = 2.0 * std::log2(double(std::max<Index>(maxRank, 2))) + 2.0;
    int probes = 0;
    const auto report = [&] {
        ++probes;
        checkpoint(progress, std::min(0.99, double(probes) / expectedProbes));
    };

    // Doubling: 1, 2, 4, …, maxRank until a rank reaches the target.
    Index hi = -1;
    for (Index r = 1; lo < maxRank; r = std::min(maxRank, 2 * r)) {
        std::vector<Matrix> acc = probe(r);
        report();
        if (reaches(imageMetric(problem, kind, acc))) {
            hi = r;
            break;
        }
        lo = r;
        accLo = std::move(acc);
    }
    if (hi < 0)
        return std::nullopt; // even the largest rank misses it

    // Bisection: lo misses, hi reaches.
    while (hi - lo > 1) {
        const Index mid = lo + (hi - lo) / 2;
        std::vector<Matrix> acc = probe(mid);
        report();
        if (reaches(imageMetric(problem, kind, acc))) {
            hi = mid;
        } else {
            lo = mid;
            accLo = std::move(acc);
        }
    }
    checkpoint(progress, 1.0);
    return hi;
}

} // namespace

std::vector<Index> targetChannelRanks(const TargetProblem &problem, Index rank)
{
    validate(problem);
    std::vector<Index> ranks(problem.models.size());
    for (std::size_t c = 0; c < ranks.size(); ++c) {
        const Index r = follows(problem, c) ? rank : *problem.fixedRanks[c];
        ranks[c] = std::clamp<Index>(r, 0, problem.models[c]->maxRank());
    }
    return ranks;
}

Index targetMaxRank(const TargetProblem &problem)
{
    validate(problem);
    Index maxRank = -1;
    for (std::size_t c = 0; c < problem.models.size(); ++c)
        if (follows(problem, c))
            maxRank = maxRank < 0 ? problem.models[c]->maxRank()
                                  : std::min(maxRank, problem.models[c]->maxRank());
    return std::max<Index>(maxRank, 0); // every channel fixed: only "rank 0" to search
}

std::optional<Index> rankForTarget(const TargetProblem &problem, TargetKind kind, double target,
                                   Progress *progress)
{
    validate(problem);
    const Index maxRank = targetMaxRank(problem);
    switch (kind) {
    case TargetKind::RelErrFro: {
        // Scan: the first rank whose Σ_c errFro2 / ‖M‖²_F is within target², as the curve
        // computes it (square root of the summed squares).
        for (Index r = 0; r <= maxRank; ++r) {
            const std::vector<Index> ranks = targetChannelRanks(problem, r);
            double err2 = 0.0;
            for (std::size_t c = 0; c < ranks.size(); ++c)
                err2 += problem.models[c]->errFro2(ranks[c]);
            const double rel = problem.inputNorm2 > 0.0
                                   ? std::sqrt(std::max(err2, 0.0) / problem.inputNorm2)
                                   : 0.0;
            if (rel <= target)
                return r;
        }
        return std::nullopt;
    }
    case TargetKind::StoredNumbers: {
        std::optional<Index> best;
        for (Index r = 0; r <= maxRank; ++r) {
            const std::vector<Index> ranks = targetChannelRanks(problem, r);
            double stored = 0.0;
            for (std::size_t c = 0; c < ranks.size(); ++c)
                stored += problem.models[c]->storedParams(ranks[c]);
            if (stored <= target)
                best = r;
        }
        return best;
    }
    case TargetKind::PsnrDb:
    case TargetKind::Ssim:
        return searchImageTarget(problem, kind, target, progress);
    }
    return std::nullopt;
}

} // namespace factorscope::core
