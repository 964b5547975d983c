// SPDX-License-Identifier: MIT
// Column and row selectors (core/selectors.h): leverage scores sum to γ, DEIM's indices are
// distinct and follow its greedy rule (closed form on a permuted identity), `qr` is ID's pivots,
// deterministic selections are nested, sampling is without replacement, reproducible and draws
// with the stated first-draw probabilities, and bad counts are refused.
#include "core/id.h"
#include "core/selectors.h"
#include "core/svd.h"

#include "testutil.h"

#include <QObject>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace factorscope;
using namespace factorscope::core;

Q_DECLARE_METATYPE(factorscope::core::Selector)

namespace {

using test::decaying;

bool distinctInRange(const IndexList &idx, Index size)
{
    std::set<Index> seen(idx.begin(), idx.end());
    return seen.size() == idx.size() && std::all_of(idx.begin(), idx.end(), [&](Index i) { return i >= 0 && i < size; });
}

} // namespace

class TestSelectors : public QObject
{
    Q_OBJECT

private slots:
    void names();
    void leverageScoresSumToGamma_data();
    void leverageScoresSumToGamma();
    void deimOnPermutedIdentity();
    void deimFollowsItsGreedyRule();
    void qrIsIdPivots();
    void nested_data();
    void nested();
    void columnsAndRows_data();
    void columnsAndRows();
    void largestFirstTiesToLowerIndex();
    void samplingWithoutReplacement();
    void firstDrawProbabilities();
    void zeroWeightsComeLast();
    void reproducible();
    void badCounts();
};

void TestSelectors::names()
{
    for (Selector s : allSelectors())
        QCOMPARE(*parseSelector(selectorName(s)), s);
    QCOMPARE(allSelectors().size(), std::size_t(8));
    QVERIFY(!parseSelector("pivoted-qr"));
    QVERIFY(!parseSelector(""));
    QVERIFY(isRandomized(Selector::Uniform) && isRandomized(Selector::SketchPivotedQr));
    QVERIFY(!isRandomized(Selector::Deim) && !isRandomized(Selector::Leverage));
}

void TestSelectors::leverageScoresSumToGamma_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::newRow("tall") << test::gaussian(40, 15, 1);
    QTest::newRow("wide") << test::gaussian(12, 30, 2);
    QTest::newRow("rank-deficient") << test::lowRank(30, 25, 4, 3);
}

void TestSelectors::leverageScoresSumToGamma()
{
    QFETCH(Matrix, m);
    const auto svd = computeSvd(m);
    for (const Matrix *basis : {&svd->v(), &svd->u()})
        for (Index gamma = 0; gamma <= basis->cols(); ++gamma) {
            const Vector h = leverageScores(*basis, gamma);
            QCOMPARE(h.size(), basis->rows());
            QVERIFY2(std::abs(h.sum() - double(gamma)) <= 1e-12 * std::max<double>(1, gamma),
                     qPrintable(QStringLiteral("γ = %1: sum %2").arg(gamma).arg(h.sum(), 0, 'g', 17)));
            QVERIFY(h.minCoeff() >= 0.0 && h.maxCoeff() <= 1.0 + 1e-12);
        }
    // Full γ on a square orthogonal basis: every score is 1.
    const Matrix q = test::orthonormal(9, 9, 4);
    QVERIFY((leverageScores(q, 9).array() - 1.0).abs().maxCoeff() < 1e-13);
}

void TestSelectors::deimOnPermutedIdentity()
{
    // Column t of the basis is e_{π(t)}: the residual of column t is e_{π(t)} itself, so DEIM
    // returns π in order.
    const IndexList pi = {7, 2, 9, 0, 4, 5};
    Matrix basis = Matrix::Zero(10, Index(pi.size()));
    for (std::size_t t = 0; t < pi.size(); ++t)
        basis(pi[t], Index(t)) = (t % 2 ? -1.0 : 1.0);
    QCOMPARE(deimIndices(basis, Index(pi.size())), pi);
    QCOMPARE(deimIndices(basis, 3), IndexList(pi.begin(), pi.begin() + 3));
}

void TestSelectors::deimFollowsItsGreedyRule()
{
    const Matrix m = decaying(50, 35, 0.85, 5);
    const auto svd = computeSvd(m);
    const Index k = 20;
    const IndexList s = deimIndices(svd->v(), k);
    QVERIFY(distinctInRange(s, 35));
    // Re-derive each step with a different solver (Householder QR) and check the pick is the
    // argmax of |res| and that res vanishes on the earlier picks.
    const Matrix &v = svd->v();
    for (Index t = 1; t < k; ++t) {
        Matrix p(t, t);
        Vector rhs(t);
        for (Index a = 0; a < t; ++a) {
            p.row(a) = v.row(s[std::size_t(a)]).head(t);
            rhs[a] = v(s[std::size_t(a)], t);
        }
        const Vector res = v.col(t) - v.leftCols(t) * p.householderQr().solve(rhs);
        Index arg = 0;
        res.cwiseAbs().maxCoeff(&arg);
        QCOMPARE(s[std::size_t(t)], arg);
        for (Index a = 0; a < t; ++a)
            QVERIFY(std::abs(res[s[std::size_t(a)]]) < 1e-10 * res.cwiseAbs().maxCoeff());
    }
    // Sign flips of the basis columns change nothing.
    Matrix flipped = v;
    flipped.col(1) *= -1.0;
    flipped.col(4) *= -1.0;
    QCOMPARE(deimIndices(flipped, k), s);
}

void TestSelectors::qrIsIdPivots()
{
    for (const Matrix &m : {test::gaussian(30, 22, 6), decaying(25, 40, 0.7, 7), test::lowRank(20, 20, 5, 8)}) {
        const Index k = std::min(m.rows(), m.cols());
        SelectorOptions o;
        o.selector = Selector::PivotedQr;
        const CrossIndices both = selectColumnsAndRows(m, k, k, o);
        IdOptions io;
        io.rank = k;
        const auto colId = computeId(m, io);
        io.rowId = true;
        const auto rowId = computeId(m, io);
        QCOMPARE(both.columns, IndexList(colId->pivots().begin(), colId->pivots().begin() + k));
        QCOMPARE(both.rows, IndexList(rowId->pivots().begin(), rowId->pivots().begin() + k));
        QCOMPARE(selectColumns(m, 3, o), IndexList(colId->pivots().begin(), colId->pivots().begin() + 3));
    }
}

void TestSelectors::nested_data()
{
    QTest::addColumn<Selector>("selector");
    QTest::addColumn<Index>("gamma");
    QTest::newRow("qr") << Selector::PivotedQr << Index(0);
    QTest::newRow("leverage, γ fixed") << Selector::Leverage << Index(12);
    QTest::newRow("leverage-sample, γ fixed") << Selector::LeverageSample << Index(12);
    QTest::newRow("deim") << Selector::Deim << Index(0);
    QTest::newRow("norm") << Selector::Norm << Index(0);
    QTest::newRow("norm-sample") << Selector::NormSample << Index(0);
    QTest::newRow("uniform") << Selector::Uniform << Index(0);
}

void TestSelectors::nested()
{
    QFETCH(Selector, selector);
    QFETCH(Index, gamma);
    const Matrix m = decaying(40, 30, 0.8, 9);
    SelectorOptions o;
    o.selector = selector;
    o.leverageRank = gamma;
    o.seed = 77;
    const CrossIndices all = selectColumnsAndRows(m, 20, 25, o);
    QVERIFY(distinctInRange(all.columns, 30));
    QVERIFY(distinctInRange(all.rows, 40));
    QCOMPARE(all.columns.size(), std::size_t(20));
    QCOMPARE(all.rows.size(), std::size_t(25));
    for (Index r : {1, 5, 12}) {
        const CrossIndices few = selectColumnsAndRows(m, r, r, o);
        QCOMPARE(few.columns, IndexList(all.columns.begin(), all.columns.begin() + r));
        QCOMPARE(few.rows, IndexList(all.rows.begin(), all.rows.begin() + r));
    }
}

void TestSelectors::columnsAndRows_data()
{
    QTest::addColumn<Selector>("selector");
    for (Selector s : {Selector::PivotedQr, Selector::Leverage, Selector::Deim, Selector::Norm})
        QTest::newRow(selectorName(s).c_str()) << s;
}

void TestSelectors::columnsAndRows()
{
    // The rows of M are the columns of Mᵀ (same selector), for the deterministic selectors.
    QFETCH(Selector, selector);
    const Matrix m = decaying(30, 26, 0.75, 10);
    SelectorOptions o;
    o.selector = selector;
    o.leverageRank = 8;
    const CrossIndices both = selectColumnsAndRows(m, 8, 8, o);
    QCOMPARE(both.columns, selectColumns(m, 8, o));
    QCOMPARE(both.rows, selectColumns(m.transpose(), 8, o));
}

void TestSelectors::largestFirstTiesToLowerIndex()
{
    Vector s(6);
    s << 1.0, 3.0, 2.0, 3.0, 0.5, 2.0;
    QCOMPARE(largestFirst(s, 6), (IndexList{1, 3, 2, 5, 0, 4}));
    QCOMPARE(largestFirst(s, 2), (IndexList{1, 3}));
    // Norm selector: columns scaled to known norms.
    Matrix m = test::orthonormal(10, 6, 11);
    for (Index j = 0; j < 6; ++j)
        m.col(j) *= s[j];
    SelectorOptions o;
    o.selector = Selector::Norm;
    QCOMPARE(selectColumns(m, 4, o), (IndexList{1, 3, 2, 5}));
}

void TestSelectors::samplingWithoutReplacement()
{
    Rng rng(3);
    Vector w = Vector::LinSpaced(20, 0.1, 2.0);
    for (int trial = 0; trial < 50; ++trial) {
        const IndexList d = sampleWithoutReplacement(w, 20, rng);
        QVERIFY(distinctInRange(d, 20)); // a permutation
    }
}

void TestSelectors::firstDrawProbabilities()
{
    // P(first draw = i) = w_i / Σw; 40 000 first draws, each frequency within 5 standard errors.
    Vector w(5);
    w << 1.0, 4.0, 0.0, 2.0, 3.0;
    const double total = w.sum();
    std::vector<int> count(5, 0);
    Rng rng(12);
    const int draws = 40000;
    for (int t = 0; t < draws; ++t)
        ++count[std::size_t(sampleWithoutReplacement(w, 2, rng)[0])];
    for (Index i = 0; i < 5; ++i) {
        const double p = w[i] / total, se = std::sqrt(p * (1 - p) / draws);
        const double freq = double(count[std::size_t(i)]) / draws;
        QVERIFY2(std::abs(freq - p) <= 5 * se + 1e-12, qPrintable(QStringLiteral("index %1: %2 vs %3").arg(i).arg(freq).arg(p)));
    }
    // Second draw given the first: P(j | i) = w_j / (Σw − w_i); check for i = 1.
    std::vector<int> second(5, 0);
    int firstWasOne = 0;
    for (int t = 0; t < draws; ++t) {
        const IndexList d = sampleWithoutReplacement(w, 2, rng);
        if (d[0] == 1) {
            ++firstWasOne;
            ++second[std::size_t(d[1])];
        }
    }
    for (Index j : {0, 3, 4}) {
        const double p = w[j] / (total - w[1]), se = std::sqrt(p * (1 - p) / firstWasOne);
        QVERIFY(std::abs(double(second[std::size_t(j)]) / firstWasOne - p) <= 5 * se);
    }
    QCOMPARE(second[1] + second[2], 0);
}

void TestSelectors::zeroWeightsComeLast()
{
    Vector w = Vector::Zero(8);
    w[2] = 1.0;
    w[6] = 5.0;
    Rng rng(5);
    for (int t = 0; t < 20; ++t) {
        const IndexList d = sampleWithoutReplacement(w, 8, rng);
        QVERIFY(distinctInRange(d, 8));
        const std::set<Index> firstTwo(d.begin(), d.begin() + 2);
        QCOMPARE(firstTwo, (std::set<Index>{2, 6}));
    }
    // Norm sampling on a matrix with zero columns: the non-zero columns first.
    Matrix m = Matrix::Zero(6, 5);
    m.col(3) = Vector::Ones(6);
    SelectorOptions o;
    o.selector = Selector::NormSample;
    QCOMPARE(selectColumns(m, 5, o)[0], Index(3));
}

void TestSelectors::reproducible()
{
    const Matrix m = decaying(30, 30, 0.8, 13);
    for (Selector s : {Selector::LeverageSample, Selector::NormSample, Selector::Uniform, Selector::SketchPivotedQr}) {
        SelectorOptions o;
        o.selector = s;
        o.seed = 21;
        const CrossIndices a = selectColumnsAndRows(m, 10, 10, o), b = selectColumnsAndRows(m, 10, 10, o);
        QCOMPARE(a.columns, b.columns);
        QCOMPARE(a.rows, b.rows);
        o.seed = 22;
        const CrossIndices c = selectColumnsAndRows(m, 10, 10, o);
        QVERIFY2(c.columns != a.columns || c.rows != a.rows, selectorName(s).c_str());
    }
}

void TestSelectors::badCounts()
{
    const Matrix m = test::gaussian(8, 6, 14);
    SelectorOptions o;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, selectColumns(m, 7, o));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, selectColumns(m, -1, o));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, selectColumnsAndRows(m, 2, 9, o));
    o.selector = Selector::Leverage;
    o.leverageRank = 7;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, selectColumns(m, 2, o));
    o.leverageRank = 0;
    o.selector = Selector::Deim;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, selectColumnsAndRows(m, 6, 7, o)); // 7 > min(n, m)
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, leverageScores(Matrix::Identity(4, 3), 4));
}

QTEST_APPLESS_MAIN(TestSelectors)
#include "tst_selectors.moc"
