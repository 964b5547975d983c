// SPDX-License-Identifier: MIT
#pragma once

#include <QRgb>
#include <QString>
#include <QVector>

namespace factorscope::widgets {

/// Colour scales of the heatmaps.
enum class ColorScale {
    Gray,       ///< black (t = 0) to white (t = 1)
    Sequential, ///< viridis-like, dark purple (min) to yellow (max)
    Diverging,  ///< blue (t = 0) – white (t = ½) – red (t = 1); used centred on 0, ±max|v|
};

/// The colour of `t` in [0, 1] on `scale` (t is clamped; NaN gives a neutral grey). Piecewise
/// linear between fixed stops; colorAt(Diverging, 0.5) is exactly white.
QRgb colorAt(ColorScale scale, double t);

/// Number of entries of colorTable(): odd, so that t = ½ (zero on a diverging scale) has an
/// entry of its own.
constexpr int colorTableSize = 1025;

/// colorTableSize colours, entry i = colorAt(scale, i / (colorTableSize − 1)): the table the
/// heatmaps index with lround(t · (colorTableSize − 1)).
const QVector<QRgb> &colorTable(ColorScale scale);

/// "Gray", "Sequential", "Diverging" (translated).
QString colorScaleName(ColorScale scale);

} // namespace factorscope::widgets
