// SPDX-License-Identifier: MIT
// The Target control: each method's rank is the curve's first rank reaching the target (the
// last one within a stored-numbers budget).
#include "app/exporter.h"
#include "app/mainwindow.h"
#include "app/settings.h"
#include "app/targetcontrol.h"
#include "headlessutil.h"

#include "widgets/methodpanel.h"

#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

class TestTargetControl : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void matrixTargets_data();
    void matrixTargets();
    void psnrTargetOnImage();
    void answerStatesTheChromaRank();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestTargetControl::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestTargetControl::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

void TestTargetControl::matrixTargets_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("value");
    QTest::newRow("rel err 0.3") << int(core::TargetKind::RelErrFro) << 0.3;
    QTest::newRow("rel err 0.05") << int(core::TargetKind::RelErrFro) << 0.05;
    QTest::newRow("budget 400") << int(core::TargetKind::StoredNumbers) << 400.0;
    QTest::newRow("budget 2000") << int(core::TargetKind::StoredNumbers) << 2000.0;
}

void TestTargetControl::matrixTargets()
{
    QFETCH(int, kind);
    QFETCH(double, value);
    Matrix a(24, 30);
    for (Index i = 0; i < a.rows(); ++i)
        for (Index j = 0; j < a.cols(); ++j)
            a(i, j) = std::sin(0.3 * double(i) * double(j + 1)) + 0.1 * double((i * 31 + j * 17) % 13);
    const QString path = m_dir->filePath(QStringLiteral("a.npy"));
    test::writeNpyFile(path, a);
    MainWindow w(m_settings.get());
    w.show();
    QVERIFY(w.openFile(path));
    // The deterministic methods: their curve is the shown model's.
    const std::vector<Method> methods{Method::Svd, Method::Id, Method::Monarch};
    for (Method m : methods) {
        w.methodPanel()->setCurrentMethod(m);
        QVERIFY(w.waitForIdle(120000));
    }
    w.applyTarget(core::TargetKind(kind), value);
    QVERIFY(w.waitForIdle(120000));
    const auto picked = w.lastTargetRanks();
    for (Method m : methods) {
        const auto result = w.workspace()->result(m);
        QVERIFY(result);
        std::optional<Index> expected;
        if (core::TargetKind(kind) == core::TargetKind::StoredNumbers)
            expected = 0; // rank 0 stores nothing
        for (const core::CurveRow &row : result->curve) {
            if (core::TargetKind(kind) == core::TargetKind::RelErrFro && row.relErrFro <= value) {
                expected = row.rank;
                break;
            }
            if (core::TargetKind(kind) == core::TargetKind::StoredNumbers && row.params <= value)
                expected = row.rank;
        }
        QVERIFY(picked.count(m));
        QVERIFY2(picked.at(m) == expected, qPrintable(QStringLiteral("%1: %2 vs %3").arg(QString::fromStdString(core::methodName(m)))
                                                          .arg(picked.at(m) ? double(*picked.at(m)) : -1.0).arg(expected ? double(*expected) : -1.0)));
        if (expected)
            QCOMPARE(w.methodPanel()->rank(m), int(std::max<Index>(1, *expected)));
    }
}

void TestTargetControl::psnrTargetOnImage()
{
    QImage image(30, 22, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb((x * 7 + y * 11 + (x * y) % 5 * 13) % 256, (x * 19 + 30) % 256, (y * 23 + x) % 256));
    const QString path = m_dir->filePath(QStringLiteral("c.png"));
    QVERIFY(image.save(path, "PNG"));
    MainWindow w(m_settings.get());
    w.show();
    w.setColorMode(core::ColorMode::Rgb);
    QVERIFY(w.openFile(path));
    w.methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w.waitForIdle(120000));
    const double target = 30.0;
    w.applyTarget(core::TargetKind::PsnrDb, target);
    QVERIFY(w.waitForIdle(120000));
    const auto picked = w.lastTargetRanks();
    // Against the curve's psnr_db column (what `factorscope curve` writes).
    const auto result = w.workspace()->result(Method::Svd);
    const auto rows = exporter::curveRows(*w.document(), *w.workspace()->channels(), *result,
                                          exporter::exportRanks(*result, exporter::CurveExport()), 1, true, std::nullopt);
    std::optional<Index> expected;
    for (const core::CurveRow &row : rows)
        if (row.psnrDb && *row.psnrDb >= target) {
            expected = row.rank;
            break;
        }
    QVERIFY(expected);
    QCOMPARE(picked.at(Method::Svd), expected);
    QVERIFY(w.waitForIdle(120000));
    QCOMPARE(w.currentView()->rank, *expected);
    QVERIFY(w.currentView()->psnrDb >= target);
}

void TestTargetControl::answerStatesTheChromaRank()
{
    // YCbCr with a chroma rank held at 1: the answer says so, since the luma rank it found
    // depends on it (and "out of reach" may be only because of it).
    QImage image(30, 22, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb((x * 9 + y * 5) % 256, (x * y * 3) % 256, (y * 17 + x * 3) % 256));
    const QString path = m_dir->filePath(QStringLiteral("y.png"));
    QVERIFY(image.save(path, "PNG"));
    MainWindow w(m_settings.get());
    w.show();
    w.setColorMode(core::ColorMode::YCbCr);
    QVERIFY(w.openFile(path));
    w.methodPanel()->setCurrentMethod(Method::Svd);
    w.setChromaRank(1);
    QVERIFY(w.waitForIdle(120000));
    QSignalSpy said(w.targetControl(), &TargetControl::message);
    w.applyTarget(core::TargetKind::RelErrFro, 0.2);
    QVERIFY(w.waitForIdle(120000));
    QCOMPARE(said.count(), 1);
    const QString answer = said.at(0).at(0).toString();
    QVERIFY2(answer.contains(QStringLiteral("SVD")) && answer.contains(QStringLiteral("(chroma rank 1)")), qPrintable(answer));
    // Without a chroma rank, none is named.
    w.setChromaRank(-1);
    w.applyTarget(core::TargetKind::RelErrFro, 0.2);
    QVERIFY(w.waitForIdle(120000));
    QCOMPARE(said.count(), 2);
    QVERIFY(!said.at(1).at(0).toString().contains(QStringLiteral("chroma")));
}

QTEST_MAIN(TestTargetControl)
#include "tst_targetcontrol.moc"
