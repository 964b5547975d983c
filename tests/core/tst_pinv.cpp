// SPDX-License-Identifier: MIT
// Pseudo-inverse and ridge path (core/pinv.h): the four Penrose conditions at the default
// tolerance on tall, wide, square, rank-deficient and ill-conditioned matrices; agreement with
// Eigen's complete orthogonal decomposition; the ridge solution against the normal equations and
// its monotone approach to M⁺ (algorithms.md §9.1: O(ε)); the closed-form ridge distance; the
// tolerance cut-off; bad arguments.
#include "core/pinv.h"

#include "testutil.h"

#include <QObject>
#include <QTest>

#include <Eigen/Cholesky>
#include <Eigen/QR>

#include <cmath>
#include <limits>

using namespace factorscope;
using namespace factorscope::core;

namespace {

Matrix withSigma(Index n, Index m, std::initializer_list<double> sigma, std::uint64_t seed)
{
    Vector s(Index(sigma.size()));
    Index i = 0;
    for (double v : sigma)
        s[i++] = v;
    return test::withSpectrum(n, m, s, seed);
}

Matrix makeShape(const QString &name)
{
    if (name == QLatin1String("tall"))
        return test::gaussian(30, 12, 1);
    if (name == QLatin1String("wide"))
        return test::gaussian(9, 25, 2);
    if (name == QLatin1String("square"))
        return test::gaussian(20, 20, 3);
    if (name == QLatin1String("rank-deficient 7x5 rank 3"))
        return test::lowRank(7, 5, 3, 4); // algorithms.md §9.1
    if (name == QLatin1String("rank-deficient wide"))
        return test::lowRank(10, 30, 4, 5);
    if (name == QLatin1String("ill-conditioned")) {
        Vector s(15);
        for (Index i = 0; i < 15; ++i)
            s[i] = std::pow(10.0, -10.0 * double(i) / 14.0);
        return test::withSpectrum(25, 15, s, 6);
    }
    if (name == QLatin1String("zero"))
        return Matrix::Zero(6, 4);
    return Matrix::Constant(1, 1, -4.0); // 1x1
}

} // namespace

class TestPinv : public QObject
{
    Q_OBJECT

private slots:
    void penroseAtDefaultTolerance_data();
    void penroseAtDefaultTolerance();
    void agreesWithEigen();
    void toleranceCutsOff();
    void ridgeIsTheRegularisedSolution();
    void ridgeTendsToPinv_data();
    void ridgeTendsToPinv();
    void spectra();
    void badArguments();
};

void TestPinv::penroseAtDefaultTolerance_data()
{
    QTest::addColumn<QString>("shape");
    for (const char *s : {"tall", "wide", "square", "rank-deficient 7x5 rank 3", "rank-deficient wide", "ill-conditioned", "zero", "1x1"})
        QTest::newRow(s) << QString::fromLatin1(s);
}

void TestPinv::penroseAtDefaultTolerance()
{
    QFETCH(QString, shape);
    const Matrix m = makeShape(shape);
    const auto p = computePseudoInverse(m);
    const Matrix x = p->pinv(p->defaultTolerance());
    QCOMPARE(x.rows(), m.cols());
    QCOMPARE(x.cols(), m.rows());
    const PenroseResiduals r = penroseResiduals(m, x);
    // Each residual against the size of what it compares, with a rounding allowance that grows
    // with the condition number of the kept part (σ₁/σ_rank).
    const Index rank = p->rankAbove(p->defaultTolerance());
    const double kappa = rank > 0 ? p->singularValues()[0] / p->singularValues()[rank - 1] : 1.0;
    const double eps = std::numeric_limits<double>::epsilon() * double(std::max(m.rows(), m.cols())) * 10;
    const double nm = m.norm(), nx = x.norm();
    QVERIFY2(r.mxm <= eps * kappa * nm + 1e-300, qPrintable(QString::number(r.mxm / nm)));
    QVERIFY2(r.xmx <= eps * kappa * nx + 1e-300, qPrintable(QString::number(r.xmx / nx)));
    QVERIFY2(r.mxSymmetry <= eps * kappa + 1e-300, qPrintable(QString::number(r.mxSymmetry)));
    QVERIFY2(r.xmSymmetry <= eps * kappa + 1e-300, qPrintable(QString::number(r.xmSymmetry)));
    if (shape.startsWith(QLatin1String("rank-deficient")))
        QCOMPARE(rank, shape.contains(QLatin1String("7x5")) ? Index(3) : Index(4));
}

void TestPinv::agreesWithEigen()
{
    for (const QString &shape : {QStringLiteral("tall"), QStringLiteral("wide"), QStringLiteral("rank-deficient 7x5 rank 3")}) {
        const Matrix m = makeShape(shape);
        const auto p = computePseudoInverse(m);
        Eigen::CompleteOrthogonalDecomposition<Matrix> cod(m);
        cod.setThreshold(1e-10);
        const Matrix expected = cod.pseudoInverse();
        QVERIFY2((p->pinv(p->defaultTolerance()) - expected).norm() <= 1e-10 * expected.norm(), qPrintable(shape));
    }
}

void TestPinv::toleranceCutsOff()
{
    const Matrix m = withSigma(12, 9, {10, 5, 1, 1e-3, 1e-6}, 7);
    const auto p = computePseudoInverse(m);
    QCOMPARE(p->rankAbove(p->defaultTolerance()), Index(5));
    QCOMPARE(p->rankAbove(1e-4), Index(4));
    QCOMPARE(p->rankAbove(0.999), Index(3));
    QCOMPARE(p->rankAbove(1.001), Index(2));
    QCOMPARE(p->rankAbove(100.0), Index(0));
    // M⁺ at τ = 1e-4 is the pseudo-inverse of the rank-4 truncation.
    const Matrix x = p->pinv(1e-4);
    const Matrix m4 = p->u().leftCols(4) * p->singularValues().head(4).asDiagonal() * p->v().leftCols(4).transpose();
    Eigen::CompleteOrthogonalDecomposition<Matrix> cod(m4);
    cod.setThreshold(1e-9);
    QVERIFY((x - cod.pseudoInverse()).norm() <= 1e-9 * x.norm());
    QCOMPARE(p->pinv(100.0), Matrix(Matrix::Zero(9, 12)));
    QVERIFY(std::abs(x.norm() - std::sqrt(1e-2 + 4e-2 + 1 + 1e6)) <= 1e-9 * x.norm());
}

void TestPinv::ridgeIsTheRegularisedSolution()
{
    // X(ε) = (MᵀM + εI)⁻¹Mᵀ by Cholesky of the normal equations, where those are well conditioned.
    for (const QString &shape : {QStringLiteral("tall"), QStringLiteral("wide"), QStringLiteral("rank-deficient 7x5 rank 3")}) {
        const Matrix m = makeShape(shape);
        const auto p = computePseudoInverse(m);
        for (double eps : {10.0, 1.0, 1e-2}) {
            const Matrix normal = m.transpose() * m + eps * Matrix::Identity(m.cols(), m.cols());
            const Matrix expected = normal.llt().solve(m.transpose());
            QVERIFY2((p->ridge(eps) - expected).norm() <= 1e-10 * expected.norm(),
                     qPrintable(QStringLiteral("%1 ε = %2").arg(shape).arg(eps)));
        }
    }
}

void TestPinv::ridgeTendsToPinv_data()
{
    QTest::addColumn<QString>("shape");
    for (const char *s : {"tall", "wide", "rank-deficient 7x5 rank 3", "rank-deficient wide"})
        QTest::newRow(s) << QString::fromLatin1(s);
}

void TestPinv::ridgeTendsToPinv()
{
    // ‖X(ε) − M⁺‖_F, measured on the matrices, decreases monotonically as ε → 0 and like O(ε)
    // (algorithms.md §9.1), and equals the closed form from σ. A computed rank-deficient matrix
    // has σ ~ 1e-16 below the tolerance, whose ridge terms σ/ε grow as ε shrinks: the path turns
    // back once ε² ≲ σ_dropped·σ_kept³ (see pinv.h), so there ε stops at 1e-6.
    QFETCH(QString, shape);
    const Matrix m = makeShape(shape);
    const auto p = computePseudoInverse(m);
    const double tau = p->defaultTolerance();
    const Matrix x = p->pinv(tau);
    const int last = shape.startsWith(QLatin1String("rank-deficient")) ? -6 : -12;
    double previous = std::numeric_limits<double>::infinity();
    for (int e = 0; e >= last; --e) {
        const double eps = std::pow(10.0, e);
        const double distance = (p->ridge(eps) - x).norm();
        QVERIFY2(distance < previous, qPrintable(QStringLiteral("ε = %1: %2 after %3").arg(eps).arg(distance).arg(previous)));
        QVERIFY(std::abs(p->ridgeDistance(eps, tau) - distance) <= 1e-8 * distance + 1e-12 * x.norm());
        previous = distance;
    }
    // O(ε): distance/ε tends to ‖V diag(1/σ³) Uᵀ‖_F = sqrt(Σ σ⁻⁶) over the kept σ.
    double limit = 0;
    for (Index i = 0; i < p->rankAbove(tau); ++i)
        limit += std::pow(p->singularValues()[i], -6);
    limit = std::sqrt(limit);
    const double eps = std::pow(10.0, last + 2);
    QVERIFY2(std::abs(p->ridgeDistance(eps, tau) / eps - limit) <= 1e-3 * limit,
             qPrintable(QStringLiteral("%1 vs %2").arg(p->ridgeDistance(eps, tau) / eps).arg(limit)));
}

void TestPinv::spectra()
{
    const Matrix m = withSigma(6, 5, {4, 2, 0.5}, 8);
    const auto p = computePseudoInverse(m);
    const Vector f = p->filterFactors(0.25);
    QVERIFY(std::abs(f[0] - 4.0 / 16.25) < 1e-14);
    QVERIFY(std::abs(f[1] - 2.0 / 4.25) < 1e-14);
    QVERIFY(std::abs(f[2] - 0.5 / 0.5) < 1e-14);
    QVERIFY(std::abs(f[4]) < 1e-14); // σ = 0 (to rounding): filtered out
    const Vector r = p->reciprocalSpectrum();
    QVERIFY(std::abs(r[0] - 0.25) < 1e-14 && std::abs(r[2] - 2.0) < 1e-13);
    QVERIFY(r[4] > 1e14); // 1/σ of rounding noise, or +∞
    QCOMPARE(computePseudoInverse(Matrix::Zero(3, 2))->reciprocalSpectrum()[0], std::numeric_limits<double>::infinity());
    QCOMPARE(computePseudoInverse(Matrix::Zero(3, 2))->defaultTolerance(), 0.0);
}

void TestPinv::badArguments()
{
    const auto p = computePseudoInverse(test::gaussian(4, 3, 9));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, p->pinv(-1.0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, p->pinv(std::nan("")));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, p->ridge(0.0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, p->ridge(-1e-3));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, p->ridge(std::numeric_limits<double>::infinity()));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, penroseResiduals(Matrix::Zero(4, 3), Matrix::Zero(4, 3)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pseudoInverse(Matrix::Identity(2, 2), std::nan("")));
}

QTEST_APPLESS_MAIN(TestPinv)
#include "tst_pinv.moc"
