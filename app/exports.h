// SPDX-License-Identifier: MIT
#pragma once

#include "exporter.h"

#include <QObject>
#include <QString>

#include <utility>
#include <vector>

class QImage;
class QWidget;

namespace factorscope::widgets {
class MatrixView;
}

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
    /// The error curves in `factorscope curve`'s CSV format, exactly the rows `choice` names
    /// (every rank of the range that a method has), evaluated from the cached models and written
    /// by a background job (the outcome is reported when it ends); the metadata says how each
    /// method was computed. False when there is nothing to export (reported at once).
    bool curveCsv(const QString &path, const exporter::CurveExport &choice);
    /// The same for every computed method at every rank it has, every trial, PSNR for images,
    /// and the chroma ranks shown.
    bool curveCsv(const QString &path);
    /// What the export dialog starts from: every computed method checked, the ranks the error
    /// plot shows, PSNR for images, every trial, each method's chroma rank (Selection).
    exporter::CurveExport defaultCurveExport() const;
    /// The error plot as .png, .svg or .pdf (by suffix).
    bool plot(const QString &path);
    /// The current method's reconstruction at full resolution as PNG, in the displayed colours
    /// (an image clamped to [0, 1]; a matrix through the view's colour scale and range).
    bool reconstruction(const QString &path);
    /// The current method's factors at the current rank into `folder`, named as
    /// `factorscope compress --factors` names them.
    bool factors(const QString &folder, exporter::FactorFormat format);
    /// The view area as one PNG, drawn from the views' pictures (not a grab of the widgets): the
    /// comparison panes in compare mode (2 or 3 side by side, 4 as 2 × 2, or the A/B split),
    /// else the original beside the reconstruction (or residual) tab and the read-out; each
    /// view's title in full above its picture and colour bar.
    bool views(const QString &path);

signals:
    void message(const QString &text);
    void error(const QString &text);

private:
    bool report(bool ok, const QString &path, const QString &reason);
    /// The ranks the error plot shows: the smallest and largest computed rank of any curve
    /// inside its x range (ErrorPlot::visibleRanks). {1, 0} when nothing is plotted.
    std::pair<core::Index, core::Index> plottedRanks() const;
    /// The pictures of `shown` (MatrixView::renderedImage below each one's title line) in
    /// `columns` columns under their titles, word-wrapped, and `footer` under them.
    QImage composeViews(const std::vector<const widgets::MatrixView *> &shown, int columns, const QString &footer);

    Workspace *m_workspace;
    Settings *m_settings;
    const Selection *m_selection;
    const ViewArea *m_views;
    const CurvePlots *m_plots;
    QWidget *m_dialogParent;
};

} // namespace factorscope::app
