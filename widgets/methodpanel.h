// SPDX-License-Identifier: MIT
#pragma once

#include "core/curve.h"

#include <QWidget>

#include <array>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;
class QLabel;
class QSlider;
class QSpinBox;
class QTabWidget;

namespace factorscope::widgets {

/// The method panel: one page per method (SVD, randomized SVD, ID, CR, Monarch, CUR) with its
/// parameters, defaults from core::MethodSettings and tooltips that say what each one does.
/// Every page has a rank slider with a spin box ("block rank ρ" on the Monarch page).
///
/// It only edits settings: settingsChanged() when a factorisation parameter changes (the owner
/// refactorises), rankChanged() when only the rank moves (the owner must not refactorise).
class MethodPanel : public QWidget
{
    Q_OBJECT

public:
    explicit MethodPanel(QWidget *parent = nullptr);

    core::Method currentMethod() const;
    /// Shows the method's page (emits currentMethodChanged if it changes).
    void setCurrentMethod(core::Method method);

    /// The method's settings as its page shows them (fields of other methods keep defaults).
    core::MethodSettings settings(core::Method method) const;
    /// Sets the page's widgets from `settings` without emitting settingsChanged.
    void setSettings(core::Method method, const core::MethodSettings &settings);

    int rank(core::Method method) const;
    /// Moves the slider (clamped to 1..maxRank); emits rankChanged if the rank changed.
    void setRank(core::Method method, int rank);
    /// The largest rank the method offers for the open document (≥ 1). Clamps the current rank
    /// without emitting rankChanged: the owner reads rank() after setting the limits.
    void setMaxRank(core::Method method, int maxRank);
    int maxRank(core::Method method) const;
    /// Upper bound of Monarch's block count (max(n, m) of the open document).
    void setMaxBlocks(int blocks);
    /// Upper bounds of CUR's row count l (n) and of the leverage rank γ of the ID and CUR pages
    /// (min(n, m)) for the document.
    void setCurLimits(int rows, int leverageRank);
    /// A line under the page's parameters: padding, a preview in progress, capped ranks …
    /// A rich-text note under the method's parameters; links in it (`<a href="compute">…</a>`)
    /// are reported by noteLinkActivated().
    void setNote(core::Method method, const QString &text);
    QString note(core::Method method) const;

    /// Shows only `method`'s page without its rank row and without the tabs: an editor of that
    /// method's parameters (the compare panes' own parameters).
    void setParametersOnly(core::Method method);

    /// "SVD", "rSVD", "ID", "CR", "Monarch", "CUR": the page titles, also used by the other views.
    static QString shortName(core::Method method);
    /// What a column/row selector does, in a sentence (the ID and CUR pages' tooltips).
    static QString selectorTip(core::Selector selector);

signals:
    void settingsChanged(core::Method method, const core::MethodSettings &settings);
    void rankChanged(core::Method method, int rank);
    void currentMethodChanged(core::Method method);
    /// A link in the method's note was clicked (its href).
    void noteLinkActivated(core::Method method, const QString &link);

private:
    struct Page
    {
        QWidget *widget = nullptr;
        QWidget *rankBox = nullptr; ///< the rank slider, spin box and range
        QSlider *slider = nullptr;
        QSpinBox *rankSpin = nullptr;
        QLabel *rangeLabel = nullptr;
        QLabel *note = nullptr;
        core::MethodSettings settings;
        int maxRank = 1;
    };

    /// The rows a column/row selector may use (ID and CUR pages alike): the leverage rank γ, and
    /// the trials and seed of the randomized selectors.
    struct SelectorRows
    {
        QSpinBox *leverageRank = nullptr; ///< 0: γ = the largest rank computed
        QSpinBox *trials = nullptr;
        QSpinBox *seed = nullptr;
    };

    /// A combo of every selector of core/selectors.h, in the pages' shared order, each with its
    /// selectorTip(); `withSketch` adds the ID's sketched pivoted QR after pivoted QR.
    static QComboBox *makeSelectorCombo(bool withSketch);
    /// Adds the γ, trials and seed rows to `form`.
    static SelectorRows makeSelectorRows(QFormLayout *form, const QString &trialsTip, const QString &seedTip);
    /// Enables the rows `selector` uses (their tooltips say which selectors those are).
    static void updateSelectorRows(const SelectorRows &rows, core::Selector selector);
    static void setSelectorRows(const SelectorRows &rows, const core::MethodSettings &settings);
    static void readSelectorRows(const SelectorRows &rows, core::MethodSettings &settings);
    QWidget *buildPage(core::Method method, const QString &summary, QWidget *parameters);
    QWidget *buildRsvdParameters();
    QWidget *buildIdParameters();
    QWidget *buildCrParameters();
    QWidget *buildMonarchParameters();
    QWidget *buildCurParameters();
    void connectRank(core::Method method);
    void emitSettings(core::Method method);
    void updateIdControls();
    void updateCrControls();
    void updateCurControls();
    Page &page(core::Method method) { return m_pages[std::size_t(method)]; }
    const Page &page(core::Method method) const { return m_pages[std::size_t(method)]; }

    QTabWidget *m_tabs = nullptr;
    std::array<Page, core::methodCount> m_pages;
    bool m_updating = false;

    // Randomized SVD.
    QSpinBox *m_rsvdOversampling = nullptr;
    QSpinBox *m_rsvdPower = nullptr;
    QSpinBox *m_rsvdTrials = nullptr;
    QSpinBox *m_rsvdSeed = nullptr;
    // ID.
    QComboBox *m_idSelector = nullptr;
    QComboBox *m_idOrientation = nullptr;
    QSpinBox *m_idOversampling = nullptr;
    SelectorRows m_idRows;
    // CR.
    QComboBox *m_crRule = nullptr;
    QComboBox *m_crProduct = nullptr;
    QSpinBox *m_crTrials = nullptr;
    QSpinBox *m_crSeed = nullptr;
    // Monarch.
    QSpinBox *m_monarchBlocks = nullptr;
    // CUR.
    QComboBox *m_curSelector = nullptr;
    QComboBox *m_curMiddle = nullptr;
    QSpinBox *m_curRows = nullptr;
    QLineEdit *m_curTolerance = nullptr; ///< empty or 0: the default max(r, l)·ε·σ₁ of the intersection
    SelectorRows m_curRowsOfSelector;
};

} // namespace factorscope::widgets
