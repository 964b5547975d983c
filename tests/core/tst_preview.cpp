// SPDX-License-Identifier: MIT
// Display-resolution rebuild (core/preview): for every method and variant, the rebuilder's planes
// equal the full reconstruction averaged down (reduceForDisplay(model.reconstruct(r))) to 1e-12
// relative after incremental moves up and down, for non-divisible display sizes; per-channel
// (ycbcr) ranks; the float path; the 8-bit conversion against channelsToDisplay + rounding.
#include "testutil.h"

#include "core/color.h"
#include "core/curve.h"
#include "core/display.h"
#include "core/preview.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>

using namespace factorscope;
using namespace factorscope::core;

Q_DECLARE_METATYPE(factorscope::core::ColorMode)

namespace {

/// Smooth gradients, an edge and a little noise, roughly in [0, 1] (some values outside).
Matrix photoLike(Index n, Index m, std::uint64_t seed)
{
    const Matrix noise = test::gaussian(n, m, seed);
    Matrix x(n, m);
    for (Index j = 0; j < m; ++j)
        for (Index i = 0; i < n; ++i) {
            const double smooth = 0.5 + 0.3 * std::sin(0.21 * i + 0.1 * seed) * std::cos(0.17 * j);
            const double edge = (i * m + 2 * j * n > n * m) ? 0.15 : -0.15;
            x(i, j) = smooth + edge + 0.06 * noise(i, j);
        }
    return x;
}

struct Variant
{
    Method method = Method::Svd;
    MethodSettings settings;
    Index maxRank = 0;
};

/// "svd", "rsvd", "id pivoted", "id sketch", "id row", "cr RULE PRODUCT", "monarch B",
/// "cur SELECTOR MIDDLE [ROWS]".
Variant variantFor(const QString &name)
{
    const QStringList parts = name.split(QLatin1Char(' '));
    Variant v;
    v.method = *parseMethod(parts[0].toStdString());
    MethodSettings &s = v.settings;
    s.seed = 7;
    switch (v.method) {
    case Method::Svd:
        break;
    case Method::Rsvd:
        v.maxRank = 12;
        s.rsvdOversampling = 5;
        s.rsvdPowerIterations = 1;
        break;
    case Method::Id:
        if (parts[1] == QLatin1String("sketch")) {
            s.idSelector = IdSelector::SketchPivotedQr;
            v.maxRank = 15;
        }
        s.rowId = parts[1] == QLatin1String("row");
        break;
    case Method::Cr:
        s.crRule = parts[1] == QLatin1String("top")       ? CrRule::Top
                   : parts[1] == QLatin1String("optimal") ? CrRule::Optimal
                                                          : CrRule::Uniform;
        s.crProduct = parts[2] == QLatin1String("m-i")   ? CrProduct::MatrixIdentity
                      : parts[2] == QLatin1String("i-m") ? CrProduct::IdentityMatrix
                      : parts[2] == QLatin1String("svd") ? CrProduct::SvdFactors
                                                         : CrProduct::Given;
        v.maxRank = 40; // draws (Top: at most l)
        break;
    case Method::Monarch:
        s.monarchBlocks = parts[1].toInt();
        break;
    case Method::Cur: // "cur SELECTOR MIDDLE [ROWS]"
        s.curSelector = *parseSelector(parts[1].toStdString());
        s.curMiddle = *parseCurMiddle(parts[2].toStdString());
        s.curRows = parts.size() > 3 ? parts[3].toInt() : 0;
        v.maxRank = 20;
        break;
    }
    return v;
}

std::vector<Matrix> imageChannels(Index n, Index m)
{
    return {photoLike(n, m, 1), photoLike(n, m, 2), photoLike(n, m, 3)};
}

std::vector<std::shared_ptr<const ChannelModel>> modelsFor(const Variant &variant,
                                                           std::vector<Matrix> &channels)
{
    MethodSettings s = variant.settings;
    if (variant.method == Method::Cr && s.crProduct == CrProduct::Given) {
        // Each channel is the given product X·Y (n×l times l×m, l = 20).
        const Index n = channels[0].rows(), m = channels[0].cols();
        s.crLeft = std::make_shared<Matrix>(test::gaussian(n, 20, 11));
        s.crRight = std::make_shared<Matrix>(test::gaussian(20, m, 12));
        for (Matrix &c : channels)
            c = *s.crLeft * *s.crRight;
    }
    std::vector<std::shared_ptr<const ChannelModel>> models;
    for (const Matrix &c : channels)
        models.push_back(factorise(c, variant.method, s, variant.maxRank, 0, true));
    return models;
}

/// The display-size reference: the full reconstruction averaged down, and the scale of its
/// rounding errors, the averaged magnitudes ‖W·|M̃_r|·W'ᵀ‖_F. That is ‖reference‖_F for a
/// non-negative M̃_r (images); it differs only where averaging cancels signs (CR's scaled
/// singular vectors on a 1×1 display), where both computations lose the same digits.
struct Expected
{
    Matrix values;
    double scale = 1.0;
};

Expected expectedAt(const ChannelModel &model, Index rank, Index outRows, Index outCols)
{
    const Matrix full = model.reconstruct(std::min(rank, model.maxRank()));
    Expected e;
    e.values = reduceForDisplay(full, outRows, outCols).values;
    e.scale = reduceForDisplay(full.cwiseAbs(), outRows, outCols).values.norm();
    if (e.scale == 0.0)
        e.scale = 1.0; // rank 0: the plane must be exactly zero, compared absolutely
    return e;
}

/// ‖a − reference‖_F / scale.
template<typename A>
double relativeDeviation(const A &a, const Expected &e)
{
    if (a.rows() != e.values.rows() || a.cols() != e.values.cols())
        return std::numeric_limits<double>::infinity();
    return (a.template cast<double>() - e.values).norm() / e.scale;
}

/// Ranks visited: up, down, to 0, to the top, past the top (clamped), single steps.
std::vector<Index> rankWalk(Index maxRank)
{
    std::vector<Index> walk = {3, 7, 8, 2, 0, maxRank, std::max<Index>(maxRank - 1, 0), 5, 6, 1,
                               maxRank + 5, 4, 9, 9, 12, 11};
    for (Index &r : walk)
        r = std::min(r, maxRank + 5);
    return walk;
}

} // namespace

class TestPreview : public QObject
{
    Q_OBJECT

private slots:
    void matchesAveragedFullRebuild_data();
    void matchesAveragedFullRebuild();
    void perChannelRanks_data();
    void perChannelRanks();
    void limitedMaxRank();
    void manyMovesStayExact();
    void floatPathIsClose_data();
    void floatPathIsClose();
    void pixelsMatchReference_data();
    void pixelsMatchReference();
    void badArguments();
};

void TestPreview::matchesAveragedFullRebuild_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<Index>("n");
    QTest::addColumn<Index>("m");
    QTest::addColumn<Index>("outRows");
    QTest::addColumn<Index>("outCols");
    const QStringList variants = {
        QStringLiteral("svd"),           QStringLiteral("rsvd"),
        QStringLiteral("id pivoted"),    QStringLiteral("id sketch"),
        QStringLiteral("id row"),        QStringLiteral("cr top m-i"),
        QStringLiteral("cr optimal m-i"), QStringLiteral("cr uniform m-i"),
        QStringLiteral("cr top i-m"),    QStringLiteral("cr optimal i-m"),
        QStringLiteral("cr uniform i-m"), QStringLiteral("cr top svd"),
        QStringLiteral("cr optimal svd"), QStringLiteral("cr uniform svd"),
        QStringLiteral("cr top x-y"),    QStringLiteral("cr optimal x-y"),
        QStringLiteral("cr uniform x-y"), QStringLiteral("monarch 1"),
        QStringLiteral("monarch 4"),     QStringLiteral("monarch 5"),
        QStringLiteral("cur qr optimal"), QStringLiteral("cur deim cross"), QStringLiteral("cur leverage optimal 7"),
    };
    struct Size { Index n, m, outRows, outCols; };
    const Size sizes[] = {
        {37, 53, 10, 17}, // fractional both ways
        {37, 53, 37, 20}, // rows untouched
        {37, 53, 13, 53}, // columns untouched
        {37, 53, 1, 1},   // one pixel: the global mean
        {37, 53, 50, 60}, // larger than the input: the reconstruction itself
        {37, 53, 36, 52}, // one less each way
        {40, 60, 7, 17},  // Monarch without padding (b = 4, 5 divide), fractional display
        {40, 60, 3, 2},   // display narrower than a Monarch block
    };
    for (const QString &v : variants)
        for (const Size &s : sizes)
            QTest::newRow(qPrintable(QStringLiteral("%1 %2x%3 -> %4x%5")
                                         .arg(v).arg(s.n).arg(s.m).arg(s.outRows).arg(s.outCols)))
                << v << s.n << s.m << s.outRows << s.outCols;
}

void TestPreview::matchesAveragedFullRebuild()
{
    QFETCH(QString, variant);
    QFETCH(Index, n);
    QFETCH(Index, m);
    QFETCH(Index, outRows);
    QFETCH(Index, outCols);
    const Variant v = variantFor(variant);
    std::vector<Matrix> channels = imageChannels(n, m);
    const auto models = modelsFor(v, channels);
    DisplayRebuilder rebuilder(models, v.method, outRows, outCols);
    QCOMPARE(rebuilder.rows(), std::min(outRows, n));
    QCOMPARE(rebuilder.cols(), std::min(outCols, m));
    QCOMPARE(rebuilder.channelCount(), Index(3));
    QCOMPARE(rebuilder.maxRank(), models[0]->maxRank());
    QCOMPARE(rebuilder.ranks(), std::vector<Index>(3, -1));
    QVERIFY(rebuilder.maxRank() >= 8); // Monarch b = 5 on 37 rows: Lo = 8

    for (Index rank : rankWalk(rebuilder.maxRank())) {
        const auto &planes = rebuilder.at(rank);
        QCOMPARE(planes.size(), std::size_t(3));
        for (std::size_t c = 0; c < 3; ++c) {
            QCOMPARE(rebuilder.ranks()[c], std::min(rank, models[c]->maxRank()));
            const Expected expected = expectedAt(*models[c], rank, outRows, outCols);
            QCOMPARE(planes[c].rows(), expected.values.rows());
            QCOMPARE(planes[c].cols(), expected.values.cols());
            const double dev = relativeDeviation(planes[c], expected);
            QVERIFY2(dev <= 1e-12, qPrintable(QStringLiteral("rank %1, channel %2: relative deviation %3")
                                                  .arg(rank).arg(c).arg(dev)));
        }
    }
}

void TestPreview::perChannelRanks_data()
{
    QTest::addColumn<QString>("variant");
    QTest::newRow("svd") << QStringLiteral("svd");
    QTest::newRow("id pivoted") << QStringLiteral("id pivoted");
    QTest::newRow("cr optimal m-i") << QStringLiteral("cr optimal m-i");
    QTest::newRow("cr top svd") << QStringLiteral("cr top svd");
    QTest::newRow("monarch 4") << QStringLiteral("monarch 4");
    QTest::newRow("cur qr optimal") << QStringLiteral("cur qr optimal");
    QTest::newRow("cur norm cross") << QStringLiteral("cur norm cross");
}

void TestPreview::perChannelRanks()
{
    // ycbcr: luma at one rank, both chroma channels at another; each channel moves on its own.
    QFETCH(QString, variant);
    const Variant v = variantFor(variant);
    std::vector<Matrix> rgb = imageChannels(29, 43);
    std::vector<Matrix> channels = imageToChannels(rgb, ColorMode::YCbCr);
    const auto models = modelsFor(v, channels);
    DisplayRebuilder rebuilder(models, v.method, 11, 16);
    const std::vector<std::vector<Index>> steps = {
        {5, 2, 2}, {9, 1, 1}, {9, 6, 6}, {0, 4, 4}, {3, 0, 0}, {8, 8, 8}, {2, 7, 3}};
    for (const std::vector<Index> &ranks : steps) {
        const auto &planes = rebuilder.atRanks(ranks);
        for (std::size_t c = 0; c < 3; ++c) // clamped (Monarch b = 4 on 29 rows: Lo = 8)
            QCOMPARE(rebuilder.ranks()[c], std::min(ranks[c], models[c]->maxRank()));
        for (std::size_t c = 0; c < 3; ++c) {
            const double dev = relativeDeviation(planes[c], expectedAt(*models[c], ranks[c], 11, 16));
            QVERIFY2(dev <= 1e-12, qPrintable(QStringLiteral("ranks %1/%2/%3, channel %4: %5")
                                                  .arg(ranks[0]).arg(ranks[1]).arg(ranks[2])
                                                  .arg(c).arg(dev)));
        }
    }
    // at() after atRanks: every channel at the same rank again.
    const auto &planes = rebuilder.at(4);
    for (std::size_t c = 0; c < 3; ++c)
        QVERIFY(relativeDeviation(planes[c], expectedAt(*models[c], 4, 11, 16)) <= 1e-12);
}

void TestPreview::limitedMaxRank()
{
    std::vector<Matrix> channels = {photoLike(30, 41, 4)};
    const auto models = modelsFor(variantFor(QStringLiteral("svd")), channels);
    DisplayRebuilder rebuilder(models, Method::Svd, 9, 14, 6);
    QCOMPARE(rebuilder.maxRank(), Index(6));
    QCOMPARE(rebuilder.maxRank(0), Index(6));
    rebuilder.at(20); // clamped to 6
    QCOMPARE(rebuilder.ranks()[0], Index(6));
    QVERIFY(relativeDeviation(rebuilder.at(20)[0], expectedAt(*models[0], 6, 9, 14)) <= 1e-12);
    QVERIFY(relativeDeviation(rebuilder.at(3)[0], expectedAt(*models[0], 3, 9, 14)) <= 1e-12);
}

void TestPreview::manyMovesStayExact()
{
    // Thousands of small moves (past the periodic clean rebuild) keep the planes exact.
    for (const QString &name : {QStringLiteral("svd"), QStringLiteral("cr uniform m-i"),
                                QStringLiteral("monarch 4")}) {
        const Variant v = variantFor(name);
        std::vector<Matrix> channels = {photoLike(33, 47, 5)};
        const auto models = modelsFor(v, channels);
        DisplayRebuilder rebuilder(models, v.method, 10, 13);
        const Index top = std::min<Index>(rebuilder.maxRank(), 30);
        core::Rng rng(3);
        Index rank = top / 2;
        for (int step = 0; step < 2500; ++step) {
            const Index move = Index(rng.below(5)) - 2; // −2 … 2
            rank = std::clamp<Index>(rank + move, 0, top);
            rebuilder.at(rank);
            if (step % 500 == 499 || step == 2499) {
                const double dev = relativeDeviation(rebuilder.at(rank)[0],
                                                     expectedAt(*models[0], rank, 10, 13));
                QVERIFY2(dev <= 1e-12, qPrintable(QStringLiteral("%1 step %2 rank %3: %4")
                                                      .arg(name).arg(step).arg(rank).arg(dev)));
            }
        }
    }
}

void TestPreview::floatPathIsClose_data()
{
    QTest::addColumn<QString>("variant");
    QTest::newRow("svd") << QStringLiteral("svd");
    QTest::newRow("rsvd") << QStringLiteral("rsvd");
    QTest::newRow("id row") << QStringLiteral("id row");
    QTest::newRow("cr optimal m-i") << QStringLiteral("cr optimal m-i");
    QTest::newRow("cr uniform x-y") << QStringLiteral("cr uniform x-y");
    QTest::newRow("monarch 5") << QStringLiteral("monarch 5");
    QTest::newRow("cur uniform optimal 6") << QStringLiteral("cur uniform optimal 6");
}

void TestPreview::floatPathIsClose()
{
    QFETCH(QString, variant);
    const Variant v = variantFor(variant);
    std::vector<Matrix> channels = imageChannels(37, 53);
    const auto models = modelsFor(v, channels);
    FastDisplayRebuilder fast(models, v.method, 12, 19);
    for (Index rank : rankWalk(fast.maxRank())) {
        const auto &planes = fast.at(rank);
        for (std::size_t c = 0; c < 3; ++c) {
            const double dev = relativeDeviation(planes[c], expectedAt(*models[c], rank, 12, 19));
            QVERIFY2(dev <= 2e-6, qPrintable(QStringLiteral("rank %1: %2").arg(rank).arg(dev)));
        }
    }
}

void TestPreview::pixelsMatchReference_data()
{
    QTest::addColumn<int>("channels");
    QTest::addColumn<ColorMode>("mode");
    QTest::addColumn<bool>("rgb32");
    for (bool rgb32 : {false, true}) {
        const char *f = rgb32 ? "rgb32" : "rgb888";
        QTest::newRow(qPrintable(QStringLiteral("gray %1").arg(QLatin1String(f)))) << 1 << ColorMode::Gray << rgb32;
        QTest::newRow(qPrintable(QStringLiteral("rgb %1").arg(QLatin1String(f)))) << 3 << ColorMode::Rgb << rgb32;
        QTest::newRow(qPrintable(QStringLiteral("ycbcr %1").arg(QLatin1String(f)))) << 3 << ColorMode::YCbCr << rgb32;
    }
}

void TestPreview::pixelsMatchReference()
{
    QFETCH(int, channels);
    QFETCH(ColorMode, mode);
    QFETCH(bool, rgb32);
    // 70×45 (more rows than one band, not a multiple of it), values beyond [0, 1] on both sides.
    const Index h = 70, w = 45;
    std::vector<Matrix> values;
    std::vector<DisplayPlane<double>> planes;
    std::vector<DisplayPlane<float>> fplanes;
    for (int c = 0; c < channels; ++c) {
        values.push_back(0.5 * Matrix::Ones(h, w) + 0.4 * test::gaussian(h, w, 20 + c));
        planes.emplace_back(values.back());
        fplanes.emplace_back(values.back().cast<float>());
    }
    const std::vector<Matrix> display = channelsToDisplay(values, mode);
    const auto to8 = [](double v) { return int(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
    const Index bpp = rgb32 ? 4 : 3;
    const Index stride = w * bpp + 5; // padded lines, as QImage's 4-byte alignment may give
    std::vector<std::uint8_t> bits(std::size_t(stride * h), 0xAB);
    std::vector<std::uint8_t> fbits(bits.size(), 0xAB);
    const PixelFormat format = rgb32 ? PixelFormat::Rgb32 : PixelFormat::Rgb888;
    writePixels(planes, mode, format, bits.data(), stride);
    writePixels(fplanes, mode, format, fbits.data(), stride);
    int floatOffByOne = 0;
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x) {
            int expected[3];
            for (int k = 0; k < 3; ++k)
                expected[k] = to8(display[display.size() == 1 ? 0 : std::size_t(k)](y, x));
            int got[3], gotF[3];
            const std::uint8_t *p = bits.data() + y * stride + x * bpp;
            const std::uint8_t *q = fbits.data() + y * stride + x * bpp;
            if (rgb32) {
                std::uint32_t word, wordF;
                std::memcpy(&word, p, 4);
                std::memcpy(&wordF, q, 4);
                QCOMPARE(word >> 24, 0xFFu);
                for (int k = 0; k < 3; ++k) {
                    got[k] = int((word >> (16 - 8 * k)) & 0xFF);
                    gotF[k] = int((wordF >> (16 - 8 * k)) & 0xFF);
                }
            } else {
                for (int k = 0; k < 3; ++k) {
                    got[k] = p[k];
                    gotF[k] = q[k];
                }
            }
            for (int k = 0; k < 3; ++k) {
                QCOMPARE(got[k], expected[k]);
                QVERIFY(std::abs(gotF[k] - expected[k]) <= 1);
                floatOffByOne += gotF[k] != expected[k];
            }
        }
    QVERIFY(floatOffByOne < 10); // rounding ties only
    // The line padding is left alone.
    for (Index y = 0; y < h; ++y)
        for (Index x = w * bpp; x < stride; ++x)
            QCOMPARE(int(bits[std::size_t(y * stride + x)]), 0xAB);
}

void TestPreview::badArguments()
{
    std::vector<Matrix> channels = {photoLike(20, 25, 6)};
    const auto svd = modelsFor(variantFor(QStringLiteral("svd")), channels);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder({}, Method::Svd, 4, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder({nullptr}, Method::Svd, 4, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(svd, Method::Svd, 0, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(svd, Method::Svd, 4, 0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(svd, Method::Svd, 4, 4, -1));
    // The model's class must match the method.
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(svd, Method::Id, 4, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(svd, Method::Monarch, 4, 4));
    // Shapes must agree.
    std::vector<Matrix> other = {photoLike(21, 25, 7)};
    auto mixed = svd;
    mixed.push_back(modelsFor(variantFor(QStringLiteral("svd")), other)[0]);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(mixed, Method::Svd, 4, 4));
    // A curve-only model cannot be rebuilt.
    std::vector<std::shared_ptr<const ChannelModel>> curveOnly = {
        factorise(channels[0], Method::Svd, MethodSettings(), 0, 0, false)};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, DisplayRebuilder(curveOnly, Method::Svd, 4, 4));

    DisplayRebuilder rebuilder(svd, Method::Svd, 4, 4);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rebuilder.at(-1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rebuilder.atRanks({1, 2}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rebuilder.atRanks({-2}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rebuilder.maxRank(1));
    std::vector<std::uint8_t> bits(64);
    using Planes = std::vector<DisplayPlane<double>>;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             writePixels(Planes(2, DisplayPlane<double>::Zero(2, 2)), ColorMode::Rgb,
                                         PixelFormat::Rgb888, bits.data(), 6));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             writePixels(Planes{DisplayPlane<double>::Zero(2, 2),
                                                DisplayPlane<double>::Zero(2, 2),
                                                DisplayPlane<double>::Zero(3, 2)},
                                         ColorMode::Rgb, PixelFormat::Rgb888, bits.data(), 6));
}

QTEST_APPLESS_MAIN(TestPreview)
#include "tst_preview.moc"
