// SPDX-License-Identifier: MIT
#pragma once

#include "exporter.h"

#include <QObject>
#include <QString>

class QWidget;

namespace factorscope::app {

class CurvePlots;
class Selection;
class Settings;
class ViewArea;
class Workspace;

/// File ▸ Save Reconstruction and File ▸ Export: the error curves as CSV (the headless command's
/// format), the plot as PNG/SVG/PDF, the reconstruction at full resolution, the factors, the
/// view area as one picture — with their file dialogs.
///
/// Owns nothing but the dialogs it opens; reads the workspace's results, the view shown and the
/// plot, and writes through exporter:: (atomically). Says how each write went (message, error);
/// never changes what is shown.
class Exports : public QObject
{
    Q_OBJECT

public:
    enum class What { CurveCsv, Plot, Reconstruction, FactorsNpy, FactorsCsv, Views };

    Exports(Workspace *workspace, Settings *settings, const Selection *selection, const ViewArea *views,
            const CurvePlots *plots, QWidget *dialogParent);

    /// Asks for a file (or folder) name, then exports.
    void choose(What what);
    /// File ▸ Save Reconstruction As: the view shown, as PNG (images), .npy or .csv.
    void saveReconstruction();

    // Without the dialogs. Each writes atomically and, on failure, reports one sentence naming
    // the file and the reason (error); false then.
    /// The error curves of every computed method in `factorscope curve`'s CSV format, evaluated
    /// and written by a background job (the outcome is reported when it ends). False when there
    /// is nothing to export (reported at once).
    bool curveCsv(const QString &path);
    /// The error plot as .png, .svg or .pdf (by suffix).
    bool plot(const QString &path);
    /// The current method's reconstruction at full resolution as PNG, in the displayed colours
    /// (an image clamped to [0, 1]; a matrix through the view's colour scale and range).
    bool reconstruction(const QString &path);
    /// The current method's factors at the current rank into `folder`, named as
    /// `factorscope compress --factors` names them.
    bool factors(const QString &folder, exporter::FactorFormat format);
    /// The view area as one PNG: the comparison panes in compare mode, else the original beside
    /// the reconstruction (or residual) tab.
    bool views(const QString &path);

signals:
    void message(const QString &text);
    void error(const QString &text);

private:
    bool report(bool ok, const QString &path, const QString &reason);

    Workspace *m_workspace;
    Settings *m_settings;
    const Selection *m_selection;
    const ViewArea *m_views;
    const CurvePlots *m_plots;
    QWidget *m_dialogParent;
};

} // namespace factorscope::app
