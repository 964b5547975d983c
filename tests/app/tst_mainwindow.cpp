// SPDX-License-Identifier: MIT
// The main window offscreen: every format and every source (file, drag and drop, clipboard,
// generator, command line) through the one open path; a bad file keeps the open document and
// says why without a dialog; rank changes never refactorise; settings are restored.
#include "app/factorpanels.h"
#include "app/comparepanes.h"
#include "app/mainwindow.h"
#include "app/recentfiles.h"
#include "app/settings.h"

#include "core/generators.h"
#include "core/io/matrixio.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QClipboard>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void startupOpensTheDefaultImage();
    void startupWithABadFileReportsItAndOpensTheDefault();
    void openEachFormat_data();
    void openEachFormat();
    void badFileKeepsTheDocument_data();
    void badFileKeepsTheDocument();
    void bannerCanBeDismissed();
    void dragAndDrop_data();
    void dragAndDrop();
    void pasteImage();
    void generators_data();
    void generators();
    void rankChangeDoesNotRefactorise();
    void errorPlotShowsLowerBoundAndMarkers();
    void monarchSliceSelection();
    void settingsAreRestored();

private:
    std::unique_ptr<MainWindow> makeWindow();
    QString writeFile(const QString &name, const QByteArray &bytes);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestMainWindow::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

std::unique_ptr<MainWindow> TestMainWindow::makeWindow()
{
    auto window = std::make_unique<MainWindow>(m_settings.get());
    window->resize(1400, 900);
    window->show();
    return window;
}

QString TestMainWindow::writeFile(const QString &name, const QByteArray &bytes)
{
    const QString path = m_dir->filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
    return path;
}

void TestMainWindow::startupOpensTheDefaultImage()
{
    auto w = makeWindow();
    QVERIFY(!w->document());
    w->openStartupFiles({});
    QVERIFY(w->document());
    QVERIFY(w->document()->isImage);
    QCOMPARE(w->document()->rows(), Index(512));
    QCOMPARE(w->document()->cols(), Index(512));
    QVERIFY(w->windowTitle().contains(QStringLiteral("Astronaut")));
    QVERIFY(!w->isBannerVisible());
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->currentView());
    QVERIFY(w->reconstructionView()->hasData());
}

void TestMainWindow::startupWithABadFileReportsItAndOpensTheDefault()
{
    auto w = makeWindow();
    const QString bad = writeFile(QStringLiteral("broken.npy"), QByteArrayLiteral("this is not numpy"));
    w->openStartupFiles({bad});
    QVERIFY(w->document());
    QVERIFY(w->document()->isImage); // the default image, so the window is never empty
    QVERIFY(w->isBannerVisible());
    QVERIFY2(w->bannerText().contains(QStringLiteral("broken.npy")), qPrintable(w->bannerText()));
    QVERIFY(w->waitForIdle(120000));
}

void TestMainWindow::openEachFormat_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<bool>("image");
    QTest::newRow("npy") << QStringLiteral("m.npy") << 30 << 20 << false;
    QTest::newRow("csv") << QStringLiteral("m.csv") << 12 << 9 << false;
    QTest::newRow("tsv") << QStringLiteral("m.tsv") << 7 << 5 << false;
    QTest::newRow("mtx") << QStringLiteral("m.mtx") << 6 << 4 << false;
    QTest::newRow("png") << QStringLiteral("picture.png") << 40 << 64 << true;
    QTest::newRow("bmp") << QStringLiteral("picture.bmp") << 16 << 24 << true;
}

void TestMainWindow::openEachFormat()
{
    QFETCH(QString, name);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(bool, image);
    const QString path = m_dir->filePath(name);
    const Matrix m = core::lowRankPlusNoise(rows, cols, 3, 0.1, 1);
    const QString suffix = QFileInfo(name).suffix();
    if (suffix == QStringLiteral("npy")) {
        QVERIFY(core::writeNpy(path.toStdString(), {m}, nullptr));
    } else if (suffix == QStringLiteral("csv")) {
        QVERIFY(core::writeCsv(path.toStdString(), m, nullptr));
    } else if (suffix == QStringLiteral("tsv")) {
        QByteArray text;
        for (int i = 0; i < rows; ++i) {
            QStringList cells;
            for (int j = 0; j < cols; ++j)
                cells << QString::number(m(i, j), 'g', 17);
            text += cells.join(QLatin1Char('\t')).toUtf8() + '\n';
        }
        writeFile(name, text);
    } else if (suffix == QStringLiteral("mtx")) {
        QByteArray text = "%%MatrixMarket matrix array real general\n";
        text += QByteArray::number(rows) + ' ' + QByteArray::number(cols) + '\n';
        for (int j = 0; j < cols; ++j)
            for (int i = 0; i < rows; ++i)
                text += QByteArray::number(m(i, j), 'g', 17) + '\n';
        writeFile(name, text);
    } else {
        QImage img(cols, rows, QImage::Format_RGB888);
        img.fill(QColor(200, 100, 50));
        img.setPixelColor(3, 2, Qt::white);
        QVERIFY(img.save(path));
    }
    auto w = makeWindow();
    w->openStartupFiles({});
    const auto before = w->document();
    QVERIFY(w->openFile(path));
    QVERIFY(w->document() != before);
    QCOMPARE(w->document()->displayName, name);
    QCOMPARE(w->document()->rows(), Index(rows));
    QCOMPARE(w->document()->cols(), Index(cols));
    QCOMPARE(w->document()->isImage, image);
    if (!image)
        QVERIFY((w->document()->planes[0] - m).norm() <= 1e-12 * m.norm());
    QVERIFY(w->windowTitle().contains(name));
    QVERIFY(!w->isBannerVisible());
    QCOMPARE(w->recentFiles()->files().value(0), QFileInfo(path).canonicalFilePath());
    QCOMPARE(w->documentView()->matrixRows(), Index(rows));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->currentView());
}

void TestMainWindow::badFileKeepsTheDocument_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("bytes"); // empty name part "-" = do not create
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing") << QStringLiteral("nowhere.csv") << QByteArray("-") << QStringLiteral("does not exist");
    QTest::newRow("empty csv") << QStringLiteral("empty.csv") << QByteArray() << QString();
    QTest::newRow("ragged csv") << QStringLiteral("ragged.csv") << QByteArray("1,2,3\n4,5\n") << QString();
    QTest::newRow("non-numeric csv") << QStringLiteral("words.csv") << QByteArray("1,2\nx,y\n") << QString();
    QTest::newRow("NaN") << QStringLiteral("nan.csv") << QByteArray("1,2\nnan,3\n") << QString();
    QTest::newRow("bad npy") << QStringLiteral("bad.npy") << QByteArray("\x93NUMPY garbage") << QString();
    QTest::newRow("not an image") << QStringLiteral("fake.png") << QByteArray("hello") << QString();
    QTest::newRow("unknown kind") << QStringLiteral("notes.xyz") << QByteArray("hello") << QString();
    QTest::newRow("directory") << QStringLiteral("folder") << QByteArray("dir") << QStringLiteral("directory");
}

void TestMainWindow::badFileKeepsTheDocument()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, fragment);
    QString path = m_dir->filePath(name);
    if (bytes == "dir")
        QVERIFY(QDir(m_dir->path()).mkdir(name));
    else if (bytes != "-")
        writeFile(name, bytes);
    auto w = makeWindow();
    QVERIFY(w->openGenerated(core::GeneratorSpec{}));
    const auto before = w->document();
    const QString title = w->windowTitle();
    QSignalSpy views(w->workspace(), &Workspace::viewReady);
    QVERIFY(!w->openFile(path));
    QCOMPARE(w->document(), before);
    QCOMPARE(w->windowTitle(), title);
    QVERIFY(w->isBannerVisible());
    QVERIFY2(w->bannerText().contains(name), qPrintable(w->bannerText()));
    if (!fragment.isEmpty())
        QVERIFY2(w->bannerText().contains(fragment), qPrintable(w->bannerText()));
    QVERIFY(w->recentFiles()->files().isEmpty());
    // The document keeps working.
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(views.count() >= 1);
}

void TestMainWindow::bannerCanBeDismissed()
{
    auto w = makeWindow();
    QVERIFY(!w->openFile(m_dir->filePath(QStringLiteral("missing.npy"))));
    QVERIFY(w->isBannerVisible());
    // No modal dialog was opened for it.
    QVERIFY(!QApplication::activeModalWidget());
    QVERIFY(w->openGenerated(core::GeneratorSpec{}));
    QVERIFY(!w->isBannerVisible()); // a successful open clears it
}

void TestMainWindow::dragAndDrop_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("csv") << QStringLiteral("drop.csv") << true;
    QTest::newRow("png") << QStringLiteral("drop.png") << true;
    QTest::newRow("unsupported") << QStringLiteral("drop.doc") << false;
}

void TestMainWindow::dragAndDrop()
{
    QFETCH(QString, name);
    QFETCH(bool, accepted);
    QString path;
    if (name.endsWith(QStringLiteral(".png"))) {
        path = m_dir->filePath(name);
        QImage img(10, 8, QImage::Format_Grayscale8);
        img.fill(100);
        QVERIFY(img.save(path));
    } else {
        path = writeFile(name, QByteArray("1,2\n3,4\n5,6\n"));
    }
    auto w = makeWindow();
    w->openStartupFiles({});
    const auto before = w->document();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint centre = w->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter);
    QCOMPARE(enter.isAccepted(), accepted);
    if (!accepted)
        return;
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop);
    // Opened once the drop is over (a file of several arrays asks which one in a dialog).
    QTRY_VERIFY(w->document() != before);
    QCOMPARE(w->document()->displayName, name);
    QVERIFY(w->waitForIdle(120000));
}

void TestMainWindow::pasteImage()
{
    auto w = makeWindow();
    QImage img(33, 21, QImage::Format_RGB32);
    img.fill(QColor(10, 200, 30));
    QGuiApplication::clipboard()->setImage(img);
    if (!QGuiApplication::clipboard()->mimeData() || !QGuiApplication::clipboard()->mimeData()->hasImage())
        QSKIP("This platform plugin has no clipboard");
    QVERIFY(w->pasteFromClipboard());
    QVERIFY(w->document()->isImage);
    QCOMPARE(w->document()->rows(), Index(21));
    QCOMPARE(w->document()->cols(), Index(33));
    QVERIFY(std::abs(w->document()->planes[1](0, 0) - 200.0 / 255.0) < 1e-12);
    // Text is not an image: reported, document kept.
    QGuiApplication::clipboard()->setText(QStringLiteral("just words"));
    const auto before = w->document();
    QVERIFY(!w->pasteFromClipboard());
    QCOMPARE(w->document(), before);
    QVERIFY(w->isBannerVisible());
    QVERIFY(w->waitForIdle(120000));
}

void TestMainWindow::generators_data()
{
    QTest::addColumn<int>("kind");
    for (core::GeneratorKind kind : core::allGenerators())
        QTest::newRow(core::generatorName(kind).c_str()) << int(kind);
}

void TestMainWindow::generators()
{
    QFETCH(int, kind);
    core::GeneratorSpec spec;
    spec.kind = core::GeneratorKind(kind);
    spec.rows = 48;
    spec.cols = 40;
    spec.hadamardOrder = 5;
    spec.leftRows = spec.leftCols = spec.rightRows = spec.rightCols = 6;
    spec.blocks = 4;
    spec.cell = 8;
    auto w = makeWindow();
    QVERIFY(w->openGenerated(spec));
    const auto doc = w->document();
    QVERIFY(doc);
    QCOMPARE(doc->isImage, spec.kind == core::GeneratorKind::Gradient || spec.kind == core::GeneratorKind::Checkerboard);
    QVERIFY(!doc->displayName.isEmpty());
    QVERIFY(w->windowTitle().contains(doc->displayName));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->workspace()->result(Method::Svd));
}

void TestMainWindow::rankChangeDoesNotRefactorise()
{
    auto w = makeWindow();
    QVERIFY(w->openGenerated(core::GeneratorSpec{core::GeneratorKind::LowRankNoise, 90, 70}));
    QVERIFY(w->waitForIdle(120000));
    w->methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(120000));
    const int count = w->workspace()->factorisationCount();
    QVERIFY(count >= 1);
    for (int rank : {3, 9, 1, 7}) {
        w->methodPanel()->setRank(Method::Svd, rank);
        QVERIFY(w->waitForIdle(60000));
        QCOMPARE(w->currentView()->rank, Index(rank));
        QVERIFY2(w->metricsText().contains(QStringLiteral("rank %1").arg(rank)), qPrintable(w->metricsText()));
    }
    QCOMPARE(w->workspace()->factorisationCount(), count);
    // A new method factorises once; going back to SVD comes from the cache.
    w->methodPanel()->setCurrentMethod(Method::Id);
    QVERIFY(w->waitForIdle(60000));
    QCOMPARE(w->workspace()->factorisationCount(), count + 1);
    w->methodPanel()->setRank(Method::Id, 4);
    w->methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(60000));
    QCOMPARE(w->workspace()->factorisationCount(), count + 1);
    QCOMPARE(w->currentView()->source->method, Method::Svd);
}

void TestMainWindow::errorPlotShowsLowerBoundAndMarkers()
{
    auto w = makeWindow();
    QVERIFY(w->openGenerated(core::GeneratorSpec{core::GeneratorKind::LowRankNoise, 60, 50}));
    w->methodPanel()->setCurrentMethod(Method::Cr);
    w->methodPanel()->setRank(Method::Cr, 10);
    QVERIFY(w->waitForIdle(120000));
    const auto series = w->errorPlot()->series();
    QCOMPARE(series.size(), 2);
    int lower = 0;
    for (const auto &s : series) {
        lower += s.lowerBound ? 1 : 0;
        QVERIFY(!std::isnan(w->errorPlot()->markerPosition(s.name).x()));
        if (!s.lowerBound) {
            QVERIFY(s.name.startsWith(QStringLiteral("CR")));
            QCOMPARE(s.bandLow.size(), s.rank.size()); // several trials: a min–max band
            QCOMPARE(s.expected.size(), s.rank.size()); // and the expected error
        }
    }
    QCOMPARE(lower, 1);
}

void TestMainWindow::monarchSliceSelection()
{
    auto w = makeWindow();
    core::GeneratorSpec spec;
    spec.kind = core::GeneratorKind::RandomMonarch;
    spec.rows = spec.cols = 64;
    spec.blocks = 8;
    QVERIFY(w->openGenerated(spec));
    core::MethodSettings s = w->methodPanel()->settings(Method::Monarch);
    s.monarchBlocks = 8;
    w->methodPanel()->setSettings(Method::Monarch, s);
    w->methodPanel()->setCurrentMethod(Method::Monarch);
    QVERIFY(w->waitForIdle(120000));
    QSignalSpy selected(w->factorPanels(), &FactorPanels::sliceSelected);
    w->factorPanels()->selectSlice(3, 5);
    QCOMPARE(selected.count(), 1);
    const auto rows = selected[0][0].value<std::vector<Index>>();
    const auto cols = selected[0][1].value<std::vector<Index>>();
    QCOMPARE(rows.size(), std::size_t(8));
    QCOMPARE(rows[0], Index(3));  // strided rows l·b + j
    QCOMPARE(rows[1], Index(11));
    QCOMPARE(cols.front(), Index(40)); // contiguous columns k·I + i
    QCOMPARE(cols.back(), Index(47));
    QCOMPARE(*w->factorPanels()->selectedSlice(), std::make_pair(Index(3), Index(5)));
    // A click on the slice-error map selects too.
    auto *map = w->factorPanels()->view(Method::Monarch, QStringLiteral("map"));
    QVERIFY(map && map->hasData());
    emit map->clicked(1, 2);
    QCOMPARE(*w->factorPanels()->selectedSlice(), std::make_pair(Index(1), Index(2)));
}

void TestMainWindow::settingsAreRestored()
{
    {
        auto w = makeWindow();
        QVERIFY(w->openGenerated(core::GeneratorSpec{core::GeneratorKind::LowRankNoise, 40, 40}));
        core::MethodSettings s = w->methodPanel()->settings(Method::Cr);
        s.crRule = core::CrRule::Uniform;
        w->methodPanel()->setSettings(Method::Cr, s);
        emit w->methodPanel()->settingsChanged(Method::Cr, s);
        w->methodPanel()->setCurrentMethod(Method::Cr);
        w->methodPanel()->setRank(Method::Cr, 7);
        w->setColorMode(core::ColorMode::YCbCr);
        w->setChromaRank(3);                   // chroma rank of CR
        w->methodPanel()->setCurrentMethod(Method::Svd);
        w->setChromaRank(5);                   // chroma rank of SVD
        w->methodPanel()->setCurrentMethod(Method::Cr);
        // The compare view as left: three panes, their methods, ranks and shows, the split.
        w->setCompareMode(true);
        ComparePanes *panes = w->comparePanes();
        panes->setPaneCount(3);
        panes->setPane(0, Method::Monarch, 2);
        panes->setPane(2, Method::Rsvd, 11);
        core::MethodSettings own = w->methodPanel()->settings(Method::Monarch);
        own.monarchBlocks = 5;
        panes->setPaneSettings(0, own);
        panes->setShow(1, ComparePanes::Show::Difference);
        panes->setSplitPosition(0.3);
        QVERIFY(w->waitForIdle(120000));
        w->close();
    }
    auto w = makeWindow();
    QCOMPARE(w->methodPanel()->currentMethod(), Method::Cr);
    QCOMPARE(w->methodPanel()->rank(Method::Cr), 7);
    QCOMPARE(w->methodPanel()->settings(Method::Cr).crRule, core::CrRule::Uniform);
    QCOMPARE(w->workspace()->colorMode(), core::ColorMode::YCbCr);
    // Chroma ranks are not carried across restarts (nor to another document): "= luma".
    for (Method method : {Method::Cr, Method::Svd, Method::Id}) {
        w->methodPanel()->setCurrentMethod(method);
        QCOMPARE(w->chromaRank(), -1);
    }
    QVERIFY(w->isCompareMode());
    ComparePanes *panes = w->comparePanes();
    QCOMPARE(panes->paneCount(), 3);
    QCOMPARE(panes->paneMethod(0), Method::Monarch);
    QCOMPARE(panes->paneRank(0), 2);
    QVERIFY(panes->paneSettings(0));
    QCOMPARE(panes->paneSettings(0)->monarchBlocks, Index(5));
    QVERIFY(!panes->paneSettings(2));
    QCOMPARE(panes->paneMethod(1), Method::Id); // the default of pane B
    QCOMPARE(panes->paneShow(1), ComparePanes::Show::Difference);
    QCOMPARE(panes->paneMethod(2), Method::Rsvd);
    QCOMPARE(panes->paneRank(2), 11);
    QCOMPARE(panes->splitPosition(), 0.3);
    QVERIFY(!panes->isSplitEnabled());
    QVERIFY(!m_settings->windowGeometry().isEmpty());
    w->setCompareMode(false);
    QVERIFY(!m_settings->compareLayout().open);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
