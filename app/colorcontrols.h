// SPDX-License-Identifier: MIT
#pragma once

#include "core/color.h"
#include "core/curve.h"

#include <QObject>

#include <array>
#include <optional>

class QAction;
class QComboBox;
class QSpinBox;
class QToolBar;

namespace factorscope::app {

class Settings;
class Workspace;

/// The colour controls of the toolbar: how a colour image is factorised (grey, RGB, YCbCr) and,
/// in YCbCr, the chroma rank of each method ("= luma" by default), kept in the settings.
///
/// Owns the combo box and the spin box and the chroma rank of every method; says what the person
/// chose (colorModeChosen, chromaRankChanged). Never changes the workspace or a view itself: the
/// main window wires the choice to them.
class ColorControls : public QObject
{
    Q_OBJECT

public:
    ColorControls(const Workspace *workspace, Settings *settings, QObject *parent = nullptr);

    /// Adds " Colour [mode] [chroma rank]" to `bar` (the chroma rank only shows in YCbCr mode).
    void addTo(QToolBar *bar);
    QComboBox *colorBox() const { return m_colorCombo; }
    QSpinBox *chromaRankBox() const { return m_chromaSpin; }

    /// The mode the combo box shows.
    core::ColorMode colorMode() const;
    /// Shows `mode` without emitting colorModeChosen.
    void showColorMode(core::ColorMode mode);
    /// The method whose chroma rank the spin box shows and sets.
    void showMethod(core::Method method);
    /// Sets the shown method's chroma rank (−1: "= luma"), as the spin box would.
    void setChromaRank(int rank);
    /// The chroma rank stored for `method` (−1: "= luma").
    int chromaRank(core::Method method) const { return m_chromaRanks[std::size_t(method)]; }
    /// The chroma rank the view of `method` uses: set, YCbCr mode, and a colour document.
    std::optional<core::Index> chromaRankFor(core::Method method) const;
    /// Enables the mode for colour documents; shows the chroma rank in YCbCr mode.
    void update();
    /// The stored chroma ranks and the method shown (once, at start).
    void restore(core::Method shown);

signals:
    void colorModeChosen(factorscope::core::ColorMode mode);
    /// The chroma rank of `method` changed (through the spin box or setChromaRank).
    void chromaRankChanged(factorscope::core::Method method);

private:
    const Workspace *m_workspace;
    Settings *m_settings;
    QComboBox *m_colorCombo = nullptr;
    QSpinBox *m_chromaSpin = nullptr;
    QAction *m_chromaAction = nullptr;
    core::Method m_method = core::Method::Svd;
    std::array<int, core::methodCount> m_chromaRanks;
};

} // namespace factorscope::app
