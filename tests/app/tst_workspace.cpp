// SPDX-License-Identifier: MIT
// The factorisation cache: a rank change never refactorises, the same parameters come from the
// cache, new parameters refactorise, a large SVD shows a randomized preview first, and the GUI
// thread keeps processing events while a 2000×2000 SVD runs.
#include "workspaceutil.h"

#include "app/workspace.h"

#include "core/generators.h"
#include "core/metrics.h"
#include "core/rsvd.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;
using test::matrixDocument;

Q_DECLARE_METATYPE(factorscope::core::Method)

namespace {

std::shared_ptr<const InputDocument> imageDocument(Index rows, Index cols)
{
    auto doc = std::make_shared<InputDocument>();
    doc->path = doc->displayName = QStringLiteral("gradient");
    doc->isImage = true;
    doc->planes = core::gradientImage(rows, cols);
    for (Matrix &p : doc->planes) // a little texture so that the rank is not 2
        p = (p + 0.05 * core::lowRankPlusNoise(rows, cols, 3, 0.1, 5)).cwiseMax(0.0).cwiseMin(1.0);
    return doc;
}

/// Waits for the final result of `method` (previews and Frobenius-only results may come first).
std::shared_ptr<const MethodResult> waitFinal(Workspace &w, Method method, int timeoutMs = 120000)
{
    return test::waitSettled(w, method, timeoutMs);
}

/// Opens a random Monarch matrix of 8 blocks (block rank 1) and waits for Monarch with `blocks`.
std::shared_ptr<const MethodResult> monarchOfRandomMonarch(Workspace &w, Index blocks)
{
    w.setDocument(matrixDocument(core::randomMonarch(64, 64, 8, 1, 3)));
    core::MethodSettings s;
    s.monarchBlocks = blocks;
    w.request(Method::Monarch, s);
    return waitFinal(w, Method::Monarch);
}

} // namespace

class TestWorkspace : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void rankChangeDoesNotRefactorise_data();
    void rankChangeDoesNotRefactorise();
    void sameParametersComeFromTheCache();
    void newParametersRefactorise();
    void paneWithItsOwnParameters();
    void curveCoversEveryRank();
    void viewMatchesTheCurve_data();
    void viewMatchesTheCurve();
    void imageViewHasPsnrAndResidual_data();
    void imageViewHasPsnrAndResidual();
    void residualOnDemandIsTheSame_data();
    void residualOnDemandIsTheSame();
    void previewThenExact();
    void newDocumentDropsOldResults();
    void guiKeepsProcessingEventsDuringLargeSvd();
    void curveRanks_data();
    void curveRanks();
    void factorisationRankCaps();
};

void TestWorkspace::initTestCase()
{
    qRegisterMetaType<factorscope::core::Method>();
}

void TestWorkspace::rankChangeDoesNotRefactorise_data()
{
    QTest::addColumn<int>("method");
    for (Method m : core::allMethods())
        QTest::newRow(core::methodName(m).c_str()) << int(m);
}

void TestWorkspace::rankChangeDoesNotRefactorise()
{
    QFETCH(int, method);
    const Method m = Method(method);
    Workspace w;
    w.setDocument(matrixDocument(core::lowRankPlusNoise(96, 64, 8, 0.05, 1)));
    core::MethodSettings s;
    s.monarchBlocks = 8;
    QSignalSpy views(&w, &Workspace::viewReady);
    w.request(m, s);
    const auto result = waitFinal(w, m);
    QVERIFY(result);
    const int count = w.factorisationCount();
    QVERIFY(count >= 1);
    QVERIFY(w.runner()->waitForIdle(10000));
    for (Index rank : {1, 3, 5, 7, 2}) {
        w.requestView(m, rank);
        QVERIFY(views.wait(10000));
        QCOMPARE(views.last()[0].value<std::shared_ptr<const ViewResult>>()->rank, std::min(rank, result->maxRank));
    }
    // Asking again for the same method and parameters is no new factorisation either.
    w.request(m, s);
    QVERIFY(w.runner()->waitForIdle(10000));
    QCOMPARE(w.factorisationCount(), count);
}

void TestWorkspace::sameParametersComeFromTheCache()
{
    Workspace w;
    w.setDocument(matrixDocument(core::lowRankPlusNoise(80, 60, 5, 0.01, 2)));
    QSignalSpy results(&w, &Workspace::resultReady);
    core::MethodSettings s;
    w.request(Method::Svd, s);
    QVERIFY(waitFinal(w, Method::Svd));
    w.request(Method::Id, s);
    QVERIFY(waitFinal(w, Method::Id));
    s.idSelector = core::IdSelector::SketchPivotedQr;
    w.request(Method::Id, s);
    QVERIFY(waitFinal(w, Method::Id));
    const int count = w.factorisationCount();
    // Back to pivoted QR: delivered at once, from the cache, before request() returns.
    s.idSelector = core::IdSelector::PivotedQr;
    const int before = results.count();
    w.request(Method::Id, s);
    QCOMPARE(results.count(), before + 1);
    QVERIFY(!w.isComputing(Method::Id));
    QCOMPARE(w.factorisationCount(), count);
    QCOMPARE(w.result(Method::Id)->settings.idSelector, core::IdSelector::PivotedQr);
}

void TestWorkspace::newParametersRefactorise()
{
    Workspace w;
    const auto first = monarchOfRandomMonarch(w, 8);
    QVERIFY(first);
    core::MethodSettings s = first->settings;
    const int count = w.factorisationCount();
    // The generator's structure: zero error at ρ = 1 for the same block count.
    QVERIFY(first->curve.front().rank == 1 && first->curve.front().relErrFro < 1e-10);
    s.monarchBlocks = 4;
    w.request(Method::Monarch, s);
    const auto second = waitFinal(w, Method::Monarch);
    QVERIFY(second);
    QCOMPARE(w.factorisationCount(), count + 1);
    QCOMPARE(second->settings.monarchBlocks, Index(4));
    QVERIFY(second->curve.front().relErrFro > 1e-3);
}

void TestWorkspace::paneWithItsOwnParameters()
{
    // A compare pane with its own Monarch block count: factorised for the pane (once), without
    // touching the method's own result; the method panel's parameters need no job at all.
    Workspace w;
    const auto mine = monarchOfRandomMonarch(w, 4);
    QVERIFY(mine);
    const core::MethodSettings panel = mine->settings;
    const int count = w.factorisationCount();
    QSignalSpy paneResults(&w, &Workspace::paneResultReady);

    // The panel's parameters: the current result, at once.
    w.requestPaneResult(2, Method::Monarch, panel);
    QCOMPARE(paneResults.count(), 1);
    QCOMPARE(paneResults[0][0].toInt(), 2);
    QCOMPARE(paneResults[0][1].value<std::shared_ptr<const MethodResult>>(), mine);
    QCOMPARE(w.factorisationCount(), count);

    // Other parameters: one factorisation in the pane's slot; the method's result is unchanged.
    core::MethodSettings own = panel;
    own.monarchBlocks = 8;
    w.requestPaneResult(1, Method::Monarch, own);
    QCOMPARE(paneResults.count(), 1);
    QVERIFY(w.runner()->isActive(QStringLiteral("pane-fit:1")));
    QVERIFY(paneResults.wait(60000));
    const auto result = paneResults.last()[1].value<std::shared_ptr<const MethodResult>>();
    QCOMPARE(paneResults.last()[0].toInt(), 1);
    QVERIFY(result);
    QCOMPARE(result->settings.monarchBlocks, Index(8));
    QVERIFY(result->curve.front().rank == 1 && result->curve.front().relErrFro < 1e-10); // the generator's b
    QCOMPARE(w.result(Method::Monarch), mine);
    QCOMPARE(w.factorisationCount(), count + 1);

    // Asked again (or by another pane): from the cache, at once; so is a view of it.
    w.requestPaneResult(3, Method::Monarch, own);
    QCOMPARE(paneResults.last()[1].value<std::shared_ptr<const MethodResult>>(), result);
    QCOMPARE(w.factorisationCount(), count + 1);
    QSignalSpy views(&w, &Workspace::viewReady);
    w.requestPaneView(3, result, 1);
    QVERIFY(views.wait(60000));
    const auto view = views.last()[0].value<std::shared_ptr<const ViewResult>>();
    QCOMPARE(view->pane, 3);
    QCOMPARE(view->source, result);
    QVERIFY(view->relErrFro < 1e-10);
}

void TestWorkspace::curveCoversEveryRank()
{
    Workspace w;
    const Matrix m = core::lowRankPlusNoise(50, 40, 6, 0.02, 4);
    w.setDocument(matrixDocument(m));
    core::MethodSettings s;
    s.trials = 3;
    w.request(Method::Cr, s);
    const auto r = waitFinal(w, Method::Cr);
    QVERIFY(r);
    QCOMPARE(r->trials(), 3);
    QCOMPARE(Index(r->curve.size()), r->maxRank);
    QCOMPARE(r->maxRank, Index(40)); // M·I: one draw per column at most
    for (std::size_t i = 0; i < r->curve.size(); ++i) {
        const core::CurveRow &row = r->curve[i];
        QCOMPARE(row.rank, Index(i + 1));
        QVERIFY(row.relErrFroMin && row.relErrFroMax && row.relErrFroExpected);
        QVERIFY(*row.relErrFroMin <= row.relErrFro + 1e-15 && row.relErrFro <= *row.relErrFroMax + 1e-15);
    }
    // Spectral errors of a method without a closed form: estimated at a few ranks.
    QVERIFY(r->spectralEstimated);
    int estimated = 0;
    for (const auto &row : r->curve)
        estimated += row.relErrSpec.has_value() ? 1 : 0;
    QVERIFY(estimated >= 5 && estimated <= 16);
}

void TestWorkspace::viewMatchesTheCurve_data()
{
    QTest::addColumn<int>("method");
    QTest::addColumn<int>("rank");
    QTest::newRow("svd r3") << int(Method::Svd) << 3;
    QTest::newRow("rsvd r4") << int(Method::Rsvd) << 4;
    QTest::newRow("id r5") << int(Method::Id) << 5;
    QTest::newRow("monarch ρ2") << int(Method::Monarch) << 2;
}

void TestWorkspace::viewMatchesTheCurve()
{
    QFETCH(int, method);
    QFETCH(int, rank);
    const Method m = Method(method);
    Workspace w;
    const Matrix a = core::lowRankPlusNoise(64, 48, 6, 0.05, 6);
    w.setDocument(matrixDocument(a));
    core::MethodSettings s;
    s.trials = 1;
    s.monarchBlocks = 4;
    w.request(m, s);
    const auto r = waitFinal(w, m);
    QVERIFY(r);
    QSignalSpy views(&w, &Workspace::viewReady);
    w.requestView(m, rank);
    QVERIFY(views.wait(10000));
    const auto view = views.last()[0].value<std::shared_ptr<const ViewResult>>();
    QCOMPARE(view->rank, Index(rank));
    const auto row = std::find_if(r->curve.begin(), r->curve.end(), [&](const auto &c) { return c.rank == rank; });
    QVERIFY(row != r->curve.end());
    QVERIFY(std::abs(view->relErrFro - row->relErrFro) <= 1e-9);
    QCOMPARE(view->params, row->params);
    // The residual is M − M̃ of the reconstruction shown.
    QVERIFY(((*view->residual) - (a - (*view->reconstruction)[0])).norm() <= 1e-12 * a.norm());
    QVERIFY(std::isnan(view->psnrDb));
}

void TestWorkspace::imageViewHasPsnrAndResidual_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("planes");
    QTest::newRow("grey") << int(core::ColorMode::Gray) << 1;
    QTest::newRow("rgb") << int(core::ColorMode::Rgb) << 3;
    QTest::newRow("ycbcr") << int(core::ColorMode::YCbCr) << 3;
}

void TestWorkspace::imageViewHasPsnrAndResidual()
{
    QFETCH(int, mode);
    QFETCH(int, planes);
    Workspace w;
    w.setColorMode(core::ColorMode(mode));
    const auto doc = imageDocument(48, 40);
    w.setDocument(doc);
    QCOMPARE(int(w.channels()->size()), mode == int(core::ColorMode::Gray) ? 1 : 3);
    w.request(Method::Svd, {});
    QVERIFY(waitFinal(w, Method::Svd));
    QSignalSpy views(&w, &Workspace::viewReady);
    w.requestView(Method::Svd, 4);
    QVERIFY(views.wait(10000));
    const auto view = views.last()[0].value<std::shared_ptr<const ViewResult>>();
    QCOMPARE(int(view->reconstruction->size()), planes);
    const auto original = Workspace::displayedOriginal(*doc, core::ColorMode(mode));
    QCOMPARE(int(original.size()), planes);
    QVERIFY(std::abs(view->psnrDb - core::psnr(original, *view->reconstruction)) < 1e-9);
    QVERIFY(view->psnrDb > 20.0);
    QVERIFY(view->ssim > 0.5 && view->ssim <= 1.0);
    QCOMPARE(view->residual->rows(), Index(48));
}

void TestWorkspace::residualOnDemandIsTheSame_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<bool>("image");
    QTest::newRow("matrix") << int(core::ColorMode::Gray) << false;
    QTest::newRow("grey") << int(core::ColorMode::Gray) << true;
    QTest::newRow("rgb") << int(core::ColorMode::Rgb) << true;
    QTest::newRow("ycbcr") << int(core::ColorMode::YCbCr) << true;
}

void TestWorkspace::residualOnDemandIsTheSame()
{
    // A view asked for without its residual (the window's residual tab closed: issue 9, memory)
    // holds none; Workspace::residualOf computes the very numbers the view job computes.
    QFETCH(int, mode);
    QFETCH(bool, image);
    Workspace w;
    w.setColorMode(core::ColorMode(mode));
    const Matrix a = core::lowRankPlusNoise(56, 44, 5, 0.05, 9);
    const auto doc = image ? imageDocument(48, 40) : matrixDocument(a);
    w.setDocument(doc);
    w.request(Method::Svd, {});
    QVERIFY(waitFinal(w, Method::Svd));
    QSignalSpy views(&w, &Workspace::viewReady);
    QVERIFY(w.viewResiduals()); // the default: views carry it
    w.requestView(Method::Svd, 3);
    QVERIFY(views.wait(10000));
    const auto with = views.last()[0].value<std::shared_ptr<const ViewResult>>();
    w.setViewResiduals(false);
    w.requestView(Method::Svd, 3);
    QVERIFY(views.wait(10000));
    const auto without = views.last()[0].value<std::shared_ptr<const ViewResult>>();
    QVERIFY(with->residual);
    QVERIFY(!without->residual);
    QCOMPARE(without->relErrFro, with->relErrFro);
    if (image) {
        QCOMPARE(without->psnrDb, with->psnrDb);
        QCOMPARE(without->ssim, with->ssim);
    }
    QCOMPARE(Workspace::residualOf(*with), with->residual); // its own, not computed again
    const auto computed = Workspace::residualOf(*without);
    QVERIFY(computed);
    QCOMPARE(computed->rows(), with->residual->rows());
    QCOMPARE(computed->cols(), with->residual->cols());
    QCOMPARE((*computed - *with->residual).cwiseAbs().maxCoeff(), 0.0); // bit for bit
    // And it is M − M̃: the mean over the displayed channels of an image, channel 1 of a matrix.
    const std::vector<Matrix> original = image ? Workspace::displayedOriginal(*doc, core::ColorMode(mode))
                                               : std::vector<Matrix>{a};
    Matrix expected = original[0] - (*without->reconstruction)[0];
    if (image) {
        for (std::size_t c = 1; c < original.size(); ++c)
            expected += original[c] - (*without->reconstruction)[c];
        expected /= double(original.size());
    }
    QVERIFY((*computed - expected).norm() <= 1e-14 * std::max(1.0, expected.norm()));
}

void TestWorkspace::previewThenExact()
{
    Workspace w;
    w.setPreviewThreshold(50 * 50);
    const Matrix a = core::lowRankPlusNoise(120, 110, 20, 0.01, 8);
    w.setDocument(matrixDocument(a));
    QSignalSpy results(&w, &Workspace::resultReady);
    w.request(Method::Svd, {});
    const auto exact = waitFinal(w, Method::Svd);
    QVERIFY(exact);
    QVERIFY(results.count() >= 2);
    const auto preview = results.first()[1].value<std::shared_ptr<const MethodResult>>();
    QVERIFY(preview->approximate);
    QCOMPARE(preview->maxRank, core::previewRsvdOptions(120, 110, 0).rank);
    // Its error estimates are there and sensible: the residual of a rank-50 sketch of a rank-20
    // matrix plus 1 % noise is small.
    QVERIFY(preview->estimatedRelErrFro >= 0.0 && preview->estimatedRelErrFro < 0.05);
    QVERIFY(preview->estimatedRelErrSpec >= 0.0);
    QVERIFY(!exact->approximate);
    QCOMPARE(exact->maxRank, Index(110));
    // The preview's curve is an upper bound close to the exact one at small ranks.
    QVERIFY(preview->curve[9].relErrFro >= exact->curve[9].relErrFro * (1 - 1e-12));
    QVERIFY(preview->curve[9].relErrFro <= exact->curve[9].relErrFro * 1.05);
}

void TestWorkspace::newDocumentDropsOldResults()
{
    Workspace w;
    w.setDocument(matrixDocument(core::hilbert(40)));
    w.request(Method::Svd, {});
    QVERIFY(waitFinal(w, Method::Svd));
    QVERIFY(w.cachedCount() >= 1);
    // A slow job for the old document must not deliver into the new one.
    w.setDocument(matrixDocument(core::lowRankPlusNoise(300, 300, 5, 0.1, 1)));
    QVERIFY(!w.result(Method::Svd));
    QCOMPARE(w.cachedCount(), 0);
    QSignalSpy results(&w, &Workspace::resultReady);
    w.request(Method::Id, {});
    QVERIFY(waitFinal(w, Method::Id));
    for (const auto &args : results)
        QCOMPARE(args[1].value<std::shared_ptr<const MethodResult>>()->documentId, w.documentId());
}

void TestWorkspace::guiKeepsProcessingEventsDuringLargeSvd()
{
    Workspace w;
    w.setDocument(matrixDocument(core::lowRankPlusNoise(2000, 2000, 50, 0.1, 9)));
    int ticks = 0;
    QTimer timer;
    timer.setInterval(20);
    connect(&timer, &QTimer::timeout, [&ticks] { ++ticks; });
    QSignalSpy results(&w, &Workspace::resultReady);
    QElapsedTimer clock;
    clock.start();
    timer.start();
    w.request(Method::Svd, {});
    const auto exact = waitFinal(w, Method::Svd, 600000);
    const qint64 elapsed = clock.elapsed();
    timer.stop();
    QVERIFY(exact);
    // The working rank (the person looks at rank 0 here): partial, extended on demand.
    QCOMPARE(exact->maxRank, Workspace::workingRank(Method::Svd, 2000, 2000, {}, 0));
    QCOMPARE(exact->maxRank, Index(128));
    QVERIFY(exact->canExtend());
    // The SVD took a while, and the timer kept firing all along (at least a third of its ticks,
    // allowing for a loaded machine); a computation on the GUI thread would have starved it.
    QVERIFY2(elapsed > 500, qPrintable(QString::number(elapsed)));
    QVERIFY2(ticks >= elapsed / 20 / 3, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(elapsed)));
    // The randomized preview came first, labelled approximate.
    QVERIFY(results.count() >= 2);
    QVERIFY(results.first()[1].value<std::shared_ptr<const MethodResult>>()->approximate);
    qInfo("2000x2000 SVD: %lld ms, %d timer ticks", elapsed, ticks);
}

void TestWorkspace::curveRanks_data()
{
    QTest::addColumn<int>("maxRank");
    QTest::addColumn<int>("expectedCount");
    QTest::newRow("0") << 0 << 0;
    QTest::newRow("1") << 1 << 1;
    QTest::newRow("512") << 512 << 512;
    // Every rank: the curve never skips one (no point drawn or exported that was not computed).
    QTest::newRow("513") << 513 << 513;
    QTest::newRow("2000") << 2000 << 2000;
}

void TestWorkspace::curveRanks()
{
    QFETCH(int, maxRank);
    QFETCH(int, expectedCount);
    const auto ranks = Workspace::curveRanks(maxRank);
    QCOMPARE(int(ranks.size()), expectedCount);
    for (std::size_t i = 1; i < ranks.size(); ++i)
        QCOMPARE(ranks[i], ranks[i - 1] + 1);
    if (!ranks.empty()) {
        QCOMPARE(ranks.front(), Index(1));
        QCOMPARE(ranks.back(), Index(maxRank));
    }
}

void TestWorkspace::factorisationRankCaps()
{
    core::MethodSettings s;
    QCOMPARE(Workspace::factorisationRank(Method::Svd, 600, 500, s), Index(500));
    QCOMPARE(Workspace::factorisationRank(Method::Rsvd, 600, 500, s), Index(128));
    QCOMPARE(Workspace::factorisationRank(Method::Rsvd, 60, 50, s), Index(50));
    QCOMPARE(Workspace::factorisationRank(Method::Id, 600, 500, s), Index(500));
    s.idSelector = core::IdSelector::SketchPivotedQr;
    QCOMPARE(Workspace::factorisationRank(Method::Id, 600, 500, s), Index(256));
    QCOMPARE(Workspace::factorisationRank(Method::Cr, 600, 500, s), Index(500));
    s.monarchBlocks = 16;
    QCOMPARE(Workspace::factorisationRank(Method::Monarch, 512, 512, s), Index(32));
}

QTEST_MAIN(TestWorkspace)
#include "tst_workspace.moc"
