// SPDX-License-Identifier: MIT
#pragma once

#include "core/curve.h"

#include <QObject>

namespace factorscope::widgets {
class MethodPanel;
}

namespace factorscope::app {

class Settings;
class Workspace;

/// Between the Method panel and the workspace: asks for a method's factorisation with the
/// panel's parameters, keeps each method's parameters in the settings, sets the largest rank the
/// panel offers for the document, and writes each method's note (computing, the randomized
/// preview and its error estimate, limits, zero padding, the time taken; after Cancel, what was
/// stopped and a link that computes it again).
///
/// Owns no widget and no result; never touches a view or a plot.
class MethodControl : public QObject
{
    Q_OBJECT

public:
    MethodControl(Workspace *workspace, widgets::MethodPanel *panel, Settings *settings, QObject *parent = nullptr);

    /// Asks the workspace for `method` with the panel's parameters (from the cache at once, or a
    /// background job); true when the method is still without a result (its view shows
    /// "Computing…" then).
    bool request(core::Method method);
    /// The panel's largest ranks and block counts for the current document.
    void updateLimits();
    /// The method's note in the panel.
    void updateNote(core::Method method);
    void updateNotes();

signals:
    /// The person asked to compute a method again after it was stopped (the note's link).
    void resumeWanted(factorscope::core::Method method);

private:
    /// The person changed a method's parameters: keep them, limit the rank, factorise.
    void onSettingsChanged(core::Method method, const core::MethodSettings &settings);

    Workspace *m_workspace;
    widgets::MethodPanel *m_panel;
    Settings *m_settings;
};

} // namespace factorscope::app
