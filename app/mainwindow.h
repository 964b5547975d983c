// SPDX-License-Identifier: MIT
#pragma once

#include "documentopener.h"
#include "exporter.h"
#include "workspace.h"

#include "core/generators.h"
#include "core/target.h"

#include <QMainWindow>

#include <map>
#include <memory>
#include <optional>

class QAction;
class QLabel;
class QSpinBox;

namespace factorscope::widgets {
class ErrorPlot;
class MatrixView;
class MethodPanel;
class SpectrumPlot;
} // namespace factorscope::widgets

namespace factorscope::app {

class ColorControls;
class ComparePanes;
class CurvePlots;
class ErrorBanner;
class Exports;
class FactorPanels;
class JobStatus;
class MethodControl;
class PinvView;
class RecentFiles;
class Selection;
class Settings;
class TargetControl;
class ViewArea;

/// The workspace window. It composes and wires, nothing else: it creates the rooms (see
/// docs/architecture.md) — DocumentOpener, ViewArea, CurvePlots, the Method panel with
/// MethodControl, FactorPanels, ColorControls, TargetControl, Exports, JobStatus — places them in
/// the central area, the docks, the toolbars and the status bar, owns the menus and the window's
/// settings, and connects each room's signals to the others. The document, the results and the
/// jobs are the Workspace's.
///
/// The accessors below let tests, benchmarks and the screenshot scenes drive the window as a
/// person would; each forwards to the room that owns the thing.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// Uses `settings` (not owned) or, when null, its own Settings on the application's QSettings.
    explicit MainWindow(Settings *settings = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The rooms.
    Workspace *workspace() const { return m_workspace; }
    DocumentOpener *opener() const { return m_opener; }
    ViewArea *viewArea() const { return m_viewArea; }
    CurvePlots *plots() const { return m_plots; }
    ColorControls *colorControls() const { return m_colors; }
    TargetControl *targetControl() const { return m_target; }
    Exports *exports() const { return m_exports; }
    widgets::MethodPanel *methodPanel() const { return m_methodPanel; }
    FactorPanels *factorPanels() const { return m_factors; }
    PinvView *pinvView() const { return m_pinv; }
    RecentFiles *recentFiles() const { return m_recent; }

    // Opening (DocumentOpener).
    void openStartupFiles(const QStringList &paths);
    bool openFile(const QString &path) { return m_opener->openFile(path); }
    bool openDocument(OpenResult result, const QString &recentPath = {}) { return m_opener->openDocument(std::move(result), recentPath); }
    bool pasteFromClipboard() { return m_opener->pasteFromClipboard(); }
    bool openGenerated(const core::GeneratorSpec &spec) { return m_opener->openGenerated(spec); }
    bool openDefaultImage() { return m_opener->openDefaultImage(); }
    std::shared_ptr<const InputDocument> document() const { return m_workspace->document(); }

    // The view area and the plots.
    widgets::MatrixView *documentView() const;
    widgets::MatrixView *reconstructionView() const;
    widgets::MatrixView *residualView() const;
    ComparePanes *comparePanes() const;
    widgets::ErrorPlot *errorPlot() const;
    widgets::SpectrumPlot *spectrumPlot() const;
    /// The newest view delivered for the current method (null before the first).
    std::shared_ptr<const ViewResult> currentView() const;
    QString metricsText() const;
    /// View ▸ Compare: the side-by-side panes in place of the original / reconstruction views.
    void setCompareMode(bool on);
    bool isCompareMode() const;
    QString bannerText() const;
    bool isBannerVisible() const;

    // Colour (ColorControls).
    void setColorMode(core::ColorMode mode);
    /// YCbCr mode: the rank of Cb and Cr for the current method (−1: the same as Y's rank).
    void setChromaRank(int rank);
    int chromaRank() const;
    QSpinBox *chromaRankBox() const;

    // File ▸ Export without the dialogs (Exports).
    bool exportCurveCsv(const QString &path);
    bool exportPlot(const QString &path);
    bool exportReconstruction(const QString &path);
    bool exportFactors(const QString &folder, exporter::FactorFormat format);
    bool exportViews(const QString &path);

    // The Target control (TargetControl).
    void applyTarget(core::TargetKind kind, double value);
    std::map<core::Method, std::optional<core::Index>> lastTargetRanks() const;

    /// Processes events until no job has run for a moment (tests, screenshots).
    bool waitForIdle(int timeoutMs);
    /// Waits up to `timeoutMs` for the workers of both runners to stop (cancelled ones winding
    /// down included); false if some still run (an uninterruptible LAPACK call). For quitting.
    bool waitForWorkers(int timeoutMs);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void buildMenus();
    void restoreSettings();
    void connectSignals();
    void showError(const QString &message);
    void showAbout();
    /// Asks for `method`; its views say "Computing…" when it is the current one without a result.
    void requestMethod(core::Method method);
    /// The factor tabs say which methods are being computed.
    void updateComputing();
    /// A new document or colour mode: the factors and plots forget the old results, the SVD and
    /// the current method are asked for.
    void restartResults();

    void onDocumentOpened(std::shared_ptr<const InputDocument> document, const QString &summary);
    void onResult(core::Method method, std::shared_ptr<const MethodResult> result);
    void onRankChanged(core::Method method, int rank);
    void onMethodChanged(core::Method method);
    void onChromaRankChanged(core::Method method);
    void saveCompareLayout();

    std::unique_ptr<Settings> m_ownSettings;
    Settings *m_settings = nullptr;
    RecentFiles *m_recent = nullptr;
    Workspace *m_workspace = nullptr;
    DocumentOpener *m_opener = nullptr;
    std::unique_ptr<Selection> m_selection;
    widgets::MethodPanel *m_methodPanel = nullptr;
    MethodControl *m_methods = nullptr;
    ColorControls *m_colors = nullptr;
    ViewArea *m_viewArea = nullptr;
    CurvePlots *m_plots = nullptr;
    FactorPanels *m_factors = nullptr;
    PinvView *m_pinv = nullptr;
    TargetControl *m_target = nullptr;
    Exports *m_exports = nullptr;
    JobStatus *m_jobs = nullptr;
    ErrorBanner *m_banner = nullptr;
    QLabel *m_documentInfo = nullptr;
    QAction *m_compareAction = nullptr;
};

} // namespace factorscope::app
