// SPDX-License-Identifier: MIT
// The rooms of app/ built alone, without a MainWindow: each does its job through its own signals
// and reads only what it is given (docs/architecture.md).
#include "app/colorcontrols.h"
#include "app/curveplots.h"
#include "app/documentopener.h"
#include "app/recentfiles.h"
#include "app/selection.h"
#include "app/settings.h"
#include "app/viewarea.h"
#include "app/workspace.h"

#include "core/generators.h"
#include "core/random.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Method;

class TestRooms : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void openerSaysOnlyWhatItOpened();
    void openerRefusesABadFileByName();
    void colorControlsKeepChromaRanksPerMethod();
    void viewAreaAndPlotsFollowAWorkspace();

private:
    QString writeFile(const QString &name, const QByteArray &bytes) const;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestRooms::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestRooms::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

QString TestRooms::writeFile(const QString &name, const QByteArray &bytes) const
{
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestRooms::openerSaysOnlyWhatItOpened()
{
    // One output: opened(document, summary); the file goes to Open Recent; nothing else changes.
    QWidget window;
    RecentFiles recent(m_settings.get());
    DocumentOpener opener(m_settings.get(), &recent, &window);
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    QSignalSpy failed(&opener, &DocumentOpener::failed);
    const QString path = writeFile(QStringLiteral("m.csv"), "1,2,3\n4,5,6\n");
    QVERIFY(opener.openFile(path));
    QCOMPARE(opened.count(), 1);
    QCOMPARE(failed.count(), 0);
    const auto doc = opened.at(0).at(0).value<std::shared_ptr<const InputDocument>>();
    QVERIFY(doc);
    QCOMPARE(doc->rows(), Index(2));
    QCOMPARE(doc->cols(), Index(3));
    QCOMPARE(doc->planes[0](1, 2), 6.0);
    QVERIFY(opened.at(0).at(1).toString().startsWith(QStringLiteral("Opened m.csv: 2 × 3")));
    QCOMPARE(m_settings->recentFiles().value(0), QFileInfo(path).absoluteFilePath());

    core::GeneratorSpec spec;
    spec.kind = core::GeneratorKind::Hilbert;
    spec.rows = spec.cols = 5;
    QVERIFY(opener.openGenerated(spec));
    QCOMPARE(opened.count(), 2);
    QCOMPARE(opened.at(1).at(0).value<std::shared_ptr<const InputDocument>>()->planes[0](2, 3), 1.0 / 6.0);
}

void TestRooms::openerRefusesABadFileByName()
{
    QWidget window;
    RecentFiles recent(m_settings.get());
    DocumentOpener opener(m_settings.get(), &recent, &window);
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    QSignalSpy failed(&opener, &DocumentOpener::failed);
    const QString path = writeFile(QStringLiteral("ragged.csv"), "1,2,3\n4,5\n");
    QVERIFY(!opener.openFile(path));
    QCOMPARE(opened.count(), 0);
    QCOMPARE(failed.count(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(path) && message.contains(QStringLiteral("line 2")), qPrintable(message));
    QVERIFY(m_settings->recentFiles().isEmpty());
    // No document and no file that opens: the embedded default image, and the reason still said.
    opener.openStartupFiles({path}, false);
    QCOMPARE(opened.count(), 1);
    QVERIFY(opened.at(0).at(0).value<std::shared_ptr<const InputDocument>>()->isImage);
    QCOMPARE(failed.count(), 3);
    QCOMPARE(failed.at(2).at(0).toString(), message);
}

void TestRooms::colorControlsKeepChromaRanksPerMethod()
{
    Workspace workspace;
    ColorControls colors(&workspace, m_settings.get());
    QSignalSpy changed(&colors, &ColorControls::chromaRankChanged);
    colors.showMethod(Method::Id);
    colors.setChromaRank(4);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<Method>(), Method::Id);
    QCOMPARE(colors.chromaRank(Method::Id), 4);
    QCOMPARE(colors.chromaRank(Method::Svd), -1);
    colors.showMethod(Method::Svd);
    QCOMPARE(colors.chromaRankBox()->value(), -1);
    QCOMPARE(changed.count(), 1); // showing another method's value is no change
    // A chroma rank applies only to a colour image in YCbCr mode.
    QVERIFY(!colors.chromaRankFor(Method::Id));
    InputDocument doc;
    doc.isImage = true;
    doc.planes.assign(3, core::Matrix::Constant(8, 8, 0.5));
    workspace.setDocument(std::make_shared<const InputDocument>(doc));
    workspace.setColorMode(core::ColorMode::Rgb);
    QVERIFY(!colors.chromaRankFor(Method::Id));
    workspace.setColorMode(core::ColorMode::YCbCr);
    QCOMPARE(colors.chromaRankFor(Method::Id), std::optional<Index>(4));
    QVERIFY(!colors.chromaRankFor(Method::Svd));
    // The ranks belong to a document: another starts at "= luma" for every method, and the
    // first one's come back with it.
    colors.setDocument(QStringLiteral("/photos/a.png"));
    colors.showMethod(Method::Id);
    colors.setChromaRank(2);
    colors.setDocument(QStringLiteral("/photos/b.png"));
    for (Method method : core::allMethods())
        QCOMPARE(colors.chromaRank(method), -1);
    QCOMPARE(colors.chromaRankBox()->value(), -1);
    colors.setDocument(QStringLiteral("/photos/a.png"));
    QCOMPARE(colors.chromaRank(Method::Id), 2);
    QCOMPARE(colors.chromaRankBox()->value(), 2);
}

void TestRooms::viewAreaAndPlotsFollowAWorkspace()
{
    // The view area and the plots, fed by a workspace and a method panel only.
    Workspace workspace;
    widgets::MethodPanel panel;
    ColorControls colors(&workspace, m_settings.get());
    Selection selection(&panel, &colors);
    ViewArea views(&workspace, m_settings.get(), &selection);
    CurvePlots plots(&workspace, &selection, &views);
    QObject::connect(&workspace, &Workspace::viewReady, &views, &ViewArea::onView);
    QObject::connect(&workspace, &Workspace::resultReady, &views,
                     [&](Method method, std::shared_ptr<const MethodResult> result) {
                         views.onResult(method);
                         plots.onResult(method, *result);
                     });
    views.resize(800, 400);
    views.show();
    InputDocument doc;
    doc.displayName = QStringLiteral("low rank");
    core::Rng rng(5);
    doc.planes = {rng.gaussian(40, 3) * rng.gaussian(3, 30)};
    workspace.setDocument(std::make_shared<const InputDocument>(doc));
    views.clearResults();
    views.showDocument();
    panel.setMaxRank(Method::Svd, 30);
    panel.setRank(Method::Svd, 3);
    workspace.request(Method::Svd, panel.settings(Method::Svd));
    QTRY_VERIFY_WITH_TIMEOUT(views.currentView() != nullptr, 60000);
    QCOMPARE(views.currentView()->rank, Index(3));
    QVERIFY(views.currentView()->relErrFro < 1e-12); // rank 3 of a rank-3 matrix
    QVERIFY(views.metricsText().contains(QStringLiteral("SVD, rank 3")));
    QCOMPARE(views.documentView()->matrixRows(), Index(40));
    QCOMPARE(plots.errorPlot()->series().size(), 1);
    QCOMPARE(plots.errorPlot()->series()[0].name, QStringLiteral("SVD"));
    QVERIFY(plots.errorPlot()->lineGraph(QStringLiteral("SVD")));
}

QTEST_MAIN(TestRooms)
#include "tst_rooms.moc"
