// SPDX-License-Identifier: MIT
// Partial SVD by block Lanczos (core/lanczos.h, core/svd.h): σ against dgesdd, the certificate
// recomputed here, the tails in both regimes (subtraction, and the measured residual where the
// subtraction would keep fewer than 6 digits), extension beyond k, cancellation in the tail and in
// the extension, the fallback to the full SVD.
#include "testutil.h"

#include "core/lanczos.h"
#include "core/lapack.h"
#include "core/svd.h"

#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::core;
using factorscope::test::relDiff;

namespace {

/// σ_i = (1 + i)^(−0.8) on random orthonormal factors: a slowly decaying, photo-like spectrum.
Matrix slowDecay(Index n, Index m, std::uint64_t seed)
{
    const Index k = std::min(n, m);
    Vector s(k);
    for (Index i = 0; i < k; ++i)
        s[i] = std::pow(1.0 + double(i), -0.8);
    return test::withSpectrum(n, m, s, seed);
}

Vector dgesddValues(const Matrix &m)
{
    Vector s;
    if (!lapack::singularValues(m, s))
        qFatal("dgesdd failed");
    return s;
}

/// Cancels at the first checkpoint after one at or beyond `from` (and before 1).
class CancelAfterFraction final : public Progress
{
public:
    explicit CancelAfterFraction(double from) : m_from(from) {}
    void setFraction(double f) override
    {
        if (f >= m_from && f < 1.0)
            m_armed = true;
        last = f;
    }
    bool isCancelled() const override { return m_armed; }
    double last = -1.0;

private:
    double m_from;
    bool m_armed = false;
};

} // namespace

class TestPartialSvd : public QObject
{
    Q_OBJECT

private slots:
    void matchesDgesdd_data();
    void matchesDgesdd();
    void nearlyLowRankTailIsMeasured();
    void exactlyLowRank();
    void zeroMatrix();
    void extensionEqualsAtOnce();
    void cancelDuringExtension();
    void releasedBasesExtendTheSame();
    void cancelDuringTail();
    void residualSquaredNormBlocks();
    void fallsBackToFull();
    void autoSwitch();
};

void TestPartialSvd::matchesDgesdd_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("block");
    QTest::newRow("gaussian 400x300 k10 b8") << test::gaussian(400, 300, 1) << 10 << 8;
    QTest::newRow("slow decay 500x400 k40 b16") << slowDecay(500, 400, 2) << 40 << 16;
    QTest::newRow("slow decay wide 300x520 k10 b8") << slowDecay(300, 520, 3) << 10 << 8;
    QTest::newRow("slow decay 600x700 k30 b32") << slowDecay(600, 700, 5) << 30 << 32;
    QTest::newRow("gaussian tall 700x200 k1 b4") << test::gaussian(700, 200, 4) << 1 << 4;
}

void TestPartialSvd::matchesDgesdd()
{
    QFETCH(Matrix, m);
    QFETCH(int, k);
    QFETCH(int, block);
    PartialSvdOptions o;
    o.blockSize = block;
    o.fallbackToFull = false;
    const auto svd = computePartialSvd(m, k, o);
    QCOMPARE(svd->status(), SvdStatus::Certified);
    QVERIFY(svd->isPartial());
    QCOMPARE(svd->maxRank(), Index(k));
    const Vector full = dgesddValues(m);
    const Vector &s = svd->singularValues();
    for (Index i = 0; i < k; ++i)
        QVERIFY2(relDiff(s[i], full[i]) < 1e-10, qPrintable(QStringLiteral("σ_%1: %2 vs %3").arg(i).arg(s[i], 0, 'g', 17).arg(full[i], 0, 'g', 17)));
    // The certificate, recomputed here from the delivered triplets.
    const Matrix &u = svd->u(), &v = svd->v();
    const double bound = 1e-12 * full[0];
    for (Index i = 0; i < k; ++i) {
        QVERIFY((m * v.col(i) - s[i] * u.col(i)).norm() <= bound);
        QVERIFY((m.transpose() * u.col(i) - s[i] * v.col(i)).norm() <= bound);
    }
    QVERIFY(svd->certificate().maxResidual <= bound);
    QVERIFY((u.transpose() * u - Matrix::Identity(k, k)).norm() < 1e-12);
    QVERIFY((v.transpose() * v - Matrix::Identity(k, k)).norm() < 1e-12);
    // Spectral error σ_r for every r ≤ k (σ_k certified too), nothing beyond.
    for (Index r = 0; r <= k; ++r)
        QVERIFY(relDiff(*svd->errSpecExact(r), full[r]) < 1e-10);
    QVERIFY(!svd->errSpecExact(k + 1));
    // Tails by subtraction here (a full-rank spectrum), equal to dgesdd's Σ_{i≥r} σ_i².
    QCOMPARE(svd->certificate().explicitTailFrom, Index(k + 1));
    const Vector tails = tailSquares(full);
    for (Index r = 0; r <= k; ++r)
        QVERIFY2(relDiff(svd->errFro2(r), tails[r]) < 1e-10,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(svd->errFro2(r), 0, 'g', 17).arg(tails[r], 0, 'g', 17)));
    // And reconstruct-and-measure agrees with the closed form.
    QVERIFY(relDiff((m - svd->reconstruct(k)).squaredNorm(), svd->errFro2(k)) < 1e-9);
}

void TestPartialSvd::nearlyLowRankTailIsMeasured()
{
    // Rank 8 plus noise of 1e-7: beyond rank 8 the error is ~1e-15 of ‖M‖², where ‖M‖² − Σσ²
    // keeps no correct digit.
    const Matrix m = test::lowRank(300, 200, 8, 11) + 1e-7 * test::gaussian(300, 200, 12);
    const Index k = 20;
    PartialSvdOptions o;
    o.blockSize = 8;
    const auto svd = computePartialSvd(m, k, o);
    QCOMPARE(svd->status(), SvdStatus::Certified);
    const Index from = svd->certificate().explicitTailFrom;
    QVERIFY2(from >= 1 && from <= 8, qPrintable(QString::number(from)));
    const Vector full = dgesddValues(m);
    const Vector tails = tailSquares(full);
    const double total = m.squaredNorm();
    for (Index r = 0; r <= k; ++r) {
        QVERIFY2(relDiff(svd->errFro2(r), tails[r]) < (r < 8 ? 1e-10 : 1e-5),
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(svd->errFro2(r), 0, 'g', 17).arg(tails[r], 0, 'g', 17)));
    }
    // The subtraction alone would have been wrong there: it is what the guard is for.
    double naive = total;
    for (Index i = 0; i < 12; ++i)
        naive -= full[i] * full[i];
    QVERIFY(relDiff(naive, tails[12]) > 1e-2);
}

void TestPartialSvd::exactlyLowRank()
{
    // Rank 5 and k = 12: the Krylov space is exhausted after 5 directions and continues with
    // random ones; σ_5… are rounding-level and the measured tail says so.
    const Matrix m = test::lowRank(260, 300, 5, 21);
    PartialSvdOptions o;
    o.blockSize = 4;
    o.fallbackToFull = false;
    const auto svd = computePartialSvd(m, 12, o);
    QCOMPARE(svd->status(), SvdStatus::Certified);
    const Vector full = dgesddValues(m);
    const double total = m.squaredNorm();
    for (Index i = 0; i < 5; ++i)
        QVERIFY(relDiff(svd->singularValues()[i], full[i]) < 1e-10);
    for (Index i = 5; i < 12; ++i)
        QVERIFY(svd->singularValues()[i] <= 1e-12 * full[0]);
    QVERIFY(svd->certificate().explicitTailFrom <= 5);
    for (Index r = 5; r <= 12; ++r)
        QVERIFY(svd->errFro2(r) <= 1e-24 * total);
    QVERIFY(relDiff(svd->errFro2(4), full[4] * full[4]) < 1e-9);
}

void TestPartialSvd::zeroMatrix()
{
    const Matrix m = Matrix::Zero(300, 280);
    const auto svd = computePartialSvd(m, 5);
    QCOMPARE(svd->status(), SvdStatus::Certified);
    QCOMPARE(svd->singularValues().norm(), 0.0);
    for (Index r = 0; r <= 5; ++r)
        QCOMPARE(svd->errFro2(r), 0.0);
    QVERIFY((svd->u().transpose() * svd->u() - Matrix::Identity(5, 5)).norm() < 1e-12);
}

void TestPartialSvd::extensionEqualsAtOnce()
{
    const Matrix m = slowDecay(420, 380, 31);
    PartialSvdOptions o;
    o.blockSize = 8;
    PartialSvd state(m.rows(), m.cols(), o);
    const auto first = state.compute(m, 12);
    const Index dimFirst = state.krylovDimension();
    const auto extended = state.compute(m, 40);
    const auto once = computePartialSvd(m, 40, o);
    QCOMPARE(extended->status(), SvdStatus::Certified);
    QCOMPARE(extended->maxRank(), Index(40));
    // The basis was continued, not rebuilt: the extension ends where a single run ends, give or
    // take the steps between convergence tests.
    QVERIFY(state.krylovDimension() >= dimFirst);
    QVERIFY(std::abs(state.krylovDimension() - once->certificate().krylovDimension) <= 4 * 8);
    for (Index i = 0; i < 40; ++i)
        QVERIFY(relDiff(extended->singularValues()[i], once->singularValues()[i]) < 1e-12);
    for (Index r = 0; r <= 40; ++r)
        QVERIFY(relDiff(extended->errFro2(r), once->errFro2(r)) < 1e-10);
    for (Index r = 0; r <= 12; ++r)
        QVERIFY(relDiff(first->errFro2(r), once->errFro2(r)) < 1e-10);
}

void TestPartialSvd::cancelDuringExtension()
{
    const Matrix m = slowDecay(420, 380, 41);
    PartialSvdOptions o;
    o.blockSize = 8;
    PartialSvd state(m.rows(), m.cols(), o);
    state.compute(m, 10);
    const Index before = state.krylovDimension();
    test::RecordingProgress stop(3); // cancelled at the third checkpoint of the extension
    QVERIFY_THROWS_EXCEPTION(Cancelled, state.compute(m, 40, &stop));
    QVERIFY(state.krylovDimension() > before); // it was stopped in the middle of the steps
    QVERIFY(state.krylovDimension() < computePartialSvd(m, 40, o)->certificate().krylovDimension);
    // The state stays usable: finishing the extension gives the numbers of a single run.
    const auto resumed = state.compute(m, 40);
    const auto once = computePartialSvd(m, 40, o);
    for (Index r = 0; r <= 40; ++r)
        QVERIFY(relDiff(resumed->errFro2(r), once->errFro2(r)) < 1e-10);
}

void TestPartialSvd::releasedBasesExtendTheSame()
{
    // The program frees the Lanczos bases once a result is delivered (issue 9, memory); the
    // extension builds the space again. Its numbers must be the continued basis's.
    const Matrix m = slowDecay(420, 380, 71);
    PartialSvd kept(m.rows(), m.cols()), released(m.rows(), m.cols()); // block size chosen by k
    kept.compute(m, 12);
    const auto first = released.compute(m, 12);
    QVERIFY(released.krylovDimension() > 0);
    released.release();
    QCOMPARE(released.krylovDimension(), Index(0));
    const auto continued = kept.compute(m, 40);
    const auto rebuilt = released.compute(m, 40);
    QCOMPARE(rebuilt->status(), SvdStatus::Certified);
    QCOMPARE(rebuilt->maxRank(), Index(40));
    const double total = m.squaredNorm();
    for (Index i = 0; i < 40; ++i)
        QVERIFY(relDiff(rebuilt->singularValues()[i], continued->singularValues()[i]) < 1e-12);
    // The curve as shown (relative Frobenius error) to 1e-12 at every rank.
    for (Index r = 0; r <= 40; ++r) {
        const double a = std::sqrt(rebuilt->errFro2(r) / total), b = std::sqrt(continued->errFro2(r) / total);
        QVERIFY2(std::abs(a - b) <= 1e-12 * b,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(a, 0, 'g', 17).arg(b, 0, 'g', 17)));
    }
    for (Index r = 0; r <= 12; ++r)
        QVERIFY(relDiff(first->errFro2(r), rebuilt->errFro2(r)) < 1e-10);
}

void TestPartialSvd::cancelDuringTail()
{
    // The nearly low-rank case measures its tail (fractions 0.85 … 1 of the run): cancel there.
    const Matrix m = test::lowRank(300, 2000, 6, 51) + 1e-8 * test::gaussian(300, 2000, 52);
    PartialSvdOptions o;
    o.blockSize = 8;
    PartialSvd state(m.rows(), m.cols(), o);
    CancelAfterFraction stop(0.85);
    QVERIFY_THROWS_EXCEPTION(Cancelled, state.compute(m, 10, &stop));
    QVERIFY2(stop.last >= 0.85 && stop.last < 1.0, qPrintable(QString::number(stop.last)));
    const auto again = state.compute(m, 10);
    QVERIFY(again->certificate().explicitTailFrom <= 6);
}

void TestPartialSvd::residualSquaredNormBlocks()
{
    // Several column blocks (n = 300: 873 columns per block), against the formed residual.
    const Matrix m = test::gaussian(300, 2000, 61);
    const auto svd = computeSvd(m);
    const Index k = 7;
    const Matrix u = svd->u().leftCols(k), v = svd->v().leftCols(k);
    const Vector s = svd->singularValues().head(k);
    const double formed = (m - u * s.asDiagonal() * v.transpose()).squaredNorm();
    QVERIFY(relDiff(residualSquaredNorm(m, u, s, v), formed) < 1e-12);
    test::RecordingProgress stop(2);
    QVERIFY_THROWS_EXCEPTION(Cancelled, residualSquaredNorm(m, u, s, v, &stop));
    QCOMPARE(stop.fractions.size(), std::size_t(2)); // stopped between blocks, not at the end
}

void TestPartialSvd::fallsBackToFull()
{
    // 40×30 has room for no Krylov space of 26 directions with blocks of 32: dgesdd answers.
    const Matrix m = test::gaussian(40, 30, 71);
    const auto svd = computePartialSvd(m, 25);
    QCOMPARE(svd->status(), SvdStatus::Full);
    QCOMPARE(svd->maxRank(), Index(30));
    QVERIFY(relDiff(svd->singularValues()[0], dgesddValues(m)[0]) < 1e-14);
}

void TestPartialSvd::autoSwitch()
{
    QVERIFY(prefersLanczos(3000, 4000, 100));
    QVERIFY(!prefersLanczos(3000, 4000, 2000));
    QVERIFY(!prefersLanczos(3000, 4000, 0));    // 0 = every rank
    QVERIFY(!prefersLanczos(100, 120, 5));      // small: dgesdd takes milliseconds
    Vector sigma(300);
    for (Index i = 0; i < 300; ++i)
        sigma[i] = std::pow(0.95, double(i));
    const Matrix m = test::withSpectrum(400, 300, sigma, 81);
    SvdOptions o;
    o.rank = 20;
    QVERIFY(computeSvd(m, o)->isPartial());
    o.algorithm = SvdAlgorithm::Full;
    QVERIFY(!computeSvd(m, o)->isPartial());
}

QTEST_APPLESS_MAIN(TestPartialSvd)
#include "tst_partialsvd.moc"
