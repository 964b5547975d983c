// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <cstdint>
#include <vector>

namespace factorscope::core {

/// Σ over channels of ‖M_c‖²_F.
double squaredNorm(const std::vector<Matrix> &channels);

/// ‖M − M̃‖_F / ‖M‖_F over all channels together (square root of the summed squares);
/// 0 for the zero matrix by definition.
double relErrFro(const std::vector<Matrix> &original, const std::vector<Matrix> &approx);

/// Peak signal-to-noise ratio in dB of values in [0, 1]: the approximation is clamped to [0, 1]
/// as displayed, then 10·log10(1 / MSE) over every value of every channel. +inf when equal.
double psnr(const std::vector<Matrix> &original, const std::vector<Matrix> &approx);
/// MSE after clamping approx to [0, 1] (the quantity behind psnr()).
double clampedMse(const std::vector<Matrix> &original, const std::vector<Matrix> &approx);
double psnrFromMse(double mse);

/// Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) with a Gaussian window
/// (σ = 1.5, truncated at 3.5σ: 11×11), K1 = 0.01, K2 = 0.03, data range 1, population
/// covariances, 'reflect' borders, mean over the interior (5 pixels cropped each side), as
/// scikit-image's structural_similarity(gaussian_weights=True, use_sample_covariance=False).
/// The approximation is clamped to [0, 1]. Several channels: the mean of the channel SSIMs.
double ssim(const std::vector<Matrix> &original, const std::vector<Matrix> &approx);
double ssim(const Matrix &original, const Matrix &approx);

/// Estimate of ‖E‖₂ by power iteration on EᵀE from a seeded Gaussian start (at most
/// `iterations` steps, stopping when σ changes by < 1e-10 relative). A lower bound that converges
/// to ‖E‖₂.
double spectralNormEstimate(const Matrix &e, int iterations = 60, std::uint64_t seed = 1);

} // namespace factorscope::core
