// SPDX-License-Identifier: MIT
#pragma once

#include "core/color.h"
#include "core/curve.h"

#include <QComboBox>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSpinBox>
#include <QString>

#include <array>
#include <optional>

class QAction;
class QToolBar;

namespace factorscope::app {

class Settings;
class Workspace;

/// The colour controls of the toolbar: how a colour image is factorised (grey, RGB, YCbCr, kept
/// in the settings) and, in YCbCr, the chroma rank of each method.
///
/// A chroma rank belongs to a document: a document starts at "= luma" for every method unless
/// the person set one for that document in this session (never carried invisibly to another
/// document or across restarts). Owns the combo box, the spin box and those ranks; says what the
/// person chose (colorModeChosen, chromaRankChanged). Never changes the workspace or a view
/// itself: the main window wires the choice to them.
class ColorControls : public QObject
{
    Q_OBJECT

public:
    ColorControls(const Workspace *workspace, Settings *settings, QObject *parent = nullptr);
    /// Deletes the combo box and the spin box unless a toolbar took them (and deletes them itself).
    ~ColorControls() override;

    using ChromaRanks = std::array<int, core::methodCount>;

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
    /// The document whose chroma ranks are shown and set, by its path (or label): "= luma" for
    /// every method unless they were set for it before.
    void setDocument(const QString &key);

signals:
    void colorModeChosen(factorscope::core::ColorMode mode);
    /// The chroma rank of `method` changed (through the spin box or setChromaRank).
    void chromaRankChanged(factorscope::core::Method method);

private:
    const Workspace *m_workspace;
    Settings *m_settings;
    QPointer<QComboBox> m_colorCombo; ///< QPointer: a toolbar that took it may delete it first
    QPointer<QSpinBox> m_chromaSpin;
    QAction *m_chromaAction = nullptr;
    core::Method m_method = core::Method::Svd;
    ChromaRanks m_chromaRanks;
    QString m_document;
    QHash<QString, ChromaRanks> m_byDocument; ///< the ranks set for each document this session
};

} // namespace factorscope::app
