// SPDX-License-Identifier: MIT
// The ID page's selector choice (issue 11, item 1: "ID gains the selector choice"): every
// selector of core/selectors.h reaches the program's ID with its γ, trials and seed; the curve,
// its name and the exported CSV (numbers and metadata) equal `factorscope curve --method id
// --id-selector X` with the same stated settings; the selector is part of the cache key; the
// settings keep it; the ranks are capped and not extended where the selector chooses first; and
// the Factors tab shows the selector's scores for its choice instead of the pivots' |R_kk|.
// qcustomplot.h needs Qt's foreach: include it first (see widgets/errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "app/exports.h"
#include "app/factorpanels.h"
#include "app/mainwindow.h"
#include "app/settings.h"

#include "headlessutil.h"
#include "windowtestutil.h"

#include "core/id.h"
#include "core/random.h"
#include "widgets/barplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QComboBox>
#include <QFile>
#include <QSpinBox>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;
using core::Method;

namespace {

/// 70 × 50: a rank-3 part over Gaussian columns that decay by 0.9 (deterministic seed), so
/// that the selectors disagree and the leverage scores at γ = 10 have no ties.
Matrix testMatrix()
{
    core::Rng rng(17);
    Matrix a = rng.gaussian(70, 50);
    for (Index j = 0; j < a.cols(); ++j)
        a.col(j) *= std::pow(0.9, double(j));
    a += 3.0 * rng.gaussian(70, 3) * rng.gaussian(3, 50);
    return a;
}

/// The first `rank` indices the model chose, as the bar plot highlights them.
QVector<int> chosenIndices(const core::IdModel &id, Index rank)
{
    QVector<int> chosen;
    for (Index i = 0; i < rank; ++i)
        chosen << int(id.pivots()[std::size_t(i)]);
    return chosen;
}

} // namespace

class TestIdSelector : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void pageOffersEverySelector();
    void curveAndExportEqualHeadless_data();
    void curveAndExportEqualHeadless();
    void selectorIsInTheCacheKey();
    void selectorsChoosingFirstAreCappedAndNotExtended();
    void factorTabShowsTheSelectorsScores();

private:
    std::unique_ptr<MainWindow> openMatrix(const Matrix &m);
    /// Sets the ID page to `s` as a person would and waits for the result.
    std::shared_ptr<const MethodResult> computeId(MainWindow &w, const core::MethodSettings &s);
    std::unique_ptr<test::WindowFixture> m_fixture;
    QString m_path;
};

void TestIdSelector::init()
{
    m_fixture = std::make_unique<test::WindowFixture>();
    QVERIFY(m_fixture->isValid());
}

void TestIdSelector::cleanup() { m_fixture.reset(); }

std::unique_ptr<MainWindow> TestIdSelector::openMatrix(const Matrix &m)
{
    m_path = m_fixture->filePath(QStringLiteral("m.npy"));
    return m_fixture->openMatrix(m);
}

std::shared_ptr<const MethodResult> TestIdSelector::computeId(MainWindow &w, const core::MethodSettings &s)
{
    widgets::MethodPanel *panel = w.methodPanel();
    panel->setSettings(Method::Id, s);
    panel->setCurrentMethod(Method::Id);
    emit panel->settingsChanged(Method::Id, panel->settings(Method::Id));
    if (!w.waitForIdle(120000))
        return {};
    return w.workspace()->result(Method::Id);
}

void TestIdSelector::pageOffersEverySelector()
{
    // The ID page lists the CUR page's selectors in the same order, with the ID's sketch after
    // pivoted QR; γ, trials, seed and oversampling are enabled exactly where they apply.
    widgets::MethodPanel panel;
    panel.setCurrentMethod(Method::Id);
    QList<QComboBox *> combos;
    for (QComboBox *combo : panel.findChildren<QComboBox *>())
        if (combo->findData(int(core::Selector::Deim)) >= 0)
            combos << combo;
    QCOMPARE(combos.size(), 2);
    QComboBox *id = combos[0]->findData(int(core::Selector::SketchPivotedQr)) >= 0 ? combos[0] : combos[1];
    QComboBox *cur = id == combos[0] ? combos[1] : combos[0];
    QCOMPARE(id->count(), int(core::allSelectors().size()));
    QCOMPARE(cur->count(), id->count() - 1);
    for (int i = 0, j = 0; i < id->count(); ++i) {
        if (id->itemData(i).toInt() == int(core::Selector::SketchPivotedQr))
            continue;
        QCOMPARE(id->itemText(i), cur->itemText(j));
        QCOMPARE(id->itemData(i), cur->itemData(j));
        QVERIFY(!id->itemData(i, Qt::ToolTipRole).toString().isEmpty());
        ++j;
    }
    for (core::Selector selector : core::allSelectors()) {
        core::MethodSettings s;
        s.idSelector = selector;
        panel.setSettings(Method::Id, s);
        QCOMPARE(panel.settings(Method::Id).idSelector, selector);
        // The page's spin boxes in form order: rank, oversampling, γ, trials, seed.
        QList<QSpinBox *> spins;
        for (QSpinBox *spin : id->parentWidget()->findChildren<QSpinBox *>())
            spins << spin;
        QCOMPARE(spins.size(), 4);
        QCOMPARE(spins[0]->isEnabled(), selector == core::Selector::SketchPivotedQr);
        QCOMPARE(spins[1]->isEnabled(), core::usesLeverageRank(selector));
        QCOMPARE(spins[2]->isEnabled(), core::isRandomized(selector));
        QCOMPARE(spins[3]->isEnabled(), core::isRandomized(selector));
    }
}

void TestIdSelector::curveAndExportEqualHeadless_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<bool>("rowId");
    QTest::addColumn<int>("gamma");
    QTest::addColumn<int>("trials");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("series");
    QTest::newRow("deim") << "deim" << false << 0 << 1 << "deim" << "ID (deim)";
    QTest::newRow("leverage γ = 10") << "leverage" << false << 10 << 1 << "leverage;gamma=10" << "ID (leverage, γ = 10)";
    QTest::newRow("norm") << "norm" << false << 0 << 1 << "norm" << "ID (norm)";
    QTest::newRow("deim, rows") << "deim" << true << 0 << 1 << "deim;rows" << "ID (deim, rows)";
    QTest::newRow("leverage-sample γ = 10, 3 trials")
        << "leverage-sample" << false << 10 << 3 << "leverage-sample;gamma=10" << "ID (leverage-sample, γ = 10)";
    QTest::newRow("uniform, 2 trials") << "uniform" << false << 0 << 2 << "uniform" << "ID (uniform)";
}

void TestIdSelector::curveAndExportEqualHeadless()
{
    QFETCH(QString, selector);
    QFETCH(bool, rowId);
    QFETCH(int, gamma);
    QFETCH(int, trials);
    QFETCH(QString, variant);
    QFETCH(QString, series);
    const Matrix m = testMatrix();
    auto w = openMatrix(m);
    QVERIFY(w);
    core::MethodSettings s = w->methodPanel()->settings(Method::Id);
    s.idSelector = *core::parseSelector(selector.toStdString());
    s.rowId = rowId;
    s.leverageRank = gamma;
    s.trials = trials;
    s.seed = 11;
    const auto result = computeId(*w, s);
    QVERIFY(result);
    QCOMPARE(result->maxRank, Index(50));
    QVERIFY(!result->canExtend());
    QCOMPARE(result->trials(), trials);
    QCOMPARE(QString::fromStdString(result->curve.front().variant), variant);
    // The legend states the selector.
    QCOMPARE(Workspace::seriesName(Method::Id, result->settings, result->maxRank), series);
    // The settings keep it, with γ, trials and seed.
    const core::MethodSettings kept = m_fixture->settings()->methodSettings(Method::Id);
    QCOMPARE(kept.idSelector, s.idSelector);
    QCOMPARE(kept.rowId, rowId);
    QCOMPARE(kept.leverageRank, Index(gamma));
    QCOMPARE(kept.trials, trials);
    QCOMPARE(kept.seed, std::uint64_t(11));

    // The command with the same options: the same variant and errors, row by row. It has no
    // row ID: the row ID of M is the column ID of Mᵀ, which it is given instead.
    QString input = m_path;
    if (rowId) {
        input = m_fixture->filePath(QStringLiteral("mt.npy"));
        test::writeNpyFile(input, m.transpose());
    }
    QStringList args{QStringLiteral("curve"), input, QStringLiteral("--method"), QStringLiteral("id"),
                     QStringLiteral("--id-selector"), selector, QStringLiteral("--ranks"), QStringLiteral("1:50"),
                     QStringLiteral("--trials"), QString::number(trials), QStringLiteral("--seed"), QStringLiteral("11")};
    if (gamma > 0)
        args << QStringLiteral("--leverage-rank") << QString::number(gamma);
    const test::RunResult run = test::runFactorscope(args);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const test::CsvTable headless = test::parseCurveCsv(run.out);
    QCOMPARE(headless.rows.size(), int(result->curve.size()));
    for (int i = 0; i < headless.rows.size(); ++i) {
        QCOMPARE(headless.cell(i, QStringLiteral("variant")) + (rowId ? QStringLiteral(";rows") : QString()), variant);
        QCOMPARE(headless.number(i, QStringLiteral("rank")), double(result->curve[std::size_t(i)].rank));
        const double a = headless.number(i, QStringLiteral("rel_err_fro")), b = result->curve[std::size_t(i)].relErrFro;
        QVERIFY2(std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)),
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(i + 1).arg(a, 0, 'g', 17).arg(b, 0, 'g', 17)));
    }

    // The program's curve export: the same metadata line ("id: column ID, skeleton chosen by
    // deim (deterministic)") and the same table.
    exporter::CurveExport choice;
    choice.methods = {Method::Id};
    const QString file = m_fixture->filePath(QStringLiteral("id.csv"));
    QVERIFY(w->exports()->curveCsv(file, choice));
    QVERIFY(w->waitForIdle(120000));
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray gui = in.readAll();
    const QByteArray described = QByteArray("id: ") + (rowId ? "row ID" : "column ID") + ", skeleton chosen by " + selector.toUtf8();
    bool stated = false;
    for (const QByteArray &line : test::csvComments(gui))
        stated = stated || line.startsWith("# " + described);
    QVERIFY2(stated, gui.left(600).constData());
    const test::CsvTable exported = test::parseCurveCsv(gui);
    QCOMPARE(exported.cell(0, QStringLiteral("variant")), variant);
    if (rowId) {
        QCOMPARE(exported.rows.size(), headless.rows.size());
        for (int i = 0; i < exported.rows.size(); ++i)
            QVERIFY(std::abs(exported.number(i, QStringLiteral("rel_err_fro")) - headless.number(i, QStringLiteral("rel_err_fro")))
                    <= 1e-12);
    } else {
        QCOMPARE(test::csvComments(gui), test::csvComments(run.out));
        const QString difference = test::curveTableDifference(exported, headless, 1e-12);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }
}

void TestIdSelector::selectorIsInTheCacheKey()
{
    auto w = openMatrix(testMatrix());
    QVERIFY(w);
    core::MethodSettings s = w->methodPanel()->settings(Method::Id);
    s.idSelector = core::Selector::Deim;
    const auto deim = computeId(*w, s);
    QVERIFY(deim);
    const int afterDeim = w->workspace()->factorisationCount();

    // Every other selector is another result with other numbers, and so is another γ.
    s.idSelector = core::Selector::Norm;
    const auto norm = computeId(*w, s);
    QVERIFY(norm && norm != deim);
    QVERIFY(norm->key != deim->key);
    QCOMPARE(w->workspace()->factorisationCount(), afterDeim + 1);
    QVERIFY(std::abs(norm->curve[4].relErrFro - deim->curve[4].relErrFro) > 1e-6);

    // Two values of γ, or of a sampling selector's seed: two keys, two selections.
    const auto twoSelections = [&](const auto &setValue) {
        setValue(0);
        const auto first = computeId(*w, s);
        setValue(1);
        const auto second = computeId(*w, s);
        const auto pivots = [](const MethodResult &r) { return dynamic_cast<const core::IdModel &>(r.model(0)).pivots(); };
        return first && second && first->key != second->key && pivots(*first) != pivots(*second);
    };
    s.idSelector = core::Selector::Leverage;
    QVERIFY(twoSelections([&](int i) { s.leverageRank = i == 0 ? 5 : 20; }));
    s.idSelector = core::Selector::Uniform;
    QVERIFY(twoSelections([&](int i) { s.seed = std::uint64_t(i + 1); }));

    // Back to DEIM: from the cache, no factorisation, whatever the seed.
    const int before = w->workspace()->factorisationCount();
    s.idSelector = core::Selector::Deim;
    s.seed = 7;
    const auto again = computeId(*w, s);
    QCOMPARE(again, deim);
    QCOMPARE(w->workspace()->factorisationCount(), before);
}

void TestIdSelector::selectorsChoosingFirstAreCappedAndNotExtended()
{
    // Pivoted QR goes to min(n, m) and extends; its sketch is capped at 256; every other
    // selector chooses first and is computed to Workspace::curRankCap at once, like CUR.
    const Index n = 600, m = 400;
    for (core::Selector selector : core::allSelectors()) {
        core::MethodSettings s;
        s.idSelector = selector;
        const Index limit = Workspace::factorisationRank(Method::Id, n, m, s);
        const bool qr = selector == core::Selector::PivotedQr;
        QCOMPARE(limit, qr ? m : Index(256));
        QCOMPARE(Workspace::isExtendable(Method::Id, s), qr);
        QCOMPARE(Workspace::workingRank(Method::Id, n, m, s, 10), qr ? Index(128) : limit);
        QCOMPARE(Workspace::usesSelectorCap(s), !qr && selector != core::Selector::SketchPivotedQr);
    }

    // On a document wider than the cap the page says so, and the result is complete at the cap.
    core::Rng rng(3);
    auto w = openMatrix(rng.gaussian(300, 270));
    QVERIFY(w);
    core::MethodSettings s = w->methodPanel()->settings(Method::Id);
    s.idSelector = core::Selector::Norm;
    const auto result = computeId(*w, s);
    QVERIFY(result);
    QCOMPARE(result->maxRank, Workspace::curRankCap);
    QCOMPARE(result->limitRank, Workspace::curRankCap);
    QVERIFY(!result->isPartial() && !result->canExtend());
    QCOMPARE(w->methodPanel()->maxRank(Method::Id), int(Workspace::curRankCap));
    const QString note = w->methodPanel()->note(Method::Id);
    QVERIFY2(note.contains(QStringLiteral("Computed up to rank 256")) && note.contains(QStringLiteral("norm selector")),
             qPrintable(note));
    QVERIFY2(note.contains(QStringLiteral("Variant: norm")), qPrintable(note));
}

void TestIdSelector::factorTabShowsTheSelectorsScores()
{
    const Matrix m = testMatrix();
    auto w = openMatrix(m);
    QVERIFY(w);
    w->methodPanel()->setCurrentMethod(Method::Svd); // the exact SVD the leverage bars come from
    QVERIFY(w->waitForIdle(120000));
    FactorPanels *factors = w->factorPanels();
    core::MethodSettings s = w->methodPanel()->settings(Method::Id);
    s.idSelector = core::Selector::Deim;
    QVERIFY(computeId(*w, s));
    w->methodPanel()->setRank(Method::Id, 6);
    factors->showMethod(Method::Id);
    QVERIFY(w->waitForIdle(120000));
    auto result = w->workspace()->result(Method::Id);
    const auto *id = dynamic_cast<const core::IdModel *>(&result->model(0));
    QVERIFY(id);
    const QVector<int> chosen = chosenIndices(*id, 6);
    // DEIM: the leverage scores of V[:, :6] over every column (they sum to 6), its choice marked.
    widgets::BarPlot *bars = factors->bars(Method::Id);
    QCOMPARE(bars->values().size(), int(m.cols()));
    double sum = 0.0;
    for (double v : bars->values())
        sum += v;
    QVERIFY2(std::abs(sum - 6.0) < 1e-9, qPrintable(QString::number(sum, 'g', 17)));
    QCOMPARE(bars->highlighted(), chosen);
    QCOMPARE(factors->view(Method::Id, QStringLiteral("C"))->matrixColumns(), Index(6));

    // A row ID by norms: the row norms, the chosen rows marked.
    s.idSelector = core::Selector::Norm;
    s.rowId = true;
    result = computeId(*w, s);
    QVERIFY(result);
    QVERIFY(w->waitForIdle(120000));
    const auto *rows = dynamic_cast<const core::IdModel *>(&result->model(0));
    QVERIFY(rows && rows->isRowId());
    QCOMPARE(bars->values().size(), int(m.rows()));
    for (Index i = 0; i < m.rows(); ++i)
        QVERIFY(std::abs(bars->values()[int(i)] - m.row(i).norm()) <= 1e-12 * m.norm());
    QCOMPARE(bars->highlighted(), chosenIndices(*rows, 6));

    // Back to pivoted QR: the |R_kk| decay again, never the previous selector's bars.
    s.idSelector = core::Selector::PivotedQr;
    s.rowId = false;
    result = computeId(*w, s);
    QVERIFY(result);
    QVERIFY(w->waitForIdle(120000));
    const auto *qr = dynamic_cast<const core::IdModel *>(&result->model(0));
    QVERIFY(qr);
    QCOMPARE(bars->values().size(), int(qr->rDiagonal().size()));
    for (int k = 0; k < bars->values().size(); ++k)
        QCOMPARE(bars->values()[k], qr->rDiagonal()[k]);
    QCOMPARE(bars->highlighted(), (QVector<int>{0, 1, 2, 3, 4, 5}));
}

QTEST_MAIN(TestIdSelector)
#include "tst_idselector.moc"
