// SPDX-License-Identifier: MIT
// Working rank, then extension (issue 9 item 4): SVD and the pivoted-QR ID are first factorised
// to a working rank and delivered as such (partial, with the curve to that rank); a view, a
// compare pane or the plot's "extend" needing more runs one extension job that continues the
// Krylov bases or the QR, and its numbers equal a direct computation to that rank; past the
// switch-over an SVD extends to the full dgesdd; a cancelled extension keeps the partial result.
// qcustomplot.h needs Qt's foreach: include it first (see widgets/errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "headlessutil.h"
#include "windowtestutil.h"
#include "workspaceutil.h"

#include "app/exporter.h"
#include "app/mainwindow.h"
#include "app/workspace.h"
#include "widgets/errorplot.h"
#include "widgets/methodpanel.h"
#include "widgets/spectrumplot.h"

#include "core/generators.h"
#include "core/id.h"
#include "core/svd.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;
using test::matrixDocument;
using test::waitSettled;

Q_DECLARE_METATYPE(factorscope::core::Method)

namespace {

/// The curve of a direct factorisation of m to `rank` (no extension), by the same core routines.
std::vector<core::CurveRow> directCurve(const Matrix &m, Method method, Index rank)
{
    std::unique_ptr<core::ChannelModel> model;
    if (method == Method::Svd) {
        core::SvdOptions o;
        o.rank = rank;
        o.algorithm = core::SvdAlgorithm::Lanczos;
        o.seed = 12345; // another start block: the numbers must not depend on it
        model = core::computeSvd(m, o);
    } else {
        core::IdOptions o;
        o.rank = rank;
        model = core::computeId(m, o);
    }
    std::vector<Index> ranks;
    for (Index r = 1; r <= rank; ++r)
        ranks.push_back(r);
    return core::evaluateCurve({m}, method, {}, {{model.get()}}, ranks, std::nullopt, false, 0.0);
}

void compareCurves(const std::vector<core::CurveRow> &got, const std::vector<core::CurveRow> &want, Index upTo)
{
    QVERIFY(Index(got.size()) >= upTo && Index(want.size()) >= upTo);
    for (Index i = 0; i < upTo; ++i) {
        QCOMPARE(got[std::size_t(i)].rank, want[std::size_t(i)].rank);
        const double a = got[std::size_t(i)].relErrFro, b = want[std::size_t(i)].relErrFro;
        QVERIFY2(std::abs(a - b) <= 1e-10 * std::max(1e-3, b),
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(i + 1).arg(a, 0, 'g', 17).arg(b, 0, 'g', 17)));
        QCOMPARE(got[std::size_t(i)].params, want[std::size_t(i)].params);
    }
}

} // namespace

class TestExtension : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void workingRank();
    void firstResultIsPartial_data();
    void firstResultIsPartial();
    void viewBeyondTheWorkingRankExtends_data();
    void viewBeyondTheWorkingRankExtends();
    void svdPastTheSwitchOverExtendsToFull();
    void paneNeedingMoreExtends();
    void monarchExtendsItsBlockRank();
    void cancelDuringExtensionKeepsThePartialResult();
    void windowShowsWhereTheCurveEndsAndExtends();
    void targetBeyondTheWorkingRankExtends();

private:
    std::shared_ptr<const MethodResult> firstResult(Workspace &w, Method method);
    /// A window showing m_large with the SVD at rank 20, computed to 128 and idle; null on failure.
    std::unique_ptr<MainWindow> openLarge(const test::WindowFixture &fixture);
    // 1400 × 1300, 400 strong directions and noise: the top 256 of an SVD are still Lanczos'
    // (256 ≤ 0.2·1300), and the spectrum has no gap at 128 or 256.
    Matrix m_large = core::lowRankPlusNoise(1400, 1300, 400, 0.05, 21);
};

void TestExtension::initTestCase() { qRegisterMetaType<factorscope::core::Method>(); }

std::shared_ptr<const MethodResult> TestExtension::firstResult(Workspace &w, Method method)
{
    w.setDocument(matrixDocument(m_large));
    w.setRankHint(method, 20); // the slider at 20: the working rank is 128
    w.request(method, {});
    return waitSettled(w, method);
}

std::unique_ptr<MainWindow> TestExtension::openLarge(const test::WindowFixture &fixture)
{
    const QString path = fixture.filePath(QStringLiteral("large.npy"));
    test::writeNpyFile(path, m_large);
    auto window = fixture.makeWindow();
    window->methodPanel()->setCurrentMethod(Method::Svd);
    if (!window->openFile(path))
        return nullptr;
    window->methodPanel()->setRank(Method::Svd, 20);
    const auto partial = waitSettled(*window->workspace(), Method::Svd);
    if (!partial || partial->maxRank != 128 || !window->waitForIdle(300000))
        return nullptr;
    return window;
}

void TestExtension::workingRank()
{
    core::MethodSettings s;
    QCOMPARE(Workspace::workingRank(Method::Svd, 1400, 1300, s, 20), Index(128));
    QCOMPARE(Workspace::workingRank(Method::Svd, 1400, 1300, s, 100), Index(200));
    QCOMPARE(Workspace::workingRank(Method::Id, 1400, 1300, s, 300), Index(600));
    QCOMPARE(Workspace::workingRank(Method::Id, 1400, 1300, s, 1000), Index(1300));
    // Past the switch-over an SVD is computed in full at once.
    QCOMPARE(Workspace::workingRank(Method::Svd, 1400, 1300, s, 200), Index(1300));
    QCOMPARE(Workspace::workingRank(Method::Svd, 600, 500, s, 20), Index(500));
    // Monarch's block rank (limit min(Lo, I) = min(88, 82) for 16 blocks): 16 at least.
    QCOMPARE(Workspace::workingRank(Method::Monarch, 1400, 1300, s, 1), Index(16));
    QCOMPARE(Workspace::workingRank(Method::Monarch, 1400, 1300, s, 30), Index(60));
    QCOMPARE(Workspace::workingRank(Method::Monarch, 1400, 1300, s, 50), Index(82));
    // The others (and --full) factorise to the limit.
    QCOMPARE(Workspace::workingRank(Method::Cr, 1400, 1300, s, 20), Index(1300));
    s.fullFactorisation = true;
    QCOMPARE(Workspace::workingRank(Method::Id, 1400, 1300, s, 20), Index(1300));
}

void TestExtension::firstResultIsPartial_data()
{
    QTest::addColumn<int>("method");
    QTest::newRow("svd") << int(Method::Svd);
    QTest::newRow("id") << int(Method::Id);
}

void TestExtension::firstResultIsPartial()
{
    QFETCH(int, method);
    const Method m = Method(method);
    Workspace w;
    const auto r = firstResult(w, m);
    QVERIFY(r);
    QCOMPARE(r->maxRank, Index(128));
    QCOMPARE(r->limitRank, Index(1300));
    QVERIFY(r->isPartial() && r->canExtend());
    QCOMPARE(Index(r->curve.size()), Index(128));
    QCOMPARE(r->curve.back().rank, Index(128));
    QCOMPARE(r->model(0).maxRank(), Index(128));
    if (m == Method::Svd) {
        const auto *svd = dynamic_cast<const core::SvdModel *>(&r->model(0));
        QVERIFY(svd && svd->isPartial() && svd->status() == core::SvdStatus::Certified);
    }
    compareCurves(r->curve, directCurve(m_large, m, 128), 128);
    QCOMPARE(w.extensionCount(), 0);
}

void TestExtension::viewBeyondTheWorkingRankExtends_data() { firstResultIsPartial_data(); }

void TestExtension::viewBeyondTheWorkingRankExtends()
{
    QFETCH(int, method);
    const Method m = Method(method);
    Workspace w;
    const auto partial = firstResult(w, m);
    QVERIFY(partial && partial->maxRank == 128);
    const int factorisations = w.factorisationCount();
    QSignalSpy results(&w, &Workspace::resultReady);
    QSignalSpy views(&w, &Workspace::viewReady);
    // The slider at 200: the view shows rank 128 (never a number beyond what was computed) and
    // one extension runs; asking again while it runs starts no other.
    w.requestView(m, 200);
    QCOMPARE(w.extensionCount(), 1);
    QVERIFY(w.isExtending(m));
    w.requestView(m, 201);
    w.requestView(m, 150);
    QCOMPARE(w.extensionCount(), 1);
    QCOMPARE(w.result(m), partial); // kept until the extension replaces it
    const auto extended = waitSettled(w, m);
    QVERIFY(extended && extended != partial);
    QCOMPARE(w.extensionCount(), 1);
    QCOMPARE(extended->maxRank, Index(256)); // 2·128
    QCOMPARE(Index(extended->curve.size()), Index(256));
    QVERIFY(extended->canExtend());
    QCOMPARE(w.factorisationCount(), factorisations + 1); // one channel continued
    QVERIFY(!results.isEmpty());
    // The numbers equal a direct computation to rank 256, and the first 128 those delivered first.
    compareCurves(extended->curve, directCurve(m_large, m, 256), 256);
    compareCurves(extended->curve, partial->curve, 128);
    if (m == Method::Svd) {
        const auto &sigma = dynamic_cast<const core::SvdModel &>(extended->model(0)).singularValues();
        const auto &sigma0 = dynamic_cast<const core::SvdModel &>(partial->model(0)).singularValues();
        for (Index i = 0; i < 128; ++i)
            QVERIFY(std::abs(sigma[i] - sigma0[i]) <= 1e-10 * sigma[0]);
    }
    // The cache holds the extended result: asking for the method again delivers it, no job.
    w.request(m, {});
    QCOMPARE(w.result(m), extended);
    QVERIFY(!w.runner()->isActive(Workspace::slotName(m)));
    // A view at 200 is now at 200.
    views.clear();
    w.requestView(m, 200);
    QVERIFY(views.wait(60000));
    QCOMPARE(views.last()[0].value<std::shared_ptr<const ViewResult>>()->rank, Index(200));
    QCOMPARE(w.extensionCount(), 1);
}

void TestExtension::svdPastTheSwitchOverExtendsToFull()
{
    Workspace w;
    const Matrix a = m_large.topLeftCorner(700, 650);
    w.setDocument(matrixDocument(a));
    w.setRankHint(Method::Svd, 20);
    // 700 × 650: 128 ≤ 0.2·650 = 130, so the SVD starts partial...
    w.request(Method::Svd, {});
    const auto partial = waitSettled(w, Method::Svd);
    QVERIFY(partial && partial->maxRank == 128 && partial->isPartial());
    // ... and rank 140 needs 256 > 130: the full dgesdd, complete.
    w.requestView(Method::Svd, 140);
    const auto full = waitSettled(w, Method::Svd);
    QVERIFY(full && full != partial);
    QCOMPARE(full->maxRank, Index(650));
    QVERIFY(!full->isPartial() && !full->canExtend());
    QCOMPARE(dynamic_cast<const core::SvdModel &>(full->model(0)).status(), core::SvdStatus::Full);
    compareCurves(full->curve, partial->curve, 128);
    QVERIFY(!w.extend(Method::Svd, 600)); // nothing left to extend
}

void TestExtension::paneNeedingMoreExtends()
{
    Workspace w;
    const auto partial = firstResult(w, Method::Id);
    QVERIFY(partial && partial->maxRank == 128);
    // A pane showing the method's own result at 300: the method's result extends.
    w.requestPaneView(1, Method::Id, 300);
    QCOMPARE(w.extensionCount(), 1);
    const auto extended = waitSettled(w, Method::Id);
    QVERIFY(extended && extended->maxRank == 300);
    compareCurves(extended->curve, directCurve(m_large, Method::Id, 300), 300);

    // A pane with its own parameters (a row ID): its own result extends in the pane's slot.
    core::MethodSettings rows;
    rows.rowId = true;
    QSignalSpy paneResults(&w, &Workspace::paneResultReady);
    w.requestPaneResult(2, Method::Id, rows);
    QVERIFY(paneResults.wait(300000));
    QVERIFY(w.runner()->waitForIdle(300000)); // its spectral estimates follow the Frobenius curve
    const auto own = paneResults.last()[1].value<std::shared_ptr<const MethodResult>>();
    QVERIFY(own && own->canExtend() && own->maxRank == 128);
    w.requestPaneView(2, own, 130);
    QCOMPARE(w.extensionCount(), 2);
    QVERIFY(paneResults.wait(300000));
    const auto ownExtended = paneResults.last()[1].value<std::shared_ptr<const MethodResult>>();
    QCOMPARE(paneResults.last()[0].toInt(), 2);
    QCOMPARE(ownExtended->maxRank, Index(256));
    QVERIFY(ownExtended->settings.rowId);
    QCOMPARE(w.result(Method::Id), extended); // the method's own result is left alone
    core::IdOptions o;
    o.rank = 256;
    o.rowId = true;
    const auto direct = core::computeId(m_large, o);
    for (Index r = 1; r <= 256; ++r)
        QVERIFY(std::abs(ownExtended->model(0).errFro2(r) - direct->errFro2(r)) <= 1e-10 * direct->errFro2(0));
}

void TestExtension::monarchExtendsItsBlockRank()
{
    // Factors to block rank 16 first (the curve to 16), then, for a view at 20, to 32: the same
    // numbers as a direct Monarch factorisation with factors to 32.
    Workspace w;
    w.setDocument(matrixDocument(m_large));
    w.setRankHint(Method::Monarch, 1);
    w.request(Method::Monarch, {});
    const auto partial = waitSettled(w, Method::Monarch);
    QVERIFY(partial && partial->maxRank == 16 && partial->limitRank == 82 && partial->canExtend());
    QCOMPARE(Index(partial->curve.size()), Index(16));
    w.requestView(Method::Monarch, 20);
    QCOMPARE(w.extensionCount(), 1);
    const auto extended = waitSettled(w, Method::Monarch);
    QVERIFY(extended && extended->maxRank == 32);
    const auto direct = core::factorise(m_large, Method::Monarch, {}, 32, 0, true);
    std::vector<Index> ranks;
    for (Index r = 1; r <= 32; ++r)
        ranks.push_back(r);
    const auto want = core::evaluateCurve({m_large}, Method::Monarch, {}, {{direct.get()}}, ranks, std::nullopt, false, 0.0);
    compareCurves(extended->curve, want, 32);
    compareCurves(extended->curve, partial->curve, 16);
    const Matrix a = extended->model(0).reconstruct(20), b = direct->reconstruct(20);
    QVERIFY((a - b).norm() <= 1e-10 * b.norm());
}

void TestExtension::cancelDuringExtensionKeepsThePartialResult()
{
    Workspace w;
    const auto partial = firstResult(w, Method::Svd);
    QVERIFY(partial && partial->maxRank == 128);
    // Cancelled as soon as it runs (the top 256 may already be nearly converged in the basis
    // built for 128, so that waiting could let it finish).
    QVERIFY(w.extend(Method::Svd, 200));
    QVERIFY(w.isExtending(Method::Svd));
    w.runner()->cancelAll(); // the status bar's Cancel
    QVERIFY(w.runner()->waitForIdle(120000));
    QCoreApplication::processEvents();
    QCOMPARE(w.result(Method::Svd), partial);
    QVERIFY(!w.isStopped(Method::Svd) && !w.isComputing(Method::Svd) && !w.isExtending(Method::Svd));
    QVERIFY(partial->canExtend());
    // Extending again continues from wherever the cancelled job stopped, with the same numbers.
    QVERIFY(w.extend(Method::Svd, 200));
    const auto extended = waitSettled(w, Method::Svd);
    QVERIFY(extended && extended->maxRank == 256);
    compareCurves(extended->curve, directCurve(m_large, Method::Svd, 256), 256);
}

void TestExtension::windowShowsWhereTheCurveEndsAndExtends()
{
    // In the program: the SVD's curve ends at the working rank with "computed to rank 128 —
    // extend", the spectrum says how many values it has; the slider beyond 128 extends (the
    // curve then reaches 256), and so does a click on the text (to 512).
    test::WindowFixture fixture;
    auto window = openLarge(fixture);
    QVERIFY(window);
    Workspace *w = window->workspace();
    widgets::ErrorPlot *plot = window->errorPlot();
    plot->fitAll();
    plot->plot()->replot();
    QVERIFY2(plot->extendText(QStringLiteral("SVD")).contains(QStringLiteral("computed to rank 128")),
             qPrintable(plot->extendText(QStringLiteral("SVD"))));
    QCOMPARE(plot->lineGraph(QStringLiteral("SVD"))->data()->size(), 128);
    QVERIFY2(window->spectrumPlot()->plot()->yAxis->label().contains(QStringLiteral("top 128 of 1300 computed")),
             qPrintable(window->spectrumPlot()->plot()->yAxis->label()));

    // The slider to 200 and at once (before the view follows) an export of the factors: the
    // export does not write rank-128 factors for rank 200, it starts the extension.
    window->methodPanel()->setRank(Method::Svd, 200);
    const QString folder = fixture.filePath(QStringLiteral("factors"));
    QVERIFY(!window->exportFactors(folder, exporter::FactorFormat::Npy));
    QVERIFY(w->isExtending(Method::Svd));
    QCOMPARE(w->extensionCount(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(w->result(Method::Svd)->maxRank == 256, 300000);
    QVERIFY(window->waitForIdle(300000));
    QCOMPARE(w->extensionCount(), 1); // the view asked for the same extension
    QVERIFY(window->exportFactors(folder, exporter::FactorFormat::Npy));
    QVERIFY(!QDir(folder).entryList(QDir::Files).isEmpty());
    QCOMPARE(window->currentView()->rank, Index(200));
    plot->fitAll();
    plot->plot()->replot();
    QCOMPARE(plot->lineGraph(QStringLiteral("SVD"))->data()->size(), 256);
    QVERIFY(plot->extendText(QStringLiteral("SVD")).contains(QStringLiteral("computed to rank 256")));

    const QRectF rect = plot->extendRect(QStringLiteral("SVD"));
    QVERIFY(!rect.isEmpty());
    QTest::mouseClick(plot->plot(), Qt::LeftButton, {}, rect.center().toPoint());
    QCOMPARE(w->extensionCount(), 2);
    QVERIFY(w->isExtending(Method::Svd));
    w->runner()->cancelAll(); // 512 > 0.2·1300: that would be the full dgesdd; not needed here
}

void TestExtension::targetBeyondTheWorkingRankExtends()
{
    // A relative-error target first reached at rank 180: not "out of reach" with the SVD
    // computed to 128, but an extension to 256 and the search again, which finds 180.
    const auto direct = directCurve(m_large, Method::Svd, 256);
    // (just above rank 180's error: the search and this curve round differently)
    const double target = direct[179].relErrFro * (1 + 1e-9);
    QVERIFY(direct[178].relErrFro > target * (1 + 1e-9)); // 180 is the first rank reaching it
    test::WindowFixture fixture;
    auto window = openLarge(fixture);
    QVERIFY(window);
    Workspace *w = window->workspace();
    window->applyTarget(core::TargetKind::RelErrFro, target);
    QTRY_VERIFY_WITH_TIMEOUT(window->lastTargetRanks().count(Method::Svd) && window->lastTargetRanks().at(Method::Svd), 300000);
    QCOMPARE(*window->lastTargetRanks().at(Method::Svd), Index(180));
    QCOMPARE(w->extensionCount(), 1);
    QCOMPARE(w->result(Method::Svd)->maxRank, Index(256));
    QTRY_COMPARE_WITH_TIMEOUT(window->methodPanel()->rank(Method::Svd), 180, 10000);
}

QTEST_MAIN(TestExtension)
#include "tst_extension.moc"
