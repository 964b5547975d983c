// SPDX-License-Identifier: MIT
// The slider follows the hand (issue 4 §1): on a rank change of a large image the
// reconstruction view shows at once, before the view job runs, a stand-in rebuilt at display
// resolution from the cached factors, equal to the full-resolution reconstruction averaged down;
// the full-resolution view replaces it once the rank rests. Small images skip the stand-in.
#include "app/inputloader.h"
#include "app/mainwindow.h"
#include "app/settings.h"

#include "core/display.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

namespace {

/// A deterministic colour picture with structure at several scales (rows × cols).
QImage picture(int rows, int cols)
{
    QImage image(cols, rows, QImage::Format_RGB888);
    for (int y = 0; y < rows; ++y) {
        uchar *line = image.scanLine(y);
        for (int x = 0; x < cols; ++x) {
            const double u = double(x) / cols, v = double(y) / rows;
            const double r = 0.5 + 0.4 * std::sin(6.0 * u + 3.0 * v);
            const double g = 0.5 + 0.3 * std::cos(11.0 * u * v) + 0.1 * std::sin(40.0 * v);
            const double b = ((x / 37 + y / 29) % 2) ? 0.8 : 0.2;
            line[3 * x + 0] = uchar(std::lround(255.0 * r));
            line[3 * x + 1] = uchar(std::lround(255.0 * g));
            line[3 * x + 2] = uchar(std::lround(255.0 * b));
        }
    }
    return image;
}

/// Largest |stand-in − full reconstruction averaged to the stand-in's size| over the planes.
double standInError(const std::vector<Matrix> &standIn, const std::vector<Matrix> &full)
{
    if (standIn.size() != full.size())
        return INFINITY;
    double worst = 0.0;
    for (std::size_t c = 0; c < full.size(); ++c) {
        const Matrix reduced = core::reduceForDisplay(full[c], standIn[c].rows(), standIn[c].cols()).values;
        if (reduced.rows() != standIn[c].rows() || reduced.cols() != standIn[c].cols())
            return INFINITY;
        worst = std::max(worst, (reduced - standIn[c]).cwiseAbs().maxCoeff());
    }
    return worst;
}

} // namespace

class TestSlider : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void rankChangeShowsStandInThenFullResolution();
    void smallImageHasNoStandIn();

private:
    std::unique_ptr<MainWindow> makeWindow();
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestSlider::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestSlider::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

std::unique_ptr<MainWindow> TestSlider::makeWindow()
{
    auto window = std::make_unique<MainWindow>(m_settings.get());
    window->resize(1400, 900);
    window->show();
    return window;
}

void TestSlider::rankChangeShowsStandInThenFullResolution()
{
    auto w = makeWindow();
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    QVERIFY(w->openDocument(OpenResult{documentFromImage(picture(1200, 1600), QStringLiteral("slider")), {}}));
    w->setColorMode(core::ColorMode::Rgb);
    w->methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(600000));
    widgets::MatrixView *view = w->reconstructionView();
    QVERIFY(w->currentView());
    QVERIFY(!view->showsPreview());
    const Index before = w->currentView()->rank;
    const Index rank = before == 7 ? 8 : 7;

    // The rank changes: the stand-in is there when setRank returns (no event processed, so the
    // view job cannot have delivered).
    w->methodPanel()->setRank(Method::Svd, int(rank));
    QVERIFY(view->showsPreview());
    QCOMPARE(w->currentView()->rank, before);
    QCOMPARE(view->matrixRows(), Index(1200));
    QCOMPARE(view->matrixColumns(), Index(1600));
    const auto standIn = view->previewPlanes();
    QVERIFY(standIn);
    QCOMPARE(standIn->size(), std::size_t(3));
    const Index rows = standIn->front().rows(), cols = standIn->front().cols();
    const double dpr = view->devicePixelRatioF();
    QVERIFY2(rows < 1200 && cols < 1600, qPrintable(QStringLiteral("%1 × %2").arg(rows).arg(cols)));
    QVERIFY(rows <= std::ceil(view->viewport().height() * dpr) + 1);
    QVERIFY(cols <= std::ceil(view->viewport().width() * dpr) + 1);
    QVERIFY2(view->title().contains(QStringLiteral("rank %1").arg(rank)), qPrintable(view->title()));

    // Then the full-resolution view replaces it, and the stand-in was that view averaged down.
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(!view->showsPreview());
    QCOMPARE(w->currentView()->rank, rank);
    QVERIFY(w->currentView()->reconstruction);
    QCOMPARE(w->currentView()->reconstruction->front().rows(), Index(1200));
    QCOMPARE(view->matrixRows(), Index(1200));
    const double error = standInError(*standIn, *w->currentView()->reconstruction);
    QVERIFY2(error < 1e-4, qPrintable(QString::number(error)));

    // A drag: every step shows its stand-in at once; no full-resolution view is computed while
    // the hand moves (steps 30 ms apart, the view waits for 150 ms of rest), one when it rests.
    QSignalSpy views(w->workspace(), &Workspace::viewReady);
    for (int r = 10; r <= 30; r += 2) {
        w->methodPanel()->setRank(Method::Svd, r);
        QVERIFY(view->showsPreview());
        QVERIFY2(view->title().contains(QStringLiteral("rank %1").arg(r)), qPrintable(view->title()));
        QVERIFY(!w->workspace()->runner()->isActive(QStringLiteral("view:svd")));
        QTest::qWait(30);
    }
    QCOMPARE(views.count(), 0);
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(views.count(), 1);
    QCOMPARE(w->currentView()->rank, Index(30));
    QVERIFY(!view->showsPreview());

    // ycbcr with a separate chroma rank: the stand-in follows the chroma rank too.
    w->setColorMode(core::ColorMode::YCbCr);
    QVERIFY(w->waitForIdle(600000));
    QVERIFY(!view->showsPreview());
    w->setChromaRank(2);
    QVERIFY(view->showsPreview());
    QVERIFY2(view->title().contains(QStringLiteral("(Cb, Cr)")), qPrintable(view->title()));
    const auto chromaStandIn = view->previewPlanes();
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(!view->showsPreview());
    QVERIFY(w->currentView()->hasChromaRank);
    QCOMPARE(w->currentView()->channelRanks[1], Index(2));
    const double chromaError = standInError(*chromaStandIn, *w->currentView()->reconstruction);
    QVERIFY2(chromaError < 1e-4, qPrintable(QString::number(chromaError)));
}

void TestSlider::smallImageHasNoStandIn()
{
    auto w = makeWindow();
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    QVERIFY(w->openDocument(OpenResult{documentFromImage(picture(60, 80), QStringLiteral("small")), {}}));
    w->methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(120000));
    w->methodPanel()->setRank(Method::Svd, 3);
    QVERIFY(!w->reconstructionView()->showsPreview());
    QVERIFY(w->waitForIdle(60000));
    QCOMPARE(w->currentView()->rank, Index(3));
}

QTEST_MAIN(TestSlider)
#include "tst_slider.moc"
