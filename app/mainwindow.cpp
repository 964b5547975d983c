// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "comparepanes.h"
#include "displaypreview.h"
#include "factorpanels.h"
#include "generatordialog.h"
#include "recentfiles.h"
#include "settings.h"

#include "core/cr.h"
#include "core/id.h"
#include "core/io/matrixio.h"
#include "core/metrics.h"
#include "core/monarch.h"
#include "widgets/colormap.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"
#include "widgets/spectrumplot.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryFile>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

namespace factorscope::app {

using core::Index;
using core::Method;
using widgets::ColorScale;
using widgets::MatrixView;

namespace {

QColor methodColor(Method method, const QPalette &palette)
{
    switch (method) {
    case Method::Svd: return palette.color(QPalette::WindowText);
    case Method::Rsvd: return QColor(0x1f, 0x77, 0xb4);
    case Method::Id: return QColor(0x2c, 0xa0, 0x2c);
    case Method::Cr: return QColor(0xd6, 0x27, 0x28);
    case Method::Monarch: return QColor(0x94, 0x67, 0xbd);
    }
    return {};
}

/// Spectral errors estimated at a few ranks only: filled in between (log-linear) so that the
/// curve is drawn; the ranks outside the estimated range stay unknown.
QVector<double> fillBetween(const QVector<double> &rank, QVector<double> values)
{
    int previous = -1;
    for (int i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i]))
            continue;
        if (previous >= 0 && i - previous > 1 && values[previous] > 0 && values[i] > 0) {
            const double a = std::log(values[previous]), b = std::log(values[i]);
            for (int k = previous + 1; k < i; ++k) {
                const double f = (rank[k] - rank[previous]) / (rank[i] - rank[previous]);
                values[k] = std::exp(a + f * (b - a));
            }
        }
        previous = i;
    }
    return values;
}

} // namespace

/// What the target search hands back: the rank per method (nullopt: out of reach).
struct TargetOutcome final : JobValue
{
    core::TargetKind kind = core::TargetKind::RelErrFro;
    double value = 0.0;
    std::map<Method, std::optional<Index>> ranks;
    QStringList errors;
};

namespace {

/// What the curve export job hands back: whether the file was written and why not.
struct CurveExportOutcome final : JobValue
{
    QString path;
    bool ok = false;
    QString error;
};

QString percent(double fraction)
{
    return QStringLiteral("%1 %").arg(100.0 * fraction, 0, 'f', fraction < 0.001 ? 4 : 2);
}

} // namespace

MainWindow::MainWindow(Settings *settings, QWidget *parent) : QMainWindow(parent)
{
    if (!settings) {
        m_ownSettings = std::make_unique<Settings>();
        settings = m_ownSettings.get();
    }
    m_settings = settings;
    m_recent = new RecentFiles(m_settings, this);
    m_workspace = new Workspace(this);
    m_displayPreview = new DisplayPreview(m_workspace->displayRunner(), QStringLiteral("display:main"), false, this);
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("Factorscope"));
    setAcceptDrops(true);
    buildUi();
    buildMenus();
    restoreSettings();
    connectSignals();
}

MainWindow::~MainWindow()
{
    // Nothing may reach the views while they are destroyed; the runner's destructor (the
    // workspace is a child) then waits for the cancelled workers without processing events.
    m_workspace->disconnect(this);
    m_workspace->runner()->disconnect(this);
    m_workspace->runner()->cancelAll();
}

// --- building ------------------------------------------------------------------------------

void MainWindow::buildUi()
{
    // Banner for non-modal errors, above the views.
    m_banner = new QFrame;
    m_banner->setObjectName(QStringLiteral("errorBanner"));
    m_banner->setStyleSheet(QStringLiteral("#errorBanner { background: rgba(255, 170, 0, 55); "
                                           "border: 1px solid rgba(210, 120, 0, 170); border-radius: 4px; }"));
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(8, 4, 4, 4);
    m_bannerText = new QLabel;
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *close = new QToolButton;
    close->setAutoRaise(true);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &MainWindow::hideBanner);
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addWidget(close, 0, Qt::AlignTop);
    m_banner->hide();

    m_documentView = new MatrixView;
    m_documentView->setObjectName(QStringLiteral("documentView"));
    m_reconstructionView = new MatrixView;
    m_reconstructionView->setObjectName(QStringLiteral("reconstructionView"));
    m_residualView = new MatrixView;
    m_residualView->setObjectName(QStringLiteral("residualView"));
    m_reconstructionView->clear(tr("No reconstruction yet"));
    m_residualView->clear(tr("No residual yet"));

    m_resultTabs = new QTabWidget;
    m_resultTabs->setDocumentMode(true);
    m_resultTabs->addTab(m_reconstructionView, tr("Reconstruction M̃"));
    m_resultTabs->addTab(m_residualView, tr("Residual M − M̃"));
    m_resultTabs->setTabToolTip(1, tr("The error of the approximation, on a colour scale centred on zero"));
    auto *documentPane = new QTabWidget;
    documentPane->setDocumentMode(true);
    documentPane->addTab(m_documentView, tr("Original M"));

    m_metrics = new QLabel;
    m_metrics->setTextFormat(Qt::RichText);
    m_metrics->setWordWrap(true);
    m_metrics->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metrics->setContentsMargins(6, 2, 6, 2);
    auto *views = new QSplitter(Qt::Horizontal);
    views->addWidget(documentPane);
    views->addWidget(m_resultTabs);
    views->setChildrenCollapsible(false);
    auto *viewsBox = new QWidget;
    m_viewsBox = views;
    auto *viewsLayout = new QVBoxLayout(viewsBox);
    viewsLayout->setContentsMargins(0, 0, 0, 0);
    viewsLayout->setSpacing(0);
    m_compare = new ComparePanes(m_workspace);
    m_compare->setObjectName(QStringLiteral("comparePanes"));
    m_compare->setChromaRankProvider([this](Method method) { return chromaRankFor(method); });
    m_viewStack = new QStackedWidget;
    m_viewStack->addWidget(views);
    m_viewStack->addWidget(m_compare);
    viewsLayout->addWidget(m_viewStack, 1);
    viewsLayout->addWidget(m_metrics);

    m_errorPlot = new widgets::ErrorPlot;
    m_errorPlot->setObjectName(QStringLiteral("errorPlot"));
    m_errorPlot->setMinimumHeight(220);

    auto *vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(viewsBox);
    vertical->addWidget(m_errorPlot);
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

    m_methodPanel = new widgets::MethodPanel;
    m_methodPanel->setObjectName(QStringLiteral("methodPanel"));
    auto *methodDock = new QDockWidget(tr("Method"), this);
    methodDock->setObjectName(QStringLiteral("methodDock"));
    methodDock->setWidget(m_methodPanel);
    methodDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    m_methodPanel->setMinimumWidth(280);
    addDockWidget(Qt::LeftDockWidgetArea, methodDock);

    m_spectrum = new widgets::SpectrumPlot;
    m_spectrum->setObjectName(QStringLiteral("spectrumPlot"));
    m_spectrum->setMinimumHeight(200);
    auto *spectrumDock = new QDockWidget(tr("Spectrum"), this);
    spectrumDock->setObjectName(QStringLiteral("spectrumDock"));
    spectrumDock->setWidget(m_spectrum);
    spectrumDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable
                              | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, spectrumDock);
    splitDockWidget(methodDock, spectrumDock, Qt::Vertical);

    m_factors = new FactorPanels;
    m_factors->setObjectName(QStringLiteral("factorPanels"));
    auto *factorDock = new QDockWidget(tr("Factors"), this);
    factorDock->setObjectName(QStringLiteral("factorDock"));
    factorDock->setWidget(m_factors);
    factorDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable
                            | QDockWidget::DockWidgetClosable);
    m_factors->setMinimumWidth(380);
    addDockWidget(Qt::RightDockWidgetArea, factorDock);
    resizeDocks({methodDock, factorDock}, {310, 520}, Qt::Horizontal);
    resizeDocks({methodDock, spectrumDock}, {500, 400}, Qt::Vertical);

    // Status bar: messages on the left, document, progress and Cancel on the right.
    m_documentInfo = new QLabel;
    m_progressLabel = new QLabel;
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(false);
    m_cancel = new QToolButton;
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop every running computation"));
    statusBar()->addPermanentWidget(m_documentInfo);
    statusBar()->addPermanentWidget(m_progressLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    m_progressLabel->hide();
    m_progress->hide();
    m_cancel->hide();
    // Quick jobs (a view at a new rank) finish before the bar would flash.
    m_viewDelay = new QTimer(this);
    m_viewDelay->setSingleShot(true);
    m_viewDelay->setInterval(viewDelayMs);
    connect(m_viewDelay, &QTimer::timeout, this, [this] {
        const Method method = m_methodPanel->currentMethod();
        requestCurrentView(method);
        m_factors->setRank(method, m_methodPanel->rank(method));
    });
    m_progressDelay = new QTimer(this);
    m_progressDelay->setSingleShot(true);
    m_progressDelay->setInterval(300);
    connect(m_progressDelay, &QTimer::timeout, this, [this] {
        const bool busy = m_workspace->runner()->activeCount() > 0;
        m_progressLabel->setVisible(busy);
        m_progress->setVisible(busy);
        m_cancel->setVisible(busy);
    });
}

void MainWindow::buildMenus()
{
    auto themed = [](const char *name) { return QIcon::fromTheme(QString::fromLatin1(name)); };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(themed("document-open"), tr("&Open…"), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    QMenu *recent = file->addMenu(tr("Open &Recent"));
    m_recent->attachMenu(recent);
    QAction *generate = file->addAction(themed("document-new"), tr("&New from Generator…"), this, &MainWindow::chooseGenerator);
    generate->setShortcut(QKeySequence::New);
    file->addSeparator();
    m_saveAction = file->addAction(themed("document-save-as"), tr("&Save Reconstruction As…"), this,
                                   &MainWindow::saveReconstruction);
    m_saveAction->setShortcuts({QKeySequence::Save, QKeySequence::SaveAs});
    QMenu *exportMenu = file->addMenu(tr("&Export"));
    exportMenu->setObjectName(QStringLiteral("exportMenu"));
    m_exportAction = exportMenu->addAction(tr("Error Curves as &CSV…"), this, [this] { chooseExport(0); });
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportMenu->addAction(tr("&Plot as PNG/SVG/PDF…"), this, [this] { chooseExport(1); });
    exportMenu->addAction(tr("&Reconstruction as PNG…"), this, [this] { chooseExport(2); });
    exportMenu->addAction(tr("&Factors as .npy…"), this, [this] { chooseExport(3); });
    exportMenu->addAction(tr("Factors as .cs&v…"), this, [this] { chooseExport(5); });
    exportMenu->addAction(tr("&Side-by-Side View as PNG…"), this, [this] { chooseExport(4); });
    file->addSeparator();
    QAction *quit = file->addAction(themed("application-exit"), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *paste = edit->addAction(themed("edit-paste"), tr("&Paste Image"), this, [this] { pasteFromClipboard(); });
    paste->setShortcut(QKeySequence::Paste);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    // In compare mode the zoom acts on pane A, which the other panes follow.
    auto zoomed = [this] { return isCompareMode() ? m_compare->view(0) : m_documentView; };
    QAction *zoomIn = view->addAction(themed("zoom-in"), tr("Zoom &In"), this, [zoomed] { zoomed()->zoomIn(); });
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    QAction *zoomOut = view->addAction(themed("zoom-out"), tr("Zoom &Out"), this, [zoomed] { zoomed()->zoomOut(); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction *fit = view->addAction(themed("zoom-fit-best"), tr("Zoom to &Fit"), this, [zoomed] { zoomed()->zoomToFit(); });
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
    bar->addAction(open);
    bar->addAction(generate);
    bar->addAction(paste);
    bar->addSeparator();
    bar->addAction(zoomIn);
    bar->addAction(zoomOut);
    bar->addAction(fit);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Colour ")));
    m_colorCombo = new QComboBox;
    m_colorCombo->addItem(tr("Grey"), int(core::ColorMode::Gray));
    m_colorCombo->addItem(tr("RGB"), int(core::ColorMode::Rgb));
    m_colorCombo->addItem(tr("YCbCr"), int(core::ColorMode::YCbCr));
    m_colorCombo->setToolTip(tr("How a colour image is factorised: its BT.709 grey, each of R, G and B on its own, "
                                "or JPEG's Y, Cb and Cr channels"));
    bar->addWidget(m_colorCombo);
    m_chromaSpin = new QSpinBox;
    m_chromaSpin->setObjectName(QStringLiteral("chromaRank"));
    m_chromaSpin->setRange(-1, 4096);
    m_chromaSpin->setValue(-1);
    m_chromaSpin->setSpecialValueText(tr("= luma"));
    m_chromaSpin->setPrefix(tr("chroma rank "));
    m_chromaSpin->setToolTip(tr("YCbCr: the rank of the chroma channels Cb and Cr; the method's rank is the luma (Y) rank. "
                                "“= luma” uses the same rank for all three."));
    m_chromaAction = bar->addWidget(m_chromaSpin);
    m_chromaAction->setVisible(false);

    QToolBar *targetBar = addToolBar(tr("Target"));
    targetBar->setObjectName(QStringLiteral("targetToolBar"));
    targetBar->addWidget(new QLabel(tr(" Target ")));
    m_targetKind = new QComboBox;
    m_targetKind->setObjectName(QStringLiteral("targetKind"));
    m_targetKind->addItem(tr("relative error ≤"), int(core::TargetKind::RelErrFro));
    m_targetKind->addItem(tr("PSNR (dB) ≥"), int(core::TargetKind::PsnrDb));
    m_targetKind->addItem(tr("SSIM ≥"), int(core::TargetKind::Ssim));
    m_targetKind->addItem(tr("stored numbers ≤"), int(core::TargetKind::StoredNumbers));
    m_targetKind->setToolTip(tr("Sets every computed method to the smallest rank reaching the target "
                                "(the largest rank within a stored-numbers budget)"));
    m_targetValue = new QDoubleSpinBox;
    m_targetValue->setObjectName(QStringLiteral("targetValue"));
    targetBar->addWidget(m_targetKind);
    targetBar->addWidget(m_targetValue);
    QAction *applyTargetAction = targetBar->addAction(tr("Apply"));
    applyTargetAction->setObjectName(QStringLiteral("applyTarget"));
    applyTargetAction->setToolTip(tr("Set each method's rank to reach the target"));
    auto setTargetRange = [this] {
        const auto kind = core::TargetKind(m_targetKind->currentData().toInt());
        const QSignalBlocker block(m_targetValue);
        switch (kind) {
        case core::TargetKind::RelErrFro: m_targetValue->setRange(0.0, 1.0); m_targetValue->setDecimals(4);
            m_targetValue->setSingleStep(0.01); m_targetValue->setValue(0.05); break;
        case core::TargetKind::PsnrDb: m_targetValue->setRange(0.0, 200.0); m_targetValue->setDecimals(1);
            m_targetValue->setSingleStep(0.5); m_targetValue->setValue(30.0); break;
        case core::TargetKind::Ssim: m_targetValue->setRange(0.0, 1.0); m_targetValue->setDecimals(3);
            m_targetValue->setSingleStep(0.01); m_targetValue->setValue(0.9); break;
        case core::TargetKind::StoredNumbers: m_targetValue->setRange(0.0, 1e12); m_targetValue->setDecimals(0);
            m_targetValue->setSingleStep(1000.0); m_targetValue->setValue(50000.0); break;
        }
    };
    setTargetRange();
    connect(m_targetKind, &QComboBox::currentIndexChanged, this, setTargetRange);
    connect(applyTargetAction, &QAction::triggered, this, [this] {
        applyTarget(core::TargetKind(m_targetKind->currentData().toInt()), m_targetValue->value());
    });
}

void MainWindow::restoreSettings()
{
    for (Method method : core::allMethods()) {
        m_methodPanel->setSettings(method, m_settings->methodSettings(method));
        m_methodPanel->setMaxRank(method, 4096);
        m_methodPanel->setRank(method, m_settings->rank(method));
        m_chromaRanks[std::size_t(method)] = m_settings->chromaRank(method);
    }
    m_methodPanel->setCurrentMethod(m_settings->currentMethod());
    {
        const QSignalBlocker block(m_chromaSpin);
        m_chromaSpin->setValue(m_chromaRanks[std::size_t(m_settings->currentMethod())]);
    }
    const Settings::CompareLayout compare = m_settings->compareLayout();
    {
        const QSignalBlocker block(m_compare); // restoring is not a change to save
        m_compare->restoreState(compare);
    }
    if (compare.open)
        setCompareMode(true);
    m_factors->showMethod(m_settings->currentMethod());
    const int colorIndex = m_colorCombo->findData(int(m_settings->colorMode()));
    m_colorCombo->setCurrentIndex(std::max(0, colorIndex));
    m_workspace->setColorMode(m_settings->colorMode());
    if (!restoreGeometry(m_settings->windowGeometry())) {
        const QSize available = screen() ? screen()->availableGeometry().size() : QSize(1600, 1000);
        resize(std::min(1600, available.width() * 9 / 10), std::min(1000, available.height() * 9 / 10));
    }
    restoreState(m_settings->windowState());
}

void MainWindow::connectSignals()
{
    connect(m_recent, &RecentFiles::openRequested, this, [this](const QString &path) {
        if (!openFile(path) && !QFileInfo::exists(path))
            m_recent->remove(path);
    });
    connect(m_methodPanel, &widgets::MethodPanel::rankChanged, this, &MainWindow::onRankChanged);
    connect(m_methodPanel, &widgets::MethodPanel::currentMethodChanged, this, &MainWindow::onMethodChanged);
    connect(m_methodPanel, &widgets::MethodPanel::settingsChanged, this, &MainWindow::onSettingsChanged);
    connect(m_workspace, &Workspace::resultReady, this, &MainWindow::onResult);
    connect(m_workspace, &Workspace::paneResultReady, this, [this](int pane, std::shared_ptr<const MethodResult> result) {
        m_compare->onPaneResult(pane, std::move(result));
        updateCurves(); // the pane's own curve
    });
    connect(m_workspace, &Workspace::viewReady, this, &MainWindow::onView);
    connect(m_workspace, &Workspace::failed, this, [this](Method method, const QString &message) {
        showError(tr("%1 failed: %2").arg(Workspace::methodTitle(method), message));
    });
    connect(m_colorCombo, &QComboBox::currentIndexChanged, this,
            [this] { setColorMode(core::ColorMode(m_colorCombo->currentData().toInt())); });
    connect(m_chromaSpin, &QSpinBox::valueChanged, this, [this](int value) {
        const Method method = m_methodPanel->currentMethod();
        m_chromaRanks[std::size_t(method)] = value;
        m_settings->setChromaRank(method, value);
        if (!isCompareMode())
            placeMarker(method);
        if (m_workspace->result(method))
            followRank(method);
    });

    connect(m_compare, &ComparePanes::stateChanged, this, &MainWindow::saveCompareLayout);
    connect(m_displayPreview, &DisplayPreview::ready, this, [this] {
        // The rebuilder a rank change waited for: show the stand-in unless the full-resolution
        // view of that rank has arrived meanwhile.
        const Method method = m_methodPanel->currentMethod();
        if (m_viewDelay->isActive() || m_workspace->runner()->isActive(QStringLiteral("view:") + Workspace::slotName(method)))
            showDisplayPreview(method);
    });

    JobRunner *runner = m_workspace->runner();
    connect(runner, &JobRunner::progressChanged, this, [this](double fraction, const QString &label) {
        m_progress->setValue(int(fraction * 1000));
        m_progressLabel->setText(label);
    });
    connect(runner, &JobRunner::finished, this, [this](const QString &slot, quint64, JobValuePtr value) {
        if (const auto target = std::dynamic_pointer_cast<const TargetOutcome>(value); target && slot == QStringLiteral("target"))
            onTargetFound(*target);
        if (slot != QStringLiteral("export:curves"))
            return;
        if (const auto outcome = std::dynamic_pointer_cast<const CurveExportOutcome>(value))
            reportWrite(outcome->ok, outcome->path, outcome->error);
    });
    connect(runner, &JobRunner::failed, this, [this](const QString &slot, quint64, const QString &message) {
        if (slot == QStringLiteral("export:curves"))
            showError(tr("The error curves could not be exported: %1").arg(message));
    });
    connect(runner, &JobRunner::busyChanged, this, [this](bool busy) {
        for (Method method : core::allMethods())
            updateNotes(method);
        if (busy) {
            m_progressDelay->start();
        } else {
            m_progressDelay->stop();
            m_progressLabel->hide();
            m_progress->hide();
            m_cancel->hide();
        }
    });
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        m_workspace->runner()->cancelAll();
        statusBar()->showMessage(tr("Cancelled."), 5000);
        for (Method method : core::allMethods())
            updateNotes(method);
    });

    // Linked zoom and pan: the view the user moves sets the others (setVisibleRegion does not emit).
    const QList<MatrixView *> linked = {m_documentView, m_reconstructionView, m_residualView};
    for (MatrixView *source : linked) {
        connect(source, &MatrixView::visibleRegionChanged, this, [this, source, linked](const QRectF &region) {
            if (!m_settings->linkedViews())
                return;
            for (MatrixView *target : linked)
                if (target != source && target->hasData() && target->matrixRows() == source->matrixRows()
                    && target->matrixColumns() == source->matrixColumns())
                    target->setVisibleRegion(region);
        });
        connect(source, &MatrixView::hovered, this, [this, source](Index, Index, double, const QString &text) {
            if (text.isEmpty()) {
                statusBar()->clearMessage();
                return;
            }
            const QString what = source == m_documentView ? tr("Original") : source == m_residualView ? tr("Residual")
                                                                                                       : tr("Reconstruction");
            statusBar()->showMessage(QStringLiteral("%1 — %2").arg(what, text));
        });
    }
    connect(m_compare, &ComparePanes::methodWanted, this, &MainWindow::requestMethod);
    connect(m_compare, &ComparePanes::panesChanged, this, &MainWindow::updateCurves); // and the markers
    connect(m_factors, &FactorPanels::hovered, this, [this](const QString &text) {
        text.isEmpty() ? statusBar()->clearMessage() : statusBar()->showMessage(text);
    });
    connect(m_factors, &FactorPanels::sliceSelected, this,
            [this](const std::vector<Index> &rows, const std::vector<Index> &columns) {
                m_sliceRows = rows;
                m_sliceColumns = columns;
                updateDocumentMarks();
            });
    connect(m_factors, &FactorPanels::sliceCleared, this, [this] {
        m_sliceRows.clear();
        m_sliceColumns.clear();
        updateDocumentMarks();
    });
    connect(m_errorPlot, &widgets::ErrorPlot::rankPicked, this, [this](const QString &name, double rank) {
        for (Method method : core::allMethods()) {
            const auto result = m_workspace->result(method);
            if (result && seriesName(method, *result) == name) {
                m_methodPanel->setCurrentMethod(method);
                m_methodPanel->setRank(method, int(std::lround(rank)));
            }
        }
    });
}

// --- opening -------------------------------------------------------------------------------

void MainWindow::openStartupFiles(const QStringList &paths)
{
    bool opened = false;
    QStringList errors;
    for (const QString &path : paths) {
        if (openFile(path))
            opened = true;
        else
            errors << bannerText();
    }
    if (!opened && !document()) {
        openDefaultImage();
        // The default image stands in for the file that failed: still say why.
        if (!errors.isEmpty())
            showError(errors.join(QLatin1Char('\n')));
    }
}

bool MainWindow::openDefaultImage()
{
    const QImage image(QStringLiteral(":/images/default.png"));
    if (image.isNull()) {
        showError(tr("The embedded default image is missing."));
        return false;
    }
    OpenResult result;
    InputDocument doc = documentFromImage(image, tr("Astronaut (NASA, public domain)"));
    doc.format = tr("embedded PNG image, %1").arg(doc.format);
    result.document = std::move(doc);
    return openDocument(std::move(result));
}

bool MainWindow::openFile(const QString &path)
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    OpenResult result = openInput(path);
    QApplication::restoreOverrideCursor();
    if (result.ok())
        m_settings->setLastDirectory(QFileInfo(path).absolutePath());
    return openDocument(std::move(result), path);
}

bool MainWindow::openGenerated(const core::GeneratorSpec &spec)
{
    return openDocument(GeneratorDialog::generateDocument(spec));
}

bool MainWindow::pasteFromClipboard()
{
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull()) {
            OpenResult result;
            InputDocument doc = documentFromImage(image, tr("Pasted image"));
            doc.format = tr("pasted image, %1").arg(doc.format);
            result.document = std::move(doc);
            return openDocument(std::move(result));
        }
    }
    if (mime && mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile())
        return openFile(mime->urls().first().toLocalFile());
    showError(tr("The clipboard holds no image."));
    return false;
}

bool MainWindow::openDocument(OpenResult result, const QString &recentPath)
{
    if (!result.ok()) {
        showError(result.error.isEmpty() ? tr("%1: could not be opened.").arg(recentPath) : result.error);
        return false;
    }
    hideBanner();
    auto doc = std::make_shared<const InputDocument>(std::move(*result.document));
    m_view.reset();
    m_displayPreview->reset();
    m_sliceRows.clear();
    m_sliceColumns.clear();
    m_workspace->setDocument(doc);
    // The factorisations start first, so that the preview is computed while the views are set
    // up (hundreds of ms for a 12-megapixel photo). The SVD is always wanted: the optimum at
    // equal rank, the reference of every curve.
    updateMethodLimits();
    m_reconstructionView->clear(tr("Computing…"));
    m_residualView->clear(tr("Computing…"));
    requestMethod(Method::Svd);
    if (m_methodPanel->currentMethod() != Method::Svd)
        requestMethod(m_methodPanel->currentMethod());

    showOriginal();
    m_documentView->clearMarks();
    m_metrics->clear();
    m_factors->clearAll(tr("Computing…"));
    m_factors->setChannels(m_workspace->channels(), channelNames());
    m_errorPlot->clearMarkers();
    m_errorPlot->setSeries({});
    m_spectrum->clear();
    m_compare->reset();
    updateColorControls();
    if (!recentPath.isEmpty())
        m_recent->add(recentPath);

    setWindowTitle(tr("%1 — Factorscope").arg(doc->displayName));
    const QString channels = doc->isImage ? (doc->planes.size() == 3 ? tr("RGB") : tr("grey"))
                                          : tr("%n channel(s)", nullptr, int(doc->planes.size()));
    m_documentInfo->setText(tr("%1 × %2, %3").arg(doc->rows()).arg(doc->cols()).arg(channels));
    QString message = tr("Opened %1: %2 × %3, %4.").arg(doc->displayName).arg(doc->rows()).arg(doc->cols()).arg(doc->format);
    if (!doc->notes.isEmpty())
        message += QStringLiteral(" ") + doc->notes.join(QStringLiteral(" "));
    statusBar()->showMessage(message, 10000);
    if (isCompareMode())
        m_compare->refresh();
    return true;
}

std::shared_ptr<const InputDocument> MainWindow::document() const { return m_workspace->document(); }

void MainWindow::showOriginal()
{
    const auto doc = document();
    if (!doc)
        return;
    if (doc->isImage) {
        m_documentView->setImagePlanes(Workspace::displayedOriginal(doc, m_workspace->colorMode()));
        m_documentView->setTitle(doc->displayName);
    } else {
        auto m = std::make_shared<const core::Matrix>(doc->planes[0]);
        const QString title = doc->planes.size() > 1 ? tr("%1 (channel 1 of %2)").arg(doc->displayName).arg(doc->planes.size())
                                                     : doc->displayName;
        m_documentView->setMatrix(m, MatrixView::autoScale(*m), title);
    }
}

bool MainWindow::isSupportedFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.isFile())
        return false;
    if (core::isMatrixFileName(path.toStdString()))
        return true;
    const QByteArray suffix = info.suffix().toLower().toLatin1();
    return QImageReader::supportedImageFormats().contains(suffix) || suffix == "jpg" || suffix == "tif";
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()
        && isSupportedFile(mime->urls().first().toLocalFile()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    openFile(urls.first().toLocalFile());
}

void MainWindow::chooseFile()
{
    QStringList patterns;
    for (const std::string &ext : core::matrixFileExtensions())
        patterns << QStringLiteral("*") + QString::fromStdString(ext);
    QStringList images;
    for (const QByteArray &format : QImageReader::supportedImageFormats())
        images << QStringLiteral("*.") + QString::fromLatin1(format);
    const QString filter = tr("Images and matrices (%1 %2);;Matrices (%1);;Images (%2);;All files (*)")
                               .arg(patterns.join(QLatin1Char(' ')), images.join(QLatin1Char(' ')));
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Image or Matrix"), m_settings->lastDirectory(), filter);
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::chooseGenerator()
{
    GeneratorDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        openGenerated(dialog.spec());
}

// --- errors --------------------------------------------------------------------------------

void MainWindow::showError(const QString &message)
{
    statusBar()->showMessage(message, 20000);
    m_bannerText->setText(message);
    m_banner->show();
}

void MainWindow::hideBanner() { m_banner->hide(); }

QString MainWindow::bannerText() const { return m_bannerText->text(); }

bool MainWindow::isBannerVisible() const { return !m_banner->isHidden(); }

QString MainWindow::metricsText() const { return m_metrics->text(); }

// --- computing -----------------------------------------------------------------------------

QStringList MainWindow::channelNames() const
{
    const auto doc = document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return {};
    if (channels->size() == 1)
        return {tr("only")};
    if (doc->isImage)
        return m_workspace->colorMode() == core::ColorMode::YCbCr ? QStringList{tr("Y"), tr("Cb"), tr("Cr")}
                                                                   : QStringList{tr("R"), tr("G"), tr("B")};
    QStringList names;
    for (std::size_t c = 0; c < channels->size(); ++c)
        names << tr("channel %1").arg(c + 1);
    return names;
}

void MainWindow::updateColorControls()
{
    const auto doc = document();
    const bool colour = doc && doc->isImage && doc->planes.size() == 3;
    m_colorCombo->setEnabled(colour);
    m_chromaAction->setVisible(colour && m_workspace->colorMode() == core::ColorMode::YCbCr);
}

std::optional<Index> MainWindow::chromaRankFor(Method method) const
{
    const auto doc = document();
    const int chroma = m_chromaRanks[std::size_t(method)];
    if (chroma < 0 || !doc || !doc->isImage || doc->planes.size() != 3 || m_workspace->colorMode() != core::ColorMode::YCbCr)
        return std::nullopt;
    return Index(chroma);
}

void MainWindow::requestCurrentView(Method method)
{
    m_workspace->requestView(method, m_methodPanel->rank(method), chromaRankFor(method));
}

void MainWindow::setChromaRank(int rank)
{
    m_chromaSpin->setValue(std::max(-1, rank));
}

int MainWindow::chromaRank() const { return m_chromaRanks[std::size_t(m_methodPanel->currentMethod())]; }

void MainWindow::setColorMode(core::ColorMode mode)
{
    m_settings->setColorMode(mode);
    const int index = m_colorCombo->findData(int(mode));
    if (index != m_colorCombo->currentIndex()) {
        const QSignalBlocker block(m_colorCombo);
        m_colorCombo->setCurrentIndex(index);
    }
    const auto doc = document();
    const bool changes = doc && doc->isImage && doc->planes.size() == 3 && mode != m_workspace->colorMode();
    m_workspace->setColorMode(mode);
    updateColorControls();
    if (!changes)
        return;
    showOriginal();
    m_view.reset();
    m_displayPreview->reset();
    m_factors->clearAll(tr("Computing…"));
    m_factors->setChannels(m_workspace->channels(), channelNames());
    m_errorPlot->setSeries({});
    m_spectrum->clear();
    m_reconstructionView->clear(tr("Computing…"));
    m_residualView->clear(tr("Computing…"));
    m_compare->reset();
    requestMethod(Method::Svd);
    if (m_methodPanel->currentMethod() != Method::Svd)
        requestMethod(m_methodPanel->currentMethod());
    if (isCompareMode())
        m_compare->refresh();
}

void MainWindow::updateMethodLimits()
{
    const Index n = m_workspace->rows(), m = m_workspace->cols();
    if (n == 0)
        return;
    m_methodPanel->setMaxBlocks(int(std::max(n, m)));
    for (Method method : core::allMethods()) {
        const Index limit = Workspace::factorisationRank(method, n, m, m_methodPanel->settings(method));
        m_methodPanel->setMaxRank(method, int(std::max<Index>(1, limit)));
        updateNotes(method);
    }
}

void MainWindow::updateNotes(Method method)
{
    const auto result = m_workspace->result(method);
    const Index n = m_workspace->rows(), m = m_workspace->cols();
    QStringList notes;
    if (m_workspace->isComputing(method))
        notes << tr("Computing…");
    if (result && result->approximate)
        notes << tr("<b>Approximate preview</b>: a randomized SVD of rank %1 while the exact SVD runs. What its "
                    "sketch misses: ‖M − QQᵀM‖<sub>F</sub> = %2 % of ‖M‖<sub>F</sub>; a-posteriori bound "
                    "‖M − QQᵀM‖<sub>2</sub> ≤ %3·‖M‖<sub>2</sub> (Halko et al., holds with probability "
                    "1 − 10<sup>−10</sup>).")
                     .arg(result->maxRank)
                     .arg(100.0 * result->estimatedRelErrFro, 0, 'f', 2)
                     .arg(result->estimatedRelErrSpec, 0, 'g', 3);
    const core::MethodSettings s = m_methodPanel->settings(method);
    if (method == Method::Rsvd && n > 0 && std::min(n, m) > 128)
        notes << tr("Computed up to rank 128; beyond that the exact SVD is the better tool.");
    if (method == Method::Id && s.idSelector == core::IdSelector::SketchPivotedQr && std::min(n, m) > 256)
        notes << tr("The sketched ID is computed up to rank 256.");
    if (method == Method::Monarch && n > 0) {
        const Index b = std::max<Index>(1, s.monarchBlocks);
        const Index lo = (n + b - 1) / b, in = (m + b - 1) / b;
        QString text = tr("Slices of %1 × %2; ρ up to %3.").arg(lo).arg(in).arg(std::min(lo, in));
        if (lo * b != n || in * b != m)
            text += QStringLiteral(" ") + tr("%1 × %2 is zero-padded to %3 × %4 and cropped back.").arg(n).arg(m).arg(lo * b).arg(in * b);
        notes << text;
    }
    if (result && !result->approximate && result->seconds > 0)
        notes << tr("Factorised in %1 s.").arg(result->seconds, 0, 'f', 2);
    m_methodPanel->setNote(method, notes.join(QStringLiteral("<br>")));
}

void MainWindow::requestMethod(Method method)
{
    m_workspace->request(method, m_methodPanel->settings(method));
    updateNotes(method);
    if (method == m_methodPanel->currentMethod() && !m_workspace->result(method)) {
        m_reconstructionView->clear(tr("Computing %1…").arg(Workspace::methodTitle(method)));
        m_residualView->clear(tr("Computing %1…").arg(Workspace::methodTitle(method)));
    }
}

void MainWindow::onResult(Method method, std::shared_ptr<const MethodResult> result)
{
    // The new result at display resolution as soon as its rebuilder is set up (on the display
    // runner, tens of ms, started first so that it runs while the plots and factors below are
    // updated; DisplayPreview::ready shows it), long before the full-resolution view
    // (reconstruction, residual, SSIM) arrives; and the first drag finds the rebuilder ready.
    const bool current = method == m_methodPanel->currentMethod();
    if (current)
        prepareDisplayPreview(method);
    if (method == Method::Svd) {
        const core::Vector sigma = result->combinedSingularValues();
        QString label = result->channels() > 1 ? tr("σᵢ, channels combined") : tr("σᵢ");
        if (result->approximate)
            label += QStringLiteral(" ") + tr("(preview)");
        m_spectrum->setSingularValues(sigma, label);
        m_spectrum->setRank(spectrumRank());
        m_factors->setSvdReference(result);
    }
    m_factors->setResult(method, result);
    m_factors->setRank(method, m_methodPanel->rank(method));
    updateCurves();
    updateNotes(method);
    if (current) {
        requestCurrentView(method);
        showDisplayPreview(method); // (when the rebuilder is not ready yet: once it is)
    }
    if (isCompareMode())
        m_compare->onResult(method);
}

void MainWindow::onView(std::shared_ptr<const ViewResult> view)
{
    if (view->pane >= 0) {
        m_compare->onView(view);
        return;
    }
    if (!view->source || view->source->method != m_methodPanel->currentMethod())
        return;
    m_view = view;
    if (!isCompareMode())
        placeMarker(view->source->method);
    const auto doc = document();
    const QRectF region = m_documentView->visibleRegion();
    if (view->isImage) {
        m_reconstructionView->setImagePlanes(view->reconstruction);
    } else {
        auto channel = std::make_shared<const core::Matrix>((*view->reconstruction)[0]);
        m_reconstructionView->setMatrix(channel, m_documentView->colorScale());
        m_reconstructionView->setColorRange(m_documentView->colorRange().first, m_documentView->colorRange().second);
    }
    const QString methodName = Workspace::methodTitle(view->source->method);
    QString what = view->source->method == Method::Monarch ? tr("ρ = %1").arg(view->rank) : tr("rank %1").arg(view->rank);
    if (view->hasChromaRank)
        what = view->source->method == Method::Monarch ? tr("ρ = %1 (Y), %2 (Cb, Cr)").arg(view->rank).arg(view->channelRanks[1])
                                                       : tr("rank %1 (Y), %2 (Cb, Cr)").arg(view->rank).arg(view->channelRanks[1]);
    m_reconstructionView->setTitle(view->source->approximate ? tr("%1, %2 (approximate preview)").arg(methodName, what)
                                                              : tr("%1, %2").arg(methodName, what));
    m_residualView->setMatrix(view->residual, ColorScale::Diverging, view->residualLabel);
    prepareDisplayPreview(view->source->method); // for the view's present size (after a resize)
    if (m_settings->linkedViews()) {
        m_reconstructionView->setVisibleRegion(region);
        m_residualView->setVisibleRegion(region);
    }

    QStringList parts;
    parts << QStringLiteral("<b>%1</b>").arg(m_reconstructionView->title().toHtmlEscaped());
    parts << tr("relative error %1").arg(percent(view->relErrFro));
    if (!std::isnan(view->psnrDb))
        parts << tr("PSNR %1 dB").arg(std::isinf(view->psnrDb) ? QStringLiteral("∞") : QString::number(view->psnrDb, 'f', 2));
    if (!std::isnan(view->ssim))
        parts << tr("SSIM %1").arg(view->ssim, 0, 'f', 4);
    parts << tr("%1 numbers stored (%2 of the original%3)")
                 .arg(QLocale().toString(view->params, 'f', 0))
                 .arg(percent(view->ratio))
                 .arg(view->ratio > 0 ? tr(", %1:1").arg(1.0 / view->ratio, 0, 'f', 1) : QString());
    const int wanted = m_methodPanel->rank(view->source->method);
    if (wanted > view->rank)
        parts << tr("<i>rank limited to %1 by the %2</i>")
                     .arg(view->rank)
                     .arg(view->source->approximate ? tr("preview") : tr("factorisation"));
    if (view->source->trials() > 1)
        parts << tr("trial 1 of %1 shown").arg(view->source->trials());
    m_metrics->setText(parts.join(QStringLiteral(" · ")));
    updateDocumentMarks();
    (void)doc;
}

int MainWindow::spectrumRank() const
{
    // The spectrum is the SVD's: Monarch's block rank ρ is no rank of M, so the SVD's r is shown.
    const Method method = m_methodPanel->currentMethod();
    return m_methodPanel->rank(method == Method::Monarch ? Method::Svd : method);
}

void MainWindow::updateDocumentMarks()
{
    m_documentView->clearMarks();
    const Method method = m_methodPanel->currentMethod();
    const auto result = m_workspace->result(method);
    if (!result || result->models.empty())
        return;
    const Index rank = std::clamp<Index>(m_methodPanel->rank(method), 1, std::max<Index>(1, result->maxRank));
    if (method == Method::Id) {
        if (const auto *id = dynamic_cast<const core::IdModel *>(&result->model(0))) {
            std::vector<Index> skeleton(id->pivots().begin(), id->pivots().begin() + std::min<Index>(rank, Index(id->pivots().size())));
            id->isRowId() ? m_documentView->setRowMarks(skeleton) : m_documentView->setColumnMarks(skeleton);
        }
    } else if (method == Method::Cr) {
        if (const auto *cr = dynamic_cast<const core::CrModel *>(&result->model(0))) {
            std::vector<Index> drawn(cr->draws().begin(), cr->draws().begin() + std::min<Index>(rank, Index(cr->draws().size())));
            if (cr->product() == core::CrProduct::MatrixIdentity)
                m_documentView->setColumnMarks(drawn);
            else if (cr->product() == core::CrProduct::IdentityMatrix)
                m_documentView->setRowMarks(drawn);
        }
    } else if (method == Method::Monarch && !m_sliceRows.empty()) {
        m_documentView->setSliceHighlight(m_sliceRows, m_sliceColumns);
    }
}

QString MainWindow::seriesName(Method method, const MethodResult &r) const
{
    return Workspace::seriesName(method, r.settings);
}

void MainWindow::updateCurves()
{
    QVector<widgets::CurveSeries> list;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // Every method's current result, then in compare mode the results of panes with their own
    // parameters (one curve per distinct setting, in a darker shade of the method's colour).
    std::vector<std::shared_ptr<const MethodResult>> results;
    for (Method method : core::allMethods())
        if (const auto r = m_workspace->result(method))
            results.push_back(r);
    const std::size_t methodResults = results.size();
    if (isCompareMode())
        for (int i = 0; i < m_compare->paneCount(); ++i)
            if (const auto r = m_compare->paneSource(i); r && m_compare->paneSettings(i))
                if (std::none_of(results.begin(), results.end(), [&](const auto &other) {
                        return other->method == r->method && seriesName(r->method, *other) == seriesName(r->method, *r);
                    }))
                    results.push_back(r);
    for (std::size_t k = 0; k < results.size(); ++k) {
        const auto &r = results[k];
        const Method method = r->method;
        widgets::CurveSeries s;
        s.name = seriesName(method, *r);
        s.color = methodColor(method, palette());
        if (k >= methodResults) {
            const auto shade = std::count_if(results.begin() + std::ptrdiff_t(methodResults), results.begin() + std::ptrdiff_t(k),
                                             [&](const auto &other) { return other->method == method; });
            s.color = s.color.darker(150 + 40 * int(shade));
        }
        s.lowerBound = method == Method::Svd;
        s.approximate = r->approximate;
        bool band = false, expected = false;
        for (const core::CurveRow &row : r->curve) {
            s.rank << double(row.rank);
            s.params << row.params;
            s.relErrFro << row.relErrFro;
            s.relErrSpec << row.relErrSpec.value_or(nan);
            s.bandLow << row.relErrFroMin.value_or(row.relErrFro);
            s.bandHigh << row.relErrFroMax.value_or(row.relErrFro);
            s.expected << row.relErrFroExpected.value_or(nan);
            band = band || (row.relErrFroMin && row.trials > 1);
            expected = expected || (row.relErrFroExpected && r->settings.crRule != core::CrRule::Top);
        }
        if (r->spectralEstimated)
            s.relErrSpec = fillBetween(s.rank, s.relErrSpec);
        if (!band) {
            s.bandLow.clear();
            s.bandHigh.clear();
        }
        if (!expected)
            s.expected.clear();
        list << s;
    }
    m_errorPlot->setSeries(list);
    updateMarkers();
}

namespace {

/// The plot point of a view measured off its curve: YCbCr with a separate chroma rank (the
/// curves are for equal luma and chroma ranks).
std::optional<widgets::ErrorPlot::MeasuredPoint> measuredPoint(const ViewResult *view,
                                                               const std::shared_ptr<const MethodResult> &result)
{
    if (!view || !view->hasChromaRank || view->source != result)
        return std::nullopt;
    widgets::ErrorPlot::MeasuredPoint point;
    point.rank = double(view->rank);
    point.params = view->params;
    point.relErrFro = view->relErrFro;
    return point;
}

} // namespace

void MainWindow::updateMarkers()
{
    m_errorPlot->clearMarkers();
    if (isCompareMode()) {
        // Each pane's setting on its method's curve (measured, off the curve, with a separate
        // chroma rank), labelled with the pane.
        for (int i = 0; i < m_compare->paneCount(); ++i) {
            const Method method = m_compare->paneMethod(i);
            const auto r = m_compare->paneSource(i);
            if (!r)
                continue;
            const QString key = QStringLiteral("pane:%1").arg(i);
            const auto view = m_compare->paneView(i);
            if (const auto point = measuredPoint(view.get(), r))
                m_errorPlot->setLabelledMarker(key, seriesName(method, *r), *point, m_compare->paneLabel(i));
            else if (!chromaRankFor(method))
                m_errorPlot->setLabelledMarker(key, seriesName(method, *r),
                                               double(std::clamp<Index>(m_compare->paneRank(i), 1, std::max<Index>(1, r->maxRank))),
                                               m_compare->paneLabel(i));
        }
        return;
    }
    for (Method method : core::allMethods())
        placeMarker(method);
}

void MainWindow::placeMarker(Method method)
{
    const auto r = m_workspace->result(method);
    if (!r)
        return;
    const Index rank = std::min<Index>(m_methodPanel->rank(method), std::max<Index>(1, r->maxRank));
    if (const auto chroma = chromaRankFor(method)) {
        // Off the equal-rank curve: at the measured error of the view shown, once it is there;
        // no marker for a method whose view is not shown.
        const auto point = method == m_methodPanel->currentMethod() ? measuredPoint(m_view.get(), r) : std::nullopt;
        if (point)
            m_errorPlot->setMarker(seriesName(method, *r), *point,
                                   tr("r = %1, chroma %2").arg(m_view->rank).arg(m_view->channelRanks[1]));
        else
            m_errorPlot->removeMarker(seriesName(method, *r));
        return;
    }
    m_errorPlot->setMarker(seriesName(method, *r), double(rank));
}

void MainWindow::setCompareMode(bool on)
{
    if (m_compareAction->isChecked() != on) {
        const QSignalBlocker block(m_compareAction);
        m_compareAction->setChecked(on);
    }
    m_viewStack->setCurrentWidget(on ? static_cast<QWidget *>(m_compare) : m_viewsBox);
    saveCompareLayout();
    // The read-out line is the main view's; each pane shows its own in its title.
    m_metrics->setVisible(!on);
    if (on)
        m_compare->refresh();
    updateCurves(); // the panes' own curves come and go; the markers follow
}

bool MainWindow::isCompareMode() const { return m_viewStack->currentWidget() == m_compare; }

void MainWindow::saveCompareLayout()
{
    Settings::CompareLayout layout = m_compare->state();
    layout.open = isCompareMode();
    m_settings->setCompareLayout(layout);
}

void MainWindow::onRankChanged(Method method, int rank)
{
    m_settings->setRank(method, rank);
    if (!isCompareMode())
        placeMarker(method);
    if (method == Method::Svd || method == m_methodPanel->currentMethod())
        m_spectrum->setRank(spectrumRank());
    // Only the view is rebuilt, from the cached models: a rank change never refactorises. The
    // screen follows the hand at display resolution; the factor heatmaps and the full-resolution
    // view follow once the rank rests (followRank).
    if (method != m_methodPanel->currentMethod() || !followRank(method))
        m_factors->setRank(method, rank);
}

bool MainWindow::followRank(Method method)
{
    if (showDisplayPreview(method)) {
        // While the hand moves, only the stand-in (and the plots' markers) follow: the
        // full-resolution view (read-outs, residual) and the factor heatmaps once the rank rests,
        // and a stale view stops at its next step.
        m_workspace->runner()->cancel(QStringLiteral("view:") + Workspace::slotName(method));
        m_viewDelay->start();
        return true;
    }
    m_viewDelay->stop();
    requestCurrentView(method);
    return false;
}

std::optional<std::pair<Index, Index>> MainWindow::displayPreviewSize(Method method) const
{
    const auto result = m_workspace->result(method);
    const auto doc = document();
    if (!result || !doc || !doc->isImage || isCompareMode() || result->models.empty()
        || result->documentId != m_workspace->documentId() || result->color != m_workspace->colorMode())
        return std::nullopt;
    if (result->channels() != 1 && result->channels() != 3)
        return std::nullopt;
    // The matrix as large as it fits into the view's device pixels (never larger than the
    // matrix itself; not worth it when the matrix is that small already).
    return DisplayPreview::displaySize(m_reconstructionView, m_reconstructionView->viewport(), result->rows, result->cols);
}

void MainWindow::prepareDisplayPreview(Method method)
{
    if (method != m_methodPanel->currentMethod())
        return;
    if (const auto size = displayPreviewSize(method))
        m_displayPreview->prepare(m_workspace->result(method), *size);
}

bool MainWindow::showDisplayPreview(Method method)
{
    const auto size = displayPreviewSize(method);
    if (!size)
        return false;
    const auto result = m_workspace->result(method);
    const int channels = result->channels();
    // The channel ranks of computeView(): all the rank, Cb and Cr at the chroma rank in ycbcr.
    const auto chroma = chromaRankFor(method);
    const std::vector<Index> ranks = result->channelRanks(m_methodPanel->rank(method), chroma);
    const Index rank = ranks[0];
    const bool hasChroma = chroma && result->color == core::ColorMode::YCbCr && channels == 3;
    // Null while the rebuilder is set up in the background (ready() then calls again).
    auto display = m_displayPreview->planes(result, ranks, *size);
    if (!display)
        return false;
    m_reconstructionView->setPreviewPlanes(display, result->rows, result->cols);
    const QString methodName = Workspace::methodTitle(method);
    QString what = method == Method::Monarch ? tr("ρ = %1").arg(rank) : tr("rank %1").arg(rank);
    if (hasChroma)
        what = method == Method::Monarch ? tr("ρ = %1 (Y), %2 (Cb, Cr)").arg(rank).arg(ranks[1])
                                         : tr("rank %1 (Y), %2 (Cb, Cr)").arg(rank).arg(ranks[1]);
    m_reconstructionView->setTitle(tr("%1, %2 (display resolution)").arg(methodName, what));
    return true;
}

void MainWindow::onMethodChanged(Method method)
{
    m_settings->setCurrentMethod(method);
    m_factors->showMethod(method);
    m_spectrum->setRank(spectrumRank());
    m_documentView->clearMarks();
    if (!m_workspace->document())
        return;
    requestMethod(method);
    {
        const QSignalBlocker block(m_chromaSpin);
        m_chromaSpin->setValue(m_chromaRanks[std::size_t(method)]);
    }
    if (const auto r = m_workspace->result(method))
        requestCurrentView(method);
}

void MainWindow::onSettingsChanged(Method method, const core::MethodSettings &settings)
{
    m_settings->setMethodSettings(method, settings);
    if (!m_workspace->document())
        return;
    const Index limit = Workspace::factorisationRank(method, m_workspace->rows(), m_workspace->cols(), settings);
    m_methodPanel->setMaxRank(method, int(std::max<Index>(1, limit)));
    requestMethod(method);
}

void MainWindow::applyTarget(core::TargetKind kind, double value)
{
    const auto doc = document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return;
    if ((kind == core::TargetKind::PsnrDb || kind == core::TargetKind::Ssim) && !doc->isImage) {
        showError(tr("PSNR and SSIM targets apply to images; this is a matrix."));
        return;
    }
    struct Wanted
    {
        Method method;
        std::shared_ptr<const MethodResult> result;
        std::optional<Index> chroma;
    };
    std::vector<Wanted> wanted;
    for (Method method : core::allMethods())
        if (const auto r = m_workspace->result(method); r && !r->models.empty())
            wanted.push_back({method, r, r->channels() == 3 ? chromaRankFor(method) : std::nullopt});
    // PSNR and SSIM need reconstructions at full resolution: searched in the background.
    m_workspace->runner()->submit(
        QStringLiteral("target"), tr("Searching the ranks for the target"),
        [doc, channels, wanted, kind, value](JobContext &context) -> JobValuePtr {
            auto outcome = std::make_shared<TargetOutcome>();
            outcome->kind = kind;
            outcome->value = value;
            const double norm2 = core::squaredNorm(*channels);
            for (std::size_t i = 0; i < wanted.size(); ++i) {
                const MethodResult &r = *wanted[i].result;
                core::TargetProblem problem;
                for (int c = 0; c < r.channels(); ++c)
                    problem.models.push_back(&r.model(c));
                problem.inputNorm2 = norm2;
                if (doc->isImage) {
                    core::ImageContext image;
                    image.color = r.color;
                    image.displayOriginal = Workspace::displayedOriginal(*doc, r.color);
                    problem.image = std::move(image);
                }
                if (wanted[i].chroma)
                    problem.fixedRanks = {std::nullopt, *wanted[i].chroma, *wanted[i].chroma};
                core::SubProgress sub(&context.progress(), double(i) / wanted.size(), double(i + 1) / wanted.size());
                try {
                    outcome->ranks[wanted[i].method] = core::rankForTarget(problem, kind, value, &sub);
                } catch (const core::Cancelled &) {
                    throw;
                } catch (const std::exception &e) {
                    outcome->errors << tr("%1: %2").arg(Workspace::methodTitle(wanted[i].method), QString::fromStdString(e.what()));
                }
            }
            return outcome;
        });
}

void MainWindow::onTargetFound(const TargetOutcome &outcome)
{
    m_targetRanks = outcome.ranks;
    QStringList parts;
    for (const auto &[method, rank] : outcome.ranks) {
        if (!m_workspace->result(method))
            continue;
        if (rank) {
            m_methodPanel->setRank(method, int(std::max<Index>(1, *rank)));
            parts << (*rank == 0 ? tr("%1 below rank 1").arg(Workspace::methodTitle(method))
                                 : tr("%1 r = %2").arg(Workspace::methodTitle(method)).arg(*rank));
        } else {
            parts << tr("%1 out of reach").arg(Workspace::methodTitle(method));
        }
    }
    updateMarkers();
    if (!outcome.errors.isEmpty())
        showError(tr("The target could not be searched for %1.").arg(outcome.errors.join(QStringLiteral("; "))));
    statusBar()->showMessage(tr("Target %1 %2: %3.").arg(m_targetKind->itemText(m_targetKind->findData(int(outcome.kind))))
                                 .arg(outcome.value).arg(parts.join(QStringLiteral(", "))), 15000);
}

bool MainWindow::waitForIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    JobRunner *runner = m_workspace->runner();
    int quiet = 0;
    // Results start new jobs (a view for a new result): idle means idle for a few rounds.
    while (quiet < 5) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!runner->waitForIdle(int(std::max<qint64>(1, deadline.remainingTime()))))
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        // (a rank at rest has its full view asked for after viewDelayMs)
        JobRunner *display = m_workspace->displayRunner();
        if (!display->waitForIdle(int(std::max<qint64>(1, deadline.remainingTime()))))
            return false;
        quiet = runner->activeCount() == 0 && display->activeCount() == 0 && !m_viewDelay->isActive()
                        && !m_compare->hasPendingViews()
                    ? quiet + 1
                    : 0;
        QThread::msleep(10);
    }
    return true;
}

// --- saving --------------------------------------------------------------------------------

void MainWindow::saveReconstruction()
{
    const auto doc = document();
    if (!m_view || !doc) {
        showError(tr("There is no reconstruction to save yet."));
        return;
    }
    const QString base = QFileInfo(doc->displayName).completeBaseName();
    const QString suggestion = QDir(m_settings->lastDirectory()).filePath(
        QStringLiteral("%1-%2-%3.%4").arg(base, Workspace::slotName(m_view->source->method)).arg(m_view->rank)
            .arg(doc->isImage ? QStringLiteral("png") : QStringLiteral("npy")));
    const QString filter = doc->isImage ? tr("PNG image (*.png);;NumPy array (*.npy)") : tr("NumPy array (*.npy);;CSV (*.csv)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Reconstruction"), suggestion, filter);
    if (path.isEmpty())
        return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    QString reason;
    if (suffix == QStringLiteral("png") && doc->isImage) {
        ok = planesToImage(*m_view->reconstruction).save(path, "PNG");
        reason = tr("the image could not be written");
    } else if (suffix == QStringLiteral("csv")) {
        std::string error;
        ok = core::writeCsv(path.toStdString(), (*m_view->reconstruction)[0], &error);
        reason = QString::fromStdString(error);
    } else {
        std::string error;
        ok = core::writeNpy(path.toStdString(), *m_view->reconstruction, &error);
        reason = QString::fromStdString(error);
    }
    if (ok)
        statusBar()->showMessage(tr("Saved %1.").arg(path), 8000);
    else
        showError(tr("%1: %2.").arg(path, reason));
}

void MainWindow::chooseExport(int what)
{
    const auto doc = document();
    if (!doc) {
        showError(tr("There is nothing to export yet."));
        return;
    }
    const QString base = QFileInfo(doc->displayName).completeBaseName();
    const QDir dir(m_settings->lastDirectory());
    QString path;
    switch (what) {
    case 0:
        path = QFileDialog::getSaveFileName(this, tr("Export Error Curves"), dir.filePath(base + QStringLiteral("-curves.csv")),
                                            tr("CSV table (*.csv)"));
        if (!path.isEmpty())
            exportCurveCsv(path);
        break;
    case 1:
        path = QFileDialog::getSaveFileName(this, tr("Export Plot"), dir.filePath(base + QStringLiteral("-curves.png")),
                                            tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
        if (!path.isEmpty())
            exportPlot(path);
        break;
    case 2: {
        const QString method = m_view ? Workspace::slotName(m_view->source->method) : QString();
        path = QFileDialog::getSaveFileName(
            this, tr("Export Reconstruction"),
            dir.filePath(QStringLiteral("%1-%2-%3.png").arg(base, method).arg(m_view ? m_view->rank : 0)), tr("PNG image (*.png)"));
        if (!path.isEmpty())
            exportReconstruction(path);
        break;
    }
    case 3:
    case 5: {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Export Factors into a Folder"), dir.path());
        if (folder.isEmpty())
            break;
        exportFactors(folder, what == 5 ? exporter::FactorFormat::Csv : exporter::FactorFormat::Npy);
        m_settings->setLastDirectory(folder);
        break;
    }
    case 4:
        path = QFileDialog::getSaveFileName(this, tr("Export Side-by-Side View"), dir.filePath(base + QStringLiteral("-views.png")),
                                            tr("PNG image (*.png)"));
        if (!path.isEmpty())
            exportViews(path);
        break;
    default: break;
    }
    if (!path.isEmpty())
        m_settings->setLastDirectory(QFileInfo(path).absolutePath());
}

bool MainWindow::reportWrite(bool ok, const QString &path, const QString &reason)
{
    if (ok) {
        statusBar()->showMessage(tr("Exported %1.").arg(path), 8000);
    } else {
        QString why = reason.trimmed();
        while (why.endsWith(QLatin1Char('.')))
            why.chop(1);
        showError(tr("Could not write %1: %2.").arg(path, why.isEmpty() ? tr("unknown error") : why));
    }
    return ok;
}

bool MainWindow::exportCurveCsv(const QString &path)
{
    const auto doc = document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return reportWrite(false, path, tr("no document is open"));
    std::vector<std::shared_ptr<const MethodResult>> results;
    QStringList skipped;
    for (Method method : core::allMethods()) {
        const auto r = m_workspace->result(method);
        if (r && r->approximate)
            skipped << Workspace::methodTitle(method);
        else if (r)
            results.push_back(r);
    }
    if (results.empty())
        return reportWrite(false, path, tr("no error curve has been computed yet"));
    if (!skipped.isEmpty())
        statusBar()->showMessage(tr("Exporting without %1 (still computing).").arg(skipped.join(QStringLiteral(", "))), 8000);
    const core::CsvMetadata meta = exporter::curveMetadata(*doc, m_workspace->colorMode(), Index(channels->size()));
    // PSNR needs the reconstructions at every rank of the curve: evaluated in the background
    // from the cached models (no factorisation), as `factorscope curve` evaluates its own.
    m_workspace->runner()->submit(
        QStringLiteral("export:curves"), tr("Exporting error curves"),
        [doc, channels, results, meta, path](JobContext &context) -> JobValuePtr {
            core::CurveResult all;
            for (std::size_t i = 0; i < results.size(); ++i) {
                core::SubProgress sub(&context.progress(), double(i) / results.size(), double(i + 1) / results.size());
                const auto rows = exporter::curveRows(*doc, *channels, *results[i], &sub);
                all.rows.insert(all.rows.end(), rows.begin(), rows.end());
            }
            auto outcome = std::make_shared<CurveExportOutcome>();
            outcome->path = path;
            outcome->ok = exporter::writeCurveCsv(path, all, meta, &outcome->error);
            return outcome;
        });
    return true;
}

bool MainWindow::exportPlot(const QString &path)
{
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix != QStringLiteral("png") && suffix != QStringLiteral("svg") && suffix != QStringLiteral("pdf"))
        return reportWrite(false, path, tr("the file name must end in .png, .svg or .pdf"));
    // ErrorPlot writes in place: into a temporary file next to the target, then renamed over it.
    QTemporaryFile temporary(info.absoluteDir().filePath(QStringLiteral(".%1-XXXXXX.%2").arg(info.completeBaseName(), suffix)));
    if (!temporary.open())
        return reportWrite(false, path, temporary.errorString());
    temporary.close();
    QString error;
    if (!m_errorPlot->exportTo(temporary.fileName(), &error))
        return reportWrite(false, path, error);
    if (std::rename(QFile::encodeName(temporary.fileName()).constData(), QFile::encodeName(path).constData()) != 0)
        return reportWrite(false, path, QString::fromLocal8Bit(std::strerror(errno)));
    temporary.setAutoRemove(false);
    return reportWrite(true, path, {});
}

bool MainWindow::exportReconstruction(const QString &path)
{
    const auto doc = document();
    if (!m_view || !doc)
        return reportWrite(false, path, tr("there is no reconstruction yet"));
    const MethodResult &source = *m_view->source;
    // At full resolution from the models, whatever resolution the view was built at.
    std::vector<core::Matrix> recon;
    for (int c = 0; c < source.channels(); ++c)
        recon.push_back(source.model(c).reconstruct(std::size_t(c) < m_view->channelRanks.size() ? m_view->channelRanks[std::size_t(c)]
                                                                                                : m_view->rank));
    QImage image;
    if (doc->isImage) {
        image = planesToImage(core::channelsToDisplay(recon, source.color));
    } else {
        const core::Matrix &m = recon[0];
        const auto [low, high] = m_reconstructionView->colorRange();
        const QVector<QRgb> &table = widgets::colorTable(m_reconstructionView->colorScale());
        image = QImage(int(m.cols()), int(m.rows()), QImage::Format_RGB32);
        const double span = high > low ? high - low : 1.0;
        for (Index i = 0; i < m.rows(); ++i) {
            auto *line = reinterpret_cast<QRgb *>(image.scanLine(int(i)));
            for (Index j = 0; j < m.cols(); ++j) {
                const double t = std::clamp((m(i, j) - low) / span, 0.0, 1.0);
                line[j] = std::isnan(m(i, j)) ? widgets::colorAt(m_reconstructionView->colorScale(), t)
                                              : table[int(std::lround(t * (widgets::colorTableSize - 1)))];
            }
        }
    }
    QString error;
    return reportWrite(exporter::saveImage(image, path, &error), path, error);
}

bool MainWindow::exportFactors(const QString &folder, exporter::FactorFormat format)
{
    const Method method = m_methodPanel->currentMethod();
    const auto result = m_workspace->result(method);
    if (!result || result->models.empty())
        return reportWrite(false, folder, tr("%1 has no factors yet").arg(Workspace::methodTitle(method)));
    if (!QDir().mkpath(folder))
        return reportWrite(false, folder, tr("the folder cannot be created"));
    const Index rank = std::clamp<Index>(m_methodPanel->rank(method), 0, result->maxRank);
    const auto chroma = chromaRankFor(method);
    const auto doc = document();
    const QString colorName = doc && doc->isImage && doc->planes.size() == 3
                                  ? QString::fromStdString(core::colorModeName(result->color)) : QString();
    const auto suffixes = exporter::channelSuffixes(colorName, std::size_t(result->channels()));
    for (int c = 0; c < result->channels(); ++c) {
        QString failed, error;
        const Index channelRank = c > 0 && chroma && result->channels() == 3 ? std::clamp<Index>(*chroma, 0, result->maxRank) : rank;
        if (!exporter::writeFactors(folder, result->model(c), method, channelRank, suffixes[std::size_t(c)], format, &failed, &error))
            return reportWrite(false, failed, error);
    }
    return reportWrite(true, folder, {});
}

bool MainWindow::exportViews(const QString &path)
{
    QString error;
    return reportWrite(exporter::saveImage(m_viewStack->currentWidget()->grab().toImage(), path, &error), path, error);
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

// --- screenshots ---------------------------------------------------------------------------

bool MainWindow::runScreenshot(const QString &requested, const QString &file)
{
    resize(1600, 1000);
    QString scene = requested;
    if (scene.endsWith(QStringLiteral("-dark"))) {
        // To check that everything follows a dark palette: Fusion with a dark palette.
        scene.chop(5);
        QApplication::setStyle(QStringLiteral("Fusion"));
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(45, 45, 48));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        dark.setColor(QPalette::Base, QColor(30, 30, 32));
        dark.setColor(QPalette::AlternateBase, QColor(50, 50, 54));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        dark.setColor(QPalette::Button, QColor(55, 55, 58));
        dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        dark.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
        dark.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
        dark.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
        dark.setColor(QPalette::Highlight, QColor(60, 120, 200));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
        dark.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
        QApplication::setPalette(dark);
    }
    if (scene == QStringLiteral("photo-svd")) {
        if (!openDefaultImage())
            return false;
        setColorMode(core::ColorMode::Rgb);
        m_methodPanel->setCurrentMethod(Method::Svd);
        m_methodPanel->setRank(Method::Svd, 30);
        m_factors->showMethod(Method::Svd);
        m_errorPlot->setLogY(true);
    } else if (scene == QStringLiteral("matrix-id")) {
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::LowRankNoise;
        spec.rows = 160;
        spec.cols = 240;
        spec.rank = 12;
        spec.noise = 0.05;
        spec.seed = 3;
        if (!openGenerated(spec))
            return false;
        core::MethodSettings s = m_methodPanel->settings(Method::Id);
        s.idSelector = core::IdSelector::PivotedQr;
        s.rowId = false;
        m_methodPanel->setSettings(Method::Id, s);
        m_methodPanel->setCurrentMethod(Method::Id);
        m_methodPanel->setRank(Method::Id, 12);
        m_methodPanel->setRank(Method::Svd, 20);
        m_factors->showMethod(Method::Id);
        m_errorPlot->setLogY(true);
        if (!waitForIdle(600000))
            return false;
        // Zoom Z in on its largest entry, where the |z| > 1 flags are drawn.
        if (auto *z = m_factors->view(Method::Id, QStringLiteral("Z")); z && z->hasData()) {
            const auto id = m_workspace->result(Method::Id);
            const auto *model = id ? dynamic_cast<const core::IdModel *>(&id->model(0)) : nullptr;
            if (model) {
                const core::Matrix zm = model->interpolation(std::min<Index>(12, model->maxRank()));
                Index row = 0, col = 0;
                zm.cwiseAbs().maxCoeff(&row, &col);
                const double width = 36.0;
                const double left = std::clamp(double(col) - width / 2, 0.0, std::max(0.0, double(zm.cols()) - width));
                z->setVisibleRegion(QRectF(left, 0.0, width, double(zm.rows())));
            }
        }
    } else if (scene == QStringLiteral("monarch-slice")) {
        if (!openDefaultImage())
            return false;
        setColorMode(core::ColorMode::Gray);
        core::MethodSettings s = m_methodPanel->settings(Method::Monarch);
        s.monarchBlocks = 8;
        m_methodPanel->setSettings(Method::Monarch, s);
        m_methodPanel->setCurrentMethod(Method::Monarch);
        onSettingsChanged(Method::Monarch, s);
        m_methodPanel->setRank(Method::Monarch, 4);
        m_methodPanel->setRank(Method::Svd, 64);
        m_factors->showMethod(Method::Monarch);
        m_errorPlot->setXAxis(widgets::ErrorPlot::XAxis::Params);
        m_errorPlot->setLogY(true);
        if (!waitForIdle(600000))
            return false;
        m_factors->selectSlice(2, 5);
    } else if (scene == QStringLiteral("cr-photo") || scene == QStringLiteral("rsvd-photo")) {
        if (!openDefaultImage())
            return false;
        setColorMode(core::ColorMode::Gray);
        const Method method = scene.startsWith(QStringLiteral("cr")) ? Method::Cr : Method::Rsvd;
        m_methodPanel->setCurrentMethod(method);
        m_methodPanel->setRank(method, 40);
        m_factors->showMethod(method);
        m_errorPlot->setLogY(true);
    } else if (scene == QStringLiteral("compare-4")) {
        // Four approximations of the default photo side by side, their settings on the curves.
        if (!openDefaultImage())
            return false;
        setColorMode(core::ColorMode::Rgb);
        core::MethodSettings s = m_methodPanel->settings(Method::Monarch);
        s.monarchBlocks = 16;
        m_methodPanel->setSettings(Method::Monarch, s);
        onSettingsChanged(Method::Monarch, s);
        setCompareMode(true);
        m_compare->setPaneCount(4);
        m_compare->setPane(0, Method::Svd, 40);
        m_compare->setPane(1, Method::Id, 40);
        m_compare->setPane(2, Method::Monarch, 2);
        m_compare->setPane(3, Method::Cr, 200);
        // Room for the panes: without the factor and spectrum docks, the plot lower.
        for (QDockWidget *dock : findChildren<QDockWidget *>())
            if (dock->objectName() != QStringLiteral("methodDock"))
                dock->hide();
        if (auto *split = qobject_cast<QSplitter *>(m_errorPlot->parentWidget()))
            split->setSizes({640, 300});
        m_errorPlot->setXAxis(widgets::ErrorPlot::XAxis::Params);
        m_errorPlot->setLogY(true);
    } else if (scene == QStringLiteral("compare-standin")) {
        // A photo larger than the panes, grabbed right after the panes' ranks change: the
        // display-resolution stand-ins shown until the full-resolution views arrive.
        const QImage image = QImage(QStringLiteral(":/images/default.png")).scaled(2048, 2048);
        setColorMode(core::ColorMode::Rgb);
        if (!openDocument(OpenResult{documentFromImage(image, tr("Astronaut, 2048 × 2048")), {}}))
            return false;
        setCompareMode(true);
        m_compare->setPaneCount(2);
        m_compare->setPane(0, Method::Svd, 20);
        m_compare->setPane(1, Method::Svd, 20);
        m_compare->setShow(1, ComparePanes::Show::Difference);
        if (!waitForIdle(600000))
            return false;
        m_compare->setPane(0, Method::Svd, 8);
        m_compare->setPane(1, Method::Svd, 8);
        return grab().save(file);
    } else if (scene == QStringLiteral("pane-parameters")) {
        // The editor of a compare pane's own parameters, over the compare view.
        if (!openDefaultImage())
            return false;
        setCompareMode(true);
        m_compare->setPane(1, Method::Monarch, 2);
        if (!waitForIdle(600000))
            return false;
        auto dialog = m_compare->parametersDialog(1);
        dialog->show();
        QElapsedTimer shown;
        shown.start();
        while (shown.elapsed() < 300)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return dialog->grab().save(file);
    } else if (scene == QStringLiteral("generator-dialog")) {
        GeneratorDialog dialog(this);
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::RandomMonarch;
        dialog.setSpec(spec);
        dialog.show();
        QElapsedTimer shown;
        shown.start();
        while (shown.elapsed() < 300)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return dialog.grab().save(file);
    } else if (scene == QStringLiteral("svd-preview")) {
        // A large input: grabbed while the randomized preview is shown and the exact SVD runs.
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::LowRankNoise;
        spec.rows = 1800;
        spec.cols = 1500;
        spec.rank = 40;
        spec.noise = 0.2;
        m_methodPanel->setCurrentMethod(Method::Svd);
        m_methodPanel->setRank(Method::Svd, 30);
        if (!openGenerated(spec))
            return false;
        QDeadlineTimer deadline(600000);
        while (!(m_view && m_view->source->approximate)) {
            if (deadline.hasExpired() || (m_view && !m_view->source->approximate))
                return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return grab().save(file);
    } else {
        return false;
    }
    if (!waitForIdle(600000))
        return false;
    if (scene == QStringLiteral("compare-4")) {
        // Zoomed in on the face, the same region in every pane (as a linked zoom leaves them).
        for (int i = 0; i < m_compare->paneCount(); ++i)
            m_compare->view(i)->setVisibleRegion(QRectF(150, 40, 240, 200));
    }
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 500)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return grab().save(file);
}

} // namespace factorscope::app
