// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "colorcontrols.h"
#include "comparepanes.h"
#include "curveplots.h"
#include "errorbanner.h"
#include "exports.h"
#include "factorpanels.h"
#include "jobstatus.h"
#include "methodcontrol.h"
#include "pinvview.h"
#include "recentfiles.h"
#include "selection.h"
#include "settings.h"
#include "targetcontrol.h"
#include "viewarea.h"

#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>
#include <QVBoxLayout>

namespace factorscope::app {

using core::Index;
using core::Method;

MainWindow::MainWindow(Settings *settings, QWidget *parent) : QMainWindow(parent)
{
    if (!settings) {
        m_ownSettings = std::make_unique<Settings>();
        settings = m_ownSettings.get();
    }
    m_settings = settings;
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("Factorscope"));
    m_recent = new RecentFiles(m_settings, this);
    m_workspace = new Workspace(this);
    m_opener = new DocumentOpener(m_settings, m_recent, this);
    m_methodPanel = new widgets::MethodPanel;
    m_methodPanel->setObjectName(QStringLiteral("methodPanel"));
    m_methods = new MethodControl(m_workspace, m_methodPanel, m_settings, this);
    m_colors = new ColorControls(m_workspace, m_settings, this);
    m_selection = std::make_unique<Selection>(m_methodPanel, m_colors);
    m_viewArea = new ViewArea(m_workspace, m_settings, m_selection.get());
    m_plots = new CurvePlots(m_workspace, m_selection.get(), m_viewArea, this);
    m_factors = new FactorPanels;
    m_factors->setObjectName(QStringLiteral("factorPanels"));
    m_pinv = new PinvView(m_workspace);
    m_target = new TargetControl(m_workspace, m_selection.get(), this);
    m_exports = new Exports(m_workspace, m_settings, m_selection.get(), m_viewArea, m_plots, this);
    buildUi();
    buildMenus();
    restoreSettings();
    connectSignals();
}

MainWindow::~MainWindow()
{
    // Nothing may reach the views while they are destroyed; the runner's destructor (the
    // workspace is a child) then waits for the cancelled workers without processing events.
    m_workspace->disconnect();
    m_workspace->runner()->disconnect();
    m_workspace->runner()->cancelAll();
}

// --- composing -----------------------------------------------------------------------------

void MainWindow::buildUi()
{
    m_banner = new ErrorBanner;
    auto *vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(m_viewArea);
    vertical->addWidget(m_plots->errorPlot());
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setChildrenCollapsible(false);
    vertical->setSizes({580, 360});
    auto *central = new QWidget;
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(4, 4, 4, 0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(vertical, 1);
    setCentralWidget(central);

    auto dock = [this](QWidget *content, const QString &title, const QString &name, bool closable) {
        auto *d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(content);
        d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable
                       | (closable ? QDockWidget::DockWidgetClosable : QDockWidget::NoDockWidgetFeatures));
        return d;
    };
    // Narrow enough that the window fits a 1280-pixel screen (the method tabs then scroll).
    m_methodPanel->setMinimumWidth(260);
    QDockWidget *methodDock = dock(m_methodPanel, tr("Method"), QStringLiteral("methodDock"), false);
    addDockWidget(Qt::LeftDockWidgetArea, methodDock);
    QDockWidget *spectrumDock = dock(m_plots->spectrumPlot(), tr("Spectrum"), QStringLiteral("spectrumDock"), true);
    addDockWidget(Qt::LeftDockWidgetArea, spectrumDock);
    splitDockWidget(methodDock, spectrumDock, Qt::Vertical);
    m_factors->setMinimumWidth(330);
    QDockWidget *factorDock = dock(m_factors, tr("Factors"), QStringLiteral("factorDock"), true);
    addDockWidget(Qt::RightDockWidgetArea, factorDock);
    resizeDocks({methodDock, factorDock}, {310, 520}, Qt::Horizontal);
    resizeDocks({methodDock, spectrumDock}, {500, 400}, Qt::Vertical);
    // The pseudo-inverse: hidden until View ▸ Pseudo-inverse; it computes only while shown.
    QDockWidget *pinvDock = dock(m_pinv, tr("Pseudo-inverse"), QStringLiteral("pinvDock"), true);
    addDockWidget(Qt::RightDockWidgetArea, pinvDock);
    pinvDock->hide();

    // Status bar: messages on the left, the document, then the jobs' progress and Cancel.
    m_documentInfo = new QLabel;
    statusBar()->addPermanentWidget(m_documentInfo);
    m_jobs = new JobStatus(m_workspace->runner(), statusBar());
}

void MainWindow::buildMenus()
{
    auto themed = [](const char *name) { return QIcon::fromTheme(QString::fromLatin1(name)); };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(themed("document-open"), tr("&Open…"), m_opener, &DocumentOpener::chooseFile);
    open->setShortcut(QKeySequence::Open);
    QMenu *recent = file->addMenu(tr("Open &Recent"));
    m_recent->attachMenu(recent);
    QAction *generate = file->addAction(themed("document-new"), tr("&New from Generator…"), m_opener, &DocumentOpener::chooseGenerator);
    generate->setShortcut(QKeySequence::New);
    file->addSeparator();
    QAction *save = file->addAction(themed("document-save-as"), tr("&Save Reconstruction As…"), m_exports,
                                    &Exports::saveReconstruction);
    save->setShortcuts({QKeySequence::Save, QKeySequence::SaveAs});
    QMenu *exportMenu = file->addMenu(tr("&Export"));
    exportMenu->setObjectName(QStringLiteral("exportMenu"));
    const std::pair<QString, Exports::What> exportItems[] = {
        {tr("Error Curves as &CSV…"), Exports::What::CurveCsv},       {tr("&Plot as PNG/SVG/PDF…"), Exports::What::Plot},
        {tr("&Reconstruction as PNG…"), Exports::What::Reconstruction}, {tr("&Factors as .npy…"), Exports::What::FactorsNpy},
        {tr("Factors as .cs&v…"), Exports::What::FactorsCsv},          {tr("&Side-by-Side View as PNG…"), Exports::What::Views}};
    for (const auto &[text, what] : exportItems) {
        QAction *action = exportMenu->addAction(text, m_exports, [this, what = what] { m_exports->choose(what); });
        if (what == Exports::What::CurveCsv)
            action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    }
    file->addSeparator();
    QAction *quit = file->addAction(themed("application-exit"), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *paste = edit->addAction(themed("edit-paste"), tr("&Paste Image"), m_opener, [this] { m_opener->pasteFromClipboard(); });
    paste->setShortcut(QKeySequence::Paste);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    // In compare mode the zoom acts on pane A, which the other panes follow.
    QAction *zoomIn = view->addAction(themed("zoom-in"), tr("Zoom &In"), this, [this] { m_viewArea->zoomTarget()->zoomIn(); });
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    QAction *zoomOut = view->addAction(themed("zoom-out"), tr("Zoom &Out"), this, [this] { m_viewArea->zoomTarget()->zoomOut(); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction *fit = view->addAction(themed("zoom-fit-best"), tr("Zoom to &Fit"), this, [this] { m_viewArea->zoomTarget()->zoomToFit(); });
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    view->addSeparator();
    m_compareAction = view->addAction(tr("&Compare Side by Side"));
    m_compareAction->setObjectName(QStringLiteral("compareAction"));
    m_compareAction->setCheckable(true);
    m_compareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_compareAction->setToolTip(tr("Two to four panes, each with its own method and rank, zoom and pan linked"));
    connect(m_compareAction, &QAction::toggled, this, &MainWindow::setCompareMode);
    QAction *linked = view->addAction(tr("&Link Zoom and Pan"));
    linked->setCheckable(true);
    linked->setChecked(m_settings->linkedViews());
    connect(linked, &QAction::toggled, m_settings, &Settings::setLinkedViews);
    view->addSeparator();
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    QAction *fullScreen = view->addAction(themed("view-fullscreen"), tr("F&ull Screen"));
    fullScreen->setCheckable(true);
    QList<QKeySequence> fullKeys = QKeySequence::keyBindings(QKeySequence::FullScreen);
    if (!fullKeys.contains(QKeySequence(Qt::Key_F11)))
        fullKeys << QKeySequence(Qt::Key_F11);
    fullScreen->setShortcuts(fullKeys);
    connect(fullScreen, &QAction::toggled, this, [this](bool on) { on ? showFullScreen() : showNormal(); });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Factorscope"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);

    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addActions({open, generate, paste});
    bar->addSeparator();
    bar->addActions({zoomIn, zoomOut, fit});
    bar->addSeparator();
    m_colors->addTo(bar);
    QToolBar *targetBar = addToolBar(tr("Target"));
    targetBar->setObjectName(QStringLiteral("targetToolBar"));
    m_target->addTo(targetBar);
}

void MainWindow::restoreSettings()
{
    for (Method method : core::allMethods()) {
        m_methodPanel->setSettings(method, m_settings->methodSettings(method));
        m_methodPanel->setMaxRank(method, 4096);
        m_methodPanel->setRank(method, m_settings->rank(method));
    }
    m_methodPanel->setCurrentMethod(m_settings->currentMethod());
    m_colors->showMethod(m_settings->currentMethod());
    const Settings::CompareLayout compare = m_settings->compareLayout();
    {
        const QSignalBlocker block(comparePanes()); // restoring is not a change to save
        comparePanes()->restoreState(compare);
    }
    if (compare.open)
        setCompareMode(true);
    m_factors->showMethod(m_settings->currentMethod());
    m_colors->showColorMode(m_settings->colorMode());
    m_workspace->setColorMode(m_settings->colorMode());
    m_colors->update();
    if (!restoreGeometry(m_settings->windowGeometry())) {
        const QSize available = screen() ? screen()->availableGeometry().size() : QSize(1600, 1000);
        resize(std::min(1600, available.width() * 9 / 10), std::min(1000, available.height() * 9 / 10));
    }
    restoreState(m_settings->windowState());
}

// --- wiring --------------------------------------------------------------------------------

void MainWindow::connectSignals()
{
    auto status = [this](int timeoutMs) {
        return [this, timeoutMs](const QString &text) { text.isEmpty() ? statusBar()->clearMessage() : statusBar()->showMessage(text, timeoutMs); };
    };
    connect(m_opener, &DocumentOpener::opened, this, &MainWindow::onDocumentOpened);
    connect(m_opener, &DocumentOpener::failed, this, &MainWindow::showError);

    connect(m_methodPanel, &widgets::MethodPanel::rankChanged, this, &MainWindow::onRankChanged);
    connect(m_methodPanel, &widgets::MethodPanel::currentMethodChanged, this, &MainWindow::onMethodChanged);
    connect(m_colors, &ColorControls::colorModeChosen, this, &MainWindow::setColorMode);
    connect(m_colors, &ColorControls::chromaRankChanged, this, &MainWindow::onChromaRankChanged);

    connect(m_workspace, &Workspace::resultReady, this, &MainWindow::onResult);
    connect(m_workspace, &Workspace::viewReady, m_viewArea, &ViewArea::onView);
    connect(m_workspace, &Workspace::paneResultReady, this, [this](int pane, std::shared_ptr<const MethodResult> result) {
        comparePanes()->onPaneResult(pane, std::move(result));
        m_plots->updateCurves(); // the pane's own curve
    });
    connect(m_workspace, &Workspace::failed, this, [this](Method method, const QString &message) {
        showError(tr("%1 failed: %2").arg(Workspace::methodTitle(method), message));
    });
    connect(m_workspace->runner(), &JobRunner::busyChanged, this, [this] {
        m_methods->updateNotes();
        updateComputing();
    });
    connect(m_jobs, &JobStatus::cancelled, this, [this] {
        // Say what is shown now, and where to resume.
        QStringList stopped;
        for (Method method : core::allMethods())
            if (m_workspace->isStopped(method)) {
                const auto result = m_workspace->result(method);
                stopped << (result && result->approximate
                                ? tr("%1 shows its randomized preview (rank ≤ %2)").arg(Workspace::methodTitle(method)).arg(result->maxRank)
                                : tr("%1 has no result").arg(Workspace::methodTitle(method)));
            }
        statusBar()->showMessage(stopped.isEmpty() ? tr("Cancelled.")
                                                   : tr("Cancelled: %1. The Method panel computes it again.").arg(stopped.join(QStringLiteral("; "))),
                                 15000);
        m_methods->updateNotes();
        updateComputing();
        m_viewArea->onCancelled();
    });
    connect(m_methods, &MethodControl::resumeWanted, this, &MainWindow::requestMethod);

    connect(m_viewArea, &ViewArea::viewShown, this, [this](std::shared_ptr<const ViewResult> view) {
        m_plots->placeMarker(view->source->method);
    });
    connect(m_viewArea, &ViewArea::rankSettled, this, [this](Method method) { m_factors->setRank(method, m_methodPanel->rank(method)); });
    connect(m_viewArea, &ViewArea::hovered, this, status(0));
    connect(comparePanes(), &ComparePanes::stateChanged, this, &MainWindow::saveCompareLayout);
    connect(comparePanes(), &ComparePanes::methodWanted, this, &MainWindow::requestMethod);
    connect(comparePanes(), &ComparePanes::panesChanged, m_plots, &CurvePlots::updateCurves); // and the markers
    connect(m_plots, &CurvePlots::rankPicked, this, [this](Method method, int rank) {
        m_methodPanel->setCurrentMethod(method);
        m_methodPanel->setRank(method, rank);
    });
    connect(m_plots, &CurvePlots::extendWanted, this, [this](Method method, Index rank) { m_workspace->extend(method, rank); });

    connect(m_factors, &FactorPanels::hovered, this, status(0));
    connect(m_factors, &FactorPanels::sliceSelected, m_viewArea, &ViewArea::setSliceHighlight);
    connect(m_factors, &FactorPanels::sliceCleared, this, [this] { m_viewArea->setSliceHighlight({}, {}); });

    connect(m_target, &TargetControl::ranksFound, this, [this](const std::map<Method, std::optional<Index>> &ranks) {
        for (const auto &[method, rank] : ranks)
            if (rank)
                m_methodPanel->setRank(method, int(std::max<Index>(1, *rank)));
        m_plots->updateMarkers();
    });
    connect(m_target, &TargetControl::message, this, status(15000));
    connect(m_target, &TargetControl::error, this, &MainWindow::showError);
    connect(m_exports, &Exports::message, this, status(8000));
    connect(m_exports, &Exports::error, this, &MainWindow::showError);
}

void MainWindow::onDocumentOpened(std::shared_ptr<const InputDocument> doc, const QString &summary)
{
    m_banner->hide();
    m_viewArea->clearResults();
    m_colors->setDocument(doc->path.isEmpty() ? doc->displayName : doc->path);
    m_workspace->setDocument(doc);
    // The factorisations start first, so that the preview is computed while the views are set
    // up (hundreds of ms for a 12-megapixel photo).
    m_methods->updateLimits();
    restartResults();
    m_viewArea->showDocument();
    m_colors->update();
    setWindowTitle(tr("%1 — Factorscope").arg(doc->title()));
    const QString channels = doc->isImage ? (doc->planes.size() == 3 ? tr("RGB") : tr("grey"))
                                          : tr("%n channel(s)", nullptr, int(doc->planes.size()));
    m_documentInfo->setText(tr("%1 × %2, %3").arg(doc->rows()).arg(doc->cols()).arg(channels));
    statusBar()->showMessage(summary, 10000);
}

void MainWindow::setColorMode(core::ColorMode mode)
{
    m_settings->setColorMode(mode);
    m_colors->showColorMode(mode);
    const auto doc = document();
    const bool changes = doc && doc->isImage && doc->planes.size() == 3 && mode != m_workspace->colorMode();
    m_workspace->setColorMode(mode);
    m_colors->update();
    if (!changes)
        return;
    m_viewArea->clearResults();
    restartResults();
    m_viewArea->showDocument();
}

void MainWindow::restartResults()
{
    // The SVD is always wanted: the optimum at equal rank, the reference of every curve.
    requestMethod(Method::Svd);
    if (m_methodPanel->currentMethod() != Method::Svd)
        requestMethod(m_methodPanel->currentMethod());
    m_factors->clearAll(tr("Computing…"));
    m_factors->setChannels(m_workspace->channels(), m_workspace->channelNames());
    m_pinv->documentChanged();
    m_plots->clear();
}

void MainWindow::requestMethod(Method method)
{
    if (m_methods->request(method) && method == m_methodPanel->currentMethod())
        m_viewArea->showComputing(method);
    updateComputing();
}

void MainWindow::updateComputing()
{
    for (Method method : core::allMethods())
        m_factors->setComputing(method, m_workspace->isComputing(method));
}

void MainWindow::onResult(Method method, std::shared_ptr<const MethodResult> result)
{
    m_viewArea->onResult(method); // first: its stand-in is set up while the rest is updated
    if (method == Method::Svd)
        m_factors->setSvdReference(result);
    m_factors->setResult(method, result);
    m_factors->setRank(method, m_methodPanel->rank(method));
    m_plots->onResult(method, *result);
    m_methods->updateNote(method);
}

void MainWindow::onRankChanged(Method method, int rank)
{
    m_settings->setRank(method, rank);
    m_plots->placeMarker(method);
    if (method == Method::Svd || method == m_methodPanel->currentMethod())
        m_plots->updateSpectrumRank();
    if (method == m_methodPanel->currentMethod())
        m_plots->updateWorkingRank();
    // Only the view is rebuilt, from the cached models: a rank change never refactorises. The
    // screen follows the hand at display resolution; the factor heatmaps and the full-resolution
    // view follow once the rank rests (ViewArea::rankSettled).
    if (method != m_methodPanel->currentMethod() || !m_viewArea->followRank(method))
        m_factors->setRank(method, rank);
}

void MainWindow::onMethodChanged(Method method)
{
    m_settings->setCurrentMethod(method);
    m_factors->showMethod(method);
    m_plots->updateSpectrumRank();
    m_plots->updateWorkingRank();
    m_colors->showMethod(method);
    if (m_workspace->document())
        requestMethod(method);
    m_viewArea->onMethodChanged(method);
}

void MainWindow::onChromaRankChanged(Method method)
{
    m_plots->placeMarker(method);
    if (m_workspace->result(method))
        m_viewArea->followRank(method);
}

void MainWindow::setCompareMode(bool on)
{
    if (m_compareAction->isChecked() != on) {
        const QSignalBlocker block(m_compareAction);
        m_compareAction->setChecked(on);
    }
    m_viewArea->setCompareMode(on);
    saveCompareLayout();
    m_plots->updateCurves(); // the panes' own curves come and go; the markers follow
}

void MainWindow::saveCompareLayout()
{
    Settings::CompareLayout layout = comparePanes()->state();
    layout.open = isCompareMode();
    m_settings->setCompareLayout(layout);
}

void MainWindow::showError(const QString &message)
{
    statusBar()->showMessage(message, 20000);
    m_banner->showMessage(message);
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Factorscope"),
        tr("<h3>Factorscope %1</h3>"
           "<p>See how images and matrices are approximated by truncated SVD, randomized SVD, "
           "interpolative decomposition (ID), column–row sampling (CR) and Monarch matrices.</p>"
           "<p>Released under the MIT licence.</p>"
           "<p>Default image: astronaut Eileen Collins, NASA (public domain), as shipped with scikit-image.</p>"
           "<p>Built with Qt %2, Eigen, OpenBLAS/LAPACK and QCustomPlot.</p>")
            .arg(QStringLiteral(FACTORSCOPE_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->sync();
    m_workspace->runner()->cancelAll();
    QMainWindow::closeEvent(event);
}

bool MainWindow::waitForIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    JobRunner *runner = m_workspace->runner();
    JobRunner *display = m_workspace->displayRunner();
    int quiet = 0;
    // Results start new jobs (a view for a new result): idle means idle for a few rounds.
    while (quiet < 5) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!runner->waitForIdle(int(std::max<qint64>(1, deadline.remainingTime()))))
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        // (a rank at rest has its full view asked for after ViewArea::viewDelayMs)
        if (!display->waitForIdle(int(std::max<qint64>(1, deadline.remainingTime()))))
            return false;
        quiet = runner->activeCount() == 0 && display->activeCount() == 0 && !m_viewArea->hasPendingViews() ? quiet + 1 : 0;
        QThread::msleep(10);
    }
    return true;
}

bool MainWindow::waitForWorkers(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    return m_workspace->runner()->waitForIdle(timeoutMs)
           && m_workspace->displayRunner()->waitForIdle(int(std::max<qint64>(1, deadline.remainingTime())));
}

// --- forwarding accessors ------------------------------------------------------------------

void MainWindow::openStartupFiles(const QStringList &paths) { m_opener->openStartupFiles(paths, document() != nullptr); }
widgets::MatrixView *MainWindow::documentView() const { return m_viewArea->documentView(); }
widgets::MatrixView *MainWindow::reconstructionView() const { return m_viewArea->reconstructionView(); }
widgets::MatrixView *MainWindow::residualView() const { return m_viewArea->residualView(); }
ComparePanes *MainWindow::comparePanes() const { return m_viewArea->comparePanes(); }
widgets::ErrorPlot *MainWindow::errorPlot() const { return m_plots->errorPlot(); }
widgets::SpectrumPlot *MainWindow::spectrumPlot() const { return m_plots->spectrumPlot(); }
std::shared_ptr<const ViewResult> MainWindow::currentView() const { return m_viewArea->currentView(); }
QString MainWindow::metricsText() const { return m_viewArea->metricsText(); }
bool MainWindow::isCompareMode() const { return m_viewArea->isCompareMode(); }
QString MainWindow::bannerText() const { return m_banner->text(); }
bool MainWindow::isBannerVisible() const { return !m_banner->isHidden(); }
void MainWindow::setChromaRank(int rank) { m_colors->setChromaRank(rank); }
int MainWindow::chromaRank() const { return m_colors->chromaRank(m_methodPanel->currentMethod()); }
QSpinBox *MainWindow::chromaRankBox() const { return m_colors->chromaRankBox(); }
bool MainWindow::exportCurveCsv(const QString &path) { return m_exports->curveCsv(path); }
bool MainWindow::exportPlot(const QString &path) { return m_exports->plot(path); }
bool MainWindow::exportReconstruction(const QString &path) { return m_exports->reconstruction(path); }
bool MainWindow::exportFactors(const QString &folder, exporter::FactorFormat format) { return m_exports->factors(folder, format); }
bool MainWindow::exportViews(const QString &path) { return m_exports->views(path); }
void MainWindow::applyTarget(core::TargetKind kind, double value) { m_target->apply(kind, value); }
std::map<Method, std::optional<Index>> MainWindow::lastTargetRanks() const { return m_target->lastRanks(); }

} // namespace factorscope::app
