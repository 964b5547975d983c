// SPDX-License-Identifier: MIT
// The curve engine: every row equals reconstruct-and-measure, trials are aggregated as
// documented, ranks a method cannot use are left out, and the CSV is as design.md specifies.
#include "testutil.h"

#include "core/curve.h"
#include "core/metrics.h"
#include "core/svd.h"

#include <QtTest>

#include <sstream>

using namespace factorscope;
using namespace factorscope::core;
using factorscope::test::relDiff;

Q_DECLARE_METATYPE(factorscope::core::Method)

namespace {
struct Case
{
    Method method;
    MethodSettings settings;
};
} // namespace
Q_DECLARE_METATYPE(Case)

class TestCurve : public QObject
{
    Q_OBJECT

private slots:
    void rowsEqualReconstructAndMeasure_data();
    void rowsEqualReconstructAndMeasure();
    void svdSpectralIsExact();
    void spectralEstimatesAreLabelled();
    void imagePsnr();
    void ranksBeyondUsableAreLeftOut();
    void sketchIsStated_data();
    void sketchIsStated();
    void csvFormat();
    void partialEqualsFull();
    void partialImagePsnr();
    void parseRanks_data();
    void parseRanks();
};

void TestCurve::rowsEqualReconstructAndMeasure_data()
{
    QTest::addColumn<Case>("c");
    MethodSettings s;
    s.trials = 4;
    s.seed = 9;
    s.monarchBlocks = 4;
    QTest::newRow("svd") << Case{Method::Svd, s};
    QTest::newRow("rsvd") << Case{Method::Rsvd, s};
    QTest::newRow("id pivoted qr") << Case{Method::Id, s};
    MethodSettings sketch = s;
    sketch.idSelector = IdSelector::SketchPivotedQr;
    QTest::newRow("id sketch") << Case{Method::Id, sketch};
    for (CrRule rule : {CrRule::Top, CrRule::Optimal, CrRule::Uniform}) {
        MethodSettings c = s;
        c.crRule = rule;
        QTest::newRow(("cr " + methodVariant(Method::Cr, c)).c_str()) << Case{Method::Cr, c};
    }
    MethodSettings svdProduct = s;
    svdProduct.crProduct = CrProduct::SvdFactors;
    QTest::newRow("cr svd factors") << Case{Method::Cr, svdProduct};
    QTest::newRow("monarch 4 blocks") << Case{Method::Monarch, s};
    MethodSettings padded = s;
    padded.monarchBlocks = 7;
    QTest::newRow("monarch 7 blocks (padded)") << Case{Method::Monarch, padded};
}

void TestCurve::rowsEqualReconstructAndMeasure()
{
    QFETCH(Case, c);
    // Two channels of different character: the error is over both together.
    const std::vector<Matrix> channels = {test::gaussian(24, 20, 1), test::lowRank(24, 20, 3, 2)};
    CurveRequest req;
    req.methods = {c.method};
    req.ranks = {1, 2, 3, 5};
    req.settings = c.settings;
    const CurveResult result = computeCurves(channels, req);
    const Index usable = maxUsableRank(c.method, 24, 20, c.settings);
    const std::size_t expectedRows = std::size_t(std::count_if(req.ranks.begin(), req.ranks.end(), [&](Index r) { return r <= usable; }));
    QCOMPARE(result.rows.size(), expectedRows);
    QVERIFY(expectedRows >= 3);
    const bool randomized = isRandomized(c.method, c.settings);
    const int trials = randomized ? c.settings.trials : 1;
    const double total = squaredNorm(channels);
    for (const CurveRow &row : result.rows) {
        std::vector<double> rel;
        double params = 0;
        double expected2 = 0;
        for (int t = 0; t < trials; ++t) {
            double err2 = 0;
            params = 0;
            expected2 = 0;
            for (const Matrix &ch : channels) {
                const auto model = factorise(ch, c.method, c.settings, 5, t, true);
                err2 += (ch - model->reconstruct(row.rank)).squaredNorm();
                params += model->storedParams(row.rank);
                if (c.method == Method::Cr)
                    expected2 += static_cast<const CrModel &>(*model).expectedErrFro2(row.rank);
            }
            rel.push_back(std::sqrt(err2 / total));
        }
        double mean = 0;
        for (double v : rel)
            mean += v / trials;
        QVERIFY2(std::abs(row.relErrFro - mean) <= 1e-9 * mean + 1e-14, // exact zeros measure as ~1e-16
                 qPrintable(QStringLiteral("rank %1: %2 vs %3").arg(row.rank).arg(row.relErrFro, 0, 'g', 17).arg(mean, 0, 'g', 17)));
        QCOMPARE(row.params, params);
        QCOMPARE(row.method, methodName(c.method));
        if (randomized) {
            QCOMPARE(row.trials, trials);
            QVERIFY(relDiff(*row.relErrFroMin, *std::min_element(rel.begin(), rel.end())) < 1e-9);
            QVERIFY(relDiff(*row.relErrFroMax, *std::max_element(rel.begin(), rel.end())) < 1e-9);
        } else {
            QCOMPARE(row.trials, 0);
            QVERIFY(!row.relErrFroMin && !row.relErrFroMax);
        }
        QCOMPARE(bool(row.relErrFroExpected), c.method == Method::Cr);
        if (c.method == Method::Cr)
            QVERIFY(relDiff(*row.relErrFroExpected, std::sqrt(expected2 / total)) < 1e-12);
        QVERIFY(!row.psnrDb); // matrices have no PSNR
    }
}

void TestCurve::svdSpectralIsExact()
{
    const Matrix a = test::gaussian(30, 25, 4);
    CurveRequest req;
    req.methods = {Method::Svd};
    req.ranks = {0, 1, 7};
    const CurveResult r = computeCurves({a}, req);
    const auto svd = factorise(a, Method::Svd, {}, 25, 0, false);
    const double s0 = *svd->errSpecExact(0);
    QCOMPARE(r.rows.size(), std::size_t(3));
    for (const CurveRow &row : r.rows) {
        QVERIFY(row.relErrSpec && !row.relErrSpecEstimated);
        QVERIFY(relDiff(*row.relErrSpec, *svd->errSpecExact(row.rank) / s0) < 1e-14);
    }
    QCOMPARE(r.rows[0].relErrFro, 1.0);
}

void TestCurve::spectralEstimatesAreLabelled()
{
    const Matrix a = test::gaussian(30, 25, 5);
    CurveRequest req;
    req.methods = {Method::Id, Method::Monarch};
    req.settings.monarchBlocks = 5;
    req.ranks = {2};
    req.spectralEstimates = true;
    const CurveResult r = computeCurves({a}, req);
    QCOMPARE(r.rows.size(), std::size_t(2));
    for (const CurveRow &row : r.rows) {
        QVERIFY(row.relErrSpec && row.relErrSpecEstimated);
        const auto model = factorise(a, parseMethod(row.method).value(), req.settings, 2, 0, true);
        Eigen::BDCSVD<Matrix> e(a - model->reconstruct(2)), m(a);
        QVERIFY(relDiff(*row.relErrSpec, e.singularValues()[0] / m.singularValues()[0]) < 1e-4);
    }
    req.spectralEstimates = false;
    for (const CurveRow &row : computeCurves({a}, req).rows)
        QVERIFY(!row.relErrSpec);
}

void TestCurve::imagePsnr()
{
    // A 3-channel "image" in YCbCr mode: PSNR is measured on the displayed RGB, clamped.
    std::vector<Matrix> rgb;
    for (int c = 0; c < 3; ++c)
        rgb.push_back(test::gaussian(20, 24, 20 + c).cwiseAbs().cwiseMin(1.0));
    for (ColorMode mode : {ColorMode::Gray, ColorMode::Rgb, ColorMode::YCbCr}) {
        const auto channels = imageToChannels(rgb, mode);
        CurveRequest req;
        req.methods = {Method::Svd};
        req.ranks = {3};
        ImageContext ctx;
        ctx.color = mode;
        ctx.displayOriginal = mode == ColorMode::Gray ? channels : rgb;
        req.image = ctx;
        const CurveResult r = computeCurves(channels, req);
        std::vector<Matrix> approx;
        for (const Matrix &ch : channels)
            approx.push_back(factorise(ch, Method::Svd, {}, 3, 0, true)->reconstruct(3));
        const double expected = psnr(ctx.displayOriginal, channelsToDisplay(approx, mode));
        QVERIFY(r.rows[0].psnrDb);
        QVERIFY2(relDiff(*r.rows[0].psnrDb, expected) < 1e-12, qPrintable(colorModeName(mode).c_str()));
    }
}

void TestCurve::ranksBeyondUsableAreLeftOut()
{
    const Matrix a = test::gaussian(12, 9, 6);
    CurveRequest req;
    req.methods = {Method::Svd, Method::Monarch};
    req.settings.monarchBlocks = 3; // slices 4×3: block rank at most 3
    req.ranks = {1, 3, 4, 9, 10, 11};
    const CurveResult r = computeCurves({a}, req);
    std::vector<Index> svdRanks, monarchRanks;
    for (const CurveRow &row : r.rows)
        (row.method == "svd" ? svdRanks : monarchRanks).push_back(row.rank);
    QCOMPARE(svdRanks, (std::vector<Index>{1, 3, 4, 9}));
    QCOMPARE(monarchRanks, (std::vector<Index>{1, 3}));
    QCOMPARE(r.notes.size(), std::size_t(2));
    QVERIFY(QString::fromStdString(r.notes[0]).contains(QStringLiteral("largest usable rank is 9")));
    QVERIFY(QString::fromStdString(r.notes[1]).contains(QStringLiteral("monarch")));
}

void TestCurve::sketchIsStated_data()
{
    QTest::addColumn<Case>("c");
    MethodSettings s;
    s.trials = 3;
    s.seed = 4;
    s.rsvdPowerIterations = 1;
    QTest::newRow("rsvd") << Case{Method::Rsvd, s};
    s.idSelector = IdSelector::SketchPivotedQr;
    QTest::newRow("id sketch") << Case{Method::Id, s};
    s.rowId = true;
    QTest::newRow("row id sketch") << Case{Method::Id, s};
}

void TestCurve::sketchIsStated()
{
    // The numbers of a sketched method depend on the sketch, not on the ranks asked for: left
    // to the default (largest rank + p) the sketch is stated in the variant and the metadata,
    // and the same stated sketch repeats every row exactly whatever ranks are asked for.
    QFETCH(Case, c);
    Vector sigma(50);
    for (Index i = 0; i < sigma.size(); ++i)
        sigma[i] = std::pow(0.93, double(i));
    const Matrix a = test::withSpectrum(60, 50, sigma, 8);
    const bool rsvd = c.method == Method::Rsvd;
    const std::string symbol = rsvd ? "p=10;q=1;sketch=" : "sketch;d=";
    const std::string suffix = c.settings.rowId ? ";rows" : "";

    CurveRequest automatic;
    automatic.methods = {c.method};
    automatic.settings = c.settings;
    for (Index r = 1; r <= 30; ++r)
        automatic.ranks.push_back(r);
    const CurveResult wide = computeCurves({a}, automatic);
    QCOMPARE(wide.rows.size(), std::size_t(30));
    QCOMPARE(wide.rows[0].variant, symbol + "40" + suffix);
    QCOMPARE(wide.computed.size(), std::size_t(1));
    QVERIFY2(wide.computed[0].find("= 40 (r_max 30 + p 10)") != std::string::npos, wide.computed[0].c_str());
    QVERIFY(wide.computed[0].find("3 trials, seed 4") != std::string::npos);

    CurveRequest stated = automatic;
    stated.settings.sketch = 40;
    stated.ranks = {1, 2, 3};
    const CurveResult narrow = computeCurves({a}, stated);
    QCOMPARE(narrow.rows.size(), std::size_t(3));
    for (std::size_t i = 0; i < narrow.rows.size(); ++i) {
        QCOMPARE(narrow.rows[i].variant, wide.rows[i].variant);
        QCOMPARE(narrow.rows[i].relErrFro, wide.rows[i].relErrFro);
        QCOMPARE(*narrow.rows[i].relErrFroMin, *wide.rows[i].relErrFroMin);
        QCOMPARE(*narrow.rows[i].relErrFroMax, *wide.rows[i].relErrFroMax);
    }
    QCOMPARE(narrow.computed, wide.computed);

    // Left to the default, ranks 1..3 sketch 13 and give other numbers.
    automatic.ranks = {1, 2, 3};
    const CurveResult small = computeCurves({a}, automatic);
    QCOMPARE(small.rows[2].variant, symbol + "13" + suffix);
    QVERIFY(std::abs(small.rows[2].relErrFro - narrow.rows[2].relErrFro) > 1e-6);

    // A stated sketch serves ranks up to sketch − p, or all once it covers what it sketches.
    QCOMPARE(maxUsableRank(c.method, 60, 50, stated.settings), Index(30));
    MethodSettings covering = c.settings;
    covering.sketch = rsvd ? 50 : c.settings.rowId ? 50 : 60;
    QCOMPARE(maxUsableRank(c.method, 60, 50, covering), Index(50));
    QCOMPARE(sketchSize(c.method, 60, 50, c.settings, 45), rsvd || c.settings.rowId ? Index(50) : Index(55));
    stated.ranks = {1, 31, 35};
    const CurveResult capped = computeCurves({a}, stated);
    QCOMPARE(capped.rows.size(), std::size_t(1));
    QCOMPARE(capped.notes.size(), std::size_t(1));
    QVERIFY2(capped.notes[0].find("largest usable rank is 30 (the sketch of 40 less the oversampling p = 10)")
                 != std::string::npos, capped.notes[0].c_str());

    // Methods without a sketch are left as they are.
    MethodSettings qr;
    qr.sketch = 99;
    QCOMPARE(statedSettings(Method::Svd, 60, 50, qr, 10).sketch, Index(99));
    QVERIFY(!usesSketch(Method::Id, qr) && !usesSketch(Method::Cr, qr) && usesSketch(Method::Rsvd, qr));
    QCOMPARE(methodVariant(Method::Id, qr), std::string("pivoted-qr"));
}

void TestCurve::csvFormat()
{
    CurveResult r;
    CurveRow row;
    row.method = "cr";
    row.variant = "optimal";
    row.rank = 3;
    row.params = 60;
    row.relErrFro = 1.0 / 3.0;
    row.trials = 5;
    row.relErrFroMin = 0.25;
    row.relErrFroMax = 0.5;
    row.relErrFroExpected = 0.4;
    r.rows.push_back(row);
    CsvMetadata meta;
    meta.input = "m.npy";
    meta.rows = 4;
    meta.cols = 5;
    std::ostringstream out;
    writeCurveCsv(out, r, meta);
    const QStringList lines = QString::fromStdString(out.str()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines[0], QStringLiteral("# input: m.npy"));
    QCOMPARE(lines[1], QStringLiteral("# shape: 4 x 5 x 1"));
    QVERIFY(lines[2].startsWith(QStringLiteral("# factorscope: ")));
    QCOMPARE(lines[3], QStringLiteral("method,variant,rank,params,rel_err_fro,rel_err_spec,psnr_db,rel_err_fro_min,"
                                      "rel_err_fro_max,trials,rel_err_fro_expected,rel_err_spec_kind"));
    QCOMPARE(lines[4], QStringLiteral("cr,optimal,3,60,0.33333333333333331,,,0.25,0.5,5,0.40000000000000002,"));
    QCOMPARE(QString::fromStdString(formatNumber(0.1)).toDouble(), 0.1); // round trip at 17 digits

    // Further metadata lines come after the colour, before the version.
    meta.color = "ycbcr";
    meta.lines = {"cr: how", "chroma rank: 3"};
    std::ostringstream more;
    writeCurveCsv(more, r, meta);
    const QStringList withLines = QString::fromStdString(more.str()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(withLines.mid(2, 3), QStringList({QStringLiteral("# color: ycbcr"), QStringLiteral("# cr: how"),
                                               QStringLiteral("# chroma rank: 3")}));
    QVERIFY(withLines[5].startsWith(QStringLiteral("# factorscope: ")));
}

// Factorising only up to the largest rank asked (the default) gives the rows of the complete
// factorisation (--full), and the metadata says which was used.
void TestCurve::partialEqualsFull()
{
    Vector sigma(300);
    for (Index i = 0; i < 300; ++i)
        sigma[i] = std::pow(1.0 + double(i), -1.2);
    const std::vector<Matrix> channels = {test::withSpectrum(420, 300, sigma, 3), test::gaussian(420, 300, 4)};
    CurveRequest req;
    req.methods = {Method::Svd, Method::Id, Method::Monarch};
    req.settings.monarchBlocks = 6;
    for (Index r = 1; r <= 24; ++r)
        req.ranks.push_back(r);
    const CurveResult partial = computeCurves(channels, req);
    req.settings.fullFactorisation = true;
    const CurveResult full = computeCurves(channels, req);
    QCOMPARE(partial.rows.size(), full.rows.size());
    for (std::size_t i = 0; i < partial.rows.size(); ++i) {
        const CurveRow &p = partial.rows[i], &f = full.rows[i];
        QCOMPARE(p.method, f.method);
        QCOMPARE(p.rank, f.rank);
        QVERIFY2(relDiff(p.relErrFro, f.relErrFro) < 1e-10,
                 qPrintable(QStringLiteral("%1 rank %2: %3 vs %4").arg(QString::fromStdString(p.method)).arg(p.rank)
                                .arg(p.relErrFro, 0, 'g', 17).arg(f.relErrFro, 0, 'g', 17)));
        QCOMPARE(bool(p.relErrSpec), bool(f.relErrSpec));
        if (p.relErrSpec)
            QVERIFY(relDiff(*p.relErrSpec, *f.relErrSpec) < 1e-10);
    }
    QCOMPARE(partial.computed.size(), std::size_t(3));
    QVERIFY(QString::fromStdString(partial.computed[0]).startsWith(QStringLiteral("svd: exact SVD; partial, k = 24, block Lanczos")));
    QVERIFY(QString::fromStdString(partial.computed[0]).contains(QStringLiteral(", certified: residuals")));
    QVERIFY(!QString::fromStdString(partial.computed[0]).contains(QStringLiteral("dgesdd")));
    QVERIFY(QString::fromStdString(partial.computed[1]).startsWith(QStringLiteral("id: column ID, pivoted QR of the matrix (deterministic); partial, k = 24, pivoted QR stopped")));
    QVERIFY(QString::fromStdString(partial.computed[2]).contains(QStringLiteral("every block rank")));
    QVERIFY(QString::fromStdString(full.computed[0]).startsWith(QStringLiteral("svd: exact SVD; full, dgesdd")));
    QVERIFY(QString::fromStdString(full.computed[1]).contains(QStringLiteral("; full, dgeqp3")));
    std::ostringstream out;
    CsvMetadata meta;
    meta.lines = partial.computed;
    writeCurveCsv(out, partial, meta);
    QVERIFY(QString::fromStdString(out.str()).contains(QStringLiteral("\n# svd: exact SVD; partial, k = 24")));
}

// PSNR from the partial SVD's reconstructions equals PSNR measured on the displayed planes, in
// every colour mode (the curve forms no displayed planes itself).
void TestCurve::partialImagePsnr()
{
    std::vector<Matrix> rgb;
    for (int c = 0; c < 3; ++c)
        rgb.push_back(test::gaussian(300, 280, 30 + c).cwiseAbs().cwiseMin(1.0));
    for (ColorMode mode : {ColorMode::Gray, ColorMode::Rgb, ColorMode::YCbCr}) {
        const auto channels = imageToChannels(rgb, mode);
        CurveRequest req;
        req.methods = {Method::Svd};
        req.ranks = {2, 9};
        ImageContext ctx;
        ctx.color = mode;
        ctx.displayOriginal = mode == ColorMode::Gray ? channels : rgb;
        req.image = ctx;
        const CurveResult r = computeCurves(channels, req);
        QVERIFY(QString::fromStdString(r.computed[0]).startsWith(QStringLiteral("svd: exact SVD; partial")));
        for (const CurveRow &row : r.rows) {
            std::vector<Matrix> approx;
            for (const Matrix &ch : channels)
                approx.push_back(computeSvd(ch)->reconstruct(row.rank));
            const double expected = psnr(ctx.displayOriginal, channelsToDisplay(approx, mode));
            QVERIFY2(relDiff(*row.psnrDb, expected) < 1e-10, qPrintable(colorModeName(mode).c_str()));
        }
    }
}

void TestCurve::parseRanks_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("range") << "1:4" << QList<int>{1, 2, 3, 4};
    QTest::newRow("list") << "1,2,4,8" << QList<int>{1, 2, 4, 8};
    QTest::newRow("stepped") << "1:10:4" << QList<int>{1, 5, 9};
    QTest::newRow("mixed") << "2,5:6" << QList<int>{2, 5, 6};
    QTest::newRow("bad word") << "abc" << QList<int>{};
    QTest::newRow("reversed") << "5:1" << QList<int>{};
    QTest::newRow("zero step") << "1:5:0" << QList<int>{};
    QTest::newRow("negative") << "-3" << QList<int>{};
    QTest::newRow("empty") << "" << QList<int>{};
}

void TestCurve::parseRanks()
{
    QFETCH(QString, text);
    QFETCH(QList<int>, expected);
    std::string error;
    const auto ranks = core::parseRanks(text.toStdString(), &error);
    if (expected.isEmpty()) {
        QVERIFY(!ranks);
        QVERIFY(!error.empty());
        return;
    }
    QVERIFY(ranks);
    QCOMPARE(int(ranks->size()), expected.size());
    for (int i = 0; i < expected.size(); ++i)
        QCOMPARE(int((*ranks)[std::size_t(i)]), expected[i]);
}

QTEST_APPLESS_MAIN(TestCurve)
#include "tst_curve.moc"
