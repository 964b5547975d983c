// SPDX-License-Identifier: MIT
// Column–row sampling (core/cr.h): the closed-form realised error against reconstruct-and-measure,
// Top on SVD factors = truncated SVD, unbiasedness and the expected error by Monte Carlo, draw
// frequencies, reproducibility, the zero product.
#include "core/cr.h"
#include "core/random.h"

#include "testutil.h"

#include <QObject>
#include <QString>
#include <QTest>

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace factorscope;
using core::CrModel;
using core::CrOptions;
using core::CrProduct;
using core::CrRule;
using core::Index;
using core::IndexList;
using core::Matrix;
using core::Vector;

Q_DECLARE_METATYPE(CrRule)
Q_DECLARE_METATYPE(CrProduct)

namespace {

const char *ruleName(CrRule rule)
{
    switch (rule) {
    case CrRule::Top: return "top";
    case CrRule::Optimal: return "optimal";
    case CrRule::Uniform: return "uniform";
    }
    return "?";
}

const char *productName(CrProduct product)
{
    switch (product) {
    case CrProduct::MatrixIdentity: return "M·I";
    case CrProduct::IdentityMatrix: return "I·M";
    case CrProduct::SvdFactors: return "svd";
    case CrProduct::Given: return "X·Y";
    }
    return "?";
}

/// Single matrices: columns (and rows) of very different norms, so optimal ≠ uniform.
Matrix singleMatrix(const QString &name)
{
    if (name == QLatin1String("scaled 12x15")) {
        Matrix m = test::gaussian(12, 15, 1);
        for (Index j = 0; j < m.cols(); ++j)
            m.col(j) *= 1.0 + double(j % 5);
        for (Index i = 0; i < m.rows(); ++i)
            m.row(i) *= 1.0 + 0.5 * double(i % 3);
        return m;
    }
    if (name == QLatin1String("tall 20x6"))
        return test::gaussian(20, 6, 2);
    if (name == QLatin1String("low-rank 10x14")) {
        Vector sigma(4);
        sigma << 5.0, 2.0, 0.5, 0.1;
        return test::withSpectrum(10, 14, sigma, 3);
    }
    if (name == QLatin1String("1x1"))
        return Matrix::Constant(1, 1, 2.5);
    if (name == QLatin1String("zero column")) {
        Matrix m = test::gaussian(7, 9, 4);
        m.col(3).setZero();
        m.row(2).setZero();
        return m;
    }
    qFatal("unknown matrix %s", qPrintable(name));
    return {};
}

/// Given products with strongly non-orthogonal terms: §9.2's Gaussian 8×30 · 30×6, and one with
/// repeated, opposite and zero terms (x_5 = −x_4 with y_5 = y_4 cancels exactly).
void givenProduct(const QString &name, Matrix &x, Matrix &y)
{
    if (name == QLatin1String("gaussian 8x30x6")) {
        x = test::gaussian(8, 30, 92);
        y = test::gaussian(30, 6, 93);
        return;
    }
    if (name == QLatin1String("correlated 6x10x5")) {
        x = test::gaussian(6, 10, 5);
        y = test::gaussian(10, 5, 6);
        x.col(5) = -x.col(4);
        y.row(5) = y.row(4);
        x.col(7) = 2.0 * x.col(1);
        y.row(7) = 0.5 * y.row(1) + 0.1 * y.row(2);
        x.col(9).setZero();
        return;
    }
    qFatal("unknown product %s", qPrintable(name));
}

CrOptions crOptions(CrRule rule, CrProduct product, Index rank, std::uint64_t seed)
{
    CrOptions o;
    o.rule = rule;
    o.product = product;
    o.rank = rank;
    o.seed = seed;
    return o;
}

/// The model and the exact product it approximates.
std::unique_ptr<CrModel> makeModel(const QString &input, CrProduct product, const CrOptions &o,
                                   Matrix &exact)
{
    if (product == CrProduct::Given) {
        Matrix x, y;
        givenProduct(input, x, y);
        exact = x * y;
        return core::computeCr(x, y, o);
    }
    exact = singleMatrix(input);
    return core::computeCr(exact, o);
}

} // namespace

class TestCr : public QObject
{
    Q_OBJECT

private slots:
    void sharedMatrixIsNotCopied();
    void closedFormMatchesMeasured_data();
    void closedFormMatchesMeasured();
    void gramFormulaIsNeededForGivenProducts();
    void topOnSvdFactorsIsTruncatedSvd();
    void weightsAndProbabilities_data();
    void weightsAndProbabilities();
    void unbiasedMean_data();
    void unbiasedMean();
    void monteCarloMatchesExpectedError_data();
    void monteCarloMatchesExpectedError();
    void optimalBeatsUniform();
    void drawFrequenciesFollowP();
    void drawsFollowTheDocumentedMapping();
    void reproducibleForASeed();
    void zeroProduct();
    void topRuleTiesAndClamping();
    void reconstructScalesSampledColumns();
    void storedParamsAndRanks();
    void invalidInputThrows();
    void cancellation();
};

void TestCr::sharedMatrixIsNotCopied()
{
    // computeCr(shared_ptr) holds M itself for M·I and I·M (the program's trials share the
    // channel), and is otherwise the same model as computeCr(const Matrix &).
    core::Rng rng(5);
    const auto m = std::make_shared<const Matrix>(rng.gaussian(30, 20));
    for (CrProduct product : {CrProduct::MatrixIdentity, CrProduct::IdentityMatrix, CrProduct::SvdFactors}) {
        const CrOptions o = crOptions(CrRule::Optimal, product, 15, 3);
        const auto shared = core::computeCr(m, o);
        const auto copied = core::computeCr(*m, o);
        QCOMPARE(shared->productLeft().data() == m->data(), product != CrProduct::SvdFactors);
        QVERIFY(copied->productLeft().data() != m->data());
        QVERIFY(shared->draws() == copied->draws());
        for (Index r = 0; r <= 15; ++r)
            QCOMPARE(shared->errFro2(r), copied->errFro2(r));
        QCOMPARE(shared->reconstruct(15), copied->reconstruct(15));
    }
}

void TestCr::closedFormMatchesMeasured_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<CrProduct>("product");
    QTest::addColumn<CrRule>("rule");
    QTest::addColumn<Index>("draws");
    const QStringList singles = {QStringLiteral("scaled 12x15"), QStringLiteral("tall 20x6"),
                                 QStringLiteral("low-rank 10x14"), QStringLiteral("1x1"),
                                 QStringLiteral("zero column")};
    for (CrRule rule : {CrRule::Top, CrRule::Optimal, CrRule::Uniform}) {
        for (CrProduct product :
             {CrProduct::MatrixIdentity, CrProduct::IdentityMatrix, CrProduct::SvdFactors})
            for (const QString &input : singles)
                QTest::newRow(qPrintable(
                    QStringLiteral("%1 %2 %3").arg(ruleName(rule), productName(product), input)))
                    << input << product << rule << Index(rule == CrRule::Top ? 0 : 25);
        for (const char *input : {"gaussian 8x30x6", "correlated 6x10x5"})
            QTest::newRow(qPrintable(QStringLiteral("%1 X·Y %2").arg(ruleName(rule), input)))
                << QString::fromLatin1(input) << CrProduct::Given << rule
                << Index(rule == CrRule::Top ? 0 : 40);
    }
}

// errFro2(r) (γ_i² w_i² sums, or γᵀGγ for X·Y) = ‖XY − reconstruct(r)‖²_F at every rank, for
// every rule and product; sampled rules go beyond l draws (with replacement).
void TestCr::closedFormMatchesMeasured()
{
    QFETCH(QString, input);
    QFETCH(CrProduct, product);
    QFETCH(CrRule, rule);
    QFETCH(Index, draws);
    Matrix exact;
    const auto cr = makeModel(input, product, crOptions(rule, product, draws, 77), exact);
    QCOMPARE(cr->rule(), rule);
    QCOMPARE(cr->product(), product);
    QCOMPARE(cr->rows(), exact.rows());
    QCOMPARE(cr->cols(), exact.cols());
    const Index l = cr->terms();
    QCOMPARE(cr->maxRank(), draws == 0 ? l : draws);
    const double norm2 = exact.squaredNorm();
    QVERIFY(test::relDiff(cr->productNorm2(), norm2) < 1e-12 ||
            (norm2 == 0 && cr->productNorm2() == 0));
    for (Index r = 0; r <= cr->maxRank(); ++r) {
        const Matrix approx = cr->reconstruct(r);
        QCOMPARE(approx.rows(), exact.rows());
        QCOMPARE(approx.cols(), exact.cols());
        const double measured = (exact - approx).squaredNorm();
        const double closed = cr->errFro2(r);
        // Rounding: the terms are O(‖XY‖² + err); 1e-11 relative of that is ~10⁴ ulps.
        const double tol = 1e-11 * (norm2 + measured) + 1e-300;
        QVERIFY2(std::abs(measured - closed) <= tol,
                 qPrintable(QStringLiteral("rank %1: closed %2, measured %3")
                                .arg(r)
                                .arg(closed, 0, 'g', 17)
                                .arg(measured, 0, 'g', 17)));
        if (rule == CrRule::Top)
            QVERIFY(cr->expectedErrFro2(r) == closed);
    }
    QVERIFY(std::abs(cr->errFro2(0) - norm2) <= 1e-12 * norm2);
}

// For X·Y with non-orthogonal terms the cross terms matter: the orthogonal shortcut Σγ_i²w_i²
// would be wrong, so this guards the Gram path of the previous test.
void TestCr::gramFormulaIsNeededForGivenProducts()
{
    Matrix x, y;
    givenProduct(QStringLiteral("gaussian 8x30x6"), x, y);
    const auto cr = core::computeCr(x, y, crOptions(CrRule::Optimal, CrProduct::Given, 10, 3));
    double worst = 0.0;
    for (Index r = 1; r <= 10; ++r) {
        const Vector gamma = Vector::Ones(cr->terms()) - cr->lambda(r);
        const double orthogonal = (gamma.array() * cr->weights().array()).matrix().squaredNorm();
        const double measured = (x * y - cr->reconstruct(r)).squaredNorm();
        worst = std::max(worst, std::abs(orthogonal - measured) / measured);
        QVERIFY(test::relDiff(cr->errFro2(r), measured) < 1e-10);
    }
    QVERIFY2(worst > 0.1, qPrintable(QString::number(worst)));
}

// With X = U√Σ, Y = √ΣVᵀ the terms are orthogonal, w_i = σ_i, and keeping the r largest is the
// truncated SVD (Eckart–Young): errFro2(r) = Σ_{i≥r} σ_i², reconstruct(r) = U_r Σ_r V_rᵀ.
void TestCr::topOnSvdFactorsIsTruncatedSvd()
{
    Vector sigma(8);
    sigma << 9, 7, 5, 3.5, 2, 1, 0.3, 0.05;
    const Matrix m = test::withSpectrum(15, 11, sigma, 12);
    const auto cr = core::computeCr(m, crOptions(CrRule::Top, CrProduct::SvdFactors, 0, 0));
    const Eigen::BDCSVD<Matrix> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Vector s = svd.singularValues();
    QCOMPARE(cr->maxRank(), Index(11));
    QVERIFY((cr->weights() - s).norm() <= 1e-13 * s[0]);
    for (Index t = 0; t < cr->maxRank(); ++t)
        QCOMPARE(cr->draws()[std::size_t(t)], t);
    QVERIFY(cr->probabilities().size() == 0);
    for (Index r = 0; r <= 11; ++r) {
        const double tail = s.tail(s.size() - r).squaredNorm();
        QVERIFY2(
            std::abs(cr->errFro2(r) - tail) <= 1e-12 * m.squaredNorm(),
            qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(r).arg(cr->errFro2(r)).arg(tail)));
        const Matrix truncated = svd.matrixU().leftCols(r) * s.head(r).asDiagonal() *
            svd.matrixV().leftCols(r).transpose();
        QVERIFY((cr->reconstruct(r) - truncated).norm() <= 1e-12 * m.norm());
    }
}

void TestCr::weightsAndProbabilities_data()
{
    QTest::addColumn<CrProduct>("product");
    QTest::addColumn<CrRule>("rule");
    for (CrProduct product : {CrProduct::MatrixIdentity, CrProduct::IdentityMatrix,
                              CrProduct::SvdFactors, CrProduct::Given})
        for (CrRule rule : {CrRule::Optimal, CrRule::Uniform})
            QTest::newRow(
                qPrintable(QStringLiteral("%1 %2").arg(productName(product), ruleName(rule))))
                << product << rule;
}

// w_i = ‖x_i‖·‖y_i‖ computed independently; optimal p = w/Σw, uniform 1/l; both sum to 1; the
// expected error has the DKM closed form.
void TestCr::weightsAndProbabilities()
{
    QFETCH(CrProduct, product);
    QFETCH(CrRule, rule);
    Matrix exact;
    const QString input = product == CrProduct::Given ? QStringLiteral("correlated 6x10x5")
                                                      : QStringLiteral("zero column");
    const auto cr = makeModel(input, product, crOptions(rule, product, 7, 1), exact);
    Vector w;
    switch (product) {
    case CrProduct::MatrixIdentity: w = exact.colwise().norm().transpose(); break;
    case CrProduct::IdentityMatrix: w = exact.rowwise().norm(); break;
    case CrProduct::SvdFactors: w = Eigen::BDCSVD<Matrix>(exact).singularValues(); break;
    case CrProduct::Given: {
        Matrix x, y;
        givenProduct(input, x, y);
        w.resize(x.cols());
        for (Index i = 0; i < x.cols(); ++i)
            w[i] = x.col(i).norm() * y.row(i).norm();
        break;
    }
    }
    QCOMPARE(cr->weights().size(), w.size());
    QVERIFY((cr->weights() - w).norm() <= 1e-13 * w.norm());
    const Vector &p = cr->probabilities();
    QVERIFY(std::abs(p.sum() - 1.0) < 1e-14);
    QVERIFY((p.array() >= 0).all());
    const Index l = w.size();
    if (rule == CrRule::Optimal)
        QVERIFY((p - w / w.sum()).norm() < 1e-14);
    else
        QVERIFY((p - Vector::Constant(l, 1.0 / double(l))).norm() < 1e-14);
    double s = 0.0;
    for (Index i = 0; i < l; ++i)
        if (p[i] > 0)
            s += w[i] * w[i] / p[i];
    for (Index r = 1; r <= 7; ++r) {
        const double expected = (s - exact.squaredNorm()) / double(r);
        QVERIFY(test::relDiff(cr->expectedErrFro2(r), expected) < 1e-11);
    }
    QVERIFY(test::relDiff(cr->expectedErrFro2(0), exact.squaredNorm()) < 1e-12);
    // Draws are valid indices with p > 0.
    for (Index d : cr->draws())
        QVERIFY(d >= 0 && d < l && p[d] > 0);
}

void TestCr::unbiasedMean_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<CrProduct>("product");
    QTest::addColumn<CrRule>("rule");
    QTest::addColumn<Index>("rank");
    for (CrRule rule : {CrRule::Optimal, CrRule::Uniform}) {
        QTest::newRow(qPrintable(QStringLiteral("X·Y §9.2 r=5 %1").arg(ruleName(rule))))
            << QStringLiteral("gaussian 8x30x6") << CrProduct::Given << rule << Index(5);
        QTest::newRow(qPrintable(QStringLiteral("X·Y correlated r=3 %1").arg(ruleName(rule))))
            << QStringLiteral("correlated 6x10x5") << CrProduct::Given << rule << Index(3);
        QTest::newRow(qPrintable(QStringLiteral("M·I r=4 %1").arg(ruleName(rule))))
            << QStringLiteral("scaled 12x15") << CrProduct::MatrixIdentity << rule << Index(4);
        QTest::newRow(qPrintable(QStringLiteral("I·M r=2 %1").arg(ruleName(rule))))
            << QStringLiteral("zero column") << CrProduct::IdentityMatrix << rule << Index(2);
        QTest::newRow(qPrintable(QStringLiteral("svd r=3 %1").arg(ruleName(rule))))
            << QStringLiteral("low-rank 10x14") << CrProduct::SvdFactors << rule << Index(3);
    }
}

// E[C_r R_r] = XY. The mean of T independent reconstructions (seeds 0..T−1) has
// E‖mean − XY‖²_F = E_r/T exactly, E_r = expectedErrFro2(r). T = 4000 trials, two statistics:
// (a) bias: ρ = T·‖mean − XY‖²/E_r. Unbiased, ρ is close to a weighted χ² with mean 1; with one
//     dominant direction (the worst case) P(ρ > 4) = P(χ²₁ > 4) ≈ 4.6%; asserted ρ < 4. A bias b
//     adds T‖b‖²/E_r, so a wrong scale (1/p instead of 1/(rp)) or a p that does not match the
//     scaling gives ρ in the thousands. (No lower bound: with few effective degrees of freedom
//     χ²₁ < 1/3 has probability 0.43.)
// (b) variance: the average of ρ_b over B = 100 blocks of 40 trials has mean 1 and, for one degree
//     of freedom, standard deviation ≈ √(2/B) = 0.14; asserted within [0.6, 1.5]. It checks the
//     1/T law (independent seeds) and the expectedErrFro2 formula against the realised spread.
// Measured here: ρ from 0.13 to 1.55, block averages from 0.91 to 1.06.
void TestCr::unbiasedMean()
{
    QFETCH(QString, input);
    QFETCH(CrProduct, product);
    QFETCH(CrRule, rule);
    QFETCH(Index, rank);
    const int blocks = 100, perBlock = 40, trials = blocks * perBlock;
    Matrix exact;
    Matrix sum, blockSum;
    double expected = 0.0;
    double blockRatios = 0.0;
    for (int t = 0; t < trials; ++t) {
        const auto cr =
            makeModel(input, product, crOptions(rule, product, rank, std::uint64_t(t)), exact);
        const Matrix rec = cr->reconstruct(rank);
        if (t == 0) {
            sum = Matrix::Zero(rec.rows(), rec.cols());
            blockSum = sum;
            expected = cr->expectedErrFro2(rank);
        }
        sum += rec;
        blockSum += rec;
        if ((t + 1) % perBlock == 0) {
            blockRatios +=
                (blockSum / double(perBlock) - exact).squaredNorm() * perBlock / expected;
            blockSum.setZero();
        }
    }
    QVERIFY(expected > 0);
    const double ratio = (sum / double(trials) - exact).squaredNorm() * trials / expected;
    const double blockAverage = blockRatios / blocks;
    qDebug("T·‖mean − XY‖²/E = %.3f, block average %.3f (E = %.4g)", ratio, blockAverage, expected);
    QVERIFY2(ratio < 4.0, qPrintable(QString::number(ratio)));
    QVERIFY2(blockAverage > 0.6 && blockAverage < 1.5, qPrintable(QString::number(blockAverage)));
}

void TestCr::monteCarloMatchesExpectedError_data()
{
    QTest::addColumn<CrRule>("rule");
    QTest::newRow("optimal") << CrRule::Optimal;
    QTest::newRow("uniform") << CrRule::Uniform;
}

// algorithms.md §9.2: n=8, l=30, m=6, r=5, 40 000 draws of size r. The mean realised errFro2
// matches (1/r)[Σ w²/p − ‖XY‖²] within 4 standard errors (from the sample's own standard
// deviation), and within 3% relative; every prefix r' ≤ 5 is an i.i.d. sample too.
void TestCr::monteCarloMatchesExpectedError()
{
    QFETCH(CrRule, rule);
    Matrix x, y;
    givenProduct(QStringLiteral("gaussian 8x30x6"), x, y);
    const int trials = 40000;
    const Index rmax = 5;
    std::vector<double> sum(rmax + 1, 0.0), sum2(rmax + 1, 0.0);
    std::vector<double> expected(rmax + 1, 0.0);
    for (int t = 0; t < trials; ++t) {
        const auto cr = core::computeCr(
            x, y, crOptions(rule, CrProduct::Given, rmax, 1000000 + std::uint64_t(t)));
        for (Index r = 1; r <= rmax; ++r) {
            const double e = cr->errFro2(r);
            sum[std::size_t(r)] += e;
            sum2[std::size_t(r)] += e * e;
            if (t == 0)
                expected[std::size_t(r)] = cr->expectedErrFro2(r);
        }
    }
    for (Index r = 1; r <= rmax; ++r) {
        const double mean = sum[std::size_t(r)] / trials;
        const double var = sum2[std::size_t(r)] / trials - mean * mean;
        const double stderrOfMean = std::sqrt(var / trials);
        const double e = expected[std::size_t(r)];
        qDebug("r=%ld mean %.5g expected %.5g (%.2f standard errors)", long(r), mean, e,
               (mean - e) / stderrOfMean);
        QVERIFY2(std::abs(mean - e) <= 4.0 * stderrOfMean,
                 qPrintable(QStringLiteral("r=%1: mean %2, expected %3, se %4")
                                .arg(r)
                                .arg(mean)
                                .arg(e)
                                .arg(stderrOfMean)));
        QVERIFY(test::relDiff(mean, e) < 0.03);
    }
    // The expectation scales as 1/r.
    QVERIFY(test::relDiff(expected[1], 5.0 * expected[5]) < 1e-12);
}

// Cauchy–Schwarz: Σw²/p ≥ (Σw)² with equality at p ∝ w, so the optimal rule's expected error is
// below the uniform rule's whenever the weights are not all equal, at every r.
void TestCr::optimalBeatsUniform()
{
    for (const char *name : {"scaled 12x15", "low-rank 10x14", "zero column"}) {
        const Matrix m = singleMatrix(QString::fromLatin1(name));
        for (CrProduct product :
             {CrProduct::MatrixIdentity, CrProduct::IdentityMatrix, CrProduct::SvdFactors}) {
            const auto opt = core::computeCr(m, crOptions(CrRule::Optimal, product, 10, 0));
            const auto uni = core::computeCr(m, crOptions(CrRule::Uniform, product, 10, 0));
            for (Index r = 1; r <= 10; ++r) {
                QVERIFY(opt->expectedErrFro2(r) < uni->expectedErrFro2(r));
                const double sw = opt->weights().sum();
                QVERIFY(test::relDiff(opt->expectedErrFro2(r),
                                      (sw * sw - m.squaredNorm()) / double(r)) < 1e-12);
            }
        }
    }
    Matrix x, y;
    givenProduct(QStringLiteral("gaussian 8x30x6"), x, y);
    const auto opt = core::computeCr(x, y, crOptions(CrRule::Optimal, CrProduct::Given, 5, 0));
    const auto uni = core::computeCr(x, y, crOptions(CrRule::Uniform, CrProduct::Given, 5, 0));
    QVERIFY(opt->expectedErrFro2(5) < uni->expectedErrFro2(5));
    // Equal weights: the two rules coincide (Hadamard columns all have the same norm).
    const Matrix h = test::hadamard(3);
    const auto ho = core::computeCr(h, crOptions(CrRule::Optimal, CrProduct::MatrixIdentity, 4, 0));
    const auto hu = core::computeCr(h, crOptions(CrRule::Uniform, CrProduct::MatrixIdentity, 4, 0));
    QVERIFY(test::relDiff(ho->expectedErrFro2(4), hu->expectedErrFro2(4)) < 1e-12);
}

// 200 000 draws: the frequency of index i is within 5 binomial standard deviations of p_i, and
// indices with p_i = 0 (zero columns) are never drawn.
void TestCr::drawFrequenciesFollowP()
{
    const Matrix m = singleMatrix(QStringLiteral("zero column")); // column 3 is zero
    const Index draws = 200000;
    const auto cr =
        core::computeCr(m, crOptions(CrRule::Optimal, CrProduct::MatrixIdentity, draws, 5));
    const Vector &p = cr->probabilities();
    QVERIFY(p[3] == 0.0);
    Vector counts = Vector::Zero(p.size());
    for (Index d : cr->draws())
        counts[d] += 1.0;
    QVERIFY(counts[3] == 0.0);
    for (Index i = 0; i < p.size(); ++i) {
        const double sd = std::sqrt(double(draws) * p[i] * (1 - p[i]));
        QVERIFY2(std::abs(counts[i] - double(draws) * p[i]) <= 5 * sd + 1e-9,
                 qPrintable(QStringLiteral("index %1: %2 draws, expected %3")
                                .arg(i)
                                .arg(counts[i])
                                .arg(draws * p[i])));
    }
}

// The draw sequence is the one algorithms.md §8.3 specifies, rebuilt here from std::mt19937_64
// directly: u = (bits >> 11)·2⁻⁵³ · cdf[l−1], s_t = the smallest i with cdf[i] > u (linear scan).
// This pins seeds to the same draws on every platform.
void TestCr::drawsFollowTheDocumentedMapping()
{
    const Matrix m = singleMatrix(QStringLiteral("zero column"));
    for (CrRule rule : {CrRule::Optimal, CrRule::Uniform}) {
        const auto cr = core::computeCr(m, crOptions(rule, CrProduct::MatrixIdentity, 500, 2024));
        const Vector &p = cr->probabilities();
        std::vector<double> cdf;
        double running = 0.0;
        for (Index i = 0; i < p.size(); ++i)
            cdf.push_back(running += p[i]);
        std::mt19937_64 engine(2024);
        for (Index t = 0; t < 500; ++t) {
            const double u = double(engine() >> 11) * 0x1.0p-53 * running;
            Index i = 0;
            while (!(cdf[std::size_t(i)] > u))
                ++i;
            QCOMPARE(cr->draws()[std::size_t(t)], i);
        }
    }
}

// Same seed: the same draws and errors bit for bit; another seed: other draws.
void TestCr::reproducibleForASeed()
{
    Matrix x, y;
    givenProduct(QStringLiteral("gaussian 8x30x6"), x, y);
    for (CrRule rule : {CrRule::Optimal, CrRule::Uniform}) {
        const auto a = core::computeCr(x, y, crOptions(rule, CrProduct::Given, 12, 42));
        const auto b = core::computeCr(x, y, crOptions(rule, CrProduct::Given, 12, 42));
        const auto c = core::computeCr(x, y, crOptions(rule, CrProduct::Given, 12, 43));
        QVERIFY(a->draws() == b->draws());
        QVERIFY(a->draws() != c->draws());
        for (Index r = 0; r <= 12; ++r)
            QVERIFY(a->errFro2(r) == b->errFro2(r));
        QVERIFY(a->reconstruct(12) == b->reconstruct(12));
        // A longer sequence from the same seed starts with the same draws (prefix property).
        const auto longer = core::computeCr(x, y, crOptions(rule, CrProduct::Given, 30, 42));
        QVERIFY(std::equal(a->draws().begin(), a->draws().end(), longer->draws().begin()));
        QVERIFY(a->errFro2(7) == longer->errFro2(7));
    }
}

// The zero product: every weight, error and reconstruction is 0, nothing is NaN.
void TestCr::zeroProduct()
{
    const Matrix zero = Matrix::Zero(5, 7);
    for (CrRule rule : {CrRule::Top, CrRule::Optimal, CrRule::Uniform}) {
        for (CrProduct product :
             {CrProduct::MatrixIdentity, CrProduct::IdentityMatrix, CrProduct::SvdFactors}) {
            const auto cr = core::computeCr(zero, crOptions(rule, product, 6, 1));
            QVERIFY(cr->productNorm2() == 0.0);
            QVERIFY(cr->weights().isZero(0.0));
            for (Index r = 0; r <= cr->maxRank(); ++r) {
                QVERIFY(cr->errFro2(r) == 0.0);
                QVERIFY(cr->expectedErrFro2(r) == 0.0);
                const Matrix rec = cr->reconstruct(r);
                QVERIFY(rec.allFinite() && rec.isZero(0.0));
            }
            if (rule != CrRule::Top)
                QVERIFY(cr->probabilities().allFinite());
        }
        const auto given = core::computeCr(Matrix::Zero(4, 6), test::gaussian(6, 3, 1),
                                           crOptions(rule, CrProduct::Given, 5, 1));
        for (Index r = 0; r <= given->maxRank(); ++r) {
            QVERIFY(given->errFro2(r) == 0.0);
            QVERIFY(given->expectedErrFro2(r) == 0.0);
            QVERIFY(given->reconstruct(r).isZero(0.0));
        }
    }
    // Empty: no terms at all.
    const auto empty =
        core::computeCr(Matrix(3, 0), crOptions(CrRule::Optimal, CrProduct::MatrixIdentity, 0, 1));
    QCOMPARE(empty->maxRank(), Index(0));
    QVERIFY(empty->errFro2(0) == 0.0);
}

// Top: the largest w first, ties to the lower index; at most l draws.
void TestCr::topRuleTiesAndClamping()
{
    Matrix m(3, 6);
    // clang-format off
    m << 1, 3, 0, 2, 3, 2,
         0, 0, 0, 0, 0, 0,
         0, 0, 1, 0, 0, 0; // column norms 1, 3, 1, 2, 3, 2
    // clang-format on
    const auto cr = core::computeCr(m, crOptions(CrRule::Top, CrProduct::MatrixIdentity, 100, 0));
    QCOMPARE(cr->maxRank(), Index(6));
    const IndexList expected = {1, 4, 3, 5, 0, 2};
    QVERIFY(cr->draws() == expected);
    // Dropped columns' squared norms: 3²+3² kept at r = 2 leaves 4+4+1+1.
    QVERIFY(cr->errFro2(2) == 10.0);
    QVERIFY(cr->reconstruct(2).col(1) == m.col(1));
    QVERIFY(cr->reconstruct(2).col(3).isZero(0.0));
}

// Sampled M·I at r = 1: the single drawn column scaled by 1/p, every other column zero (the
// identity is never formed); duplicates add up as count/(r p).
void TestCr::reconstructScalesSampledColumns()
{
    const Matrix m = singleMatrix(QStringLiteral("scaled 12x15"));
    const auto cr =
        core::computeCr(m, crOptions(CrRule::Optimal, CrProduct::MatrixIdentity, 40, 9));
    const Index s0 = cr->draws()[0];
    const Matrix rec1 = cr->reconstruct(1);
    for (Index j = 0; j < m.cols(); ++j) {
        if (j == s0)
            QVERIFY((rec1.col(j) - m.col(j) / cr->probabilities()[j]).norm() <=
                    1e-14 * rec1.col(j).norm());
        else
            QVERIFY(rec1.col(j).isZero(0.0));
    }
    const Index r = 40;
    const Vector lambda = cr->lambda(r);
    for (Index j = 0; j < m.cols(); ++j) {
        const double count = double(std::count(cr->draws().begin(), cr->draws().end(), j));
        QVERIFY(test::relDiff(lambda[j], count / (double(r) * cr->probabilities()[j])) < 1e-15 ||
                (count == 0 && lambda[j] == 0.0));
    }
    // I·M: the same with rows.
    const auto rows =
        core::computeCr(m, crOptions(CrRule::Uniform, CrProduct::IdentityMatrix, 3, 9));
    const Matrix rec = rows->reconstruct(3);
    const Vector lam = rows->lambda(3);
    QVERIFY((rec - lam.asDiagonal() * m).norm() <= 1e-14 * m.norm());
}

void TestCr::storedParamsAndRanks()
{
    const Matrix m = test::gaussian(9, 13, 3);
    const auto mi = core::computeCr(m, crOptions(CrRule::Optimal, CrProduct::MatrixIdentity, 0, 1));
    const auto im = core::computeCr(m, crOptions(CrRule::Optimal, CrProduct::IdentityMatrix, 0, 1));
    const auto sv = core::computeCr(m, crOptions(CrRule::Uniform, CrProduct::SvdFactors, 0, 1));
    QCOMPARE(mi->maxRank(), Index(13)); // rank 0 = l draws
    QCOMPARE(im->maxRank(), Index(9));
    QCOMPARE(sv->maxRank(), Index(9));
    QCOMPARE(mi->storedParams(4), 4.0 * (9 + 2));
    QCOMPARE(im->storedParams(4), 4.0 * (13 + 2));
    QCOMPARE(sv->storedParams(4), 4.0 * (9 + 13));
    const auto given = core::computeCr(test::gaussian(9, 5, 1), test::gaussian(5, 13, 2),
                                       crOptions(CrRule::Optimal, CrProduct::Given, 50, 1));
    QCOMPARE(given->product(), CrProduct::Given);
    QCOMPARE(given->maxRank(), Index(50)); // sampled: more draws than terms is fine
    QCOMPARE(given->storedParams(4), 4.0 * (9 + 13));
}

void TestCr::invalidInputThrows()
{
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        core::computeCr(test::gaussian(4, 5, 1), test::gaussian(6, 3, 2), CrOptions{}));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        core::computeCr(test::gaussian(4, 5, 1), crOptions(CrRule::Top, CrProduct::Given, 2, 0)));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        core::computeCr(test::gaussian(4, 5, 1),
                        crOptions(CrRule::Top, CrProduct::MatrixIdentity, -1, 0)));
}

void TestCr::cancellation()
{
    struct Cancelling final : core::Progress
    {
        bool isCancelled() const override { return true; }
    } cancel;
    QVERIFY_THROWS_EXCEPTION(core::Cancelled,
                             core::computeCr(test::gaussian(4, 5, 1), CrOptions{}, &cancel));
    QVERIFY_THROWS_EXCEPTION(
        core::Cancelled,
        core::computeCr(test::gaussian(4, 5, 1), test::gaussian(5, 2, 1), CrOptions{}, &cancel));
}

QTEST_APPLESS_MAIN(TestCr)
#include "tst_cr.moc"
