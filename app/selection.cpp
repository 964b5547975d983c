// SPDX-License-Identifier: MIT
#include "selection.h"

#include "colorcontrols.h"

#include "widgets/methodpanel.h"

namespace factorscope::app {

core::Method Selection::currentMethod() const { return m_panel->currentMethod(); }

int Selection::rank(core::Method method) const { return m_panel->rank(method); }

std::optional<core::Index> Selection::chromaRank(core::Method method) const { return m_colors->chromaRankFor(method); }

} // namespace factorscope::app
