// SPDX-License-Identifier: MIT
// Generators of File ▸ New: each one's defining property (rank, symmetry, HᵀH = nI, exact Monarch
// structure, density, value range) and reproducibility for a seed.
#include "core/generators.h"
#include "core/monarch.h"

#include <QtTest>

#include <Eigen/SVD>

#include <cmath>
#include <stdexcept>

using namespace factorscope::core;

namespace {

/// Numerical rank: singular values above a relative tolerance.
Index numericalRank(const Matrix &m, double rel = 1e-10)
{
    const Vector s = Eigen::BDCSVD<Matrix>(m).singularValues();
    if (s.size() == 0 || s[0] == 0.0)
        return 0;
    return Index((s.array() > rel * s[0]).count());
}

} // namespace

class TestGenerators : public QObject
{
    Q_OBJECT

private slots:
    void lowRankWithoutNoise_data();
    void lowRankWithoutNoise();
    void lowRankNoiseLevel();
    void hilbert();
    void hadamard_data();
    void hadamard();
    void kronecker_data();
    void kronecker();
    void randomMonarchIsMonarch_data();
    void randomMonarchIsMonarch();
    void sparseDensity_data();
    void sparseDensity();
    void gradientImage();
    void checkerboard_data();
    void checkerboard();
    void seedsReproduce_data();
    void seedsReproduce();
    void badParameters_data();
    void badParameters();
};

void TestGenerators::lowRankWithoutNoise_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("rank");
    QTest::newRow("square 60 r5") << 60 << 60 << 5;
    QTest::newRow("tall 80x30 r12") << 80 << 30 << 12;
    QTest::newRow("wide 20x70 r1") << 20 << 70 << 1;
    QTest::newRow("rank above size 10x12 r40") << 10 << 12 << 40;
    QTest::newRow("rank 0") << 9 << 9 << 0;
}

void TestGenerators::lowRankWithoutNoise()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, rank);
    const Matrix m = lowRankPlusNoise(rows, cols, rank, 0.0, 7);
    QCOMPARE(m.rows(), Index(rows));
    QCOMPARE(m.cols(), Index(cols));
    QCOMPARE(numericalRank(m), std::min<Index>(rank, std::min(rows, cols)));
}

void TestGenerators::lowRankNoiseLevel()
{
    // r large singular values, then a noise plateau far below them.
    const Index n = 120, m = 100, r = 6;
    const double noise = 1e-3;
    const Vector s = Eigen::BDCSVD<Matrix>(lowRankPlusNoise(n, m, r, noise, 3)).singularValues();
    QVERIFY(s[r - 1] > 100.0 * s[r]);
    QVERIFY(s[r] < 2.0 * noise * (std::sqrt(double(n)) + std::sqrt(double(m))));
    QVERIFY(s[r] > 0.2 * noise * (std::sqrt(double(n)) - std::sqrt(double(m))));
}

void TestGenerators::hilbert()
{
    const Matrix h = factorscope::core::hilbert(12);
    QCOMPARE(h.rows(), Index(12));
    QCOMPARE(h(0, 0), 1.0);
    QCOMPARE(h(2, 3), 1.0 / 6.0);
    QCOMPARE((h - h.transpose()).norm(), 0.0);
    // Positive definite (Cholesky succeeds) and ill-conditioned (κ₂(H₁₂) ≈ 1.7e16).
    Eigen::LLT<Matrix> llt(factorscope::core::hilbert(8));
    QCOMPARE(llt.info(), Eigen::Success);
    const Vector s = Eigen::BDCSVD<Matrix>(h).singularValues();
    QVERIFY(s[0] / s[s.size() - 1] > 1e13);
}

void TestGenerators::hadamard_data()
{
    QTest::addColumn<int>("order");
    for (int p : {0, 1, 2, 5, 8})
        QTest::newRow(qPrintable(QStringLiteral("order %1").arg(p))) << p;
}

void TestGenerators::hadamard()
{
    QFETCH(int, order);
    const Matrix h = factorscope::core::hadamard(order);
    const Index n = Index(1) << order;
    QCOMPARE(h.rows(), n);
    QCOMPARE(h.cols(), n);
    QVERIFY((h.array().abs() == 1.0).all());
    QCOMPARE((h.transpose() * h - double(n) * Matrix::Identity(n, n)).norm(), 0.0);
    QCOMPARE((h - h.transpose()).norm(), 0.0); // Sylvester matrices are symmetric
}

void TestGenerators::kronecker_data()
{
    QTest::addColumn<int>("r1");
    QTest::addColumn<int>("c1");
    QTest::addColumn<int>("r2");
    QTest::addColumn<int>("c2");
    QTest::newRow("4x4 ⊗ 4x4") << 4 << 4 << 4 << 4;
    QTest::newRow("2x5 ⊗ 6x3") << 2 << 5 << 6 << 3;
    QTest::newRow("1x1 ⊗ 7x7") << 1 << 1 << 7 << 7;
}

void TestGenerators::kronecker()
{
    QFETCH(int, r1);
    QFETCH(int, c1);
    QFETCH(int, r2);
    QFETCH(int, c2);
    const Matrix k = kroneckerRandom(r1, c1, r2, c2, 11);
    QCOMPARE(k.rows(), Index(r1 * r2));
    QCOMPARE(k.cols(), Index(c1 * c2));
    QCOMPARE(numericalRank(k), Index(std::min(r1, c1) * std::min(r2, c2)));
    // Every block is a multiple of the top-left one: (A ⊗ B)[i,j block] = A_ij·B.
    const Matrix b00 = k.topLeftCorner(r2, c2);
    const Matrix b11 = k.block(r2 * (r1 - 1), c2 * (c1 - 1), r2, c2);
    const double ratio = b11(0, 0) / b00(0, 0);
    QVERIFY((b11 - ratio * b00).norm() <= 1e-12 * b11.norm());
}

void TestGenerators::randomMonarchIsMonarch_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("blocks");
    QTest::addColumn<int>("rho");
    QTest::newRow("64x64 b8 ρ1") << 64 << 64 << 8 << 1;
    QTest::newRow("96x48 b4 ρ2") << 96 << 48 << 4 << 2;
    QTest::newRow("padded 50x70 b8 ρ1") << 50 << 70 << 8 << 1;
    QTest::newRow("b1 is low rank 30x40 ρ3") << 30 << 40 << 1 << 3;
}

void TestGenerators::randomMonarchIsMonarch()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, blocks);
    QFETCH(int, rho);
    const Matrix m = randomMonarch(rows, cols, blocks, rho, 5);
    QCOMPARE(m.rows(), Index(rows));
    QCOMPARE(m.cols(), Index(cols));
    MonarchOptions options;
    options.blocks = blocks;
    const auto model = computeMonarch(m, options);
    const double norm2 = m.squaredNorm();
    QVERIFY(norm2 > 0.0);
    // Zero projection error at ρ, clearly non-zero below it.
    QVERIFY2(model->errFro2(rho) <= 1e-20 * norm2, qPrintable(QString::number(model->errFro2(rho) / norm2)));
    QVERIFY(model->errFro2(rho - 1) > 1e-3 * norm2);
    if (blocks == 1)
        QCOMPARE(numericalRank(m), Index(rho));
}

void TestGenerators::sparseDensity_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<double>("density");
    QTest::newRow("5% of 100x80") << 100 << 80 << 0.05;
    QTest::newRow("empty") << 30 << 30 << 0.0;
    QTest::newRow("full") << 7 << 9 << 1.0;
    QTest::newRow("one third of 33x21") << 33 << 21 << 1.0 / 3.0;
}

void TestGenerators::sparseDensity()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(double, density);
    const Matrix m = sparseRandom(rows, cols, density, 9);
    const Index nonZero = Index((m.array() != 0.0).count());
    QCOMPARE(nonZero, Index(std::llround(density * rows * cols)));
    // Positions spread over the matrix: both halves get some when there are enough entries.
    if (nonZero >= 200) {
        const Index top = Index((m.topRows(rows / 2).array() != 0.0).count());
        QVERIFY(top > nonZero / 4 && top < 3 * nonZero / 4);
    }
}

void TestGenerators::gradientImage()
{
    const auto planes = factorscope::core::gradientImage(40, 60);
    QCOMPARE(planes.size(), std::size_t(3));
    for (const Matrix &p : planes) {
        QCOMPARE(p.rows(), Index(40));
        QCOMPARE(p.cols(), Index(60));
        QVERIFY(p.minCoeff() >= 0.0 && p.maxCoeff() <= 1.0);
        QVERIFY(numericalRank(p) <= 2);
    }
    QCOMPARE(planes[0](0, 0), 0.0);
    QCOMPARE(planes[0](0, 59), 1.0);
    QCOMPARE(planes[1](39, 0), 1.0);
}

void TestGenerators::checkerboard_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("cell");
    QTest::addColumn<int>("rank");
    QTest::newRow("64x64 cells of 8") << 64 << 64 << 8 << 2;
    QTest::newRow("50x30 cells of 7 (partial cells)") << 50 << 30 << 7 << 2;
    QTest::newRow("one cell") << 10 << 10 << 16 << 0; // all dark: the zero matrix
    QTest::newRow("single column of cells") << 40 << 5 << 8 << 1;
}

void TestGenerators::checkerboard()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, cell);
    QFETCH(int, rank);
    const Matrix m = checkerboardImage(rows, cols, cell);
    QVERIFY((m.array() == 0.0 || m.array() == 1.0).all());
    QCOMPARE(m(0, 0), 0.0);
    QCOMPARE(numericalRank(m), Index(rank));
    if (cols > cell)
        QCOMPARE(m(0, cell), 1.0);
}

void TestGenerators::seedsReproduce_data()
{
    QTest::addColumn<int>("kind");
    for (GeneratorKind kind : allGenerators())
        QTest::newRow(generatorName(kind).c_str()) << int(kind);
}

void TestGenerators::seedsReproduce()
{
    QFETCH(int, kind);
    GeneratorSpec spec;
    spec.kind = GeneratorKind(kind);
    spec.rows = spec.cols = 64;
    spec.hadamardOrder = 6;
    spec.leftRows = spec.leftCols = spec.rightRows = spec.rightCols = 8;
    spec.blocks = 8;
    spec.seed = 42;
    const Generated a = generate(spec);
    const Generated b = generate(spec);
    QVERIFY(!a.planes.empty());
    QVERIFY(!a.name.empty());
    QCOMPARE(a.planes.size(), b.planes.size());
    for (std::size_t i = 0; i < a.planes.size(); ++i) {
        QCOMPARE(a.planes[i].rows(), Index(64));
        QVERIFY(a.planes[i] == b.planes[i]);
        QVERIFY(a.planes[i].allFinite());
    }
    QCOMPARE(parseGenerator(generatorName(spec.kind)), std::optional<GeneratorKind>(spec.kind));
    const bool random = spec.kind == GeneratorKind::LowRankNoise || spec.kind == GeneratorKind::Kronecker
                        || spec.kind == GeneratorKind::RandomMonarch || spec.kind == GeneratorKind::SparseRandom;
    spec.seed = 43;
    const Generated c = generate(spec);
    QCOMPARE(!(c.planes[0] == a.planes[0]), random);
    QCOMPARE(a.isImage, spec.kind == GeneratorKind::Gradient || spec.kind == GeneratorKind::Checkerboard);
}

void TestGenerators::badParameters_data()
{
    QTest::addColumn<int>("which");
    QTest::newRow("zero rows") << 0;
    QTest::newRow("negative noise") << 1;
    QTest::newRow("hadamard order 20") << 2;
    QTest::newRow("monarch blocks 0") << 3;
    QTest::newRow("density 1.5") << 4;
    QTest::newRow("cell 0") << 5;
    QTest::newRow("huge") << 6;
}

void TestGenerators::badParameters()
{
    QFETCH(int, which);
    auto call = [which] {
        switch (which) {
        case 0: return lowRankPlusNoise(0, 5, 1, 0.0, 0);
        case 1: return lowRankPlusNoise(5, 5, 1, -1.0, 0);
        case 2: return factorscope::core::hadamard(20);
        case 3: return randomMonarch(8, 8, 0, 1, 0);
        case 4: return sparseRandom(8, 8, 1.5, 0);
        case 5: return checkerboardImage(8, 8, 0);
        default: return factorscope::core::hilbert(100000);
        }
    };
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, call());
}

QTEST_APPLESS_MAIN(TestGenerators)
#include "tst_generators.moc"
