// SPDX-License-Identifier: MIT
#include "color.h"

#include <stdexcept>

namespace factorscope::core {

std::string colorModeName(ColorMode mode)
{
    switch (mode) {
    case ColorMode::Gray: return "gray";
    case ColorMode::Rgb: return "rgb";
    case ColorMode::YCbCr: return "ycbcr";
    }
    return "gray";
}

std::optional<ColorMode> parseColorMode(const std::string &name)
{
    if (name == "gray" || name == "grey")
        return ColorMode::Gray;
    if (name == "rgb")
        return ColorMode::Rgb;
    if (name == "ycbcr")
        return ColorMode::YCbCr;
    return std::nullopt;
}

std::vector<Matrix> imageToChannels(const std::vector<Matrix> &planes, ColorMode mode)
{
    if (planes.size() == 1)
        return planes;
    if (planes.size() != 3)
        throw std::invalid_argument("imageToChannels: expected 1 or 3 planes");
    const Matrix &r = planes[0], &g = planes[1], &b = planes[2];
    switch (mode) {
    case ColorMode::Gray:
        return {0.2125 * r + 0.7154 * g + 0.0721 * b};
    case ColorMode::Rgb:
        return planes;
    case ColorMode::YCbCr: {
        // Chroma centred on zero (JPEG's ½ offset left out): a zero of a factorisation's chroma
        // (an unsampled CR column, a chroma rank of 0) is neutral grey, not green.
        Matrix y = 0.299 * r + 0.587 * g + 0.114 * b;
        Matrix cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
        Matrix cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
        return {std::move(y), std::move(cb), std::move(cr)};
    }
    }
    return planes;
}

std::vector<Matrix> channelsToDisplay(const std::vector<Matrix> &channels, ColorMode mode)
{
    if (channels.size() != 3 || mode != ColorMode::YCbCr)
        return channels;
    // The exact inverse of the forward matrix (JPEG's rounded inverse constants, 1.402 …, would
    // leave a 1e-6 error at full rank and cap the PSNR near 110 dB).
    Eigen::Matrix3d forward;
    forward << 0.299, 0.587, 0.114, -0.168736, -0.331264, 0.5, 0.5, -0.418688, -0.081312;
    const Eigen::Matrix3d inv = forward.inverse();
    const Matrix &y = channels[0], &cb = channels[1], &cr = channels[2];
    std::vector<Matrix> rgb;
    for (int c = 0; c < 3; ++c)
        rgb.push_back(inv(c, 0) * y + inv(c, 1) * cb + inv(c, 2) * cr);
    return rgb;
}

} // namespace factorscope::core
