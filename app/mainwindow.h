// SPDX-License-Identifier: MIT
#pragma once

#include "exporter.h"
#include "inputloader.h"
#include "workspace.h"

#include "core/generators.h"
#include "core/target.h"

#include <QMainWindow>

#include <array>
#include <map>
#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QDoubleSpinBox;
class QFrame;
class QLabel;
class QProgressBar;
class QSpinBox;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QToolButton;

namespace factorscope::widgets {
class ErrorPlot;
class MatrixView;
class MethodPanel;
class SpectrumPlot;
struct CurveSeries;
} // namespace factorscope::widgets

namespace factorscope::app {

class ComparePanes;
class DisplayPreview;
struct TargetOutcome;
class FactorPanels;
class RecentFiles;
class Settings;

/// The workspace window: the document, its reconstruction and residual (zoom and pan linked),
/// the method panel, the shared error plot, the spectrum and the factors of every method.
///
/// Every way of opening something — File ▸ Open, drag and drop, the command line, Open Recent,
/// Edit ▸ Paste and File ▸ New from generator — ends in openDocument(); a failure is reported
/// without a modal dialog (status bar and a dismissable banner naming the file and the reason)
/// and the open document stays open.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// While a display-resolution stand-in follows the rank, the full-resolution view is asked
    /// for this long after the last rank change (a drag does not start one per step).
    static constexpr int viewDelayMs = 150;

    /// Uses `settings` (not owned) or, when null, its own Settings on the application's QSettings.
    explicit MainWindow(Settings *settings = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Opens the given files, or the embedded default image when none opens and nothing is open.
    void openStartupFiles(const QStringList &paths);
    /// Opens a file (menu, command line, drag and drop, Open Recent): openInput() then
    /// openDocument(). False when the file could not be read; the current document stays.
    bool openFile(const QString &path);
    /// The one open path: makes a loaded document current, or reports `result.error`.
    /// `recentPath` (a file) is added to Open Recent on success.
    bool openDocument(OpenResult result, const QString &recentPath = {});
    /// Edit ▸ Paste: an image (or an image file's path) from the clipboard.
    bool pasteFromClipboard();
    /// File ▸ New from generator without the dialog.
    bool openGenerated(const core::GeneratorSpec &spec);
    /// The embedded default image (":/images/default.png").
    bool openDefaultImage();

    std::shared_ptr<const InputDocument> document() const;
    Workspace *workspace() const { return m_workspace; }
    widgets::MethodPanel *methodPanel() const { return m_methodPanel; }
    FactorPanels *factorPanels() const { return m_factors; }
    widgets::MatrixView *documentView() const { return m_documentView; }
    widgets::MatrixView *reconstructionView() const { return m_reconstructionView; }
    widgets::MatrixView *residualView() const { return m_residualView; }
    widgets::ErrorPlot *errorPlot() const { return m_errorPlot; }
    widgets::SpectrumPlot *spectrumPlot() const { return m_spectrum; }
    RecentFiles *recentFiles() const { return m_recent; }
    /// View ▸ Compare: the side-by-side panes in place of the original / reconstruction views.
    ComparePanes *comparePanes() const { return m_compare; }
    void setCompareMode(bool on);
    bool isCompareMode() const;
    /// The newest view delivered for the current method (null before the first).
    std::shared_ptr<const ViewResult> currentView() const { return m_view; }
    QString bannerText() const;
    bool isBannerVisible() const;
    QString metricsText() const;
    void setColorMode(core::ColorMode mode);
    /// YCbCr mode: the rank of Cb and Cr for the current method (−1: the same as Y's rank).
    void setChromaRank(int rank);
    int chromaRank() const;
    /// The "Chroma rank" control, shown only in ycbcr mode for a colour image.
    QSpinBox *chromaRankBox() const { return m_chromaSpin; }

    // File ▸ Export, without the dialogs. Each writes atomically and, on failure, shows one
    // non-modal sentence naming the file and the reason; false then.
    /// The error curves of every computed method in `factorscope curve`'s CSV format, evaluated
    /// and written by a background job (the outcome is reported when it ends). False when there
    /// is nothing to export (reported at once).
    bool exportCurveCsv(const QString &path);
    /// The error plot as .png, .svg or .pdf (by suffix).
    bool exportPlot(const QString &path);
    /// The current method's reconstruction at full resolution as PNG, in the displayed colours
    /// (an image clamped to [0, 1]; a matrix through the view's colour scale and range).
    bool exportReconstruction(const QString &path);
    /// The current method's factors at the current rank into `folder`, named as
    /// `factorscope compress --factors` names them.
    bool exportFactors(const QString &folder, exporter::FactorFormat format);
    /// The view area as one PNG: the comparison panes in compare mode, else the original beside
    /// the reconstruction (or residual) tab.
    bool exportViews(const QString &path);

    /// The Target control's Apply: for each computed method, the smallest rank reaching `value`
    /// (relative error ≤, PSNR ≥, SSIM ≥; for stored numbers the largest rank within the budget),
    /// set on the method's rank control (at least 1) when the background search ends. Searched
    /// on the shown trial's models (core::rankForTarget), with the chroma rank fixed in ycbcr
    /// mode. Methods whose target is out of reach keep their rank.
    void applyTarget(core::TargetKind kind, double value);
    /// The answer of the last search that ended, per method (nullopt: out of reach).
    std::map<core::Method, std::optional<core::Index>> lastTargetRanks() const { return m_targetRanks; }

    /// Processes events until no job has run for a moment (tests, screenshots).
    bool waitForIdle(int timeoutMs);
    /// Sets up one of the README's scenes ("photo-svd", "matrix-id", "monarch-slice"), waits for
    /// every job and saves the window to `file`. For `factorscope --screenshot SCENE FILE`.
    /// Also "cr-photo", "rsvd-photo", "compare-4" (four comparison panes: SVD r=40 | ID r=40 |
    /// Monarch 16 blocks | CR r=200), "svd-preview" (grabbed while the preview shows), and any
    /// scene with "-dark" appended (Fusion with a dark palette).
    bool runScreenshot(const QString &scene, const QString &file);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildUi();
    void buildMenus();
    void restoreSettings();
    void connectSignals();
    void chooseFile();
    void chooseGenerator();
    void saveReconstruction();
    void chooseExport(int what);
    bool reportWrite(bool ok, const QString &path, const QString &reason);
    void showAbout();
    void showError(const QString &message);
    void showOriginal();
    void hideBanner();

    void requestMethod(core::Method method);
    void onResult(core::Method method, std::shared_ptr<const MethodResult> result);
    void onView(std::shared_ptr<const ViewResult> view);
    void onRankChanged(core::Method method, int rank);
    void onMethodChanged(core::Method method);
    void onSettingsChanged(core::Method method, const core::MethodSettings &settings);
    void updateCurves();
    void updateMarkers();
    void updateDocumentMarks();
    int spectrumRank() const;
    void updateMethodLimits();
    void updateNotes(core::Method method);
    void updateColorControls();
    /// The chroma rank the view of `method` uses, when the colour mode has one.
    std::optional<core::Index> chromaRankFor(core::Method method) const;
    void requestCurrentView(core::Method method);
    /// Rank or chroma rank of the current method changed: shows at once, on the GUI thread, a
    /// stand-in rebuilt at the reconstruction view's display resolution from the cached models
    /// (a few ms), while the view job computes the full-resolution view that replaces it.
    /// Images only; skipped when the image is no larger than the display, in compare mode, or
    /// before the method has a result, and while the rebuilder is still being set up in the
    /// background (DisplayPreview; ready() shows it then). Returns whether a stand-in was shown.
    bool showDisplayPreview(core::Method method);
    /// The stand-in's size for the method's result in the reconstruction view, or nothing when
    /// there is no stand-in (see showDisplayPreview()).
    std::optional<std::pair<core::Index, core::Index>> displayPreviewSize(core::Method method) const;
    /// Starts setting up the rebuilder for the current method's result.
    void prepareDisplayPreview(core::Method method);
    /// The current method's rank or chroma rank changed: the stand-in at once, the full view
    /// and the factor heatmaps viewDelayMs after the last change (the view at once when there is
    /// no stand-in). Returns whether the stand-in was shown (the factors wait for the timer).
    bool followRank(core::Method method);
    /// Writes the compare view's panes and whether it is open to the settings.
    void saveCompareLayout();
    /// The method's marker on the error plot: on its curve at its rank, or, with a separate
    /// chroma rank, at the measured error of the view shown (none until there is one).
    void placeMarker(core::Method method);
    void onTargetFound(const TargetOutcome &outcome);
    QString seriesName(core::Method method, const MethodResult &result) const;
    QStringList channelNames() const;
    static bool isSupportedFile(const QString &path);

    std::unique_ptr<Settings> m_ownSettings;
    Settings *m_settings = nullptr;
    RecentFiles *m_recent = nullptr;
    Workspace *m_workspace = nullptr;
    std::shared_ptr<const ViewResult> m_view;
    /// The display-resolution rebuilder of showDisplayPreview(), set up off the GUI thread.
    DisplayPreview *m_displayPreview = nullptr;
    std::vector<core::Index> m_sliceRows, m_sliceColumns;

    widgets::MethodPanel *m_methodPanel = nullptr;
    FactorPanels *m_factors = nullptr;
    widgets::MatrixView *m_documentView = nullptr;
    widgets::MatrixView *m_reconstructionView = nullptr;
    widgets::MatrixView *m_residualView = nullptr;
    QTabWidget *m_resultTabs = nullptr;
    QLabel *m_metrics = nullptr;
    widgets::ErrorPlot *m_errorPlot = nullptr;
    widgets::SpectrumPlot *m_spectrum = nullptr;
    QComboBox *m_colorCombo = nullptr;
    QSpinBox *m_chromaSpin = nullptr;
    QComboBox *m_targetKind = nullptr;
    QDoubleSpinBox *m_targetValue = nullptr;
    std::map<core::Method, std::optional<core::Index>> m_targetRanks;
    QAction *m_chromaAction = nullptr;
    std::array<int, core::methodCount> m_chromaRanks = [] { std::array<int, core::methodCount> a{}; a.fill(-1); return a; }();
    QFrame *m_banner = nullptr;
    QLabel *m_bannerText = nullptr;
    QLabel *m_documentInfo = nullptr;
    QLabel *m_progressLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_cancel = nullptr;
    QTimer *m_progressDelay = nullptr;
    QTimer *m_viewDelay = nullptr; ///< the full-resolution view after the rank rests
    QAction *m_saveAction = nullptr;
    QAction *m_exportAction = nullptr;
    QWidget *m_viewsBox = nullptr;
    QStackedWidget *m_viewStack = nullptr;
    ComparePanes *m_compare = nullptr;
    QAction *m_compareAction = nullptr;
    bool m_linking = false;
};

} // namespace factorscope::app
