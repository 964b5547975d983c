// SPDX-License-Identifier: MIT
// CUR (core/cur.h): the error curve from projections against reconstruct-and-measure and against
// ‖M − C·C⁺·M·R⁺·R‖ formed with Eigen's own pseudo-inverse, for every selector, both middles and
// both row rules; optimal between the SVD optimum and cross; cross reproduces the chosen columns
// and rows; exact recovery of a low-rank matrix; chosen columns that add no direction; the
// factors; incremental reconstruction; tolerance; bad options; cancellation.
#include "core/cur.h"
#include "core/id.h"
#include "core/svd.h"

#include "testutil.h"

#include <QObject>
#include <QTest>

#include <Eigen/QR>

#include <cmath>

using namespace factorscope;
using namespace factorscope::core;

Q_DECLARE_METATYPE(factorscope::core::Selector)
Q_DECLARE_METATYPE(factorscope::core::CurMiddle)

namespace {

using test::decaying;

Matrix makeShape(const QString &name)
{
    if (name == QLatin1String("tall"))
        return test::gaussian(40, 18, 1);
    if (name == QLatin1String("wide"))
        return test::gaussian(15, 35, 2);
    if (name == QLatin1String("decaying"))
        return decaying(36, 30, 0.8, 3);
    if (name == QLatin1String("rank-deficient"))
        return test::lowRank(30, 24, 6, 4);
    if (name == QLatin1String("duplicate-columns")) {
        const Matrix g = test::gaussian(20, 5, 5);
        Matrix m(20, 12);
        m << g, g.col(1), 3.0 * g.col(1), g.col(0), Matrix::Zero(20, 1), g.col(3), -g.col(2), g.col(4);
        // and a duplicated row
        m.row(7) = m.row(2);
        return m;
    }
    if (name == QLatin1String("zero"))
        return Matrix::Zero(9, 7);
    if (name == QLatin1String("blocks")) {
        // k = 70 > two blocks of 32 (core/nestedprojection), with dependent columns and rows
        // on both sides of the block boundaries.
        Matrix m = decaying(80, 70, 0.9, 6);
        m.col(40) = m.col(3);
        m.col(65) = 2.0 * m.col(10);
        m.col(33).setZero();
        m.row(70) = m.row(5);
        return m;
    }
    return Matrix::Constant(1, 1, 2.5); // "1x1"
}

CurOptions options(Selector selector, CurMiddle middle, Index rank, Index rows = 0, std::uint64_t seed = 3)
{
    CurOptions o;
    o.selection.selector = selector;
    o.selection.seed = seed;
    o.middle = middle;
    o.rank = rank;
    o.rowCount = rows;
    return o;
}

Matrix gather(const Matrix &m, const IndexList &rows, const IndexList &cols)
{
    Matrix out(Index(rows.size()), Index(cols.size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < cols.size(); ++j)
            out(Index(i), Index(j)) = m(rows[i], cols[j]);
    return out;
}

IndexList all(Index n)
{
    IndexList v(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i)
        v[std::size_t(i)] = i;
    return v;
}

/// Eigen's complete orthogonal decomposition, with a rank threshold like numpy's pinv.
Matrix eigenPinv(const Matrix &a)
{
    if (a.size() == 0)
        return Matrix::Zero(a.cols(), a.rows());
    Eigen::CompleteOrthogonalDecomposition<Matrix> cod(a);
    cod.setThreshold(double(std::max(a.rows(), a.cols())) * 1e-15);
    return cod.pseudoInverse();
}

bool close(double got, double expected, double scale, double rel = 1e-9)
{
    return std::abs(got - expected) <= rel * std::abs(expected) + 1e-13 * scale;
}

} // namespace

class TestCur : public QObject
{
    Q_OBJECT

private slots:
    void curveMatchesDefinition_data();
    void curveMatchesDefinition();
    void optimalBetweenSvdAndCross_data();
    void optimalBetweenSvdAndCross();
    void crossReproducesChosenColumnsAndRows();
    void exactRankRecovered_data();
    void exactRankRecovered();
    void factors();
    void advanceEqualsReconstruct();
    void crossTolerance();
    void crossBlowsUpOnIllConditionedIntersection();
    void idWithSelectors_data();
    void idWithSelectors();
    void badOptions();
    void cancels();
};

void TestCur::curveMatchesDefinition_data()
{
    QTest::addColumn<QString>("shape");
    QTest::addColumn<Selector>("selector");
    QTest::addColumn<CurMiddle>("middle");
    QTest::addColumn<Index>("rows");
    for (const char *shape : {"tall", "wide", "decaying", "rank-deficient", "duplicate-columns", "zero", "1x1", "blocks"})
        for (Selector s : allSelectors())
            for (CurMiddle mid : {CurMiddle::Optimal, CurMiddle::Cross})
                for (Index rows : {Index(0), Index(4)}) {
                    if (rows > 0 && (QString::fromLatin1(shape) == QLatin1String("1x1")))
                        continue;
                    QTest::newRow(qPrintable(QStringLiteral("%1 %2 %3 l=%4").arg(QString::fromLatin1(shape),
                                             QString::fromStdString(selectorName(s)),
                                             QString::fromStdString(curMiddleName(mid)))
                                                 .arg(rows == 0 ? QStringLiteral("r") : QString::number(rows))))
                        << QString::fromLatin1(shape) << s << mid << rows;
                }
}

void TestCur::curveMatchesDefinition()
{
    QFETCH(QString, shape);
    QFETCH(Selector, selector);
    QFETCH(CurMiddle, middle);
    QFETCH(Index, rows);
    const Matrix m = makeShape(shape);
    const auto cur = computeCur(m, options(selector, middle, 0, rows));
    const Index k = std::min(m.rows(), m.cols());
    QCOMPARE(cur->maxRank(), k);
    const double total = m.squaredNorm();
    QCOMPARE(cur->errFro2(0), total);
    for (Index r = 0; r <= k; ++r) {
        const Index l = cur->rowCount(r);
        QCOMPARE(l, r == 0 ? 0 : (rows > 0 ? rows : r));
        const IndexList s1 = cur->columnsAt(r), s2 = cur->rowsAt(r);
        QCOMPARE(Index(s1.size()), r);
        QCOMPARE(Index(s2.size()), l);
        const Matrix c = gather(m, all(m.rows()), s1), rr = gather(m, s2, all(m.cols()));
        // Independent: the definition with Eigen's pseudo-inverses.
        const Matrix u = middle == CurMiddle::Optimal ? Matrix(eigenPinv(c) * m * eigenPinv(rr))
                                                      : Matrix(eigenPinv(gather(m, s2, s1)));
        const double expected = (m - c * u * rr).squaredNorm();
        const double measured = (m - cur->reconstruct(r)).squaredNorm();
        QVERIFY2(close(cur->errFro2(r), expected, total, 1e-8),
                 qPrintable(QStringLiteral("r = %1: curve %2, definition %3").arg(r).arg(cur->errFro2(r), 0, 'g', 17).arg(expected, 0, 'g', 17)));
        QVERIFY2(close(cur->errFro2(r), measured, total, 1e-9),
                 qPrintable(QStringLiteral("r = %1: curve %2, reconstruction %3").arg(r).arg(cur->errFro2(r), 0, 'g', 17).arg(measured, 0, 'g', 17)));
        QCOMPARE(cur->storedParams(r), double(m.rows() * r + r * l + l * m.cols()));
    }
}

void TestCur::optimalBetweenSvdAndCross_data()
{
    QTest::addColumn<Selector>("selector");
    for (Selector s : allSelectors())
        QTest::newRow(selectorName(s).c_str()) << s;
}

void TestCur::optimalBetweenSvdAndCross()
{
    QFETCH(Selector, selector);
    for (const Matrix &m : {decaying(40, 32, 0.85, 6), test::gaussian(25, 30, 7)}) {
        const auto opt = computeCur(m, options(selector, CurMiddle::Optimal, 0));
        const auto cross = computeCur(m, options(selector, CurMiddle::Cross, 0));
        const auto svd = computeSvd(m);
        QCOMPARE(opt->columnSequence(), cross->columnSequence());
        for (Index r = 0; r <= opt->maxRank(); ++r) {
            const double best = svd->errFro2(r), o = opt->errFro2(r), c = cross->errFro2(r);
            QVERIFY2(o >= best * (1 - 1e-10) - 1e-14, qPrintable(QStringLiteral("r = %1: %2 below the SVD's %3").arg(r).arg(o).arg(best)));
            QVERIFY2(o <= c * (1 + 1e-10) + 1e-14, qPrintable(QStringLiteral("r = %1: optimal %2 above cross %3").arg(r).arg(o).arg(c)));
            QCOMPARE(cross->optimalErrFro2(r), o);
        }
    }
}

void TestCur::crossReproducesChosenColumnsAndRows()
{
    // A well-conditioned intersection: C·W⁻¹·R equals M on the chosen columns and rows.
    const Matrix m = test::gaussian(30, 26, 8);
    for (Selector s : {Selector::PivotedQr, Selector::Deim, Selector::Leverage}) {
        const auto cur = computeCur(m, options(s, CurMiddle::Cross, 10));
        for (Index r : {1, 4, 10}) {
            const Matrix approx = cur->reconstruct(r);
            const IndexList s1 = cur->columnsAt(r), s2 = cur->rowsAt(r);
            QCOMPARE(cur->crossRank(r), r);
            const Vector sigma = cur->intersectionSingularValues(r);
            QVERIFY(sigma[0] / sigma[sigma.size() - 1] < 1e6);
            const double scale = m.norm();
            QVERIFY((gather(approx, all(30), s1) - gather(m, all(30), s1)).norm() <= 1e-11 * scale);
            QVERIFY((gather(approx, s2, all(26)) - gather(m, s2, all(26))).norm() <= 1e-11 * scale);
            // and not elsewhere (a Gaussian matrix is not of rank 10)
            QVERIFY((approx - m).norm() > 0.1 * scale);
        }
    }
}

void TestCur::exactRankRecovered_data()
{
    QTest::addColumn<Selector>("selector");
    QTest::addColumn<CurMiddle>("middle");
    for (Selector s : {Selector::PivotedQr, Selector::Deim, Selector::Leverage})
        for (CurMiddle mid : {CurMiddle::Optimal, CurMiddle::Cross})
            QTest::newRow(qPrintable(QString::fromStdString(selectorName(s) + " " + curMiddleName(mid)))) << s << mid;
}

void TestCur::exactRankRecovered()
{
    QFETCH(Selector, selector);
    QFETCH(CurMiddle, middle);
    const Matrix m = test::lowRank(40, 30, 5, 9);
    const auto cur = computeCur(m, options(selector, middle, 8));
    const double scale = m.norm();
    for (Index r = 5; r <= 8; ++r) {
        QVERIFY2((m - cur->reconstruct(r)).norm() <= 1e-11 * scale,
                 qPrintable(QStringLiteral("r = %1: %2").arg(r).arg((m - cur->reconstruct(r)).norm() / scale)));
        QVERIFY(std::sqrt(cur->errFro2(r)) <= 1e-11 * scale);
    }
    QVERIFY(std::sqrt(cur->errFro2(4)) > 1e-3 * scale);
}

void TestCur::factors()
{
    const Matrix m = decaying(28, 22, 0.8, 10);
    for (CurMiddle mid : {CurMiddle::Optimal, CurMiddle::Cross})
        for (Index rows : {Index(0), Index(9)}) {
            const auto cur = computeCur(m, options(Selector::Deim, mid, 7, rows));
            const Index r = 6, l = cur->rowCount(r);
            const Matrix c = cur->columnFactor(r), u = cur->middleFactor(r), rr = cur->rowFactor(r);
            QCOMPARE(c.rows(), Index(28));
            QCOMPARE(c.cols(), r);
            QCOMPARE(u.rows(), r);
            QCOMPARE(u.cols(), l);
            QCOMPARE(rr.rows(), l);
            QCOMPARE(rr.cols(), Index(22));
            QCOMPARE(c, gather(m, all(28), cur->columnsAt(r)));
            QCOMPARE(rr, gather(m, cur->rowsAt(r), all(22)));
            QCOMPARE(cur->intersection(r), gather(m, cur->rowsAt(r), cur->columnsAt(r)));
            const Matrix expectedU = mid == CurMiddle::Optimal ? Matrix(eigenPinv(c) * m * eigenPinv(rr))
                                                               : Matrix(eigenPinv(cur->intersection(r)));
            QVERIFY((u - expectedU).norm() <= 1e-8 * expectedU.norm());
            QVERIFY((c * u * rr - cur->reconstruct(r)).norm() <= 1e-10 * m.norm());
        }
}

void TestCur::advanceEqualsReconstruct()
{
    const Matrix m = decaying(26, 24, 0.85, 11);
    for (CurMiddle mid : {CurMiddle::Optimal, CurMiddle::Cross})
        for (Index rows : {Index(0), Index(5)}) {
            const auto cur = computeCur(m, options(Selector::Leverage, mid, 0, rows));
            Matrix acc;
            Index at = 0;
            for (Index to : {3, 4, 9, 2, 2, 15, 24, 0, 6}) {
                cur->advance(acc, at, to);
                QVERIFY2((acc - cur->reconstruct(to)).norm() <= 1e-12 * m.norm(),
                         qPrintable(QStringLiteral("%1 -> %2").arg(at).arg(to)));
                at = to;
            }
        }
    const auto curveOnly = [&] {
        CurOptions o = options(Selector::PivotedQr, CurMiddle::Optimal, 5);
        o.reconstruction = false;
        return computeCur(m, o);
    }();
    QVERIFY(!curveOnly->canReconstruct());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, curveOnly->reconstruct(2));
    QCOMPARE(curveOnly->errFro2(3), computeCur(m, options(Selector::PivotedQr, CurMiddle::Optimal, 5))->errFro2(3));
}

void TestCur::crossTolerance()
{
    const Matrix m = decaying(30, 30, 0.5, 12); // intersections with fast-decaying σ
    const auto byDefault = computeCur(m, options(Selector::PivotedQr, CurMiddle::Cross, 12));
    for (Index r = 1; r <= 12; ++r) {
        const Vector sigma = byDefault->intersectionSingularValues(r);
        const double tau = double(std::max(r, byDefault->rowCount(r))) * std::numeric_limits<double>::epsilon() * sigma[0];
        QVERIFY(std::abs(byDefault->crossTolerance(r) - tau) <= 1e-15 * tau);
        QCOMPARE(byDefault->crossRank(r), Index((sigma.array() > tau).count()));
    }
    // A given tolerance drops the σ at or below it, and the middle is that truncated pseudo-inverse.
    CurOptions o = options(Selector::PivotedQr, CurMiddle::Cross, 12);
    o.crossTolerance = 1e-3;
    const auto given = computeCur(m, o);
    for (Index r = 1; r <= 12; ++r) {
        const Vector sigma = given->intersectionSingularValues(r);
        QCOMPARE(given->crossTolerance(r), 1e-3);
        QCOMPARE(given->crossRank(r), Index((sigma.array() > 1e-3).count()));
        const double measured = (m - given->reconstruct(r)).squaredNorm();
        QVERIFY(close(given->errFro2(r), measured, m.squaredNorm()));
    }
    QVERIFY(given->crossRank(12) < 12);
}

void TestCur::crossBlowsUpOnIllConditionedIntersection()
{
    // Column 0 and row 0 have the largest norms but meet at δ: the cross middle is 1/δ and puts
    // 9/δ where M has 1 and 0 (error ~ 18/δ); the optimal middle fits C and R by least squares.
    for (double delta : {1e-2, 1e-5, 1e-8}) {
        Matrix m(3, 3);
        m << delta, 3.0, 3.0, 3.0, 1.0, 0.0, 3.0, 0.0, 1.0;
        CurOptions o = options(Selector::Norm, CurMiddle::Cross, 1);
        const auto cross = computeCur(m, o);
        QCOMPARE(cross->columnsAt(1), IndexList{0});
        QCOMPARE(cross->rowsAt(1), IndexList{0});
        QCOMPARE(cross->middleFactor(1)(0, 0), 1.0 / delta);
        o.middle = CurMiddle::Optimal;
        const auto opt = computeCur(m, o);
        QVERIFY(std::sqrt(cross->errFro2(1)) > 17.0 / delta);
        QVERIFY(std::sqrt(opt->errFro2(1)) < m.norm());
        QVERIFY(close(cross->errFro2(1), (m - cross->reconstruct(1)).squaredNorm(), m.squaredNorm()));
    }
}

void TestCur::idWithSelectors_data()
{
    QTest::addColumn<QString>("shape");
    QTest::addColumn<Selector>("selector");
    QTest::addColumn<bool>("rowId");
    for (const char *shape : {"tall", "wide", "decaying", "rank-deficient", "duplicate-columns", "zero", "blocks"})
        for (Selector s : allSelectors())
            for (bool rowId : {false, true})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2%3").arg(QString::fromLatin1(shape),
                                                                          QString::fromStdString(selectorName(s)),
                                                                          rowId ? QStringLiteral(" rows") : QString())))
                    << QString::fromLatin1(shape) << s << rowId;
}

void TestCur::idWithSelectors()
{
    // ID's Z = C⁺M for any selector: the curve equals ‖M − C·C⁺·M‖ (Eigen's pseudo-inverse) and
    // ‖M − C·Z‖ with the model's own Z, at every rank, duplicates and zero columns included.
    QFETCH(QString, shape);
    QFETCH(Selector, selector);
    QFETCH(bool, rowId);
    const Matrix m = makeShape(shape);
    IdOptions o;
    o.selector = selector;
    o.rowId = rowId;
    o.seed = 5;
    const auto id = computeId(m, o);
    const double total = m.squaredNorm();
    for (Index r = 0; r <= id->maxRank(); ++r) {
        const Matrix c = id->skeleton(r), z = id->interpolation(r);
        const Matrix fit = rowId ? Matrix(m * eigenPinv(c) * c) : Matrix(c * eigenPinv(c) * m);
        const double expected = (m - fit).squaredNorm();
        const double viaZ = (m - (rowId ? Matrix(z * c) : Matrix(c * z))).squaredNorm();
        QVERIFY2(close(id->errFro2(r), expected, total, 1e-8),
                 qPrintable(QStringLiteral("r = %1: %2 vs %3").arg(r).arg(id->errFro2(r), 0, 'g', 17).arg(expected, 0, 'g', 17)));
        QVERIFY2(close(viaZ, expected, total, 1e-8),
                 qPrintable(QStringLiteral("r = %1: C·Z %2 vs %3").arg(r).arg(viaZ, 0, 'g', 17).arg(expected, 0, 'g', 17)));
        QVERIFY(close((m - id->reconstruct(r)).squaredNorm(), expected, total, 1e-8));
    }
}

void TestCur::badOptions()
{
    const Matrix m = test::gaussian(6, 5, 13);
    CurOptions o;
    o.rank = -1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeCur(m, o));
    o.rank = 2;
    o.rowCount = 7;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeCur(m, o));
    o.rowCount = 0;
    o.crossTolerance = std::nan("");
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeCur(m, o));
    o.crossTolerance = -1;
    o.selection.selector = Selector::Leverage;
    o.selection.leverageRank = 6;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeCur(m, o));
    QCOMPARE(*parseCurMiddle("cross"), CurMiddle::Cross);
    QVERIFY(!parseCurMiddle("skeleton"));
}

void TestCur::cancels()
{
    const Matrix m = decaying(60, 50, 0.9, 14);
    test::RecordingProgress progress(5);
    QVERIFY_THROWS_EXCEPTION(Cancelled, computeCur(m, options(Selector::Deim, CurMiddle::Cross, 0), &progress));
    test::RecordingProgress full;
    computeCur(m, options(Selector::Deim, CurMiddle::Cross, 0), &full);
    QVERIFY(std::is_sorted(full.fractions.begin(), full.fractions.end()));
    QCOMPARE(full.fractions.back(), 1.0);
}

QTEST_APPLESS_MAIN(TestCur)
#include "tst_cur.moc"
