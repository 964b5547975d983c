// SPDX-License-Identifier: MIT
// What the interactive benchmarks share: the photo they open, the drag they do, their statistics.
#pragma once

#include "core/types.h"

#include <QImage>

#include <chrono>
#include <vector>

namespace factorscope::bench {

using Clock = std::chrono::steady_clock;

constexpr int kWidth = 4000, kHeight = 3000;

double msSince(Clock::time_point t0);
/// Nearest rank: the smallest value with at least p % of the samples at or below it.
double percentile(std::vector<double> v, double p);
double median(std::vector<double> v);

/// A deterministic kWidth×kHeight photo-like picture: a sky-to-ground gradient, soft light,
/// hard-edged shapes (discs, a horizon, bars), fine texture (grass-like stripes, a checker on one
/// object) and sensor-like noise. Its spectrum decays slowly, as a real photo's does.
QImage photoLikeImage();

/// Ranks 1 → top → 1 in steps of 1–3 (deterministic).
std::vector<core::Index> dragPath(core::Index top);

/// "  label  N updates: median …, p95 …, max …  (targets 16 / 33 ms)".
void printDrag(const char *label, const std::vector<double> &t);

/// bench_slider --gui (bench_gui.cpp): the same measurements in the program's main window.
int runGuiBench(int argc, char **argv);

} // namespace factorscope::bench
