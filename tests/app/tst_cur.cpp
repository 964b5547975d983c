// SPDX-License-Identifier: MIT
// CUR and the pseudo-inverse in the program (issue 11, phase 2): the Method panel's CUR
// parameters reach the factorisation (the curve's variant and errors equal the headless
// command's, the parameters are kept in the settings), the cross on the document marks exactly
// the chosen columns and rows, the Factors tab shows C, U and R, the compare panes offer CUR, and
// the pseudo-inverse view's Penrose residuals are core's.
// qcustomplot.h needs Qt's foreach: include it first (see widgets/errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "app/comparepanes.h"
#include "app/factorpanels.h"
#include "app/mainwindow.h"
#include "app/pinvview.h"
#include "app/settings.h"

#include "headlessutil.h"
#include "windowtestutil.h"

#include "core/cur.h"
#include "core/pinv.h"
#include "widgets/barplot.h"
#include "widgets/filterplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

namespace {

/// 60 × 45 with singular values 2^−i/2 on random orthonormal bases (deterministic).
Matrix testMatrix(Index n = 60, Index m = 45)
{
    const auto random = [](Index rows, Index cols, unsigned salt) {
        Matrix a(rows, cols);
        for (Index j = 0; j < cols; ++j)
            for (Index i = 0; i < rows; ++i)
                a(i, j) = std::sin(0.37 * double(i + 1) * double(j + salt) + 0.11 * double(salt * (i + 2)));
        return a;
    };
    const Index k = std::min(n, m);
    const Eigen::HouseholderQR<Matrix> qu(random(n, k, 3)), qv(random(m, k, 7));
    const Matrix u = qu.householderQ() * Matrix::Identity(n, k), v = qv.householderQ() * Matrix::Identity(m, k);
    core::Vector sigma(k);
    for (Index i = 0; i < k; ++i)
        sigma[i] = std::pow(2.0, -0.5 * double(i));
    return u * sigma.asDiagonal() * v.transpose();
}

QDockWidget *dockNamed(MainWindow &w, const QString &name)
{
    return w.findChild<QDockWidget *>(name);
}

} // namespace

class TestCur : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void panelSettingsReachTheComputation_data();
    void panelSettingsReachTheComputation();
    void crossMarksTheChosenIndices();
    void comparePanesOfferCur();
    void pinvResidualsAreCores();
    void pinvLargeMatrixUsesAStatedStandIn();

private:
    std::unique_ptr<MainWindow> openMatrix(const Matrix &m);
    std::unique_ptr<test::WindowFixture> m_fixture;
    QString m_path;
};

void TestCur::init()
{
    m_fixture = std::make_unique<test::WindowFixture>();
    QVERIFY(m_fixture->isValid());
}

void TestCur::cleanup() { m_fixture.reset(); }

std::unique_ptr<MainWindow> TestCur::openMatrix(const Matrix &m)
{
    m_path = m_fixture->filePath(QStringLiteral("m.npy"));
    return m_fixture->openMatrix(m);
}

void TestCur::panelSettingsReachTheComputation_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("middle");
    QTest::addColumn<int>("rows");
    QTest::addColumn<double>("tolerance");
    QTest::addColumn<int>("gamma");
    QTest::addColumn<int>("trials");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<bool>("sameErrors");
    QTest::newRow("deim cross") << "deim" << "cross" << 0 << -1.0 << 0 << 1 << "deim;cross" << true;
    // γ = 0 is the rank computed, here min(n, m) = 45 = m: every column score is 1 (V is square
    // and orthogonal), so the choice among ties is rounding and only the variant is compared.
    QTest::newRow("leverage, γ = the rank computed") << "leverage" << "optimal" << 0 << -1.0 << 0 << 1
                                                     << "leverage;optimal;gamma=45" << false;
    QTest::newRow("leverage γ = 10, 50 rows") << "leverage" << "optimal" << 50 << -1.0 << 10 << 1
                                              << "leverage;optimal;rows=50;gamma=10" << true;
    QTest::newRow("qr cross τ") << "qr" << "cross" << 0 << 0.01 << 0 << 1 << "qr;cross;tol=0.01" << true;
    QTest::newRow("uniform, 3 trials") << "uniform" << "optimal" << 0 << -1.0 << 0 << 3 << "uniform;optimal" << true;
}

void TestCur::panelSettingsReachTheComputation()
{
    QFETCH(QString, selector);
    QFETCH(QString, middle);
    QFETCH(int, rows);
    QFETCH(double, tolerance);
    QFETCH(int, gamma);
    QFETCH(int, trials);
    QFETCH(QString, variant);
    QFETCH(bool, sameErrors);
    const Matrix m = testMatrix();
    auto w = openMatrix(m);
    QVERIFY(w);
    widgets::MethodPanel *panel = w->methodPanel();
    core::MethodSettings s = panel->settings(Method::Cur);
    s.curSelector = *core::parseSelector(selector.toStdString());
    s.curMiddle = *core::parseCurMiddle(middle.toStdString());
    s.curRows = rows;
    s.curTolerance = tolerance;
    s.leverageRank = gamma;
    s.trials = trials;
    s.seed = 11;
    panel->setSettings(Method::Cur, s);
    panel->setCurrentMethod(Method::Cur);
    emit panel->settingsChanged(Method::Cur, panel->settings(Method::Cur));
    QVERIFY(w->waitForIdle(120000));

    const auto result = w->workspace()->result(Method::Cur);
    QVERIFY(result);
    QCOMPARE(result->maxRank, Index(45));
    QCOMPARE(result->trials(), trials);
    QCOMPARE(QString::fromStdString(result->curve.front().variant), variant);
    // The legend names the curve by the same variant.
    QCOMPARE(Workspace::seriesName(Method::Cur, result->settings, result->maxRank), QStringLiteral("CUR (%1)").arg(variant));
    // Kept in the settings under the method's own keys.
    const core::MethodSettings kept = m_fixture->settings()->methodSettings(Method::Cur);
    QCOMPARE(kept.curSelector, s.curSelector);
    QCOMPARE(kept.curMiddle, s.curMiddle);
    QCOMPARE(kept.curRows, s.curRows);
    QCOMPARE(kept.curTolerance, s.curTolerance);
    QCOMPARE(kept.leverageRank, s.leverageRank);
    QCOMPARE(kept.trials, s.trials);

    // The headless command with the same options gives the same variant and errors.
    QStringList args{QStringLiteral("curve"), m_path, QStringLiteral("--method"), QStringLiteral("cur"),
                     QStringLiteral("--cur-select"), selector, QStringLiteral("--cur-middle"), middle,
                     QStringLiteral("--ranks"), QStringLiteral("1:45"), QStringLiteral("--trials"), QString::number(trials),
                     QStringLiteral("--seed"), QStringLiteral("11")};
    if (rows > 0)
        args << QStringLiteral("--cur-rows") << QString::number(rows);
    if (tolerance > 0)
        args << QStringLiteral("--cur-tolerance") << QString::number(tolerance);
    if (gamma > 0)
        args << QStringLiteral("--leverage-rank") << QString::number(gamma);
    const test::RunResult run = test::runFactorscope(args);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const test::CsvTable csv = test::parseCurveCsv(run.out);
    QCOMPARE(csv.rows.size(), int(result->curve.size()));
    for (int i = 0; i < csv.rows.size(); ++i) {
        QCOMPARE(csv.cell(i, QStringLiteral("variant")), variant);
        QCOMPARE(csv.number(i, QStringLiteral("rank")), double(result->curve[std::size_t(i)].rank));
        const double a = csv.number(i, QStringLiteral("rel_err_fro")), b = result->curve[std::size_t(i)].relErrFro;
        // The program runs OpenBLAS on one thread, the command on several: rounding apart, which
        // the cross middle's W⁺ amplifies by W's condition number (up to 10⁶ at rank 44 here).
        QVERIFY2(!sameErrors || std::abs(a - b) <= 1e-9 * std::abs(b) + 1e-10,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(i + 1).arg(a, 0, 'g', 17).arg(b, 0, 'g', 17)));
    }
}

void TestCur::crossMarksTheChosenIndices()
{
    const Matrix m = testMatrix();
    auto w = openMatrix(m);
    QVERIFY(w);
    widgets::MethodPanel *panel = w->methodPanel();
    core::MethodSettings s = panel->settings(Method::Cur);
    s.curSelector = core::Selector::Deim;
    s.curMiddle = core::CurMiddle::Cross;
    panel->setSettings(Method::Cur, s);
    panel->setCurrentMethod(Method::Cur);
    emit panel->settingsChanged(Method::Cur, s);
    panel->setRank(Method::Cur, 6);
    w->factorPanels()->showMethod(Method::Cur);
    QVERIFY(w->waitForIdle(120000));
    const auto result = w->workspace()->result(Method::Cur);
    QVERIFY(result);
    const auto *cur = dynamic_cast<const core::CurModel *>(&result->model(0));
    QVERIFY(cur);
    const core::IndexList columns = cur->columnsAt(6), rows = cur->rowsAt(6);
    QCOMPARE(Index(columns.size()), Index(6));

    // On the document: the columns, the rows, and their intersection tinted.
    widgets::MatrixView *doc = w->documentView();
    QCOMPARE(doc->columnMarks(), columns);
    QCOMPARE(doc->rowMarks(), rows);
    QCOMPARE(doc->sliceRows(), rows);
    QCOMPARE(doc->sliceColumns(), columns);
    // They are the ones the cross middle reproduces: M̃ equals M on the marked columns and rows.
    const Matrix approx = cur->reconstruct(6);
    for (Index j : columns)
        QVERIFY((approx.col(j) - m.col(j)).norm() <= 1e-9 * m.norm());
    for (Index i : rows)
        QVERIFY((approx.row(i) - m.row(i)).norm() <= 1e-9 * m.norm());

    // The Factors tab: C (n × r), U (r × l), R (l × m); the scores with the chosen columns.
    FactorPanels *factors = w->factorPanels();
    QCOMPARE(factors->view(Method::Cur, QStringLiteral("C"))->matrixColumns(), Index(6));
    QCOMPARE(factors->view(Method::Cur, QStringLiteral("U"))->matrixRows(), Index(6));
    QCOMPARE(factors->view(Method::Cur, QStringLiteral("U"))->matrixColumns(), Index(6));
    QCOMPARE(factors->view(Method::Cur, QStringLiteral("R"))->matrixRows(), Index(6));
    QVector<int> chosen;
    for (Index j : columns)
        chosen << int(j);
    QCOMPARE(factors->bars(Method::Cur)->highlighted(), chosen);
    // DEIM: the leverage scores of V[:, :r], which sum to r.
    double sum = 0.0;
    for (double v : factors->bars(Method::Cur)->values())
        sum += v;
    QVERIFY2(std::abs(sum - 6.0) < 1e-9, qPrintable(QString::number(sum)));
    // The cross middle's tolerance is stated.
    bool stated = false;
    for (QLabel *label : factors->findChildren<QLabel *>())
        stated = stated || label->text().contains(QStringLiteral("cross tolerance τ = %1").arg(cur->crossTolerance(6), 0, 'g', 4));
    QVERIFY(stated);

    // Another method: the cross goes.
    panel->setCurrentMethod(Method::Svd);
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(doc->columnMarks().empty() && doc->rowMarks().empty() && doc->sliceRows().empty());
}

void TestCur::comparePanesOfferCur()
{
    auto w = openMatrix(testMatrix());
    QVERIFY(w);
    w->setCompareMode(true);
    ComparePanes *panes = w->comparePanes();
    panes->setPaneCount(2);
    bool offered = false;
    for (QComboBox *box : panes->findChildren<QComboBox *>())
        offered = offered || box->findData(int(Method::Cur)) >= 0;
    QVERIFY(offered);
    panes->setPane(1, Method::Cur, 5);
    core::MethodSettings own;
    own.curSelector = core::Selector::Norm;
    own.curMiddle = core::CurMiddle::Cross;
    panes->setPaneSettings(1, own);
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(panes->paneView(1));
    QCOMPARE(panes->paneView(1)->source->method, Method::Cur);
    QCOMPARE(panes->paneView(1)->source->settings.curSelector, core::Selector::Norm);
    QCOMPARE(QString::fromStdString(panes->paneView(1)->source->curve.front().variant), QStringLiteral("norm;cross"));
    // The pane's own CUR parameters survive a restart.
    Settings::CompareLayout layout = m_fixture->settings()->compareLayout();
    QCOMPARE(layout.panes[1].method, Method::Cur);
    QVERIFY(layout.panes[1].settings);
    QCOMPARE(layout.panes[1].settings->curSelector, core::Selector::Norm);
    QCOMPARE(layout.panes[1].settings->curMiddle, core::CurMiddle::Cross);
}

void TestCur::pinvResidualsAreCores()
{
    // Rank 20 of 45 plus nothing: at the default tolerance the residuals are rounding; at a
    // tolerance between σ₁₀ and σ₁₁ ‖MXM − M‖_F is the dropped tail √(Σ_{i>10} σᵢ²).
    Matrix m = testMatrix();
    const Eigen::JacobiSVD<Matrix> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
    core::Vector sigma = svd.singularValues();
    sigma.tail(25).setZero();
    m = svd.matrixU() * sigma.asDiagonal() * svd.matrixV().transpose();
    auto w = openMatrix(m);
    QVERIFY(w);
    PinvView *view = w->pinvView();
    QVERIFY(!view->pseudoInverse()); // nothing computed while hidden
    dockNamed(*w, QStringLiteral("pinvDock"))->show();
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(view->pseudoInverse());
    QVERIFY(view->standInNote().isEmpty());
    QCOMPARE(*view->matrix(), m);
    const auto pinv = view->pseudoInverse();
    QCOMPARE(view->tolerance(), pinv->defaultTolerance());
    QVERIFY(view->hasResiduals());
    QCOMPARE(view->residualTolerance(), pinv->defaultTolerance());
    const auto expect = [&](double tolerance) {
        const core::PenroseResiduals r = core::penroseResiduals(m, pinv->pinv(tolerance));
        QCOMPARE(view->residuals().mxm, r.mxm);
        QCOMPARE(view->residuals().xmx, r.xmx);
        QCOMPARE(view->residuals().mxSymmetry, r.mxSymmetry);
        QCOMPARE(view->residuals().xmSymmetry, r.xmSymmetry);
    };
    expect(pinv->defaultTolerance());
    QCOMPARE(pinv->rankAbove(view->tolerance()), Index(20));
    const double scale = m.norm();
    QVERIFY(view->residuals().mxm < 1e-12 * scale);

    const double between = std::sqrt(sigma[9] * sigma[10]);
    view->setTolerance(between);
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(view->residualTolerance(), between);
    expect(between);
    const double tail = sigma.segment(10, 10).norm();
    QVERIFY2(std::abs(view->residuals().mxm - tail) < 1e-9 * tail,
             qPrintable(QStringLiteral("%1 vs %2").arg(view->residuals().mxm).arg(tail)));
    // The plot: the cut-off at 1/τ, ten kept reciprocals, the ridge curve at the chosen ε.
    QCOMPARE(view->filterPlot()->cutoffLevel(), 1.0 / between);
    QCOMPARE(view->filterPlot()->keptGraph()->dataCount(), 10);
    view->setEpsilon(1e-3);
    QCOMPARE(view->epsilon(), 1e-3);
    QVERIFY(view->filterPlot()->ridgeGraph()->visible());
}

void TestCur::pinvLargeMatrixUsesAStatedStandIn()
{
    // Block means: a closed form on blocks of constants, partial blocks at the edge included.
    Matrix small(5, 3);
    small << 1, 1, 7, 1, 1, 7, 2, 2, 8, 2, 2, 8, 9, 9, 4;
    const Matrix means = PinvView::blockMeans(small, 2);
    Matrix expected(3, 2);
    expected << 1, 7, 2, 8, 9, 4;
    QCOMPARE(means, expected);
    QCOMPARE(PinvView::standInFactor(512, 512), Index(1));
    QCOMPARE(PinvView::standInFactor(513, 512), Index(2));
    QCOMPARE(PinvView::standInFactor(4000, 3000), Index(7)); // 572 × 429 ≤ 512²

    const Matrix m = testMatrix(700, 600);
    auto w = openMatrix(m);
    QVERIFY(w);
    dockNamed(*w, QStringLiteral("pinvDock"))->show();
    QVERIFY(w->waitForIdle(300000));
    PinvView *view = w->pinvView();
    QVERIFY(view->matrix());
    QCOMPARE(view->matrix()->rows(), Index(350));
    QCOMPARE(view->matrix()->cols(), Index(300));
    QCOMPARE(*view->matrix(), PinvView::blockMeans(m, 2));
    QVERIFY(view->standInNote().contains(QStringLiteral("350 × 300 stand-in")));
    bool shown = false;
    for (QLabel *label : view->findChildren<QLabel *>())
        shown = shown || (label->isVisible() && label->text() == view->standInNote());
    QVERIFY(shown);
    const core::PenroseResiduals r = core::penroseResiduals(*view->matrix(), view->pseudoInverse()->pinv(view->tolerance()));
    QCOMPARE(view->residuals().mxm, r.mxm);
}

QTEST_MAIN(TestCur)
#include "tst_cur.moc"
