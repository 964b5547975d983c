// SPDX-License-Identifier: MIT
#include "colormap.h"

#include <QCoreApplication>

#include <algorithm>
#include <array>
#include <cmath>

namespace factorscope::widgets {

namespace {

struct Stop
{
    int r, g, b;
};

// Matplotlib's viridis sampled at t = 0, 1/8, …, 1 (perceptually uniform, readable in grey).
constexpr std::array<Stop, 9> viridis{ { { 68, 1, 84 },
                                         { 71, 44, 122 },
                                         { 59, 81, 139 },
                                         { 44, 113, 142 },
                                         { 33, 144, 141 },
                                         { 39, 173, 129 },
                                         { 92, 200, 99 },
                                         { 170, 220, 50 },
                                         { 253, 231, 37 } } };

// ColorBrewer RdBu (11 classes) reversed, with a pure white centre so that 0 reads as "nothing".
constexpr std::array<Stop, 11> blueWhiteRed{ { { 5, 48, 97 },
                                               { 33, 102, 172 },
                                               { 67, 147, 195 },
                                               { 146, 197, 222 },
                                               { 209, 229, 240 },
                                               { 255, 255, 255 },
                                               { 253, 219, 199 },
                                               { 244, 165, 130 },
                                               { 214, 96, 77 },
                                               { 178, 24, 43 },
                                               { 103, 0, 31 } } };

template<std::size_t N>
QRgb interpolate(const std::array<Stop, N> &stops, double t)
{
    const double x = t * double(N - 1);
    const std::size_t i = std::min<std::size_t>(std::size_t(x), N - 2);
    const double f = x - double(i);
    const auto mix = [f](int a, int b) { return int(std::lround(a + (b - a) * f)); };
    const Stop &a = stops[i];
    const Stop &b = stops[i + 1];
    return qRgb(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

QVector<QRgb> makeTable(ColorScale scale)
{
    QVector<QRgb> table(colorTableSize);
    for (int i = 0; i < colorTableSize; ++i)
        table[i] = colorAt(scale, i / double(colorTableSize - 1));
    return table;
}

} // namespace

QRgb colorAt(ColorScale scale, double t)
{
    if (std::isnan(t))
        return qRgb(128, 128, 128);
    t = std::clamp(t, 0.0, 1.0);
    switch (scale) {
    case ColorScale::Gray: {
        const int v = int(std::lround(255.0 * t));
        return qRgb(v, v, v);
    }
    case ColorScale::Sequential:
        return interpolate(viridis, t);
    case ColorScale::Diverging:
        return interpolate(blueWhiteRed, t);
    }
    return qRgb(0, 0, 0);
}

const QVector<QRgb> &colorTable(ColorScale scale)
{
    static const QVector<QRgb> gray = makeTable(ColorScale::Gray);
    static const QVector<QRgb> sequential = makeTable(ColorScale::Sequential);
    static const QVector<QRgb> diverging = makeTable(ColorScale::Diverging);
    switch (scale) {
    case ColorScale::Gray:
        return gray;
    case ColorScale::Sequential:
        return sequential;
    case ColorScale::Diverging:
        return diverging;
    }
    return gray;
}

QString colorScaleName(ColorScale scale)
{
    switch (scale) {
    case ColorScale::Gray:
        return QCoreApplication::translate("ColorScale", "Gray");
    case ColorScale::Sequential:
        return QCoreApplication::translate("ColorScale", "Sequential");
    case ColorScale::Diverging:
        return QCoreApplication::translate("ColorScale", "Diverging");
    }
    return {};
}

} // namespace factorscope::widgets
