// SPDX-License-Identifier: MIT
// Monarch projection (core/monarch.h): the factor identities, the closed-form error, exact
// recovery of Monarch members, padding, optimality, and an independent per-slice SVD check.
// Every reference below is rebuilt here from algorithms.md §6.3(b)/§8.6 index formulas, never
// from the model's own helpers.
#include "core/monarch.h"
#include "core/progress.h"
#include "core/random.h"
#include "testutil.h"

#include <QtTest/QtTest>

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

using namespace factorscope;
using core::Index;
using core::IndexList;
using core::Matrix;
using core::MonarchModel;
using core::MonarchOptions;
using core::Vector;

namespace {

std::unique_ptr<MonarchModel> project(const Matrix &a, Index blocks, Index blockRank = 0,
                                      bool reconstruction = true)
{
    MonarchOptions options;
    options.blocks = blocks;
    options.blockRank = blockRank;
    options.reconstruction = reconstruction;
    return core::computeMonarch(a, options);
}

Index ceilDiv(Index a, Index b) { return (a + b - 1) / b; }

/// A zero-padded to r×c.
Matrix padded(const Matrix &a, Index r, Index c)
{
    Matrix p = Matrix::Zero(r, c);
    p.topLeftCorner(a.rows(), a.cols()) = a;
    return p;
}

/// Slice (k, j) of the padded matrix: S[l][i] = P[l·b + j][k·I + i] (algorithms.md §8.6).
Matrix sliceOf(const Matrix &pad, Index b, Index k, Index j)
{
    const Index lo = pad.rows() / b, in = pad.cols() / b;
    Matrix s(lo, in);
    for (Index l = 0; l < lo; ++l)
        for (Index i = 0; i < in; ++i)
            s(l, i) = pad(l * b + j, k * in + i);
    return s;
}

/// The entry formula M[l·J+j][k·I+i] = Σ_t L2[j][l][k·ρ+t]·R1[k][t·J+j][i] on the padded size.
Matrix entryFormula(const std::vector<Matrix> &left, const std::vector<Matrix> &right, Index rho)
{
    const Index b = Index(left.size());
    const Index lo = left[0].rows(), in = right[0].cols();
    Matrix m = Matrix::Zero(lo * b, in * b);
    for (Index j = 0; j < b; ++j)
        for (Index k = 0; k < b; ++k)
            for (Index l = 0; l < lo; ++l)
                for (Index i = 0; i < in; ++i) {
                    double sum = 0.0;
                    for (Index t = 0; t < rho; ++t)
                        sum += left[std::size_t(j)](l, k * rho + t)
                               * right[std::size_t(k)](t * b + j, i);
                    m(l * b + j, k * in + i) = sum;
                }
    return m;
}

/// PERM_P(p, q) of algorithms.md §8.6 as a matrix: out[c·p + r] = x[r·q + c].
Matrix permP(Index p, Index q)
{
    Matrix pm = Matrix::Zero(p * q, p * q);
    for (Index r = 0; r < p; ++r)
        for (Index c = 0; c < q; ++c)
            pm(c * p + r, r * q + c) = 1.0;
    return pm;
}

Matrix blockDiag(const std::vector<Matrix> &blocks)
{
    Index rows = 0, cols = 0;
    for (const Matrix &b : blocks) {
        rows += b.rows();
        cols += b.cols();
    }
    Matrix d = Matrix::Zero(rows, cols);
    Index r = 0, c = 0;
    for (const Matrix &b : blocks) {
        d.block(r, c, b.rows(), b.cols()) = b;
        r += b.rows();
        c += b.cols();
    }
    return d;
}

Matrix kron(const Matrix &x, const Matrix &y)
{
    Matrix k(x.rows() * y.rows(), x.cols() * y.cols());
    for (Index a = 0; a < x.rows(); ++a)
        for (Index c = 0; c < x.cols(); ++c)
            k.block(a * y.rows(), c * y.cols(), y.rows(), y.cols()) = x(a, c) * y;
    return k;
}

/// Random exact Monarch matrix of padded size (lo·b)×(in·b) and block rank ρ, from Gaussian
/// L2 / R1 factors, cropped to n×m.
Matrix randomMonarch(Index n, Index m, Index b, Index rho, std::uint64_t seed)
{
    core::Rng rng(seed);
    const Index lo = ceilDiv(n, b), in = ceilDiv(m, b);
    std::vector<Matrix> left, right;
    for (Index j = 0; j < b; ++j)
        left.push_back(rng.gaussian(lo, b * rho));
    for (Index k = 0; k < b; ++k)
        right.push_back(rng.gaussian(rho * b, in));
    return entryFormula(left, right, rho).topLeftCorner(n, m);
}

/// Σ_{t ≥ ρ} s_t², smallest first.
double tail2(const Vector &s, Index rho)
{
    double sum = 0.0;
    for (Index t = s.size() - 1; t >= rho; --t)
        sum += s[t] * s[t];
    return sum;
}

/// A matrix numpy rebuilds exactly: ((r·37 + c²·11 + 5·r·c) mod 101)/50 − 1.
Matrix formulaMatrix(Index n, Index m)
{
    Matrix a(n, m);
    for (Index r = 0; r < n; ++r)
        for (Index c = 0; c < m; ++c)
            a(r, c) = double((r * 37 + c * c * 11 + 5 * r * c) % 101) / 50.0 - 1.0;
    return a;
}

using test::RecordingProgress;

} // namespace

Q_DECLARE_METATYPE(Eigen::MatrixXd)

class TestMonarch : public QObject
{
    Q_OBJECT

private:
    /// The common shape table: square (b = √n and b ≠ √n), rectangular, padded, degenerate.
    static void shapeTable(bool large = true)
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::newRow("16x16 b=4") << qint64(16) << qint64(16) << qint64(4);
        QTest::newRow("12x12 b=3") << qint64(12) << qint64(12) << qint64(3);
        QTest::newRow("24x24 b=6") << qint64(24) << qint64(24) << qint64(6);
        QTest::newRow("20x12 b=4 tall") << qint64(20) << qint64(12) << qint64(4);
        QTest::newRow("12x20 b=4 wide") << qint64(12) << qint64(20) << qint64(4);
        QTest::newRow("30x45 b=4 padded") << qint64(30) << qint64(45) << qint64(4);
        QTest::newRow("45x30 b=7 padded") << qint64(45) << qint64(30) << qint64(7);
        QTest::newRow("7x5 b=3 padded") << qint64(7) << qint64(5) << qint64(3);
        QTest::newRow("9x9 b=8 padding spans blocks") << qint64(9) << qint64(9) << qint64(8);
        QTest::newRow("3x40 b=5 empty slices") << qint64(3) << qint64(40) << qint64(5);
        QTest::newRow("1x1 b=1") << qint64(1) << qint64(1) << qint64(1);
        QTest::newRow("13x9 b=1 (SVD)") << qint64(13) << qint64(9) << qint64(1);
        QTest::newRow("16x16 b=16 (b=n)") << qint64(16) << qint64(16) << qint64(16);
        QTest::newRow("10x16 b=16 (b=m)") << qint64(10) << qint64(16) << qint64(16);
        if (large)
            QTest::newRow("512x384 b=8 threaded") << qint64(512) << qint64(384) << qint64(8);
    }

private slots:
    // ---- geometry ------------------------------------------------------------------------
    void geometry_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<qint64>("lo");
        QTest::addColumn<qint64>("in");
        QTest::addColumn<bool>("isPadded");
        QTest::newRow("16x16 b=4") << qint64(16) << qint64(16) << qint64(4) << qint64(4) << qint64(4) << false;
        QTest::newRow("12x12 b=3") << qint64(12) << qint64(12) << qint64(3) << qint64(4) << qint64(4) << false;
        QTest::newRow("30x45 b=4") << qint64(30) << qint64(45) << qint64(4) << qint64(8) << qint64(12) << true;
        QTest::newRow("45x30 b=7") << qint64(45) << qint64(30) << qint64(7) << qint64(7) << qint64(5) << true;
        QTest::newRow("9x9 b=8") << qint64(9) << qint64(9) << qint64(8) << qint64(2) << qint64(2) << true;
        QTest::newRow("1x1 b=1") << qint64(1) << qint64(1) << qint64(1) << qint64(1) << qint64(1) << false;
    }
    void geometry()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        QFETCH(qint64, lo);
        QFETCH(qint64, in);
        QFETCH(bool, isPadded);
        const auto model = project(test::gaussian(n, m, 7), b);
        QCOMPARE(qint64(model->rows()), n);
        QCOMPARE(qint64(model->cols()), m);
        QCOMPARE(qint64(model->blocks()), b);
        QCOMPARE(qint64(model->outBlockSize()), lo);
        QCOMPARE(qint64(model->inBlockSize()), in);
        QCOMPARE(qint64(model->paddedRows()), lo * b);
        QCOMPARE(qint64(model->paddedCols()), in * b);
        QCOMPARE(model->isPadded(), isPadded);
        QCOMPARE(qint64(model->sliceRank()), std::min(lo, in));
        QCOMPARE(qint64(model->maxRank()), std::min(lo, in));
        for (Index rho = 0; rho <= model->sliceRank(); ++rho)
            QCOMPARE(model->storedParams(rho), double(rho * b * b * (in + lo)));
        for (Index k = 0; k < b; ++k)
            for (Index j = 0; j < b; ++j)
                QCOMPARE(qint64(model->sliceSingularValues(k, j).size()), std::min(lo, in));
    }

    // ---- the three forms of the same matrix ----------------------------------------------
    void factorForms_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<qint64>("rho");
        for (qint64 rho : {1, 2}) {
            QTest::addRow("16/4 rho=%lld", rho) << qint64(16) << qint64(16) << qint64(4) << rho;
            QTest::addRow("12/3 rho=%lld", rho) << qint64(12) << qint64(12) << qint64(3) << rho;
            QTest::addRow("12/4 rho=%lld", rho) << qint64(12) << qint64(12) << qint64(4) << rho;
            QTest::addRow("24/6 rho=%lld", rho) << qint64(24) << qint64(24) << qint64(6) << rho;
            QTest::addRow("24/4 rho=%lld", rho) << qint64(24) << qint64(24) << qint64(4) << rho;
            QTest::addRow("20x12/4 rho=%lld", rho) << qint64(20) << qint64(12) << qint64(4) << rho;
            QTest::addRow("30x45/4 padded rho=%lld", rho) << qint64(30) << qint64(45) << qint64(4) << rho;
            QTest::addRow("7x5/3 padded rho=%lld", rho) << qint64(7) << qint64(5) << qint64(3) << rho;
        }
        QTest::newRow("24/4 rho=6 (full)") << qint64(24) << qint64(24) << qint64(4) << qint64(6);
    }
    void factorForms()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        QFETCH(qint64, rho);
        const Matrix a = test::gaussian(n, m, 11 + std::uint64_t(n * m + b));
        const auto model = project(a, b);
        const Index lo = model->outBlockSize(), in = model->inBlockSize();
        const auto left = model->leftBlocks(rho);
        const auto right = model->rightBlocks(rho);
        // Shapes: J blocks Lo×(K·ρ), K blocks (ρ·J)×I.
        QCOMPARE(qint64(left.size()), b);
        QCOMPARE(qint64(right.size()), b);
        for (const Matrix &l : left) {
            QCOMPARE(qint64(l.rows()), qint64(lo));
            QCOMPARE(qint64(l.cols()), b * rho);
        }
        for (const Matrix &r : right) {
            QCOMPARE(qint64(r.rows()), rho * b);
            QCOMPARE(qint64(r.cols()), qint64(in));
        }
        const Matrix dense = model->reconstruct(rho);
        const Matrix fromEntries = entryFormula(left, right, rho);
        const double scale = a.norm();
        // 1. The entry formula (on the padded size, cropped) equals the dense reconstruction.
        QVERIFY((fromEntries.topLeftCorner(n, m) - dense).norm() <= 1e-13 * scale);
        // The reconstruction is not trivially zero / not equal to A unless the rank is full.
        QVERIFY(dense.norm() > 0.1 * scale);
        // 2. permutation(ρ) is the gather map of P_mid = P_(Kρ, J).
        const Matrix pMid = permP(b * rho, b);
        const std::vector<Index> perm = model->permutation(rho);
        QCOMPARE(qint64(perm.size()), b * rho * b);
        Matrix gather = Matrix::Zero(b * rho * b, b * rho * b);
        for (std::size_t q = 0; q < perm.size(); ++q)
            gather(Index(q), perm[q]) = 1.0;
        QCOMPARE(gather, pMid);
        // 3. The permutation form P_(J,Lo) · BD(L2) · P_(Kρ,J) · BD(R1).
        const Matrix pForm = permP(b, lo) * blockDiag(left) * pMid * blockDiag(right);
        QCOMPARE(pForm.rows(), lo * b);
        QCOMPARE(pForm.cols(), in * b);
        QVERIFY((pForm - fromEntries).norm() <= 1e-13 * scale);
        // For b² = n (the article's square case) P_mid is an involution: P = Pᵀ = P⁻¹.
        if (n == m && b * b == n && rho == 1)
            QVERIFY((pMid * pMid - Matrix::Identity(n, n)).norm() == 0.0);
    }

    void sqrtSplitAndSigns_data() { shapeTable(false); }
    void sqrtSplitAndSigns()
    {
        // L2[j][:, k·ρ+t] = √σ_t·u_t and R1[k][t·J+j][:] = √σ_t·v_tᵀ with unit u_t, v_t, the
        // largest-|·| entry of u_t positive; their outer product is σ_t·u_t·v_tᵀ of slice (k, j).
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 201);
        const auto model = project(a, b);
        const Index rho = model->maxRank();
        if (rho == 0)
            QSKIP("no factors");
        const auto left = model->leftBlocks(rho);
        const auto right = model->rightBlocks(rho);
        const Matrix pad = padded(a, model->paddedRows(), model->paddedCols());
        for (Index k = 0; k < b; ++k)
            for (Index j = 0; j < b; ++j) {
                const Vector &s = model->sliceSingularValues(k, j);
                const Matrix slice = sliceOf(pad, b, k, j);
                for (Index t = 0; t < rho; ++t) {
                    const Vector u = left[std::size_t(j)].col(k * rho + t);
                    const Vector v = right[std::size_t(k)].row(t * b + j).transpose();
                    QVERIFY(std::abs(u.norm() - std::sqrt(s[t])) <= 1e-13 * std::sqrt(a.norm()));
                    QVERIFY(std::abs(v.norm() - std::sqrt(s[t])) <= 1e-13 * std::sqrt(a.norm()));
                    if (s[t] <= 1e-12 * a.norm())
                        continue; // zero σ: zero factors
                    Index arg = 0;
                    u.cwiseAbs().maxCoeff(&arg);
                    QVERIFY(u[arg] > 0.0);
                    // Sᵀ(u/√σ) = σ·(v/√σ) ⇔ Sᵀu = σ v: the pair is a singular pair, same sign.
                    QVERIFY((slice.transpose() * u - s[t] * v).norm() <= 1e-12 * a.norm() * std::sqrt(a.norm()));
                }
            }
    }

    void articleSampleEntries()
    {
        // algorithms.md §6.4 (16×16, b = 4, ρ = 1): M[5][9] = L[1][1][2]·R[2][1][1] and
        // M[13][6] = L[1][3][1]·R[1][1][2], and the slice (j=1, k=2) is rows {1,5,9,13} × {8..11}.
        const Matrix a = test::gaussian(16, 16, 3);
        const auto model = project(a, 4);
        const auto l = model->leftBlocks(1);
        const auto r = model->rightBlocks(1);
        const Matrix d = model->reconstruct(1);
        QVERIFY(std::abs(d(5, 9) - l[1](1, 2) * r[2](1, 1)) < 1e-14);
        QVERIFY(std::abs(d(13, 6) - l[1](3, 1) * r[1](1, 2)) < 1e-14);
        QCOMPARE(model->sliceRows(1), (IndexList{1, 5, 9, 13}));
        QCOMPARE(model->sliceCols(2), (IndexList{8, 9, 10, 11}));
        QCOMPARE(model->permutation(),
                 (std::vector<Index>{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}));
    }

    // ---- fast matvec ----------------------------------------------------------------------
    void applyMatchesDense_data() { shapeTable(); }
    void applyMatchesDense()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 21);
        const auto model = project(a, b);
        const Matrix xs = test::gaussian(m, 3, 22);
        const Index kmax = model->maxRank();
        for (Index rho : {Index(0), Index(1), kmax / 2, kmax}) {
            const Matrix dense = model->reconstruct(rho);
            for (Index c = 0; c < xs.cols(); ++c) {
                const Vector x = xs.col(c);
                const Vector y = model->apply(rho, x);
                QCOMPARE(qint64(y.size()), n);
                const Vector ref = dense * x;
                QVERIFY2((y - ref).norm() <= 1e-12 * (a.norm() * x.norm() + 1e-300),
                         qPrintable(QString("rho %1: |y - Mx| = %2").arg(rho).arg((y - ref).norm())));
            }
        }
        // At full rank, M̃ = A, so apply is A·x.
        const Vector x = xs.col(0);
        QVERIFY((model->apply(kmax, x) - a * x).norm() <= 1e-11 * a.norm() * x.norm());
    }

    // ---- closed-form error -------------------------------------------------------------------
    void errorEqualsResidual_data() { shapeTable(); }
    void errorEqualsResidual()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 31);
        const double total = a.squaredNorm();
        const auto model = project(a, b);
        QVERIFY(test::relDiff(model->errFro2(0), total) < 1e-12);
        double previous = std::numeric_limits<double>::infinity();
        for (Index rho = 0; rho <= model->sliceRank(); ++rho) {
            const double closed = model->errFro2(rho);
            const double direct = (a - model->reconstruct(rho)).squaredNorm();
            QVERIFY2(std::abs(closed - direct) <= 1e-12 * total,
                     qPrintable(QString("rho %1: closed %2, direct %3").arg(rho).arg(closed, 0, 'g', 17).arg(direct, 0, 'g', 17)));
            QVERIFY(closed <= previous); // non-increasing in ρ
            previous = closed;
        }
        QCOMPARE(model->errFro2(model->sliceRank()), 0.0);
        QCOMPARE(model->errFro2(model->sliceRank() + 5), 0.0); // beyond: clamped
        QVERIFY((a - model->reconstruct(model->sliceRank())).norm() <= 1e-12 * std::sqrt(total));
    }

    void singleBlockIsTruncatedSvd_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::newRow("13x9") << qint64(13) << qint64(9);
        QTest::newRow("9x13") << qint64(9) << qint64(13);
        QTest::newRow("20x20") << qint64(20) << qint64(20);
    }
    void singleBlockIsTruncatedSvd()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        const Index k = std::min(n, m);
        Vector sigma(k);
        for (Index t = 0; t < k; ++t)
            sigma[t] = std::pow(0.7, double(t)) * 3.0; // distinct: the truncated SVD is unique
        const Matrix a = test::withSpectrum(n, m, sigma, 41);
        const auto model = project(a, 1);
        const Eigen::BDCSVD<Matrix> svd(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
        const Vector s = svd.singularValues();
        QVERIFY((model->sliceSingularValues(0, 0) - s).norm() <= 1e-13 * s[0]);
        for (Index rho = 0; rho <= k; ++rho) {
            QVERIFY(std::abs(model->errFro2(rho) - tail2(s, rho)) <= 1e-13 * s.squaredNorm());
            const Matrix best = svd.matrixU().leftCols(rho) * s.head(rho).asDiagonal()
                                * svd.matrixV().leftCols(rho).transpose();
            QVERIFY((model->reconstruct(rho) - best).norm() <= 1e-12 * s[0]);
            const auto spec = model->errSpecExact(rho);
            QVERIFY(spec.has_value());
            QVERIFY(std::abs(*spec - (rho < k ? s[rho] : 0.0)) <= 1e-13 * s[0]);
        }
        // b > 1 has no exact spectral error.
        QVERIFY(!project(a, 2)->errSpecExact(1).has_value());
    }

    void blocksEqualSizeIsExact_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::newRow("16x16 b=16") << qint64(16) << qint64(16) << qint64(16);
        QTest::newRow("10x16 b=16") << qint64(10) << qint64(16) << qint64(16);
        QTest::newRow("16x7 b=16") << qint64(16) << qint64(7) << qint64(16);
    }
    void blocksEqualSizeIsExact()
    {
        // b = max(n, m): Lo = I = 1, every slice is 1×1 (or empty): ρ = 1 is exact, ρ = 0 is ‖A‖².
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 51);
        const auto model = project(a, b);
        QCOMPARE(qint64(model->sliceRank()), qint64(1));
        QCOMPARE(model->errFro2(1), 0.0);
        QVERIFY(test::relDiff(model->errFro2(0), a.squaredNorm()) < 1e-14);
        QVERIFY((model->reconstruct(1) - a).norm() <= 1e-15 * a.norm());
        QCOMPARE(model->storedParams(1), double(b * b * 2));
    }

    // ---- exact members ---------------------------------------------------------------------
    void exactRecovery_data()
    {
        QTest::addColumn<Matrix>("a");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<qint64>("rho");
        QTest::addColumn<bool>("lowerRankInexact"); // is ρ−1 expected to leave an error?
        core::Rng rng(61);
        // Kronecker X⊗Y with X (q×b), Y (b×p): M[l·b+j][k·p+i] = X[l][k]·Y[j][i] (rank-1 slices).
        QTest::newRow("kron 4x4 (x) 4x4 b=4") << kron(rng.gaussian(4, 4), rng.gaussian(4, 4)) << qint64(4) << qint64(1) << false;
        QTest::newRow("kron 3x3 (x) 3x3 b=3") << kron(rng.gaussian(3, 3), rng.gaussian(3, 3)) << qint64(3) << qint64(1) << false;
        QTest::newRow("kron 3x4 (x) 4x3 b=4") << kron(rng.gaussian(3, 4), rng.gaussian(4, 3)) << qint64(4) << qint64(1) << false;
        QTest::newRow("kron 5x2 (x) 2x3 b=2 rect") << kron(rng.gaussian(5, 2), rng.gaussian(2, 3)) << qint64(2) << qint64(1) << false;
        QTest::newRow("hadamard16 b=4") << test::hadamard(4) << qint64(4) << qint64(1) << false;
        QTest::newRow("hadamard64 b=8") << test::hadamard(6) << qint64(8) << qint64(1) << false;
        QTest::newRow("identity16 b=4") << Matrix(Matrix::Identity(16, 16)) << qint64(4) << qint64(1) << false;
        QTest::newRow("identity64 b=8") << Matrix(Matrix::Identity(64, 64)) << qint64(8) << qint64(1) << false;
        // b² ≠ n: the identity's slices are partial permutations of rank 2.
        QTest::newRow("identity12 b=3 rho=2") << Matrix(Matrix::Identity(12, 12)) << qint64(3) << qint64(2) << true;
        QTest::newRow("rank1 16x16 b=4") << test::lowRank(16, 16, 1, 62) << qint64(4) << qint64(1) << false;
        QTest::newRow("rank1 30x45 b=4 padded") << test::lowRank(30, 45, 1, 63) << qint64(4) << qint64(1) << false;
        QTest::newRow("rank1 7x11 b=3 padded") << test::lowRank(7, 11, 1, 64) << qint64(3) << qint64(1) << false;
        QTest::newRow("rank2 16x16 b=4 rho=2") << test::lowRank(16, 16, 2, 65) << qint64(4) << qint64(2) << true;
        QTest::newRow("monarch 16x16 b=4 rho=1") << randomMonarch(16, 16, 4, 1, 66) << qint64(4) << qint64(1) << false;
        QTest::newRow("monarch 24x24 b=4 rho=2") << randomMonarch(24, 24, 4, 2, 67) << qint64(4) << qint64(2) << true;
        QTest::newRow("monarch 12x12 b=3 rho=1") << randomMonarch(12, 12, 3, 1, 68) << qint64(3) << qint64(1) << false;
        QTest::newRow("monarch 20x12 b=4 rho=1 rect") << randomMonarch(20, 12, 4, 1, 69) << qint64(4) << qint64(1) << false;
        QTest::newRow("monarch 12x20 b=4 rho=2 rect") << randomMonarch(12, 20, 4, 2, 70) << qint64(4) << qint64(2) << true;
        QTest::newRow("monarch 30x45 b=4 rho=2 cropped") << randomMonarch(30, 45, 4, 2, 71) << qint64(4) << qint64(2) << true;
        QTest::newRow("monarch 45x30 b=7 rho=1 cropped") << randomMonarch(45, 30, 7, 1, 72) << qint64(7) << qint64(1) << false;
    }
    void exactRecovery()
    {
        QFETCH(Matrix, a);
        QFETCH(qint64, b);
        QFETCH(qint64, rho);
        QFETCH(bool, lowerRankInexact);
        const auto model = project(a, b);
        const double total = a.squaredNorm();
        QVERIFY2(model->errFro2(rho) <= 1e-24 * total,
                 qPrintable(QString("relative error² %1").arg(model->errFro2(rho) / total)));
        QVERIFY((a - model->reconstruct(rho)).norm() <= 1e-12 * std::sqrt(total));
        // Through the factors as well.
        QVERIFY((entryFormula(model->leftBlocks(rho), model->rightBlocks(rho), rho)
                     .topLeftCorner(a.rows(), a.cols())
                 - a).norm() <= 1e-12 * std::sqrt(total));
        if (lowerRankInexact)
            QVERIFY(model->errFro2(rho - 1) > 1e-3 * total);
        // The slice rank really is ρ: its next singular value is zero everywhere.
        if (rho < model->sliceRank())
            for (Index k = 0; k < b; ++k)
                for (Index j = 0; j < b; ++j)
                    QVERIFY(model->sliceSingularValues(k, j)[rho] <= 1e-13 * std::sqrt(total));
    }

    void notMonarch_data()
    {
        QTest::addColumn<Matrix>("a");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<double>("minRel");
        QTest::addColumn<double>("maxRel");
        core::Rng rng(81);
        // A generic rank-2 matrix (algorithms.md §6.2 quotes ≈ 12%; over 2000 Gaussian draws the
        // relative error ranges 13–55%, median 34%, with numpy's ref_curve).
        QTest::newRow("rank2 16x16 b=4") << test::lowRank(16, 16, 2, 82) << qint64(4) << 0.05 << 0.8;
        // In these (MonarchLinear) conventions a Kronecker q×q ⊗ b×b is exact only when q = b
        // (numpy: 3×3 ⊗ 4×4 with b = 4 gives ≈ 18%); (q×b) ⊗ (b×p) is the exact family.
        QTest::newRow("kron 3x3 (x) 4x4 b=4") << kron(rng.gaussian(3, 3), rng.gaussian(4, 4)) << qint64(4) << 0.01 << 0.9;
        // The identity needs b² = n: for 16 with b = 2 each slice holds 4 ones, error² 3/4.
        QTest::newRow("identity16 b=2") << Matrix(Matrix::Identity(16, 16)) << qint64(2) << 0.866 << 0.8661;
    }
    void notMonarch()
    {
        QFETCH(Matrix, a);
        QFETCH(qint64, b);
        QFETCH(double, minRel);
        QFETCH(double, maxRel);
        const auto model = project(a, b);
        const double rel = std::sqrt(model->errFro2(1) / a.squaredNorm());
        QVERIFY2(rel > minRel && rel < maxRel, qPrintable(QString("relative error %1").arg(rel)));
        const double direct = (a - model->reconstruct(1)).norm() / a.norm();
        QVERIFY(std::abs(direct - rel) < 1e-12);
    }

    // ---- incremental reconstruction ---------------------------------------------------------
    void advanceMatchesReconstruct_data() { shapeTable(); }
    void advanceMatchesReconstruct()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 91);
        const auto model = project(a, b);
        const Index kmax = model->maxRank();
        std::vector<Index> steps{0, 1, std::min<Index>(3, kmax), kmax, std::min<Index>(1, kmax), 0};
        Matrix acc = Matrix::Zero(n, m);
        for (std::size_t s = 1; s < steps.size(); ++s) {
            model->advance(acc, steps[s - 1], steps[s]);
            QVERIFY2((acc - model->reconstruct(steps[s])).norm() <= 1e-13 * a.norm(),
                     qPrintable(QString("%1 -> %2").arg(steps[s - 1]).arg(steps[s])));
        }
        QVERIFY(acc.cwiseAbs().maxCoeff() <= 1e-13 * a.norm()); // back at ρ = 0
    }

    // ---- the curve against independent SVDs ---------------------------------------------
    void curveMatchesIndependentSvd_data() { shapeTable(); }
    void curveMatchesIndependentSvd()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 101);
        const auto full = project(a, b);
        const auto curveOnly = project(a, b, 0, false);
        QVERIFY(!curveOnly->canReconstruct());
        QVERIFY(full->canReconstruct());
        const Index lo = ceilDiv(n, b), in = ceilDiv(m, b), k = std::min(lo, in);
        const Matrix pad = padded(a, lo * b, in * b);
        Vector tails = Vector::Zero(k + 1);
        const double smax = a.norm(); // ≥ σ_max: the scale of the absolute tolerances
        for (Index kk = 0; kk < b; ++kk)
            for (Index j = 0; j < b; ++j) {
                const Matrix s = sliceOf(pad, b, kk, j);
                const Vector ref = Eigen::JacobiSVD<Matrix>(s).singularValues();
                const Vector refBdc = Eigen::BDCSVD<Matrix>(s).singularValues();
                QVERIFY((ref - refBdc).norm() <= 1e-13 * smax);
                const Vector &got = full->sliceSingularValues(kk, j);
                const Vector &gotCurve = curveOnly->sliceSingularValues(kk, j);
                QCOMPARE(qint64(got.size()), qint64(k));
                QVERIFY((got - ref).cwiseAbs().maxCoeff() <= 1e-13 * smax);
                QVERIFY((gotCurve - ref).cwiseAbs().maxCoeff() <= 1e-13 * smax);
                for (Index t = 1; t < k; ++t)
                    QVERIFY(got[t] <= got[t - 1] && got[t] >= 0.0);
                for (Index rho = 0; rho <= k; ++rho)
                    tails[rho] += tail2(ref, rho);
            }
        for (Index rho = 0; rho <= k; ++rho) {
            QVERIFY(std::abs(full->errFro2(rho) - tails[rho]) <= 1e-12 * tails[0]);
            QVERIFY(std::abs(curveOnly->errFro2(rho) - tails[rho]) <= 1e-12 * tails[0]);
            if (tails[rho] > 1e-6 * tails[0])
                QVERIFY(test::relDiff(curveOnly->errFro2(rho), tails[rho]) < 1e-10);
        }
    }

    void curveMatchesNumpyReference_data()
    {
        // /usr/bin/python3: ref_curve.monarch_err2(formulaMatrix(n, m), range(k+1), b),
        // printed as sqrt(err2 / ‖A‖²) with 17 digits.
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<std::vector<double>>("rel");
        QTest::newRow("30x45 b=4") << qint64(30) << qint64(45) << qint64(4)
            << std::vector<double>{1, 0.81058812853142992, 0.65168369902955925, 0.5128006037729923,
                                   0.37924339266894508, 0.25298942588728496, 0.14995957560315351,
                                   0.062071377517254195, 0};
        QTest::newRow("64x48 b=8") << qint64(64) << qint64(48) << qint64(8)
            << std::vector<double>{1, 0.78466919338395058, 0.58927889134467704, 0.42324606588246055,
                                   0.26771224779026348, 0.1216561242101948, 0};
        QTest::newRow("45x30 b=7") << qint64(45) << qint64(30) << qint64(7)
            << std::vector<double>{1, 0.71725881406125458, 0.47866591991754642, 0.27153430483697077,
                                   0.11544411891278634, 0};
    }
    void curveMatchesNumpyReference()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        QFETCH(std::vector<double>, rel);
        const Matrix a = formulaMatrix(n, m);
        const double total = a.squaredNorm();
        for (bool reconstruction : {true, false}) {
            const auto model = project(a, b, 0, reconstruction);
            QCOMPARE(qint64(model->sliceRank() + 1), qint64(rel.size()));
            for (std::size_t rho = 0; rho < rel.size(); ++rho) {
                const double got = std::sqrt(model->errFro2(Index(rho)) / total);
                if (rel[rho] == 0.0)
                    QCOMPARE(got, 0.0);
                else
                    QVERIFY2(test::relDiff(got, rel[rho]) < 1e-9,
                             qPrintable(QString("rho %1: %2 vs %3").arg(rho).arg(got, 0, 'g', 17).arg(rel[rho], 0, 'g', 17)));
            }
        }
    }

    // ---- slice maps and indices ----------------------------------------------------------
    void sliceErrorsMap_data() { shapeTable(false); }
    void sliceErrorsMap()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 111);
        const auto model = project(a, b);
        for (Index rho = 0; rho <= model->sliceRank(); ++rho) {
            const Matrix map = model->sliceErrors(rho);
            QCOMPARE(qint64(map.rows()), b);
            QCOMPARE(qint64(map.cols()), b);
            QVERIFY(std::abs(map.sum() - model->errFro2(rho)) <= 1e-13 * a.squaredNorm());
            // Orientation: entry (j, k) is the residual measured on rows sliceRows(j) and
            // columns sliceCols(k) of A − M̃_ρ, and the σ tail of slice (k, j).
            const Matrix residual = a - model->reconstruct(rho);
            for (Index j = 0; j < b; ++j)
                for (Index k = 0; k < b; ++k) {
                    double measured = 0.0;
                    for (Index r : model->sliceRows(j))
                        for (Index c : model->sliceCols(k))
                            measured += residual(r, c) * residual(r, c);
                    QVERIFY(std::abs(map(j, k) - measured) <= 1e-12 * a.squaredNorm());
                    QVERIFY(std::abs(map(j, k) - tail2(model->sliceSingularValues(k, j), rho))
                            <= 1e-14 * a.squaredNorm());
                }
        }
    }

    void sliceIndicesCoverOnce_data() { shapeTable(); }
    void sliceIndicesCoverOnce()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 121);
        const auto model = project(a, b);
        Eigen::MatrixXi count = Eigen::MatrixXi::Zero(n, m);
        for (Index j = 0; j < b; ++j) {
            const IndexList rows = model->sliceRows(j);
            QVERIFY(Index(rows.size()) <= model->outBlockSize());
            for (std::size_t l = 0; l < rows.size(); ++l)
                QCOMPARE(qint64(rows[l]), qint64(Index(l) * b + j)); // strided by J
            for (Index k = 0; k < b; ++k) {
                const IndexList cols = model->sliceCols(k);
                QVERIFY(Index(cols.size()) <= model->inBlockSize());
                for (std::size_t i = 0; i < cols.size(); ++i)
                    QCOMPARE(qint64(cols[i]), qint64(k * model->inBlockSize() + Index(i)));
                for (Index r : rows)
                    for (Index c : cols) {
                        QVERIFY(r >= 0 && r < n && c >= 0 && c < m);
                        ++count(r, c);
                    }
                // The cropped submatrix has the slice's singular values (zeros padded).
                Matrix sub(Index(rows.size()), Index(cols.size()));
                for (std::size_t l = 0; l < rows.size(); ++l)
                    for (std::size_t i = 0; i < cols.size(); ++i)
                        sub(Index(l), Index(i)) = a(rows[l], cols[i]);
                Vector ref = Vector::Zero(model->sliceRank());
                if (sub.size() > 0) {
                    const Vector s = Eigen::JacobiSVD<Matrix>(sub).singularValues();
                    ref.head(s.size()) = s;
                }
                QVERIFY((model->sliceSingularValues(k, j) - ref).cwiseAbs().maxCoeff()
                        <= 1e-13 * a.norm());
            }
        }
        QCOMPARE(count.minCoeff(), 1);
        QCOMPARE(count.maxCoeff(), 1);
    }

    // ---- padding ------------------------------------------------------------------------
    void paddingIsExactlyZero_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::newRow("30x45 b=4") << qint64(30) << qint64(45) << qint64(4);
        QTest::newRow("45x30 b=7") << qint64(45) << qint64(30) << qint64(7);
        QTest::newRow("9x9 b=8") << qint64(9) << qint64(9) << qint64(8);
        QTest::newRow("3x40 b=5") << qint64(3) << qint64(40) << qint64(5);
        QTest::newRow("7x5 b=3") << qint64(7) << qint64(5) << qint64(3);
    }
    void paddingIsExactlyZero()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        const Matrix a = test::gaussian(n, m, 131);
        const auto model = project(a, b);
        QVERIFY(model->isPadded());
        const Index n2 = model->paddedRows(), m2 = model->paddedCols();
        const Index lo = model->outBlockSize(), in = model->inBlockSize();
        for (Index rho = 1; rho <= model->maxRank(); ++rho) {
            const auto left = model->leftBlocks(rho);
            const auto right = model->rightBlocks(rho);
            // Factor entries that only reach padded rows / columns are exactly zero ...
            for (Index j = 0; j < b; ++j)
                for (Index l = 0; l < lo; ++l)
                    if (l * b + j >= n)
                        QCOMPARE(left[std::size_t(j)].row(l).cwiseAbs().maxCoeff(), 0.0);
            for (Index k = 0; k < b; ++k)
                for (Index i = 0; i < in; ++i)
                    if (k * in + i >= m)
                        QCOMPARE(right[std::size_t(k)].col(i).cwiseAbs().maxCoeff(), 0.0);
            // ... so the padded reconstruction is exactly zero outside n×m,
            const Matrix full = entryFormula(left, right, rho);
            if (n2 > n)
                QCOMPARE(full.bottomRows(n2 - n).cwiseAbs().maxCoeff(), 0.0);
            if (m2 > m)
                QCOMPARE(full.rightCols(m2 - m).cwiseAbs().maxCoeff(), 0.0);
            // and the cropped error is the padded one: ‖pad(A) − M̃‖² = ‖A − crop(M̃)‖².
            const double paddedError = (padded(a, n2, m2) - full).squaredNorm();
            QVERIFY(std::abs(paddedError - model->errFro2(rho)) <= 1e-12 * a.squaredNorm());
        }
        // Projecting the explicitly padded matrix gives the same curve and, cropped, the same
        // reconstruction.
        const auto onPadded = project(padded(a, n2, m2), b);
        QVERIFY(!onPadded->isPadded());
        for (Index rho = 0; rho <= model->sliceRank(); ++rho) {
            QVERIFY(std::abs(onPadded->errFro2(rho) - model->errFro2(rho)) <= 1e-12 * a.squaredNorm());
            const Matrix r = onPadded->reconstruct(rho);
            QVERIFY((r.topLeftCorner(n, m) - model->reconstruct(rho)).norm() <= 1e-12 * a.norm());
        }
    }

    // ---- optimality ------------------------------------------------------------------------
    void perturbationNeverHelps_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("m");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<qint64>("rho");
        QTest::newRow("16x16 b=4 rho=1") << qint64(16) << qint64(16) << qint64(4) << qint64(1);
        QTest::newRow("24x24 b=4 rho=2") << qint64(24) << qint64(24) << qint64(4) << qint64(2);
        QTest::newRow("30x45 b=4 rho=2 padded") << qint64(30) << qint64(45) << qint64(4) << qint64(2);
        QTest::newRow("20x12 b=4 rho=1") << qint64(20) << qint64(12) << qint64(4) << qint64(1);
    }
    void perturbationNeverHelps()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, m);
        QFETCH(qint64, b);
        QFETCH(qint64, rho);
        const Matrix a = test::gaussian(n, m, 141);
        const auto model = project(a, b);
        const double best = model->errFro2(rho);
        QVERIFY(best > 0.0);
        const auto left = model->leftBlocks(rho);
        const auto right = model->rightBlocks(rho);
        core::Rng rng(142);
        for (double eps : {1e-4, 1e-2, 1e-1}) {
            for (int trial = 0; trial < 4; ++trial) {
                auto l2 = left;
                auto r1 = right;
                for (Matrix &x : l2)
                    x += eps * rng.gaussian(x.rows(), x.cols());
                for (Matrix &x : r1)
                    x += eps * rng.gaussian(x.rows(), x.cols());
                const Matrix moved = entryFormula(l2, r1, rho).topLeftCorner(n, m);
                const double err = (a - moved).squaredNorm();
                QVERIFY2(err >= best - 1e-12 * a.squaredNorm(),
                         qPrintable(QString("eps %1: %2 < %3").arg(eps).arg(err).arg(best)));
                QVERIFY(err > best); // a generic perturbation strictly increases the error
            }
        }
    }

    // ---- options, limits and misuse -------------------------------------------------------
    void limitedBlockRank()
    {
        const Matrix a = test::gaussian(30, 45, 151);
        const auto full = project(a, 4);
        const auto limited = project(a, 4, 2);
        QCOMPARE(qint64(limited->maxRank()), qint64(2));
        QCOMPARE(qint64(limited->sliceRank()), qint64(8));
        for (Index rho = 0; rho <= 8; ++rho)
            QCOMPARE(limited->errFro2(rho), full->errFro2(rho));
        QVERIFY((limited->reconstruct(2) - full->reconstruct(2)).norm() <= 1e-13 * a.norm());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, limited->reconstruct(3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, limited->leftBlocks(3));
        // blockRank above min(Lo, I) is clamped.
        QCOMPARE(qint64(project(a, 4, 100)->maxRank()), qint64(8));
    }

    void curveOnlyModel()
    {
        const Matrix a = test::gaussian(30, 45, 161);
        const auto model = project(a, 4, 0, false);
        QVERIFY(!model->canReconstruct());
        QCOMPARE(qint64(model->maxRank()), qint64(8));
        QVERIFY(model->errFro2(3) > 0.0);
        QVERIFY(std::abs(model->sliceErrors(3).sum() - model->errFro2(3)) <= 1e-13 * a.squaredNorm());
        QVERIFY_THROWS_EXCEPTION(std::logic_error, model->reconstruct(1));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, model->apply(1, Vector::Zero(45)));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, model->leftBlocks(1));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, model->rightBlocks(1));
        Matrix acc = Matrix::Zero(30, 45);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, model->advance(acc, 0, 1));
    }

    void badArguments()
    {
        const Matrix a = test::gaussian(12, 10, 171);
        MonarchOptions o;
        o.blocks = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, core::computeMonarch(a, o));
        o.blocks = 13; // > max(n, m)
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, core::computeMonarch(a, o));
        o.blocks = 12;
        QVERIFY(core::computeMonarch(a, o) != nullptr);
        o.blocks = 3;
        o.blockRank = -1;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, core::computeMonarch(a, o));
        o.blockRank = 0;
        Matrix bad = a;
        bad(3, 4) = std::numeric_limits<double>::quiet_NaN();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, core::computeMonarch(bad, o));
        bad(3, 4) = std::numeric_limits<double>::infinity();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, core::computeMonarch(bad, o));
        const auto model = core::computeMonarch(a, o);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->apply(1, Vector::Zero(12)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->errFro2(-1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->sliceSingularValues(3, 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->sliceRows(-1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->sliceCols(3));
        Matrix wrong = Matrix::Zero(10, 12);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->advance(wrong, 0, 1));
    }

    void emptyAndZero()
    {
        const auto empty = project(Matrix(0, 0), 16);
        QCOMPARE(empty->errFro2(0), 0.0);
        QCOMPARE(qint64(empty->reconstruct(0).size()), qint64(0));
        const auto zero = project(Matrix::Zero(12, 8), 4);
        for (Index rho = 0; rho <= zero->sliceRank(); ++rho) {
            QCOMPARE(zero->errFro2(rho), 0.0);
            QCOMPARE(zero->reconstruct(rho).cwiseAbs().maxCoeff(), 0.0);
        }
    }

    // ---- progress and cancellation -------------------------------------------------------
    void progressIsMonotone()
    {
        const Matrix a = test::gaussian(512, 384, 181);
        RecordingProgress progress;
        MonarchOptions o;
        o.blocks = 8;
        const auto model = core::computeMonarch(a, o, &progress);
        QVERIFY(progress.fractions.size() >= 3);
        QCOMPARE(progress.fractions.front(), 0.0);
        QCOMPARE(progress.fractions.back(), 1.0);
        QVERIFY(std::is_sorted(progress.fractions.begin(), progress.fractions.end()));
        QVERIFY(model->errFro2(1) > 0.0);
    }

    void cancelThrows_data()
    {
        QTest::addColumn<bool>("reconstruction");
        QTest::newRow("factors") << true;
        QTest::newRow("curve only") << false;
    }
    void cancelThrows()
    {
        QFETCH(bool, reconstruction);
        const Matrix a = test::gaussian(512, 384, 191);
        MonarchOptions o;
        o.blocks = 8;
        o.reconstruction = reconstruction;
        RecordingProgress atStart(0);
        QVERIFY_THROWS_EXCEPTION(core::Cancelled, core::computeMonarch(a, o, &atStart));
        QVERIFY(atStart.fractions.empty());
        RecordingProgress midway(3); // worker threads running: they must be stopped and joined
        QVERIFY_THROWS_EXCEPTION(core::Cancelled, core::computeMonarch(a, o, &midway));
        QCOMPARE(int(midway.fractions.size()), 3);
        QVERIFY(midway.fractions.back() < 1.0);
    }
};

QTEST_APPLESS_MAIN(TestMonarch)
#include "tst_monarch.moc"
