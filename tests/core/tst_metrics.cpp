// SPDX-License-Identifier: MIT
// Metrics and colour modes: PSNR, SSIM (against scikit-image values), spectral estimates,
// the BT.709 grey and JPEG YCbCr transforms.
#include "testutil.h"

#include "core/color.h"
#include "core/metrics.h"

#include <QtTest>

#include <Eigen/SVD>

#include <cmath>

using namespace factorscope;
using namespace factorscope::core;
using factorscope::test::relDiff;

namespace {
Matrix pattern(int n, int m, int which)
{
    Matrix x(n, m);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < m; ++j) {
            const double base = 0.5 + 0.4 * std::sin(0.3 * i) * std::cos(0.2 * j);
            x(i, j) = which == 0 ? base
                    : which == 1 ? base + 0.1 * std::sin(1.7 * i + 0.9 * j)
                                 : base + 0.05 * std::cos(0.7 * i * j / 10.0);
        }
    return x;
}
} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void relErr();
    void psnrClampsAndMatchesFormula();
    void ssimAgainstScikitImage_data();
    void ssimAgainstScikitImage();
    void ssimProperties();
    void spectralEstimate_data();
    void spectralEstimate();
    void grayIsBt709();
    void ycbcrRoundTrip();
    void greyImageIsOneChannelInEveryMode();
};

void TestMetrics::relErr()
{
    const Matrix a = test::gaussian(10, 12, 1), b = test::gaussian(10, 12, 2);
    const double expected = std::sqrt(((a - b).squaredNorm() + (b - a).squaredNorm()) / (a.squaredNorm() + b.squaredNorm()));
    QVERIFY(relDiff(relErrFro({a, b}, {b, a}), expected) < 1e-14);
    QCOMPARE(relErrFro({Matrix::Zero(3, 3)}, {Matrix::Zero(3, 3)}), 0.0); // zero matrix: 0 by definition
}

void TestMetrics::psnrClampsAndMatchesFormula()
{
    Matrix x = Matrix::Constant(4, 5, 0.5);
    Matrix y = x;
    y(0, 0) = 2.0;  // clamped to 1 → error 0.5
    y(1, 1) = -1.0; // clamped to 0 → error 0.5
    const double mse = 2 * 0.25 / 20.0;
    QVERIFY(relDiff(psnr({x}, {y}), 10 * std::log10(1 / mse)) < 1e-14);
    QVERIFY(std::isinf(psnr({x}, {x})));
}

void TestMetrics::ssimAgainstScikitImage_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<double>("expected");
    // skimage.metrics.structural_similarity(x, y, data_range=1, gaussian_weights=True,
    // sigma=1.5, use_sample_covariance=False), scikit-image 0.19.3 (Debian 12).
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("sine noise") << 1 << 0.7762087288241755 << 40 << 50;
    QTest::newRow("product ripple") << 2 << 0.9307098209603788 << 40 << 50;
    // Wider than one strip of columns (ssim filters in strips of 256 with a halo of 5): the
    // strips' seams and the reflected right border (1031 = 4·256 + 7).
    QTest::newRow("sine noise, 3 strips") << 1 << 0.7790083997970879 << 37 << 700;
    QTest::newRow("product ripple, 5 strips") << 2 << 0.9329411208361905 << 23 << 1031;
}

void TestMetrics::ssimAgainstScikitImage()
{
    QFETCH(int, which);
    QFETCH(double, expected);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const double value = ssim(pattern(rows, cols, 0), pattern(rows, cols, which));
    QVERIFY2(relDiff(value, expected) < 1e-12, qPrintable(QString::number(value, 'g', 17)));
}

void TestMetrics::ssimProperties()
{
    const Matrix x = pattern(30, 30, 0), y = pattern(30, 30, 1);
    QVERIFY(std::abs(ssim(x, x) - 1.0) < 1e-12);
    QVERIFY(std::abs(ssim(x, y) - ssim(y, x)) < 1e-12);
    const Matrix z = 0.5 * (x + y);
    QVERIFY(ssim(x, z) > ssim(x, y)); // closer image, higher similarity
    QVERIFY(std::abs(ssim(std::vector<Matrix>{x, y}, std::vector<Matrix>{x, y}) - 1.0) < 1e-12);
}

void TestMetrics::spectralEstimate_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::newRow("gaussian 60x40") << test::gaussian(60, 40, 3);
    Vector s(10);
    s << 5, 4.5, 1, 0.5, 0.1, 0.1, 0.01, 0, 0, 0;
    QTest::newRow("gap 0.9") << test::withSpectrum(30, 20, s, 4);
    QTest::newRow("rank one") << test::lowRank(15, 25, 1, 5);
}

void TestMetrics::spectralEstimate()
{
    QFETCH(Matrix, m);
    Eigen::BDCSVD<Matrix> svd(m);
    const double exact = svd.singularValues()[0];
    const double est = spectralNormEstimate(m, 500, 1);
    QVERIFY(est <= exact * (1 + 1e-12)); // a Rayleigh-quotient lower bound
    QVERIFY2(relDiff(est, exact) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(est).arg(exact)));
    QCOMPARE(spectralNormEstimate(Matrix::Zero(4, 4)), 0.0);
}

void TestMetrics::grayIsBt709()
{
    const Matrix r = Matrix::Constant(2, 2, 1.0), g = Matrix::Zero(2, 2), b = Matrix::Constant(2, 2, 0.5);
    const auto gray = imageToChannels({r, g, b}, ColorMode::Gray);
    QCOMPARE(gray.size(), std::size_t(1));
    QVERIFY(std::abs(gray[0](0, 0) - (0.2125 + 0.0721 * 0.5)) < 1e-15);
}

void TestMetrics::ycbcrRoundTrip()
{
    const Matrix r = test::gaussian(6, 7, 1).cwiseAbs().cwiseMin(1.0);
    const Matrix g = test::gaussian(6, 7, 2).cwiseAbs().cwiseMin(1.0);
    const Matrix b = test::gaussian(6, 7, 3).cwiseAbs().cwiseMin(1.0);
    const auto ycc = imageToChannels({r, g, b}, ColorMode::YCbCr);
    QCOMPARE(ycc.size(), std::size_t(3));
    const auto back = channelsToDisplay(ycc, ColorMode::YCbCr);
    QVERIFY((back[0] - r).norm() < 1e-13 && (back[1] - g).norm() < 1e-13 && (back[2] - b).norm() < 1e-13);
    // Greys have zero chroma (centred, no ½ offset): pure white is Y = 1, Cb = Cr = 0 ...
    const Matrix one = Matrix::Ones(1, 1);
    const auto white = imageToChannels({one, one, one}, ColorMode::YCbCr);
    QVERIFY(std::abs(white[0](0, 0) - 1.0) < 1e-12 && std::abs(white[1](0, 0)) < 1e-12 && std::abs(white[2](0, 0)) < 1e-12);
    // ... and zero chroma displays as neutral grey: Y = 0.4, Cb = Cr = 0 is R = G = B = 0.4 (a
    // CR column left out in every channel is black, never green).
    const Matrix y = Matrix::Constant(1, 1, 0.4), zero = Matrix::Zero(1, 1);
    const auto grey = channelsToDisplay({y, zero, zero}, ColorMode::YCbCr);
    for (const Matrix &plane : grey)
        QVERIFY(std::abs(plane(0, 0) - 0.4) < 1e-12);
    const auto black = channelsToDisplay({zero, zero, zero}, ColorMode::YCbCr);
    for (const Matrix &plane : black)
        QVERIFY(std::abs(plane(0, 0)) < 1e-12);
}

void TestMetrics::greyImageIsOneChannelInEveryMode()
{
    const Matrix p = pattern(5, 6, 0);
    for (ColorMode mode : {ColorMode::Gray, ColorMode::Rgb, ColorMode::YCbCr}) {
        const auto ch = imageToChannels({p}, mode);
        QCOMPARE(ch.size(), std::size_t(1));
        QCOMPARE(ch[0], p);
    }
    // An RGB image whose pixels are grey: its luma equals the grey value (weights sum to 1).
    const auto gray = imageToChannels({p, p, p}, ColorMode::Gray);
    const auto ycc = imageToChannels({p, p, p}, ColorMode::YCbCr);
    QVERIFY((gray[0] - p).norm() < 1e-14);
    QVERIFY((ycc[0] - p).norm() < 1e-14);
}

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
