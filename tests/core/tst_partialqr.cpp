// SPDX-License-Identifier: MIT
// Truncated pivoted QR (core/partialqr.h) and the ID built on it: the first k pivots are
// dgeqp3's, the curve equals the complete factorisation's, extension beyond k continues the QR,
// cancellation between blocks leaves a usable state.
#include "testutil.h"

#include "core/id.h"
#include "core/lapack.h"
#include "core/partialqr.h"

#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::core;
using factorscope::test::relDiff;

namespace {

/// Columns of a Gaussian matrix scaled by (1 + j)^(−0.7) in a shuffled order: distinct column
/// norms, a slowly decaying spectrum, no ties for the greedy choice.
Matrix decaying(Index n, Index m, std::uint64_t seed)
{
    Matrix a = test::gaussian(n, m, seed);
    Rng rng(seed + 7);
    IndexList perm(static_cast<std::size_t>(m));
    for (Index j = 0; j < m; ++j)
        perm[std::size_t(j)] = j;
    for (Index j = m - 1; j > 0; --j)
        std::swap(perm[std::size_t(j)], perm[std::size_t(rng.below(std::uint64_t(j + 1)))]);
    for (Index j = 0; j < m; ++j)
        a.col(perm[std::size_t(j)]) *= std::pow(1.0 + double(j), -0.7);
    return a;
}

IdOptions complete(Index rank, bool rowId = false)
{
    IdOptions o;
    o.rank = rank;
    o.rowId = rowId;
    o.completeQr = true;
    return o;
}

IdOptions truncated(Index rank, bool rowId = false)
{
    IdOptions o;
    o.rank = rank;
    o.rowId = rowId;
    return o;
}

} // namespace

class TestPartialQr : public QObject
{
    Q_OBJECT

private slots:
    void pivotsAndRowsAreDgeqp3s_data();
    void pivotsAndRowsAreDgeqp3s();
    void idCurveEqualsCompleteQr_data();
    void idCurveEqualsCompleteQr();
    void extensionEqualsAtOnce();
    void cancelDuringExtension();
    void releasedWorkingCopyExtendsTheSame_data();
    void releasedWorkingCopyExtendsTheSame();
    void smallMatricesFinishInOneSweep();
};

void TestPartialQr::pivotsAndRowsAreDgeqp3s_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::addColumn<int>("k");
    // 400×300: dgeqp3 runs DLAQPS blocks of 32 up to column 172 (= 300 − NX), DLAQP2 after.
    QTest::newRow("400x300 k1") << decaying(400, 300, 1) << 1;
    QTest::newRow("400x300 k50 (a cut block)") << decaying(400, 300, 1) << 50;
    QTest::newRow("400x300 k64 (block edge)") << decaying(400, 300, 1) << 64;
    QTest::newRow("400x300 k172 (end of blocks)") << decaying(400, 300, 1) << 172;
    QTest::newRow("400x300 k200 (into DLAQP2)") << decaying(400, 300, 1) << 200;
    QTest::newRow("wide 250x600 k90") << decaying(250, 600, 2) << 90;
    QTest::newRow("gaussian 500x450 k100") << test::gaussian(500, 450, 3) << 100;
}

void TestPartialQr::pivotsAndRowsAreDgeqp3s()
{
    QFETCH(Matrix, m);
    QFETCH(int, k);
    TruncatedPivotedQr qr(m);
    qr.advance(k);
    QVERIFY(qr.steps() >= k);
    Matrix full = m;
    IndexList fullPivots;
    Vector fullTau;
    QVERIFY(lapack::pivotedQr(full, fullPivots, fullTau));
    const IndexList pivots = qr.pivots();
    for (Index j = 0; j < k; ++j)
        QCOMPARE(pivots[std::size_t(j)], fullPivots[std::size_t(j)]);
    // The rows of R made so far are dgeqp3's rows: the same entries for the same original
    // columns (past the steps made, the column order is only provisional).
    const double scale = m.norm();
    IndexList position(static_cast<std::size_t>(m.cols()));
    for (Index j = 0; j < m.cols(); ++j)
        position[std::size_t(fullPivots[std::size_t(j)])] = j;
    for (Index i = 0; i < k; ++i) {
        double diff2 = 0;
        for (Index j = i; j < m.cols(); ++j) {
            const double d = qr.factors()(i, j) - full(i, position[std::size_t(pivots[std::size_t(j)])]);
            diff2 += d * d;
        }
        QVERIFY2(std::sqrt(diff2) <= 1e-12 * scale, qPrintable(QStringLiteral("row %1: %2").arg(i).arg(std::sqrt(diff2))));
    }
    // The unfactored block carries the rest: ‖A‖² = Σ_{i<s} ‖R[i, i:]‖² + ‖A22‖².
    double rows2 = 0;
    for (Index i = 0; i < qr.steps(); ++i)
        rows2 += qr.factors().row(i).tail(m.cols() - i).squaredNorm();
    QVERIFY(relDiff(rows2 + qr.trailingSquaredNorm(), m.squaredNorm()) < 1e-12);
}

void TestPartialQr::idCurveEqualsCompleteQr_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<bool>("rowId");
    QTest::newRow("400x300 k60") << decaying(400, 300, 11) << 60 << false;
    QTest::newRow("400x300 k60 rows") << decaying(400, 300, 11) << 60 << true;
    QTest::newRow("300x700 k33") << decaying(300, 700, 12) << 33 << false;
}

void TestPartialQr::idCurveEqualsCompleteQr()
{
    QFETCH(Matrix, m);
    QFETCH(int, k);
    QFETCH(bool, rowId);
    const auto part = computeId(m, truncated(k, rowId));
    const auto all = computeId(m, complete(k, rowId));
    QCOMPARE(part->maxRank(), Index(k));
    QVERIFY(part->qrSteps() < std::min(m.rows(), m.cols()));
    QCOMPARE(all->qrSteps(), std::min(m.rows(), m.cols()));
    for (Index j = 0; j < k; ++j)
        QCOMPARE(part->pivots()[std::size_t(j)], all->pivots()[std::size_t(j)]);
    for (Index r = 0; r <= k; ++r)
        QVERIFY2(relDiff(part->errFro2(r), all->errFro2(r)) < 1e-10,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(part->errFro2(r), 0, 'g', 17).arg(all->errFro2(r), 0, 'g', 17)));
    // And the closed form is the measured error of the model's own factors.
    for (Index r : {Index(1), Index(k / 2), Index(k)})
        QVERIFY(relDiff((m - part->reconstruct(r)).squaredNorm(), part->errFro2(r)) < 1e-9);
    QVERIFY((part->skeleton(k) - all->skeleton(k)).norm() == 0.0); // columns of M, copied
    QVERIFY((part->interpolation(k) - all->interpolation(k)).norm() <= 1e-9 * all->interpolation(k).norm());
}

void TestPartialQr::extensionEqualsAtOnce()
{
    const Matrix m = decaying(420, 380, 21);
    IncrementalId state(m, false);
    const auto first = state.compute(m, 30);
    const Index stepsFirst = state.steps();
    QVERIFY(stepsFirst >= 30 && stepsFirst < 60);
    const auto extended = state.compute(m, 90);
    const auto once = computeId(m, truncated(90));
    QCOMPARE(extended->maxRank(), Index(90));
    for (Index j = 0; j < 90; ++j)
        QCOMPARE(extended->pivots()[std::size_t(j)], once->pivots()[std::size_t(j)]);
    for (Index r = 0; r <= 90; ++r)
        QVERIFY(relDiff(extended->errFro2(r), once->errFro2(r)) < 1e-10);
    for (Index r = 0; r <= 30; ++r)
        QVERIFY(relDiff(first->errFro2(r), once->errFro2(r)) < 1e-10);
    QVERIFY((extended->reconstruct(90) - once->reconstruct(90)).norm() <= 1e-10 * m.norm());
}

void TestPartialQr::cancelDuringExtension()
{
    const Matrix m = decaying(420, 380, 31);
    IncrementalId state(m, true);
    state.compute(m, 20);
    const Index before = state.steps();
    test::RecordingProgress stop(3); // the QR's third block
    QVERIFY_THROWS_EXCEPTION(Cancelled, state.compute(m, 150, &stop));
    QVERIFY(state.steps() > before);
    QVERIFY(state.steps() < 150);
    const auto resumed = state.compute(m, 150);
    const auto once = computeId(m, truncated(150, true));
    for (Index j = 0; j < 150; ++j)
        QCOMPARE(resumed->pivots()[std::size_t(j)], once->pivots()[std::size_t(j)]);
    for (Index r = 0; r <= 150; ++r)
        QVERIFY(relDiff(resumed->errFro2(r), once->errFro2(r)) < 1e-10);
}

void TestPartialQr::releasedWorkingCopyExtendsTheSame_data()
{
    QTest::addColumn<bool>("rowId");
    QTest::newRow("column ID") << false;
    QTest::newRow("row ID") << true;
}

void TestPartialQr::releasedWorkingCopyExtendsTheSame()
{
    // The program releases the n·m working copy after each result (issue 9, memory): the next
    // extension starts the truncated QR over. Its model must be the one the kept copy gives.
    QFETCH(bool, rowId);
    const Matrix m = decaying(420, 380, 51);
    IncrementalId kept(m, rowId), released(m, rowId);
    QVERIFY(!released.holdsWorkingCopy());
    kept.compute(m, 40);
    const auto first = released.compute(m, 40);
    QVERIFY(released.holdsWorkingCopy());
    released.release();
    QVERIFY(!released.holdsWorkingCopy());
    QCOMPARE(released.steps(), Index(0));
    const auto continued = kept.compute(m, 130);  // from step 40 on
    const auto restarted = released.compute(m, 130); // from the matrix again
    QCOMPARE(restarted->maxRank(), Index(130));
    for (Index j = 0; j < 130; ++j)
        QCOMPARE(restarted->pivots()[std::size_t(j)], continued->pivots()[std::size_t(j)]);
    // The curve to 1e-12 (relative), every rank; the reconstruction and stored numbers too.
    for (Index r = 0; r <= 130; ++r) {
        QVERIFY2(relDiff(restarted->errFro2(r), continued->errFro2(r)) < 1e-12,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(restarted->errFro2(r), 0, 'g', 17)
                                .arg(continued->errFro2(r), 0, 'g', 17)));
        QCOMPARE(restarted->storedParams(r), continued->storedParams(r));
    }
    QVERIFY((restarted->reconstruct(130) - continued->reconstruct(130)).norm() <= 1e-12 * m.norm());
    // The ranks delivered first are unchanged by the restart.
    for (Index r = 0; r <= 40; ++r)
        QVERIFY(relDiff(first->errFro2(r), restarted->errFro2(r)) < 1e-12);
}

void TestPartialQr::smallMatricesFinishInOneSweep()
{
    // min(n, m) ≤ NB: dgeqp3 uses DLAQP2 throughout, and so does the truncated QR.
    const Matrix m = decaying(40, 25, 41);
    TruncatedPivotedQr qr(m);
    qr.advance(3);
    QVERIFY(qr.complete());
    QCOMPARE(qr.steps(), Index(25));
    QCOMPARE(qr.trailingSquaredNorm(), 0.0);
}

QTEST_APPLESS_MAIN(TestPartialQr)
#include "tst_partialqr.moc"
