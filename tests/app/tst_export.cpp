// SPDX-License-Identifier: MIT
// File ▸ Export: the error curves are exactly what `factorscope curve` writes for the same file
// and settings; factors and reconstructions read back equal; every writer is atomic and a
// failed write says which file and why, without a dialog.
#include "app/exporter.h"
#include "app/mainwindow.h"
#include "app/settings.h"
#include "headlessutil.h"

#include "core/color.h"
#include "core/io/matrixio.h"
#include "core/random.h"
#include "widgets/methodpanel.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <set>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

class TestExport : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void curveCsvMatchesHeadless_data();
    void curveCsvMatchesHeadless();
    void factorsRoundTrip_data();
    void factorsRoundTrip();
    void reconstructionAtFullResolution();
    void plotAndViews();
    void failedWriteSaysWhy();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &path, core::ColorMode mode);
    QString writeImage(const QString &name, bool colour);
    QString writeMatrix(const QString &name);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestExport::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestExport::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

QString TestExport::writeImage(const QString &name, bool colour)
{
    QImage image(28, 20, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const int g = (x * 9 + y * 5 + (x * y) % 7 * 11) % 256;
            image.setPixel(x, y, colour ? qRgb(g, (x * 13 + 40) % 256, (y * 17 + x * 3) % 256) : qRgb(g, g, g));
        }
    if (!colour)
        image = image.convertToFormat(QImage::Format_Grayscale8);
    const QString path = m_dir->filePath(name);
    if (!image.save(path, "PNG"))
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QString TestExport::writeMatrix(const QString &name)
{
    core::Rng rng(7);
    Matrix a(24, 30);
    for (Index i = 0; i < a.rows(); ++i)
        for (Index j = 0; j < a.cols(); ++j)
            a(i, j) = std::sin(0.3 * double(i) * double(j + 1)) + 0.1 * double((i * 31 + j * 17) % 13);
    const QString path = m_dir->filePath(name);
    test::writeNpyFile(path, a);
    return path;
}

std::unique_ptr<MainWindow> TestExport::openWindow(const QString &path, core::ColorMode mode)
{
    auto window = std::make_unique<MainWindow>(m_settings.get());
    window->resize(1400, 900);
    window->show();
    window->setColorMode(mode);
    if (!window->openFile(path))
        return {};
    // Every method computed once, the current one last.
    for (Method method : core::allMethods()) {
        window->methodPanel()->setCurrentMethod(method);
        if (!window->waitForIdle(120000))
            return {};
    }
    window->methodPanel()->setCurrentMethod(Method::Svd);
    if (!window->waitForIdle(120000))
        return {};
    return window;
}

void TestExport::curveCsvMatchesHeadless_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("color");
    QTest::newRow("npy matrix") << QStringLiteral("npy") << QStringLiteral("gray");
    QTest::newRow("png rgb") << QStringLiteral("png") << QStringLiteral("rgb");
    QTest::newRow("png ycbcr") << QStringLiteral("png") << QStringLiteral("ycbcr");
    QTest::newRow("png gray mode") << QStringLiteral("png") << QStringLiteral("gray");
    QTest::newRow("grey png") << QStringLiteral("grey-png") << QStringLiteral("rgb");
}

void TestExport::curveCsvMatchesHeadless()
{
    QFETCH(QString, kind);
    QFETCH(QString, color);
    const QString input = kind == QStringLiteral("npy") ? writeMatrix(QStringLiteral("a.npy"))
                                                         : writeImage(QStringLiteral("a.png"), kind == QStringLiteral("png"));
    const auto mode = core::parseColorMode(color.toStdString());
    QVERIFY(mode);
    auto w = openWindow(input, *mode);
    QVERIFY(w);
    const QString exported = m_dir->filePath(QStringLiteral("curves.csv"));
    QVERIFY2(w->exportCurveCsv(exported), qPrintable(w->bannerText()));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY2(!w->isBannerVisible(), qPrintable(w->bannerText()));
    QFile file(exported);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray gui = file.readAll();
    const test::CsvTable ours = test::parseCurveCsv(gui);
    QVERIFY(!ours.rows.isEmpty());

    std::set<int> rankSet;
    std::set<QString> methods;
    for (int i = 0; i < ours.rows.size(); ++i) {
        rankSet.insert(ours.cell(i, QStringLiteral("rank")).toInt());
        methods.insert(ours.cell(i, QStringLiteral("method")));
    }
    QCOMPARE(int(methods.size()), int(core::methodCount));
    QStringList ranks;
    for (int r : rankSet)
        ranks << QString::number(r);
    QStringList args{QStringLiteral("curve"), input, QStringLiteral("--method"), QStringLiteral("all"),
                     QStringLiteral("--ranks"), ranks.join(QLatin1Char(','))};
    if (kind != QStringLiteral("npy"))
        args << QStringLiteral("--color") << color;
    const test::RunResult run = test::runFactorscope(args);
    QVERIFY2(run.exitCode == 0, run.err.constData());

    // The same metadata lines, header and numbers; each method's line is the same up to how it
    // factorised (after "; "): the headless command only up to the ranks asked, the program fully.
    auto settingsOnly = [](QList<QByteArray> lines) {
        for (QByteArray &line : lines)
            if (const qsizetype cut = line.indexOf("; "); cut > 0)
                line.truncate(cut);
        return lines;
    };
    QVERIFY(run.out.contains("\n# svd: exact SVD; "));
    QCOMPARE(settingsOnly(test::csvComments(gui)), settingsOnly(test::csvComments(run.out)));
    const QString difference = test::curveTableDifference(ours, test::parseCurveCsv(run.out), 1e-9);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestExport::factorsRoundTrip_data()
{
    QTest::addColumn<int>("method");
    QTest::addColumn<bool>("csv");
    for (Method m : core::allMethods()) {
        QTest::addRow("%s npy", core::methodName(m).c_str()) << int(m) << false;
        QTest::addRow("%s csv", core::methodName(m).c_str()) << int(m) << true;
    }
}

void TestExport::factorsRoundTrip()
{
    QFETCH(int, method);
    QFETCH(bool, csv);
    const Method m = Method(method);
    const QString input = writeImage(QStringLiteral("b.png"), true);
    auto w = std::make_unique<MainWindow>(m_settings.get());
    w->show();
    w->setColorMode(core::ColorMode::Rgb);
    QVERIFY(w->openFile(input));
    w->methodPanel()->setCurrentMethod(m);
    const int rank = m == Method::Monarch ? 1 : 4;
    w->methodPanel()->setRank(m, rank);
    QVERIFY(w->waitForIdle(120000));
    const QString folder = m_dir->filePath(QStringLiteral("factors"));
    QVERIFY2(w->exportFactors(folder, csv ? exporter::FactorFormat::Csv : exporter::FactorFormat::Npy),
             qPrintable(w->bannerText()));

    // The names of `factorscope compress --factors`, and the numbers of the cached models.
    const QString headless = m_dir->filePath(QStringLiteral("headless"));
    const test::RunResult run = test::runFactorscope(
        {QStringLiteral("compress"), input, QStringLiteral("--method"), QString::fromStdString(core::methodName(m)),
         QStringLiteral("--rank"), QString::number(rank), QStringLiteral("--color"), QStringLiteral("rgb"),
         QStringLiteral("--output"), m_dir->filePath(QStringLiteral("out.npy")), QStringLiteral("--factors"), headless});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QStringList expected = QDir(headless).entryList(QDir::Files, QDir::Name);
    if (csv)
        expected.replaceInStrings(QStringLiteral(".npy"), QStringLiteral(".csv"));
    QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name), expected);

    const auto result = w->workspace()->result(m);
    QVERIFY(result);
    const std::vector<std::string> suffixes{"_R", "_G", "_B"};
    for (int c = 0; c < 3; ++c)
        for (const exporter::Factor &factor : exporter::factorFiles(result->model(c), m, rank)) {
            const Matrix &matrix = factor.values;
            const QString path = QDir(folder).filePath(QString::fromStdString(factor.name + suffixes[std::size_t(c)] + (csv ? ".csv" : ".npy")));
            if (!csv && factor.shape.size() > 2)
                continue; // Monarch's 4-D L and R: tst_factorfiles reads them with numpy
            const core::LoadResult loaded = core::loadMatrixFile(path.toStdString());
            QVERIFY2(loaded.ok(), qPrintable(path));
            Matrix back = loaded.matrix->channels[0];
            if (!csv && factor.shape.size() == 1) { // a 1-D array opens as one row
                QCOMPARE(back.rows(), Index(1));
                back.transposeInPlace();
            }
            QCOMPARE(back.rows(), matrix.rows());
            QCOMPARE(back.cols(), matrix.cols());
            QVERIFY2((back - matrix).cwiseAbs().maxCoeff() <= 1e-15 * std::max(1.0, matrix.cwiseAbs().maxCoeff()), qPrintable(path));
        }
}

void TestExport::reconstructionAtFullResolution()
{
    const QString input = writeImage(QStringLiteral("c.png"), true);
    auto w = std::make_unique<MainWindow>(m_settings.get());
    w->show();
    w->setColorMode(core::ColorMode::YCbCr);
    QVERIFY(w->openFile(input));
    w->methodPanel()->setRank(Method::Svd, 3);
    QVERIFY(w->waitForIdle(120000));
    const QString path = m_dir->filePath(QStringLiteral("recon.png"));
    QVERIFY2(w->exportReconstruction(path), qPrintable(w->bannerText()));
    const QImage back(path);
    QCOMPARE(back.size(), QSize(28, 20));
    const auto result = w->workspace()->result(Method::Svd);
    std::vector<Matrix> recon;
    for (int c = 0; c < 3; ++c)
        recon.push_back(result->model(c).reconstruct(3));
    const QImage expected = planesToImage(core::channelsToDisplay(recon, core::ColorMode::YCbCr));
    QCOMPARE(back.convertToFormat(QImage::Format_RGB32), expected.convertToFormat(QImage::Format_RGB32));
}

void TestExport::plotAndViews()
{
    auto w = openWindow(writeMatrix(QStringLiteral("d.npy")), core::ColorMode::Gray);
    QVERIFY(w);
    for (const QString &suffix : {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}) {
        const QString path = m_dir->filePath(QStringLiteral("plot.") + suffix);
        QVERIFY2(w->exportPlot(path), qPrintable(w->bannerText()));
        QVERIFY(QFileInfo(path).size() > 0);
    }
    const QString views = m_dir->filePath(QStringLiteral("views.png"));
    QVERIFY(w->exportViews(views));
    QVERIFY(!QImage(views).isNull());
    // No temporary file is left behind.
    const QStringList hidden = QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden).filter(QRegularExpression(QStringLiteral("^\\.")));
    QVERIFY2(hidden.isEmpty(), qPrintable(hidden.join(QLatin1Char(' '))));
}

void TestExport::failedWriteSaysWhy()
{
    auto w = openWindow(writeMatrix(QStringLiteral("e.npy")), core::ColorMode::Gray);
    QVERIFY(w);
    const QString missing = m_dir->filePath(QStringLiteral("no/such/folder/"));
    const QStringList paths{missing + QStringLiteral("c.csv"), missing + QStringLiteral("p.svg"), missing + QStringLiteral("r.png"),
                            missing + QStringLiteral("v.png")};
    QVERIFY(w->exportCurveCsv(paths[0])); // a background job: it reports when it ends
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->isBannerVisible());
    QVERIFY2(w->bannerText().contains(paths[0]), qPrintable(w->bannerText()));
    QVERIFY(!w->exportPlot(paths[1]));
    QVERIFY2(w->bannerText().contains(paths[1]), qPrintable(w->bannerText()));
    QVERIFY(!w->exportReconstruction(paths[2]));
    QVERIFY2(w->bannerText().contains(paths[2]), qPrintable(w->bannerText()));
    QVERIFY(!w->exportViews(paths[3]));
    QVERIFY2(w->bannerText().contains(paths[3]), qPrintable(w->bannerText()));
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("no"))));
}

QTEST_MAIN(TestExport)
#include "tst_export.moc"
