// SPDX-License-Identifier: MIT
#pragma once

#include "core/curve.h"
#include "core/types.h"

#include <optional>

namespace factorscope::widgets {
class MethodPanel;
}

namespace factorscope::app {

class ColorControls;

/// What the person has chosen, read from the controls that hold it: the current method and each
/// method's rank (the Method panel) and chroma rank (the colour controls).
///
/// The rooms that follow the choice — the view area, the plots, the exports, the target search —
/// ask it; none of them knows the controls, and it never changes anything.
class Selection
{
public:
    Selection(const widgets::MethodPanel *panel, const ColorControls *colors) : m_panel(panel), m_colors(colors) {}

    core::Method currentMethod() const;
    /// The method's rank (Monarch: the block rank ρ) as its control holds it.
    int rank(core::Method method) const;
    /// The rank of Cb and Cr for the method's view, when the colour mode has one (ycbcr on a
    /// colour image, a chroma rank other than "= luma").
    std::optional<core::Index> chromaRank(core::Method method) const;

private:
    const widgets::MethodPanel *m_panel;
    const ColorControls *m_colors;
};

} // namespace factorscope::app
