// SPDX-License-Identifier: MIT
// Exact and randomized SVD: closed-form errors, orthogonality, agreement with Eigen's BDCSVD,
// exact recovery of low-rank matrices, reproducible seeds.
#include "testutil.h"

#include "core/generators.h"
#include "core/lapack.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QtTest>

#include <Eigen/SVD>

using namespace factorscope;
using namespace factorscope::core;
using factorscope::test::relDiff;

class TestSvd : public QObject
{
    Q_OBJECT

private slots:
    void shapes_data();
    void shapes();
    void exactRecovery_data();
    void exactRecovery();
    void valuesOnlyMatchesVectors();
    void advanceIsIncremental();
    void rsvdCurveIsExactForItsFactors_data();
    void rsvdCurveIsExactForItsFactors();
    void rsvdMatchesSvdOnDecayingSpectrum();
    void rsvdSeeds();
    void rsvdSpectralBound();
    void cancellation();
    void sameValuesWithOneOrTwoBlasThreads();
};

void TestSvd::shapes_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::newRow("tall 40x25") << test::gaussian(40, 25, 1);
    QTest::newRow("wide 17x33") << test::gaussian(17, 33, 2);
    QTest::newRow("square 30") << test::gaussian(30, 30, 3);
    QTest::newRow("rank-deficient 30x20 r5") << test::lowRank(30, 20, 5, 4);
    QTest::newRow("zero 6x9") << Matrix(Matrix::Zero(6, 9));
    QTest::newRow("1x1") << Matrix(Matrix::Constant(1, 1, -3.5));
    Vector s(20);
    for (int i = 0; i < 20; ++i)
        s[i] = std::pow(10.0, -0.7 * i);
    QTest::newRow("ill-conditioned 25x20") << test::withSpectrum(25, 20, s, 5);
}

void TestSvd::shapes()
{
    QFETCH(Matrix, m);
    const auto svd = computeSvd(m);
    const Index k = std::min(m.rows(), m.cols());
    QCOMPARE(svd->maxRank(), k);
    const Vector &s = svd->singularValues();
    for (Index i = 0; i < k; ++i) {
        QVERIFY(s[i] >= 0.0);
        if (i > 0)
            QVERIFY(s[i] <= s[i - 1]);
    }
    // Orthonormal factors (on the nonzero part of the spectrum).
    const Index r = (s.array() > 1e-12 * std::max(1.0, s.size() ? s[0] : 1.0)).count();
    QVERIFY((svd->u().leftCols(r).transpose() * svd->u().leftCols(r) - Matrix::Identity(r, r)).norm() < 1e-12);
    QVERIFY((svd->v().leftCols(r).transpose() * svd->v().leftCols(r) - Matrix::Identity(r, r)).norm() < 1e-12);
    // Agreement with Eigen's BDCSVD.
    Eigen::BDCSVD<Matrix> ref(m);
    const double scale = std::max(1.0, m.norm());
    QVERIFY((ref.singularValues() - s).norm() <= 1e-12 * scale);
    // Every curve value equals reconstruct-and-measure; spectral error is σ_r.
    for (Index rank = 0; rank <= k; ++rank) {
        const Matrix e = m - svd->reconstruct(rank);
        const double measured = e.squaredNorm();
        QVERIFY2(std::abs(svd->errFro2(rank) - measured) <= 1e-10 * std::max(m.squaredNorm(), 1e-300) + 1e-300,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(rank).arg(svd->errFro2(rank)).arg(measured)));
        const double spec = rank < k ? s[rank] : 0.0;
        QCOMPARE(*svd->errSpecExact(rank), spec);
        if (e.size() > 0 && rank < k && s[rank] > 1e-8 * scale) {
            Eigen::BDCSVD<Matrix> es(e);
            QVERIFY(relDiff(es.singularValues()[0], spec) < 1e-9);
        }
        QCOMPARE(svd->storedParams(rank), double(rank * (m.rows() + m.cols() + 1)));
    }
}

void TestSvd::exactRecovery_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("r");
    QTest::newRow("60x40 rank 7") << 60 << 40 << 7;
    QTest::newRow("35x80 rank 12") << 35 << 80 << 12;
    QTest::newRow("50x50 rank 1") << 50 << 50 << 1;
}

void TestSvd::exactRecovery()
{
    QFETCH(int, n);
    QFETCH(int, m);
    QFETCH(int, r);
    const Matrix a = test::lowRank(n, m, r, 42);
    const auto svd = computeSvd(a);
    QVERIFY((a - svd->reconstruct(r)).norm() <= 1e-12 * a.norm());
    QVERIFY(std::sqrt(svd->errFro2(r)) <= 1e-12 * a.norm());
    QVERIFY(svd->errFro2(r - 1) > 1e-6 * a.squaredNorm()); // and not one rank earlier
}

void TestSvd::valuesOnlyMatchesVectors()
{
    const Matrix a = test::gaussian(70, 45, 9);
    SvdOptions valuesOnly;
    valuesOnly.vectors = false;
    const auto v = computeSvd(a, valuesOnly);
    const auto full = computeSvd(a);
    QVERIFY(!v->canReconstruct());
    QVERIFY(full->canReconstruct());
    QVERIFY((v->singularValues() - full->singularValues()).norm() < 1e-12 * a.norm());
}

void TestSvd::advanceIsIncremental()
{
    const Matrix a = test::gaussian(30, 22, 10);
    const auto svd = computeSvd(a);
    Matrix acc = Matrix::Zero(30, 22);
    Index prev = 0;
    for (Index r : {1, 3, 4, 10, 22}) {
        svd->advance(acc, prev, r);
        QVERIFY((acc - svd->reconstruct(r)).norm() < 1e-12 * a.norm());
        prev = r;
    }
    svd->advance(acc, prev, 2); // going down rebuilds
    QVERIFY((acc - svd->reconstruct(2)).norm() < 1e-12 * a.norm());
}

void TestSvd::rsvdCurveIsExactForItsFactors_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::addColumn<int>("rank");
    QTest::addColumn<int>("power");
    QTest::newRow("gaussian 80x60 k10 q0") << test::gaussian(80, 60, 11) << 10 << 0;
    QTest::newRow("gaussian 50x90 k15 q2") << test::gaussian(50, 90, 12) << 15 << 2;
    QTest::newRow("low-rank 70x70 k8 q1") << test::lowRank(70, 70, 8, 13) << 8 << 1;
}

void TestSvd::rsvdCurveIsExactForItsFactors()
{
    QFETCH(Matrix, m);
    QFETCH(int, rank);
    QFETCH(int, power);
    RsvdOptions o;
    o.rank = rank;
    o.powerIterations = power;
    o.seed = 5;
    const auto model = computeRandomizedSvd(m, o);
    QCOMPARE(model->maxRank(), Index(rank));
    QVERIFY((model->u().transpose() * model->u() - Matrix::Identity(rank, rank)).norm() < 1e-12);
    const auto exact = computeSvd(m);
    for (Index r = 0; r <= rank; ++r) {
        const double measured = (m - model->reconstruct(r)).squaredNorm();
        QVERIFY2(relDiff(model->errFro2(r), measured) < 1e-9 || std::abs(model->errFro2(r) - measured) < 1e-24,
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(model->errFro2(r)).arg(measured)));
        QVERIFY(model->errFro2(r) >= exact->errFro2(r) * (1 - 1e-12)); // never beats Eckart–Young
    }
}

void TestSvd::rsvdMatchesSvdOnDecayingSpectrum()
{
    Vector s(40);
    for (int i = 0; i < 40; ++i)
        s[i] = std::pow(0.5, i);
    const Matrix a = test::withSpectrum(120, 90, s, 21);
    RsvdOptions o;
    o.rank = 10;
    o.powerIterations = 2;
    const auto model = computeRandomizedSvd(a, o);
    const auto exact = computeSvd(a);
    for (Index i = 0; i < 10; ++i)
        QVERIFY(relDiff(model->singularValues()[i], exact->singularValues()[i]) < 1e-8);
    QVERIFY(relDiff(model->errFro2(10), exact->errFro2(10)) < 1e-3);
    // The exact low-rank part is recovered at rank 10 + oversampling when the rest is zero.
    const Matrix low = test::lowRank(100, 80, 6, 22);
    o.rank = 6;
    const auto lowModel = computeRandomizedSvd(low, o);
    QVERIFY(std::sqrt(lowModel->errFro2(6)) < 1e-11 * low.norm());
}

void TestSvd::rsvdSeeds()
{
    const Matrix a = test::gaussian(60, 50, 30);
    RsvdOptions o;
    o.rank = 8;
    o.powerIterations = 0;
    o.seed = 3;
    const auto a1 = computeRandomizedSvd(a, o);
    const auto a2 = computeRandomizedSvd(a, o);
    o.seed = 4;
    const auto b = computeRandomizedSvd(a, o);
    QCOMPARE(a1->errFro2(8), a2->errFro2(8));
    QVERIFY(a1->errFro2(8) != b->errFro2(8));
}

void TestSvd::rsvdSpectralBound()
{
    const Matrix a = test::gaussian(80, 70, 40);
    RsvdOptions o;
    o.rank = 10;
    o.powerIterations = 1;
    const auto model = computeRandomizedSvd(a, o);
    // ‖M − QQᵀM‖₂ ≤ bound (probability 1 − 1e-10) and ‖M − QQᵀM‖₂ ≥ σ_{k+p} of M.
    const auto exact = computeSvd(a);
    const Matrix q = model->u(); // range of U ⊂ range of Q
    QVERIFY(model->spectralBound() >= exact->singularValues()[20] * (1 - 1e-12));
    QVERIFY(model->residualFro() >= std::sqrt(exact->errFro2(20)) * (1 - 1e-12));
    Eigen::BDCSVD<Matrix> err(a - model->reconstruct(10));
    QVERIFY(err.singularValues()[0] >= exact->singularValues()[10] * (1 - 1e-12));
    Q_UNUSED(q);
}

void TestSvd::cancellation()
{
    struct Stop : Progress
    {
        bool isCancelled() const override { return true; }
    } stop;
    const Matrix a = test::gaussian(20, 20, 1);
    QVERIFY_THROWS_EXCEPTION(Cancelled, computeSvd(a, {}, &stop));
    RsvdOptions o;
    o.rank = 3;
    QVERIFY_THROWS_EXCEPTION(Cancelled, computeRandomizedSvd(a, o, &stop));
}

void TestSvd::sameValuesWithOneOrTwoBlasThreads()
{
    // The program runs OpenBLAS on one thread (app::Workspace), the headless command on all:
    // the setting takes effect, and the results agree to rounding.
    const int saved = lapack::blasThreads();
    const Matrix m = lowRankPlusNoise(300, 200, 20, 0.1, 7);
    lapack::setBlasThreads(1);
    QCOMPARE(lapack::blasThreads(), 1);
    const auto one = computeSvd(m);
    lapack::setBlasThreads(2);
    const auto two = computeSvd(m);
    lapack::setBlasThreads(saved);
    QCOMPARE(lapack::blasThreads(), saved);
    for (Index r : {Index(1), Index(20), Index(200)})
        QVERIFY(std::abs(one->errFro2(r) - two->errFro2(r)) <= 1e-10 * std::max(1.0, two->errFro2(0)));
}

QTEST_APPLESS_MAIN(TestSvd)
#include "tst_svd.moc"
