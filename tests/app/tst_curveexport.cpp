// SPDX-License-Identifier: MIT
// File ▸ Export ▸ Error Curves and the other GUI exports: the dialog offers the computed
// methods and the plotted ranks, exports exactly the rows it names (no subsample) with metadata
// saying how each method was computed; the GUI's CSV and `factorscope curve` with the same stated
// settings (the sketch included) agree to 1e-12; rows with a chroma rank are the views' numbers;
// the side-by-side picture is drawn from the views; every GUI export is 0666 & ~umask.
// qcustomplot.h needs Qt's foreach: include it first (see widgets/errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "app/comparepanes.h"
#include "app/colorcontrols.h"
#include "app/curveexportdialog.h"
#include "app/exports.h"
#include "app/mainwindow.h"
#include "app/settings.h"
#include "app/viewarea.h"
#include "headlessutil.h"

#include "core/color.h"
#include "core/metrics.h"
#include "core/random.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <map>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

class TestCurveExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void dialogOffersComputedMethodsAndPlottedRanks();
    void exportsExactlyTheRows();
    void guiCsvEqualsHeadlessWithStatedSketch_data();
    void guiCsvEqualsHeadlessWithStatedSketch();
    void chromaRankRowsAreTheViews();
    void sideBySideIsDrawnFromTheViews();
    void guiExportsHonourUmask();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    /// Exports `choice` to `name` and reads it back.
    QByteArray exportCurves(const exporter::CurveExport &choice, const QString &name);
    std::unique_ptr<MainWindow> openWindow(const QString &file, core::ColorMode mode, const std::vector<Method> &methods);

    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window; ///< the 560 × 530 matrix with SVD and rSVD computed
};

std::unique_ptr<MainWindow> TestCurveExport::openWindow(const QString &file, core::ColorMode mode, const std::vector<Method> &methods)
{
    auto window = std::make_unique<MainWindow>(m_settings.get());
    window->resize(1400, 900);
    window->show();
    window->setColorMode(mode);
    if (!window->openFile(file))
        return {};
    for (Method method : methods) {
        window->methodPanel()->setCurrentMethod(method);
        if (!window->waitForIdle(300000))
            return {};
    }
    return window;
}

void TestCurveExport::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settings = std::make_unique<Settings>(new QSettings(path(QStringLiteral("settings.ini")), QSettings::IniFormat));
    // More than 512 ranks (the plot's curve holds 512 of them) and more than rSVD's 128 + p.
    core::Rng rng(5);
    Matrix a = rng.gaussian(560, 530);
    for (Index j = 0; j < a.cols(); ++j)
        a.col(j) *= std::pow(0.995, double(j));
    a += 3.0 * rng.gaussian(560, 3) * rng.gaussian(3, 530);
    test::writeNpyFile(path(QStringLiteral("m.npy")), a);
    m_window = openWindow(path(QStringLiteral("m.npy")), core::ColorMode::Gray, {Method::Rsvd, Method::Svd});
    QVERIFY(m_window);
}

void TestCurveExport::cleanupTestCase()
{
    m_window.reset();
    m_settings.reset();
}

QByteArray TestCurveExport::exportCurves(const exporter::CurveExport &choice, const QString &name)
{
    const QString file = path(name);
    if (!m_window->exports()->curveCsv(file, choice) || !m_window->waitForIdle(300000) || m_window->isBannerVisible())
        return {};
    QFile in(file);
    return in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
}

void TestCurveExport::dialogOffersComputedMethodsAndPlottedRanks()
{
    m_window->errorPlot()->setXAxis(widgets::ErrorPlot::XAxis::Rank);
    m_window->errorPlot()->plot()->xAxis->setRange(4.6, 30.2);
    const exporter::CurveExport initial = m_window->exports()->defaultCurveExport();
    QCOMPARE(initial.firstRank, Index(5));
    QCOMPARE(initial.lastRank, Index(30));
    // On the stored-numbers axis: the ranks whose numbers are shown (r·(n + m + 1) = 1091·r here).
    m_window->errorPlot()->setXAxis(widgets::ErrorPlot::XAxis::Params);
    m_window->errorPlot()->plot()->xAxis->setRange(2000, 11000);
    const exporter::CurveExport byNumbers = m_window->exports()->defaultCurveExport();
    QCOMPARE(byNumbers.firstRank, Index(2));
    QCOMPARE(byNumbers.lastRank, Index(10));
    CurveExportDialog dialog(m_window->workspace(), initial, path(QStringLiteral("d.csv")));
    QVERIFY(dialog.methodBox(Method::Svd)->isChecked() && dialog.methodBox(Method::Rsvd)->isChecked());
    QVERIFY(!dialog.methodBox(Method::Id)->isEnabled() && !dialog.methodBox(Method::Monarch)->isEnabled());
    QVERIFY(dialog.methodBox(Method::Rsvd)->text().contains(QStringLiteral("sketch 138")));
    QCOMPARE(dialog.firstRankBox()->value(), 5);
    QCOMPARE(dialog.lastRankBox()->value(), 30);
    QCOMPARE(dialog.rowCount(), 2 * 26);
    QVERIFY(!dialog.psnrBox()->isEnabled() && !dialog.chromaBox()->isEnabled()); // a matrix
    QCOMPARE(dialog.trialsBox()->maximum(), 5);
    QVERIFY2(dialog.metadataText().contains(QStringLiteral("# svd: exact SVD")), qPrintable(dialog.metadataText()));
    QVERIFY2(dialog.metadataText().contains(
                 QStringLiteral("# rsvd: randomized SVD, sketch = 138 (r_max 128 + p 10), q = 2, 5 trials, seed 0")),
             qPrintable(dialog.metadataText()));

    // The choice follows the controls; the rows say where a method's ranks end.
    dialog.methodBox(Method::Svd)->setChecked(false);
    dialog.lastRankBox()->setValue(200);
    dialog.trialsBox()->setValue(2);
    QCOMPARE(dialog.rowCount(), 128 - 5 + 1);
    QVERIFY(dialog.metadataText().contains(QStringLiteral("q = 2, 2 trials, seed 0")));
    const exporter::CurveExport c = dialog.choice();
    QVERIFY(c.methods == std::vector<Method>{Method::Rsvd});
    QCOMPARE(c.firstRank, Index(5));
    QCOMPARE(c.lastRank, Index(200));
    QCOMPARE(c.trials, 2);
    QCOMPARE(dialog.path(), path(QStringLiteral("d.csv")));
    dialog.methodBox(Method::Rsvd)->setChecked(false);
    QCOMPARE(dialog.rowCount(), 0);
}

void TestCurveExport::exportsExactlyTheRows()
{
    // Every rank of every method.
    exporter::CurveExport all;
    all.methods = {Method::Svd, Method::Rsvd};
    const QByteArray text = exportCurves(all, QStringLiteral("all.csv"));
    QVERIFY(!text.isEmpty());
    const test::CsvTable table = test::parseCurveCsv(text);
    std::map<QString, std::vector<int>> ranks;
    for (int i = 0; i < table.rows.size(); ++i)
        ranks[table.cell(i, QStringLiteral("method"))].push_back(table.cell(i, QStringLiteral("rank")).toInt());
    QCOMPARE(ranks[QStringLiteral("svd")].size(), std::size_t(530));
    QCOMPARE(ranks[QStringLiteral("rsvd")].size(), std::size_t(128));
    for (const auto &[method, list] : ranks)
        for (std::size_t i = 0; i < list.size(); ++i)
            QCOMPARE(list[i], int(i) + 1);
    QVERIFY(text.contains("\n# rsvd: randomized SVD, sketch = 138 (r_max 128 + p 10), q = 2, 5 trials, seed 0\n"));
    QVERIFY(text.contains("\n# svd: exact SVD; full, dgesdd, all "));
}

void TestCurveExport::guiCsvEqualsHeadlessWithStatedSketch_data()
{
    QTest::addColumn<int>("trials");
    QTest::newRow("5 trials") << 5;
    QTest::newRow("2 of 5 trials") << 2;
}

void TestCurveExport::guiCsvEqualsHeadlessWithStatedSketch()
{
    QFETCH(int, trials);
    exporter::CurveExport choice;
    choice.methods = {Method::Svd, Method::Rsvd};
    choice.firstRank = 1;
    choice.lastRank = 20;
    choice.trials = trials;
    const QByteArray gui = exportCurves(choice, QStringLiteral("gui-%1.csv").arg(trials));
    QVERIFY(!gui.isEmpty());
    const QStringList base{QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                           QStringLiteral("svd,rsvd"), QStringLiteral("--ranks"), QStringLiteral("1:20"), QStringLiteral("--trials"),
                           QString::number(trials)};
    // --full: the program factorises the SVD completely, so the headless command's metadata
    // line then says the same (without it, "partial, k = 20, block Lanczos …").
    const test::RunResult run = test::runFactorscope(base + QStringList{QStringLiteral("--sketch"), QStringLiteral("138"),
                                                                        QStringLiteral("--full")});
    QVERIFY2(run.exitCode == 0, run.err.constData());

    QCOMPARE(test::csvComments(gui), test::csvComments(run.out));
    const test::CsvTable ours = test::parseCurveCsv(gui), theirs = test::parseCurveCsv(run.out);
    QCOMPARE(ours.rows.size(), 40);
    const QString difference = test::curveTableDifference(ours, theirs, 1e-12);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
    QCOMPARE(ours.cell(20, QStringLiteral("variant")), QStringLiteral("p=10;q=2;sketch=138"));

    // Left to its default the headless command sketches 20 + p columns: another variant and
    // other numbers, which is why the sketch is stated.
    const test::RunResult narrow = test::runFactorscope(base);
    QVERIFY2(narrow.exitCode == 0, narrow.err.constData());
    const test::CsvTable small = test::parseCurveCsv(narrow.out);
    QCOMPARE(small.cell(39, QStringLiteral("variant")), QStringLiteral("p=10;q=2;sketch=30"));
    QVERIFY(std::abs(small.number(39, QStringLiteral("rel_err_fro")) - ours.number(39, QStringLiteral("rel_err_fro"))) > 1e-9);
}

void TestCurveExport::chromaRankRowsAreTheViews()
{
    QImage image(48, 40, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb((x * 9 + y * 5) % 256, int(128 + 100 * std::sin(0.3 * x) * std::cos(0.2 * y)), (x * y) % 256));
    QVERIFY(image.save(path(QStringLiteral("c.png"))));
    auto w = openWindow(path(QStringLiteral("c.png")), core::ColorMode::YCbCr, {Method::Svd});
    QVERIFY(w);
    w->colorControls()->showMethod(Method::Svd);
    w->colorControls()->setChromaRank(2);
    w->methodPanel()->setRank(Method::Svd, 6);
    QVERIFY(w->waitForIdle(120000));

    const exporter::CurveExport initial = w->exports()->defaultCurveExport();
    QCOMPARE(initial.chromaRanks[std::size_t(Method::Svd)], std::optional<Index>(2));
    CurveExportDialog dialog(w->workspace(), initial, path(QStringLiteral("chroma.csv")));
    QVERIFY(dialog.chromaBox()->isEnabled() && dialog.chromaBox()->isChecked() && dialog.psnrBox()->isChecked());
    exporter::CurveExport choice = dialog.choice();
    choice.firstRank = 1;
    choice.lastRank = 10;
    const QString file = path(QStringLiteral("chroma.csv"));
    QVERIFY(w->exports()->curveCsv(file, choice));
    QVERIFY(w->waitForIdle(120000));
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray text = in.readAll();
    QVERIFY2(text.contains("\n# chroma rank: 2 (svd; Cb and Cr at it, the rank column is Y's)\n"), text.constData());
    QVERIFY(text.contains("\n# svd: exact SVD, Cb and Cr at chroma rank 2; full, dgesdd, all "));
    const test::CsvTable table = test::parseCurveCsv(text);
    QCOMPARE(table.rows.size(), 10);

    // Each row is what the views show at (r, chroma 2): computed here from the models.
    const auto result = w->workspace()->result(Method::Svd);
    const auto channels = w->workspace()->channels();
    const std::vector<Matrix> original = Workspace::displayedOriginal(*w->document(), core::ColorMode::YCbCr);
    for (int i = 0; i < table.rows.size(); ++i) {
        const Index r = table.cell(i, QStringLiteral("rank")).toInt();
        QCOMPARE(table.cell(i, QStringLiteral("variant")), QStringLiteral("exact;chroma=2"));
        std::vector<Matrix> recon;
        for (int c = 0; c < 3; ++c)
            recon.push_back(result->model(c).reconstruct(c == 0 ? r : 2));
        const double rel = core::relErrFro(*channels, recon);
        const double psnr = core::psnr(original, core::channelsToDisplay(recon, core::ColorMode::YCbCr));
        QVERIFY2(std::abs(table.number(i, QStringLiteral("rel_err_fro")) - rel) <= 1e-12 * rel, qPrintable(QString::number(r)));
        QVERIFY2(std::abs(table.number(i, QStringLiteral("psnr_db")) - psnr) <= 1e-10, qPrintable(QString::number(r)));
        if (r == 6) { // and the read-out of the view shown
            const auto view = w->currentView();
            QVERIFY(view && view->rank == 6 && view->hasChromaRank);
            QVERIFY(std::abs(view->relErrFro - table.number(i, QStringLiteral("rel_err_fro"))) <= 1e-12);
            QVERIFY(std::abs(view->psnrDb - table.number(i, QStringLiteral("psnr_db"))) <= 1e-10);
        }
    }
    // Without the chroma rank every channel follows the row's rank.
    choice.chromaRanks = {};
    QVERIFY(w->exports()->curveCsv(file, choice));
    QVERIFY(w->waitForIdle(120000));
    QFile again(file);
    QVERIFY(again.open(QIODevice::ReadOnly));
    const QByteArray plain = again.readAll();
    QVERIFY(!plain.contains("chroma"));
}

/// Where `part` stands inside `whole` with its left edge at column `x`, searched over every row;
/// −1 when nowhere.
static int findRows(const QImage &whole, const QImage &part, int x)
{
    const QImage w = whole.convertToFormat(QImage::Format_RGB32), p = part.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y + p.height() <= w.height(); ++y) {
        bool same = true;
        for (int row = 0; row < p.height() && same; row += std::max(1, p.height() / 12))
            same = std::memcmp(w.constScanLine(y + row) + 4 * x, p.constScanLine(row), std::size_t(4 * p.width())) == 0;
        if (same)
            return y;
    }
    return -1;
}

void TestCurveExport::sideBySideIsDrawnFromTheViews()
{
    MainWindow &w = *m_window;
    w.methodPanel()->setRank(Method::Svd, 12);
    w.methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w.waitForIdle(120000));
    auto picture = [](const widgets::MatrixView *view) {
        const QImage whole = view->renderedImage();
        return whole.copy(0, view->viewport().top(), whole.width(), whole.height() - view->viewport().top());
    };
    // The original beside the reconstruction, each under its title, then the read-out.
    const QString file = path(QStringLiteral("views.png"));
    QVERIFY2(w.exportViews(file), qPrintable(w.bannerText()));
    const QImage main(file);
    QVERIFY(!main.isNull());
    const QImage original = picture(w.documentView()), reconstruction = picture(w.reconstructionView());
    QVERIFY(findRows(main, original, 12) > 0);
    QVERIFY(findRows(main, reconstruction, 12 + std::max(original.width(), reconstruction.width()) + 12) > 0);
    QVERIFY(main.size() != w.viewArea()->currentWidget()->grab().size());

    // Three compare panes side by side: each pane's picture, not its combo boxes.
    w.setCompareMode(true);
    w.comparePanes()->setPaneCount(3);
    w.comparePanes()->setPane(0, Method::Svd, 5);
    w.comparePanes()->setPane(1, Method::Rsvd, 5);
    w.comparePanes()->setPane(2, Method::Svd, 40);
    QVERIFY(w.waitForIdle(120000));
    QVERIFY(w.exportViews(file));
    const QImage panes(file);
    int cell = 0;
    for (int i = 0; i < 3; ++i)
        cell = std::max(cell, picture(w.comparePanes()->view(i)).width());
    QCOMPARE(panes.width(), 3 * cell + 4 * 12);
    for (int i = 0; i < 3; ++i)
        QVERIFY2(findRows(panes, picture(w.comparePanes()->view(i)), 12 + i * (cell + 12)) > 0, qPrintable(QString::number(i)));
    w.setCompareMode(false);
}

void TestCurveExport::guiExportsHonourUmask()
{
    MainWindow &w = *m_window;
    const QString dir = path(QStringLiteral("umask"));
    QVERIFY(QDir().mkpath(dir));
    const mode_t previous = ::umask(027);
    QStringList files;
    for (const char *name : {"curves.csv", "plot.png", "plot.svg", "plot.pdf", "recon.png", "views.png"})
        files << QDir(dir).filePath(QLatin1String(name));
    exporter::CurveExport choice;
    choice.methods = {Method::Svd};
    choice.lastRank = 5;
    const bool curve = w.exports()->curveCsv(files[0], choice) && w.waitForIdle(120000);
    const bool plots = w.exportPlot(files[1]) && w.exportPlot(files[2]) && w.exportPlot(files[3]);
    const bool recon = w.exportReconstruction(files[4]);
    const bool views = w.exportViews(files[5]);
    const bool npy = w.exportFactors(QDir(dir).filePath(QStringLiteral("npy")), exporter::FactorFormat::Npy);
    const bool csv = w.exportFactors(QDir(dir).filePath(QStringLiteral("csv")), exporter::FactorFormat::Csv);
    ::umask(previous);
    QVERIFY(curve && plots && recon && views && npy && csv);
    for (const QString &sub : {QStringLiteral("npy"), QStringLiteral("csv")})
        for (const QString &name : QDir(QDir(dir).filePath(sub)).entryList(QDir::Files))
            files << QDir(dir).filePath(sub + QLatin1Char('/') + name);
    QCOMPARE(files.size(), 6 + 3 + 3);
    for (const QString &file : files) {
        struct stat info {};
        QVERIFY2(::stat(QFile::encodeName(file).constData(), &info) == 0, qPrintable(file));
        QVERIFY2((info.st_mode & 0777) == 0640, qPrintable(QStringLiteral("%1 is %2").arg(file).arg(info.st_mode & 0777, 3, 8)));
    }
}

QTEST_MAIN(TestCurveExport)
#include "tst_curveexport.moc"
