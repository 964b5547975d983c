// SPDX-License-Identifier: MIT
// Colour modes in the window: ycbcr of a grey image is its gray mode (the same curves and the
// same reconstruction), and ycbcr's separate chroma rank rebuilds Cb and Cr at their own rank
// with read-outs that count both.
#include "app/mainwindow.h"
#include "app/settings.h"

#include "core/color.h"
#include "core/metrics.h"
#include "widgets/errorplot.h"
#include "widgets/methodpanel.h"

#include <QImage>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

class TestColorModes : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void ycbcrOfGreyImageEqualsGray_data();
    void ycbcrOfGreyImageEqualsGray();
    void chromaRankRebuildsCbCr();

private:
    QString writeImage(bool colour);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestColorModes::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestColorModes::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

QString TestColorModes::writeImage(bool colour)
{
    QImage image(30, 22, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const int g = (x * 7 + y * 11 + (x * y) % 5 * 13) % 256;
            image.setPixel(x, y, colour ? qRgb(g, (x * 19 + 30) % 256, (y * 23 + x) % 256) : qRgb(g, g, g));
        }
    const QString path = m_dir->filePath(colour ? QStringLiteral("colour.png") : QStringLiteral("grey.png"));
    if (!(colour ? image : image.convertToFormat(QImage::Format_Grayscale8)).save(path, "PNG"))
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestColorModes::ycbcrOfGreyImageEqualsGray_data()
{
    QTest::addColumn<int>("method");
    for (Method m : {Method::Svd, Method::Id, Method::Monarch})
        QTest::addRow("%s", core::methodName(m).c_str()) << int(m);
}

void TestColorModes::ycbcrOfGreyImageEqualsGray()
{
    QFETCH(int, method);
    const Method m = Method(method);
    const QString path = writeImage(false);
    struct Seen
    {
        std::vector<core::CurveRow> curve;
        std::vector<Matrix> recon;
        double relErr = 0, psnr = 0, ssim = 0, params = 0;
    };
    auto run = [&](core::ColorMode mode) {
        Seen seen;
        MainWindow w(m_settings.get());
        w.show();
        w.setColorMode(mode);
        if (!w.openFile(path))
            return seen;
        w.methodPanel()->setCurrentMethod(m);
        w.methodPanel()->setRank(m, m == Method::Monarch ? 1 : 5);
        w.setChromaRank(2); // ignored: a grey image has one channel in every mode
        if (!w.waitForIdle(120000) || !w.currentView())
            return seen;
        seen.curve = w.workspace()->result(m)->curve;
        seen.recon = *w.currentView()->reconstruction;
        seen.relErr = w.currentView()->relErrFro;
        seen.psnr = w.currentView()->psnrDb;
        seen.ssim = w.currentView()->ssim;
        seen.params = w.currentView()->params;
        return seen;
    };
    const Seen gray = run(core::ColorMode::Gray);
    const Seen ycbcr = run(core::ColorMode::YCbCr);
    QVERIFY(!gray.curve.empty());
    QCOMPARE(ycbcr.curve.size(), gray.curve.size());
    for (std::size_t i = 0; i < gray.curve.size(); ++i) {
        QCOMPARE(ycbcr.curve[i].rank, gray.curve[i].rank);
        QCOMPARE(ycbcr.curve[i].params, gray.curve[i].params);
        QCOMPARE(ycbcr.curve[i].relErrFro, gray.curve[i].relErrFro);
    }
    QCOMPARE(ycbcr.recon.size(), std::size_t(1));
    QVERIFY(ycbcr.recon[0] == gray.recon[0]);
    QCOMPARE(ycbcr.relErr, gray.relErr);
    QCOMPARE(ycbcr.psnr, gray.psnr);
    QCOMPARE(ycbcr.ssim, gray.ssim);
    QCOMPARE(ycbcr.params, gray.params);
}

void TestColorModes::chromaRankRebuildsCbCr()
{
    MainWindow w(m_settings.get());
    w.show();
    w.setColorMode(core::ColorMode::Rgb);
    QVERIFY(w.openFile(writeImage(true)));
    QTRY_VERIFY(!w.chromaRankBox()->isVisible());
    w.setColorMode(core::ColorMode::YCbCr);
    QVERIFY(w.waitForIdle(120000));
    QTRY_VERIFY(w.chromaRankBox()->isVisible());
    w.methodPanel()->setCurrentMethod(Method::Svd);
    w.methodPanel()->setRank(Method::Svd, 6);
    QVERIFY(w.waitForIdle(120000));
    const double sameParams = w.currentView()->params;
    QVERIFY(!w.currentView()->hasChromaRank);

    w.setChromaRank(2);
    QVERIFY(w.waitForIdle(120000));
    const auto view = w.currentView();
    QVERIFY(view->hasChromaRank);
    QCOMPARE(view->channelRanks, (std::vector<Index>{6, 2, 2}));
    const auto result = w.workspace()->result(Method::Svd);
    std::vector<Matrix> recon{result->model(0).reconstruct(6), result->model(1).reconstruct(2), result->model(2).reconstruct(2)};
    const double params = result->model(0).storedParams(6) + 2 * result->model(1).storedParams(2);
    QCOMPARE(view->params, params);
    QVERIFY(view->params < sameParams);
    QVERIFY(std::abs(view->relErrFro - core::relErrFro(*w.workspace()->channels(), recon)) < 1e-12);
    const std::vector<Matrix> display = core::channelsToDisplay(recon, core::ColorMode::YCbCr);
    for (std::size_t c = 0; c < 3; ++c)
        QVERIFY(((*view->reconstruction)[c] - display[c]).cwiseAbs().maxCoeff() < 1e-12);
    QVERIFY2(w.metricsText().contains(QStringLiteral("(Cb, Cr)")), qPrintable(w.metricsText()));

    // The plot's marker sits at the measured setting, off the equal-rank curve: x the luma rank
    // (or the stored numbers), y the view's error.
    widgets::ErrorPlot *plot = w.errorPlot();
    const QString series = QStringLiteral("SVD");
    QVERIFY(std::any_of(plot->series().cbegin(), plot->series().cend(), [&](const auto &c) { return c.name == series; }));
    plot->setXAxis(widgets::ErrorPlot::XAxis::Rank);
    QCOMPARE(plot->markerPosition(series), QPointF(6.0, view->relErrFro));
    double onCurve = NAN;
    for (const core::CurveRow &row : result->curve)
        if (row.rank == 6)
            onCurve = row.relErrFro;
    QVERIFY(view->relErrFro > onCurve * 1.01); // chroma at rank 2 costs accuracy
    plot->setXAxis(widgets::ErrorPlot::XAxis::Params);
    QCOMPARE(plot->markerPosition(series), QPointF(params, view->relErrFro));
    plot->setXAxis(widgets::ErrorPlot::XAxis::Rank);

    // Back to "= luma": every channel at the rank again, the marker back on the curve.
    w.setChromaRank(-1);
    QVERIFY(w.waitForIdle(120000));
    QVERIFY(!w.currentView()->hasChromaRank);
    QCOMPARE(w.currentView()->params, sameParams);
    QCOMPARE(plot->markerPosition(series).x(), 6.0);
    QVERIFY(std::abs(plot->markerPosition(series).y() - onCurve) < 1e-12 * std::max(1.0, onCurve));
    w.setColorMode(core::ColorMode::Rgb);
    QTRY_VERIFY(!w.chromaRankBox()->isVisible());
}

QTEST_MAIN(TestColorModes)
#include "tst_colormodes.moc"
