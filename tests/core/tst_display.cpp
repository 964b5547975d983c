// SPDX-License-Identifier: MIT
// Display reduction: exact area averaging against a brute-force reference with fractional
// weights, mean preservation, identity, min/max bounds, and the averaging operator.
#include "testutil.h"

#include "core/display.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <stdexcept>

using namespace factorscope;
using namespace factorscope::core;

namespace {

/// Length of [a, b) ∩ [c, d).
double overlap(double a, double b, double c, double d)
{
    return std::max(0.0, std::min(b, d) - std::max(a, c));
}

/// Brute force, straight from the definition: output cell (i, j) covers the rectangle
/// [i·h, (i+1)·h) × [j·w, (j+1)·w) with h = n/outRows, w = m/outCols; its value is the integral of
/// the piecewise-constant input over it, divided by its area. Every input cell is visited for
/// every output cell.
Matrix bruteForce(const Matrix &x, Index outRows, Index outCols)
{
    const Index n = x.rows(), m = x.cols();
    outRows = std::min(outRows, n);
    outCols = std::min(outCols, m);
    const double h = double(n) / double(outRows), w = double(m) / double(outCols);
    Matrix out(outRows, outCols);
    for (Index i = 0; i < outRows; ++i)
        for (Index j = 0; j < outCols; ++j) {
            double sum = 0.0;
            for (Index k = 0; k < n; ++k)
                for (Index l = 0; l < m; ++l)
                    sum += x(k, l) * overlap(i * h, (i + 1) * h, k, k + 1)
                           * overlap(j * w, (j + 1) * w, l, l + 1);
            out(i, j) = sum / (h * w);
        }
    return out;
}

/// Input cells with a positive overlap with output cell (i, j).
void coveredRange(Index n, Index out, Index i, Index *first, Index *last)
{
    const double h = double(n) / double(out);
    *first = Index(std::floor(i * h + 1e-12));
    *last = std::min(n - 1, Index(std::ceil((i + 1) * h - 1e-12)) - 1);
}

Matrix sequence(Index n, Index m)
{
    Matrix x(n, m);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < m; ++j)
            x(i, j) = double(i * m + j + 1);
    return x;
}

} // namespace

class TestDisplay : public QObject
{
    Q_OBJECT

private slots:
    void averagesExactly_data();
    void averagesExactly();
    void fractionalWeightsByHand();
    void preservesMean_data();
    void preservesMean();
    void identityWhenLargeEnough_data();
    void identityWhenLargeEnough();
    void minMaxBoundsEveryCell_data();
    void minMaxBoundsEveryCell();
    void averageOnlyLeavesMinMaxEmpty();
    void blockMatchesCopiedBlock();
    void operatorRowsSumToOne_data();
    void operatorRowsSumToOne();
    void operatorMatchesReduction_data();
    void operatorMatchesReduction();
    void averagingAFactorisation();
    void badArguments();
    void emptyInput();
};

void TestDisplay::averagesExactly_data()
{
    QTest::addColumn<Matrix>("x");
    QTest::addColumn<Index>("outRows");
    QTest::addColumn<Index>("outCols");
    QTest::newRow("7x5 -> 3x2 (fractional both ways)") << test::gaussian(7, 5, 1) << Index(3) << Index(2);
    QTest::newRow("10x10 -> 5x5 (divisible)") << test::gaussian(10, 10, 2) << Index(5) << Index(5);
    QTest::newRow("13x11 -> 4x7") << test::gaussian(13, 11, 3) << Index(4) << Index(7);
    QTest::newRow("9x17 -> 9x5 (rows untouched)") << test::gaussian(9, 17, 4) << Index(9) << Index(5);
    QTest::newRow("17x9 -> 6x20 (cols clamp)") << test::gaussian(17, 9, 5) << Index(6) << Index(20);
    QTest::newRow("23x19 -> 1x1 (global mean)") << test::gaussian(23, 19, 6) << Index(1) << Index(1);
    QTest::newRow("31x29 -> 30x28 (one less)") << test::gaussian(31, 29, 7) << Index(30) << Index(28);
    QTest::newRow("1x40 -> 1x3") << test::gaussian(1, 40, 8) << Index(1) << Index(3);
}

void TestDisplay::averagesExactly()
{
    QFETCH(Matrix, x);
    QFETCH(Index, outRows);
    QFETCH(Index, outCols);
    const ReducedMatrix r = reduceForDisplay(x, outRows, outCols);
    const Matrix expected = bruteForce(x, outRows, outCols);
    QCOMPARE(r.values.rows(), expected.rows());
    QCOMPARE(r.values.cols(), expected.cols());
    QVERIFY2((r.values - expected).cwiseAbs().maxCoeff() < 1e-12,
             qPrintable(QStringLiteral("max deviation %1").arg((r.values - expected).cwiseAbs().maxCoeff())));
}

void TestDisplay::fractionalWeightsByHand()
{
    // 7 rows onto 3: each output row covers 7/3 input rows. Output 0 = rows 0, 1 and 1/3 of 2:
    // (x0 + x1 + x2/3)·3/7; output 1 = 2/3 of row 2, rows 3, 2/3 of row 4: (2x2/3 + x3 + 2x4/3)·3/7.
    Matrix x(7, 1);
    x << 1, 2, 3, 4, 5, 6, 7;
    const Matrix v = reduceForDisplay(x, 3, 1).values;
    QCOMPARE(v.rows(), Index(3));
    QVERIFY(std::abs(v(0, 0) - (1 + 2 + 3.0 / 3) * 3 / 7) < 1e-14);
    QVERIFY(std::abs(v(1, 0) - (2 * 3.0 / 3 + 4 + 2 * 5.0 / 3) * 3 / 7) < 1e-14);
    QVERIFY(std::abs(v(2, 0) - (5.0 / 3 + 6 + 7) * 3 / 7) < 1e-14);
    // A sampler that skipped rows would give 1, 3 (or 4), 6 (or 5): not these.
    QVERIFY(std::abs(v(0, 0) - 1.0) > 0.5);
}

void TestDisplay::preservesMean_data()
{
    QTest::addColumn<Index>("n");
    QTest::addColumn<Index>("m");
    QTest::addColumn<Index>("outRows");
    QTest::addColumn<Index>("outCols");
    QTest::newRow("7x5 -> 3x2") << Index(7) << Index(5) << Index(3) << Index(2);
    QTest::newRow("512x384 -> 97x61") << Index(512) << Index(384) << Index(97) << Index(61);
    QTest::newRow("1000x3 -> 333x2") << Index(1000) << Index(3) << Index(333) << Index(2);
}

void TestDisplay::preservesMean()
{
    QFETCH(Index, n);
    QFETCH(Index, m);
    QFETCH(Index, outRows);
    QFETCH(Index, outCols);
    const Matrix x = test::gaussian(n, m, 11) + Matrix::Constant(n, m, 3.0);
    const Matrix v = reduceForDisplay(x, outRows, outCols).values;
    QVERIFY(std::abs(v.mean() - x.mean()) < 1e-12 * std::abs(x.mean()) + 1e-13);
}

void TestDisplay::identityWhenLargeEnough_data()
{
    QTest::addColumn<Index>("outRows");
    QTest::addColumn<Index>("outCols");
    QTest::newRow("same size") << Index(6) << Index(4);
    QTest::newRow("larger") << Index(600) << Index(41);
}

void TestDisplay::identityWhenLargeEnough()
{
    QFETCH(Index, outRows);
    QFETCH(Index, outCols);
    const Matrix x = test::gaussian(6, 4, 12);
    const ReducedMatrix r = reduceForDisplay(x, outRows, outCols, Reduction::MinMax);
    QCOMPARE(r.values.rows(), Index(6));
    QCOMPARE(r.values.cols(), Index(4));
    QVERIFY(r.values == x);
    QVERIFY(r.minimum == x);
    QVERIFY(r.maximum == x);
}

void TestDisplay::minMaxBoundsEveryCell_data()
{
    QTest::addColumn<Matrix>("x");
    QTest::addColumn<Index>("outRows");
    QTest::addColumn<Index>("outCols");
    QTest::newRow("7x5 -> 3x2") << test::gaussian(7, 5, 21) << Index(3) << Index(2);
    QTest::newRow("40x33 -> 6x9") << test::gaussian(40, 33, 22) << Index(6) << Index(9);
    QTest::newRow("sequence 12x8 -> 5x3") << sequence(12, 8) << Index(5) << Index(3);
}

void TestDisplay::minMaxBoundsEveryCell()
{
    QFETCH(Matrix, x);
    QFETCH(Index, outRows);
    QFETCH(Index, outCols);
    const ReducedMatrix r = reduceForDisplay(x, outRows, outCols, Reduction::MinMax);
    QCOMPARE(r.minimum.rows(), r.values.rows());
    QCOMPARE(r.maximum.cols(), r.values.cols());
    for (Index i = 0; i < r.values.rows(); ++i)
        for (Index j = 0; j < r.values.cols(); ++j) {
            Index k0, k1, l0, l1;
            coveredRange(x.rows(), r.values.rows(), i, &k0, &k1);
            coveredRange(x.cols(), r.values.cols(), j, &l0, &l1);
            const auto block = x.block(k0, l0, k1 - k0 + 1, l1 - l0 + 1);
            // Exactly the extremes of the covered cells: every covered cell lies within the
            // bounds, and both bounds are attained.
            QCOMPARE(r.minimum(i, j), block.minCoeff());
            QCOMPARE(r.maximum(i, j), block.maxCoeff());
            QVERIFY(r.minimum(i, j) <= r.values(i, j) + 1e-12);
            QVERIFY(r.values(i, j) <= r.maximum(i, j) + 1e-12);
        }
    // The global extremes survive the reduction.
    QCOMPARE(r.minimum.minCoeff(), x.minCoeff());
    QCOMPARE(r.maximum.maxCoeff(), x.maxCoeff());
}

void TestDisplay::averageOnlyLeavesMinMaxEmpty()
{
    const ReducedMatrix r = reduceForDisplay(test::gaussian(9, 9, 3), 4, 4);
    QCOMPARE(r.minimum.size(), Index(0));
    QCOMPARE(r.maximum.size(), Index(0));
}

void TestDisplay::blockMatchesCopiedBlock()
{
    const Matrix x = test::gaussian(50, 40, 31);
    const Matrix block = x.block(7, 11, 23, 19);
    const ReducedMatrix a = reduceBlockForDisplay(x, 7, 11, 23, 19, 5, 4, Reduction::MinMax);
    const ReducedMatrix b = reduceForDisplay(block, 5, 4, Reduction::MinMax);
    QVERIFY(a.values == b.values);
    QVERIFY(a.minimum == b.minimum);
    QVERIFY(a.maximum == b.maximum);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reduceBlockForDisplay(x, 40, 0, 11, 5, 2, 2));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reduceBlockForDisplay(x, -1, 0, 5, 5, 2, 2));
}

void TestDisplay::operatorRowsSumToOne_data()
{
    QTest::addColumn<Index>("n");
    QTest::addColumn<Index>("outRows");
    QTest::newRow("7 -> 3") << Index(7) << Index(3);
    QTest::newRow("100 -> 7") << Index(100) << Index(7);
    QTest::newRow("5 -> 5") << Index(5) << Index(5);
    QTest::newRow("5 -> 9 (clamped)") << Index(5) << Index(9);
    QTest::newRow("1 -> 1") << Index(1) << Index(1);
}

void TestDisplay::operatorRowsSumToOne()
{
    QFETCH(Index, n);
    QFETCH(Index, outRows);
    const Matrix w = rowAveragingOperator(n, outRows);
    QCOMPARE(w.rows(), std::min(n, outRows));
    QCOMPARE(w.cols(), n);
    QVERIFY(w.minCoeff() >= 0.0);
    for (Index i = 0; i < w.rows(); ++i)
        QVERIFY(std::abs(w.row(i).sum() - 1.0) < 1e-14);
    // Every input row contributes the same total weight (outRows'/n): nothing is skipped.
    for (Index k = 0; k < n; ++k)
        QVERIFY(std::abs(w.col(k).sum() - double(w.rows()) / double(n)) < 1e-14);
    if (outRows >= n)
        QVERIFY(w == Matrix::Identity(n, n));
}

void TestDisplay::operatorMatchesReduction_data()
{
    QTest::addColumn<Matrix>("x");
    QTest::addColumn<Index>("outRows");
    QTest::newRow("7x5 -> 3") << test::gaussian(7, 5, 41) << Index(3);
    QTest::newRow("64x10 -> 9") << test::gaussian(64, 10, 42) << Index(9);
    QTest::newRow("12x3 -> 12") << test::gaussian(12, 3, 43) << Index(12);
}

void TestDisplay::operatorMatchesReduction()
{
    QFETCH(Matrix, x);
    QFETCH(Index, outRows);
    const Matrix w = rowAveragingOperator(x.rows(), outRows);
    const Matrix viaOperator = w * x;
    const Matrix viaReduction = reduceForDisplay(x, outRows, x.cols()).values;
    QVERIFY((viaOperator - viaReduction).cwiseAbs().maxCoeff() < 1e-13);
    QVERIFY((averageRows(x, outRows) - viaReduction).cwiseAbs().maxCoeff() < 1e-13);
    // Columns: M·W_cᵀ.
    const Matrix wc = rowAveragingOperator(x.cols(), 2);
    QVERIFY((x * wc.transpose() - reduceForDisplay(x, x.rows(), 2).values).cwiseAbs().maxCoeff() < 1e-13);
    QVERIFY((averageColumns(x, 2) - x * wc.transpose()).cwiseAbs().maxCoeff() < 1e-13);
}

void TestDisplay::averagingAFactorisation()
{
    // W_r·(A·B)·W_cᵀ = (W_r·A)·(B·W_cᵀ): the display-resolution rebuild from factors.
    const Matrix a = test::gaussian(37, 4, 51), b = test::gaussian(4, 29, 52);
    const Matrix full = reduceForDisplay(a * b, 8, 6).values;
    const Matrix fromFactors = averageRows(a, 8) * averageColumns(b, 6);
    QVERIFY((full - fromFactors).cwiseAbs().maxCoeff() < 1e-12);
}

void TestDisplay::badArguments()
{
    const Matrix x = test::gaussian(4, 4, 1);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reduceForDisplay(x, 0, 2));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reduceForDisplay(x, 2, -1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rowAveragingOperator(4, 0));
}

void TestDisplay::emptyInput()
{
    const ReducedMatrix r = reduceForDisplay(Matrix(0, 5), 3, 3, Reduction::MinMax);
    QCOMPARE(r.values.rows(), Index(0));
    QCOMPARE(r.values.cols(), Index(3));
    QCOMPARE(r.minimum.size(), Index(0));
}

QTEST_APPLESS_MAIN(TestDisplay)
#include "tst_display.moc"
