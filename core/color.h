// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

#include <optional>
#include <string>
#include <vector>

namespace factorscope::core {

/// How an image's colour planes become the matrices that are factorised (design.md, Images).
enum class ColorMode {
    Gray,  ///< one channel: BT.709 luma 0.2125 R + 0.7154 G + 0.0721 B (scikit-image's rgb2gray)
    Rgb,   ///< three channels R, G, B, each factorised alone
    YCbCr, ///< three channels, JPEG's full-range transform with chroma centred on zero: Y in [0, 1],
           ///< Cb and Cr in [−½, ½] (no ½ offset, so that zero chroma is neutral grey)
};

std::string colorModeName(ColorMode mode);
std::optional<ColorMode> parseColorMode(const std::string &name);

/// The matrices to factorise from an image's planes (1 grey plane or 3 planes R, G, B in [0, 1]).
/// A grey image has one channel in every mode (its Y equals its grey value exactly).
std::vector<Matrix> imageToChannels(const std::vector<Matrix> &planes, ColorMode mode);

/// The displayed planes (1 grey or 3 RGB, not clamped) for factorised channels in `mode`.
std::vector<Matrix> channelsToDisplay(const std::vector<Matrix> &channels, ColorMode mode);

} // namespace factorscope::core
