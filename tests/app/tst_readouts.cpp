// SPDX-License-Identifier: MIT
// What the window says is never stale and never claims a job that is not running: the read-out
// line while a view is computed, after a method or colour change; Cancel, then resume; the factor
// tabs while their method is computed.
#include "windowtestutil.h"

#include "app/factorpanels.h"
#include "app/mainwindow.h"
#include "app/workspace.h"

#include "core/generators.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QImage>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Method;

class TestReadouts : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void rankChangeShowsExactNumbersThenTheRest();
    void methodAndColourChangesNeverKeepOldNumbers();
    void cancelThenResume();
    void factorTabSaysComputing();
    void residualFollowsItsTabAndOldViewsAreLetGo();

private:
    std::unique_ptr<MainWindow> makeWindow() const { return m_fixture->makeWindow(); }
    /// A window showing the test image (saved as `name`) in RGB with the SVD at `rank`, every
    /// job done; null if that failed.
    std::unique_ptr<MainWindow> svdOfTestImage(const QString &name, int rank) const;
    std::unique_ptr<test::WindowFixture> m_fixture;
};

void TestReadouts::init()
{
    m_fixture = std::make_unique<test::WindowFixture>();
    QVERIFY(m_fixture->isValid());
}

void TestReadouts::cleanup() { m_fixture.reset(); }

namespace {

QImage testImage()
{
    QImage image(90, 70, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb((x * 3 + y) % 256, (x * y) % 256, (200 - 2 * y + x) % 256));
    return image;
}

} // namespace

std::unique_ptr<MainWindow> TestReadouts::svdOfTestImage(const QString &name, int rank) const
{
    auto w = makeWindow();
    const QString path = m_fixture->filePath(name);
    if (!testImage().save(path))
        return nullptr;
    w->setColorMode(core::ColorMode::Rgb);
    if (!w->openFile(path))
        return nullptr;
    w->methodPanel()->setCurrentMethod(Method::Svd);
    w->methodPanel()->setRank(Method::Svd, rank);
    return w->waitForIdle(120000) ? std::move(w) : nullptr;
}

void TestReadouts::rankChangeShowsExactNumbersThenTheRest()
{
    const auto w = svdOfTestImage(QStringLiteral("i.png"), 5);
    QVERIFY(w);
    QVERIFY(w->metricsText().contains(QStringLiteral("PSNR")));
    QVERIFY(!w->metricsText().contains(QStringLiteral("computing")));
    // A rank change: at once the new rank, its exact relative error (the curve's value, a closed
    // form of the factors) and PSNR/SSIM said to be computing; no PSNR of the old rank.
    w->methodPanel()->setRank(Method::Svd, 9);
    const QString pending = w->metricsText();
    QVERIFY2(pending.contains(QStringLiteral("rank 9")) && pending.contains(QStringLiteral("PSNR and SSIM: computing")),
             qPrintable(pending));
    QVERIFY2(!pending.contains(QStringLiteral(" dB")), qPrintable(pending));
    const auto result = w->workspace()->result(Method::Svd);
    QVERIFY(result);
    const auto row = std::find_if(result->curve.begin(), result->curve.end(), [](const core::CurveRow &r) { return r.rank == 9; });
    QVERIFY(row != result->curve.end());
    QVERIFY2(pending.contains(QStringLiteral("relative error %1 %").arg(100.0 * row->relErrFro, 0, 'f', 2)), qPrintable(pending));
    // Then the whole read-out of rank 9.
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(w->currentView()->rank, Index(9));
    QVERIFY(w->metricsText().contains(QStringLiteral("PSNR")));
    QVERIFY(!w->metricsText().contains(QStringLiteral("computing")));
    QVERIFY(w->metricsText().contains(QStringLiteral("relative error %1 %").arg(100.0 * w->currentView()->relErrFro, 0, 'f', 2)));
}

void TestReadouts::methodAndColourChangesNeverKeepOldNumbers()
{
    auto w = makeWindow();
    const QString path = m_fixture->filePath(QStringLiteral("j.png"));
    QVERIFY(testImage().save(path));
    w->setColorMode(core::ColorMode::Rgb);
    QVERIFY(w->openFile(path));
    w->methodPanel()->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->metricsText().contains(QStringLiteral("SVD")));
    // Another colour mode: nothing of the RGB numbers stays beside the new picture.
    w->setColorMode(core::ColorMode::YCbCr);
    QVERIFY2(!w->metricsText().contains(QStringLiteral("relative error")), qPrintable(w->metricsText()));
    QVERIFY(w->metricsText().contains(QStringLiteral("Computing")));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->metricsText().contains(QStringLiteral("PSNR")));
    // Another method: its own numbers (or "Computing ID…"), never SVD's.
    w->methodPanel()->setCurrentMethod(Method::Id);
    QVERIFY2(!w->metricsText().contains(QStringLiteral("SVD")), qPrintable(w->metricsText()));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->metricsText().contains(QStringLiteral("ID, rank")));
}

void TestReadouts::cancelThenResume()
{
    // A large matrix: its randomized preview first, then Cancel while the exact SVD runs.
    auto w = makeWindow();
    w->workspace()->setPreviewThreshold(100 * 100);
    w->methodPanel()->setCurrentMethod(Method::Svd);
    w->methodPanel()->setRank(Method::Svd, 60);
    core::GeneratorSpec spec;
    spec.kind = core::GeneratorKind::LowRankNoise;
    spec.rows = 2200;
    spec.cols = 1800;
    spec.rank = 40;
    spec.noise = 0.2;
    QVERIFY(w->openGenerated(spec));
    QTRY_VERIFY_WITH_TIMEOUT(w->workspace()->result(Method::Svd) && w->workspace()->result(Method::Svd)->approximate, 120000);
    if (!w->workspace()->isComputing(Method::Svd))
        QSKIP("the exact SVD finished before it could be cancelled");
    QToolButton *cancel = nullptr;
    for (QToolButton *button : w->statusBar()->findChildren<QToolButton *>())
        if (button->text() == QStringLiteral("Cancel"))
            cancel = button;
    QVERIFY(cancel);
    cancel->click();
    QTRY_VERIFY(!w->workspace()->isComputing(Method::Svd));
    // The status bar says what is shown now.
    QVERIFY2(w->statusBar()->currentMessage().contains(QStringLiteral("SVD shows its randomized preview")),
             qPrintable(w->statusBar()->currentMessage()));
    QVERIFY(w->workspace()->isStopped(Method::Svd));
    QVERIFY(w->workspace()->result(Method::Svd)->approximate);
    // The note says so and offers to resume; it no longer claims the exact SVD runs.
    QTRY_VERIFY(w->methodPanel()->note(Method::Svd).contains(QStringLiteral("Compute exact")));
    QVERIFY(!w->methodPanel()->note(Method::Svd).contains(QStringLiteral("while the exact SVD runs")));
    QVERIFY(w->methodPanel()->note(Method::Svd).contains(QStringLiteral("stopped")));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY2(w->metricsText().contains(QStringLiteral("exact SVD was stopped")), qPrintable(w->metricsText()));
    // Resume: the exact SVD runs again and replaces the preview.
    emit w->methodPanel()->noteLinkActivated(Method::Svd, QStringLiteral("compute"));
    QVERIFY(w->workspace()->isComputing(Method::Svd));
    QVERIFY(!w->methodPanel()->note(Method::Svd).contains(QStringLiteral("Compute exact")));
    QVERIFY(w->waitForIdle(600000));
    QVERIFY(!w->workspace()->result(Method::Svd)->approximate);
    QVERIFY(!w->workspace()->isStopped(Method::Svd));
    QCOMPARE(w->currentView()->rank, Index(60));
}

void TestReadouts::factorTabSaysComputing()
{
    auto w = makeWindow();
    core::GeneratorSpec spec;
    spec.kind = core::GeneratorKind::LowRankNoise;
    spec.rows = 300;
    spec.cols = 260;
    QVERIFY(w->openGenerated(spec));
    QVERIFY(w->waitForIdle(120000));
    w->factorPanels()->showMethod(Method::Id);
    QVERIFY(w->factorPanels()->message(Method::Id).contains(QStringLiteral("Choose ID")));
    w->methodPanel()->setCurrentMethod(Method::Id); // submits the job: computing until it ends
    QVERIFY(w->workspace()->isComputing(Method::Id));
    QVERIFY2(w->factorPanels()->message(Method::Id).contains(QStringLiteral("Computing ID")),
             qPrintable(w->factorPanels()->message(Method::Id)));
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->factorPanels()->view(Method::Id, QStringLiteral("Z"))->hasData());
}

void TestReadouts::residualFollowsItsTabAndOldViewsAreLetGo()
{
    // Memory (issue 9): the residual is computed and held only while its tab is open, with the
    // numbers of the view job; another method's view is let go before the next is computed.
    const auto w = svdOfTestImage(QStringLiteral("k.png"), 5);
    QVERIFY(w);
    QTabWidget *tabs = nullptr;
    for (QTabWidget *t : w->findChildren<QTabWidget *>())
        if (t->indexOf(w->residualView()) >= 0)
            tabs = t;
    QVERIFY(tabs);
    QVERIFY(tabs->currentWidget() != w->residualView());
    QVERIFY(!w->workspace()->viewResiduals());
    auto view = w->currentView();
    QVERIFY(view && view->rank == 5);
    QVERIFY(!view->residual);               // not computed for a closed tab
    QVERIFY(!w->residualView()->hasData()); // and not held
    // Opening the tab draws it at once, the numbers of the view job (its colour range is ±max|r|).
    tabs->setCurrentWidget(w->residualView());
    QVERIFY(w->workspace()->viewResiduals());
    QVERIFY(w->residualView()->hasData() && w->residualView()->isHeatmap());
    const auto residual = Workspace::residualOf(*view);
    QVERIFY(residual);
    const double extent = residual->cwiseAbs().maxCoeff();
    QCOMPARE(w->residualView()->colorRange().first, -extent);
    QCOMPARE(w->residualView()->colorRange().second, extent);
    // With the tab open the next view carries its residual.
    w->methodPanel()->setRank(Method::Svd, 7);
    QVERIFY(w->waitForIdle(120000));
    view = w->currentView();
    QVERIFY(view && view->rank == 7 && view->residual);
    QCOMPARE(w->residualView()->colorRange().second, view->residual->cwiseAbs().maxCoeff());
    // Another method: the SVD's view is let go at once (no stale view beside the new one).
    tabs->setCurrentIndex(0);
    w->methodPanel()->setCurrentMethod(Method::Id);
    QVERIFY(!w->currentView() || w->currentView()->source->method == Method::Id);
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(w->currentView() && w->currentView()->source->method == Method::Id);
    QVERIFY(!w->currentView()->residual);
}

QTEST_MAIN(TestReadouts)
#include "tst_readouts.moc"
