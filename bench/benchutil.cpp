// SPDX-License-Identifier: MIT
#include "benchutil.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace factorscope::bench {

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    const std::size_t rank = std::size_t(std::ceil(p / 100.0 * double(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

QImage photoLikeImage()
{
    QImage img(kWidth, kHeight, QImage::Format_RGB888);
    std::mt19937 rng(12345);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    const double horizon = 0.58 * kHeight;
    for (int y = 0; y < kHeight; ++y) {
        uchar *line = img.scanLine(y);
        const double fy = double(y) / kHeight;
        for (int x = 0; x < kWidth; ++x) {
            const double fx = double(x) / kWidth;
            const double ground = horizon + 120.0 * std::sin(0.0016 * x) + 40.0 * std::sin(0.011 * x);
            double r, g, b;
            if (y < ground) { // sky: gradient with a soft sun
                const double sun = std::exp(-((fx - 0.72) * (fx - 0.72) + (fy - 0.2) * (fy - 0.2)) / 0.004);
                r = 0.35 + 0.35 * fy + 0.6 * sun;
                g = 0.55 + 0.25 * fy + 0.5 * sun;
                b = 0.95 - 0.25 * fy + 0.2 * sun;
            } else { // ground: grass texture
                const double t = 0.5 + 0.5 * std::sin(0.9 * x + 3.0 * std::sin(0.05 * y));
                r = 0.20 + 0.10 * t + 0.15 * (fy - 0.58);
                g = 0.45 + 0.20 * t - 0.10 * (fy - 0.58);
                b = 0.12 + 0.05 * t;
            }
            // A house: a wall with a checker texture and a dark door, hard edges.
            if (x > 600 && x < 1500 && y > 1300 && y < 2100) {
                const bool check = ((x / 24) + (y / 24)) % 2 == 0;
                r = check ? 0.78 : 0.70;
                g = check ? 0.62 : 0.55;
                b = check ? 0.48 : 0.42;
                if (x > 950 && x < 1150 && y > 1650)
                    r = g = b = 0.12;
            }
            // Discs: a red ball and a shadowed tree crown.
            const double d1 = std::hypot(x - 2900.0, y - 2350.0);
            if (d1 < 260.0) {
                const double shade = 0.55 + 0.45 * (1.0 - d1 / 260.0);
                r = 0.85 * shade;
                g = 0.12 * shade;
                b = 0.10 * shade;
            }
            const double d2 = std::hypot(x - 3400.0, y - 1200.0);
            if (d2 < 520.0) {
                const double leaves = 0.5 + 0.5 * std::sin(0.15 * x) * std::cos(0.13 * y);
                r = 0.10 + 0.08 * leaves;
                g = 0.32 + 0.25 * leaves;
                b = 0.10 + 0.05 * leaves;
            }
            // Fence: thin vertical bars.
            if (y > 2450 && y < 2750 && (x % 70) < 12)
                r = g = b = 0.92;
            const double n = 0.025 * noise(rng);
            line[3 * x] = uchar(std::lround(std::clamp(r + n, 0.0, 1.0) * 255.0));
            line[3 * x + 1] = uchar(std::lround(std::clamp(g + n, 0.0, 1.0) * 255.0));
            line[3 * x + 2] = uchar(std::lround(std::clamp(b + n, 0.0, 1.0) * 255.0));
        }
    }
    return img;
}

std::vector<core::Index> dragPath(core::Index top)
{
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> step(1, 3);
    std::vector<core::Index> path;
    for (core::Index r = 1; r < top; r = std::min<core::Index>(top, r + step(rng)))
        path.push_back(r);
    for (core::Index r = top; r > 1; r = std::max<core::Index>(1, r - step(rng)))
        path.push_back(r);
    path.push_back(1);
    return path;
}

void printDrag(const char *label, const std::vector<double> &t)
{
    std::printf("  %-28s %4zu updates: median %6.2f ms, p95 %6.2f ms, max %6.2f ms  "
                "(targets 16 / 33 ms)\n",
                label, t.size(), median(t), percentile(t, 95.0), *std::max_element(t.begin(), t.end()));
}

} // namespace factorscope::bench
