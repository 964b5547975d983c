// SPDX-License-Identifier: MIT
// Rank for a target (core/target): against a brute-force scan of the curve over every rank
// (evaluateCurve for rel_err_fro, psnr_db and params; ssim() of every reconstruction), for every
// kind, every method, gray/rgb/ycbcr, targets between consecutive curve values, rank 0 and
// unreachable targets; ycbcr with the chroma rank fixed; cancellation and bad arguments.
#include "testutil.h"

#include "core/color.h"
#include "core/curve.h"
#include "core/metrics.h"
#include "core/target.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

using namespace factorscope;
using namespace factorscope::core;

Q_DECLARE_METATYPE(factorscope::core::ColorMode)
Q_DECLARE_METATYPE(factorscope::core::TargetKind)

namespace {

/// Smooth gradients, an edge and noise, in [0, 1]: an image with a slowly decaying spectrum.
Matrix photoLike(Index n, Index m, std::uint64_t seed)
{
    const Matrix noise = test::gaussian(n, m, seed);
    Matrix x(n, m);
    for (Index j = 0; j < m; ++j)
        for (Index i = 0; i < n; ++i) {
            const double smooth = 0.5 + 0.25 * std::sin(0.3 * i + 0.4 * seed) * std::cos(0.2 * j);
            const double edge = (2 * i + j > n + 5) ? 0.12 : -0.12;
            x(i, j) = std::clamp(smooth + edge + 0.05 * noise(i, j), 0.0, 1.0);
        }
    return x;
}

struct Setup
{
    Method method = Method::Svd;
    MethodSettings settings;
    Index maxRank = 0;
};

Setup setupFor(const QString &name)
{
    Setup s;
    s.settings.seed = 5;
    if (name == QLatin1String("svd")) {
        s.method = Method::Svd;
    } else if (name == QLatin1String("rsvd")) {
        s.method = Method::Rsvd;
        s.maxRank = 10;
        s.settings.rsvdPowerIterations = 1;
    } else if (name == QLatin1String("id pivoted")) {
        s.method = Method::Id;
    } else if (name == QLatin1String("id sketch")) {
        s.method = Method::Id;
        s.settings.idSelector = IdSelector::SketchPivotedQr;
        s.maxRank = 14;
    } else if (name == QLatin1String("cr top m-i")) {
        s.method = Method::Cr;
        s.settings.crRule = CrRule::Top;
        s.maxRank = 30;
    } else if (name == QLatin1String("cr optimal m-i")) {
        s.method = Method::Cr;
        s.maxRank = 40;
    } else if (name == QLatin1String("cr uniform svd")) {
        s.method = Method::Cr;
        s.settings.crRule = CrRule::Uniform;
        s.settings.crProduct = CrProduct::SvdFactors;
        s.maxRank = 40;
    } else if (name == QLatin1String("monarch 4")) {
        s.method = Method::Monarch;
        s.settings.monarchBlocks = 4; // 26×34: padded to 28×36
    } else {
        s.method = Method::Monarch;
        s.settings.monarchBlocks = 1;
    }
    return s;
}

struct Problem
{
    std::vector<Matrix> channels;
    std::vector<std::unique_ptr<ChannelModel>> owned;
    TargetProblem target;
};

Problem makeProblem(const Setup &s, ColorMode mode)
{
    Problem p;
    const Index n = 26, m = 34;
    const std::vector<Matrix> rgb = {photoLike(n, m, 1), photoLike(n, m, 2), photoLike(n, m, 3)};
    p.channels = imageToChannels(rgb, mode);
    for (const Matrix &c : p.channels) {
        p.owned.push_back(factorise(c, s.method, s.settings, s.maxRank, 0, true));
        p.target.models.push_back(p.owned.back().get());
    }
    p.target.inputNorm2 = squaredNorm(p.channels);
    ImageContext image;
    image.color = mode;
    image.displayOriginal = mode == ColorMode::Gray ? p.channels : rgb;
    p.target.image = image;
    return p;
}

/// The brute-force curve: every kind's value at every rank 0..R.
struct Curve
{
    std::vector<double> relErr, psnrDb, ssim, params;
};

Curve bruteForce(const Problem &p, const Setup &s)
{
    Index top = p.target.models[0]->maxRank();
    for (const ChannelModel *model : p.target.models)
        top = std::min(top, model->maxRank());
    std::vector<Index> ranks;
    for (Index r = 0; r <= top; ++r)
        ranks.push_back(r);
    std::vector<std::vector<const ChannelModel *>> models = {p.target.models};
    const std::vector<CurveRow> rows = evaluateCurve(p.channels, s.method, s.settings, models, ranks,
                                                     p.target.image, false, 0.0);
    Curve c;
    for (const CurveRow &row : rows) {
        c.relErr.push_back(row.relErrFro);
        c.psnrDb.push_back(*row.psnrDb);
        c.params.push_back(row.params);
        std::vector<Matrix> recon;
        for (const ChannelModel *model : p.target.models)
            recon.push_back(model->reconstruct(row.rank));
        c.ssim.push_back(ssim(p.target.image->displayOriginal,
                              channelsToDisplay(recon, p.target.image->color)));
    }
    return c;
}

bool meets(TargetKind kind, double value, double target)
{
    switch (kind) {
    case TargetKind::RelErrFro: return value <= target;
    case TargetKind::PsnrDb:
    case TargetKind::Ssim: return value >= target;
    case TargetKind::StoredNumbers: return value <= target;
    }
    return false;
}

/// First rank meeting the target (largest within the budget for stored numbers).
std::optional<Index> expectedRank(TargetKind kind, const std::vector<double> &values, double target)
{
    std::optional<Index> found;
    for (std::size_t r = 0; r < values.size(); ++r)
        if (meets(kind, values[r], target)) {
            found = Index(r);
            if (kind != TargetKind::StoredNumbers)
                break;
        }
    return found;
}

/// True when a PSNR or SSIM value only measures rounding (an exact reconstruction at a top
/// rank): the search's incrementally built reconstructions and reconstruct() differ there in the
/// last bits, so such values cannot separate ranks.
bool roundingLevel(TargetKind kind, double value)
{
    if (kind == TargetKind::PsnrDb)
        return value > 150.0;
    if (kind == TargetKind::Ssim)
        return value > 1.0 - 1e-9;
    return false;
}

/// Targets: between the values at consecutive ranks around a spread of ranks, plus the ends.
std::vector<double> targetsFor(TargetKind kind, const std::vector<double> &values)
{
    std::vector<double> targets;
    const Index top = Index(values.size()) - 1;
    for (Index r : {Index(1), Index(2), top / 4, top / 3, top / 2, (2 * top) / 3, top - 1, top}) {
        if (r < 1 || r > top)
            continue;
        const double a = values[std::size_t(r - 1)], b = values[std::size_t(r)];
        if (std::isfinite(a) && std::isfinite(b) && a != b && !roundingLevel(kind, a)
            && !roundingLevel(kind, b))
            targets.push_back(0.5 * (a + b));
    }
    switch (kind) {
    case TargetKind::RelErrFro:
        targets.push_back(1.01); // rank 0 (relative error 1)
        targets.push_back(-0.5); // unreachable
        break;
    case TargetKind::PsnrDb: {
        double best = -std::numeric_limits<double>::infinity();
        for (double v : values)
            best = std::max(best, v);
        // Unreachable: above the best value, or far above rounding when the top rank is exact.
        targets.push_back(roundingLevel(kind, best) ? 1000.0 : best + 1.0);
        targets.push_back(-10.0);          // rank 0
        break;
    }
    case TargetKind::Ssim:
        targets.push_back(1.5);  // unreachable
        targets.push_back(-1.0); // rank 0
        break;
    case TargetKind::StoredNumbers:
        targets.push_back(-1.0);  // unreachable: nothing fits
        targets.push_back(0.0);   // rank 0
        targets.push_back(1e300); // everything fits: the top rank
        break;
    }
    return targets;
}

const std::vector<double> &valuesOf(const Curve &c, TargetKind kind)
{
    switch (kind) {
    case TargetKind::RelErrFro: return c.relErr;
    case TargetKind::PsnrDb: return c.psnrDb;
    case TargetKind::Ssim: return c.ssim;
    case TargetKind::StoredNumbers: return c.params;
    }
    return c.relErr;
}

QString kindName(TargetKind kind)
{
    switch (kind) {
    case TargetKind::RelErrFro: return QStringLiteral("rel_err");
    case TargetKind::PsnrDb: return QStringLiteral("psnr");
    case TargetKind::Ssim: return QStringLiteral("ssim");
    case TargetKind::StoredNumbers: return QStringLiteral("stored");
    }
    return {};
}

class CancelAfter final : public Progress
{
public:
    explicit CancelAfter(int calls) : m_left(calls) {}
    bool isCancelled() const override { return --m_left < 0; }

private:
    mutable int m_left;
};

} // namespace

class TestTarget : public QObject
{
    Q_OBJECT

private slots:
    void matchesBruteForce_data();
    void matchesBruteForce();
    void ycbcrWithFixedChroma_data();
    void ycbcrWithFixedChroma();
    void zeroMatrix();
    void cancellation();
    void badArguments();
};

void TestTarget::matchesBruteForce_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<ColorMode>("mode");
    QTest::addColumn<TargetKind>("kind");
    const QStringList setups = {QStringLiteral("svd"),           QStringLiteral("rsvd"),
                                QStringLiteral("id pivoted"),    QStringLiteral("id sketch"),
                                QStringLiteral("cr top m-i"),    QStringLiteral("cr optimal m-i"),
                                QStringLiteral("cr uniform svd"), QStringLiteral("monarch 4"),
                                QStringLiteral("monarch 1")};
    const std::pair<ColorMode, const char *> modes[] = {
        {ColorMode::Gray, "gray"}, {ColorMode::Rgb, "rgb"}, {ColorMode::YCbCr, "ycbcr"}};
    for (const QString &setup : setups)
        for (const auto &[mode, modeName] : modes)
            for (TargetKind kind : {TargetKind::RelErrFro, TargetKind::PsnrDb, TargetKind::Ssim,
                                    TargetKind::StoredNumbers})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2 %3")
                                             .arg(setup, QLatin1String(modeName), kindName(kind))))
                    << setup << mode << kind;
}

void TestTarget::matchesBruteForce()
{
    QFETCH(QString, setup);
    QFETCH(ColorMode, mode);
    QFETCH(TargetKind, kind);
    const Setup s = setupFor(setup);
    const Problem p = makeProblem(s, mode);
    const Curve curve = bruteForce(p, s);
    const std::vector<double> &values = valuesOf(curve, kind);
    QVERIFY(values.size() >= 8);
    const bool searched = kind == TargetKind::PsnrDb || kind == TargetKind::Ssim;
    int compared = 0, exact = 0;
    for (double target : targetsFor(kind, values)) {
        const std::optional<Index> expected = expectedRank(kind, values, target);
        const std::optional<Index> got = rankForTarget(p.target, kind, target);
        const QString what = QStringLiteral("target %1: expected %2, got %3")
                                 .arg(target, 0, 'g', 17)
                                 .arg(expected ? QString::number(*expected) : QStringLiteral("none"))
                                 .arg(got ? QString::number(*got) : QStringLiteral("none"));
        ++compared;
        // The scans (rel err, stored numbers) are exact for every method. The PSNR/SSIM search
        // is exact whenever the target, once met, stays met at every higher rank; otherwise
        // (CR's random draws) it must return a rank that meets the target with the rank below
        // it missing it, or none only if the top rank misses it.
        bool monotoneAfter = true;
        if (expected)
            for (std::size_t r = std::size_t(*expected); r < values.size(); ++r)
                monotoneAfter = monotoneAfter && meets(kind, values[r], target);
        exact += got == expected;
        if (!searched || monotoneAfter || !expected) {
            QVERIFY2(got == expected, qPrintable(what));
        } else {
            QVERIFY2(got.has_value() || !meets(kind, values.back(), target), qPrintable(what));
            if (got) {
                QVERIFY2(meets(kind, values[std::size_t(*got)], target), qPrintable(what));
                QVERIFY2(*got == 0 || !meets(kind, values[std::size_t(*got - 1)], target),
                         qPrintable(what));
            }
        }
    }
    QVERIFY(compared >= 8);
    // Deterministic methods: the search finds the true first rank for every target on this image
    // (including SSIM's dip from rank 0 to rank 1 for ID, where rank 0 is checked first).
    if (s.method != Method::Cr)
        QCOMPARE(exact, compared);
}

void TestTarget::ycbcrWithFixedChroma_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<TargetKind>("kind");
    for (const QString &setup : {QStringLiteral("svd"), QStringLiteral("id pivoted"),
                                 QStringLiteral("monarch 4")})
        for (TargetKind kind : {TargetKind::RelErrFro, TargetKind::PsnrDb, TargetKind::Ssim,
                                TargetKind::StoredNumbers})
            QTest::newRow(qPrintable(setup + QLatin1Char(' ') + kindName(kind))) << setup << kind;
}

void TestTarget::ycbcrWithFixedChroma()
{
    // Luma searched, chroma fixed at rank 2: brute force with ranks (r, 2, 2).
    QFETCH(QString, setup);
    QFETCH(TargetKind, kind);
    const Setup s = setupFor(setup);
    Problem p = makeProblem(s, ColorMode::YCbCr);
    p.target.fixedRanks = {std::nullopt, Index(2), Index(2)};
    const Index top = targetMaxRank(p.target);
    QCOMPARE(top, p.target.models[0]->maxRank());
    QCOMPARE(targetChannelRanks(p.target, 5), (std::vector<Index>{5, 2, 2}));
    std::vector<double> values;
    const std::vector<Matrix> chroma = {p.target.models[1]->reconstruct(2),
                                        p.target.models[2]->reconstruct(2)};
    for (Index r = 0; r <= top; ++r) {
        const std::vector<Matrix> recon = {p.target.models[0]->reconstruct(r), chroma[0], chroma[1]};
        const std::vector<Matrix> shown = channelsToDisplay(recon, ColorMode::YCbCr);
        switch (kind) {
        case TargetKind::RelErrFro:
            values.push_back(relErrFro(p.channels, recon));
            break;
        case TargetKind::PsnrDb:
            values.push_back(psnr(p.target.image->displayOriginal, shown));
            break;
        case TargetKind::Ssim:
            values.push_back(ssim(p.target.image->displayOriginal, shown));
            break;
        case TargetKind::StoredNumbers:
            values.push_back(p.target.models[0]->storedParams(r) + p.target.models[1]->storedParams(2)
                             + p.target.models[2]->storedParams(2));
            break;
        }
    }
    std::vector<double> targets = targetsFor(kind, values);
    for (double target : targets) {
        const std::optional<Index> expected = expectedRank(kind, values, target);
        const std::optional<Index> got = rankForTarget(p.target, kind, target);
        QVERIFY2(got == expected,
                 qPrintable(QStringLiteral("target %1: expected %2, got %3")
                                .arg(target, 0, 'g', 17)
                                .arg(expected ? QString::number(*expected) : QStringLiteral("none"))
                                .arg(got ? QString::number(*got) : QStringLiteral("none"))));
    }
    // With the chroma error fixed, a relative error below it is out of reach at any luma rank.
    if (kind == TargetKind::RelErrFro) {
        const double floor = std::sqrt((p.target.models[1]->errFro2(2) + p.target.models[2]->errFro2(2))
                                       / p.target.inputNorm2);
        QVERIFY(!rankForTarget(p.target, kind, 0.9 * floor).has_value());
    }
}

void TestTarget::zeroMatrix()
{
    // ‖M‖ = 0: relative error 0 at every rank (design.md), so rank 0 reaches any target ≥ 0.
    const Matrix zero = Matrix::Zero(15, 13);
    auto model = factorise(zero, Method::Svd, MethodSettings(), 0, 0, true);
    TargetProblem problem;
    problem.models = {model.get()};
    problem.inputNorm2 = 0.0;
    QCOMPARE(rankForTarget(problem, TargetKind::RelErrFro, 0.0), std::optional<Index>(0));
    QCOMPARE(rankForTarget(problem, TargetKind::RelErrFro, -1.0), std::optional<Index>());
}

void TestTarget::cancellation()
{
    const Setup s = setupFor(QStringLiteral("svd"));
    const Problem p = makeProblem(s, ColorMode::Rgb);
    CancelAfter stop(1);
    QVERIFY_THROWS_EXCEPTION(Cancelled, rankForTarget(p.target, TargetKind::Ssim, 0.999, &stop));
}

void TestTarget::badArguments()
{
    const Setup s = setupFor(QStringLiteral("svd"));
    Problem p = makeProblem(s, ColorMode::Rgb);
    TargetProblem empty;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(empty, TargetKind::RelErrFro, 0.1));
    TargetProblem withNull = p.target;
    withNull.models[1] = nullptr;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(withNull, TargetKind::RelErrFro, 0.1));
    TargetProblem noImage = p.target;
    noImage.image.reset();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(noImage, TargetKind::PsnrDb, 30.0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(noImage, TargetKind::Ssim, 0.9));
    // Rel err and stored numbers need no image.
    QVERIFY(rankForTarget(noImage, TargetKind::RelErrFro, 0.5).has_value());
    TargetProblem wrongFixed = p.target;
    wrongFixed.fixedRanks = {std::nullopt, Index(1)};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(wrongFixed, TargetKind::RelErrFro, 0.1));
    wrongFixed.fixedRanks = {std::nullopt, Index(-1), Index(1)};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(wrongFixed, TargetKind::RelErrFro, 0.1));
    // A curve-only model cannot give PSNR or SSIM.
    auto curveOnly = factorise(p.channels[0], Method::Svd, MethodSettings(), 0, 0, false);
    TargetProblem values = p.target;
    values.models[0] = curveOnly.get();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rankForTarget(values, TargetKind::PsnrDb, 30.0));
    QVERIFY(rankForTarget(values, TargetKind::RelErrFro, 0.5).has_value());
}

QTEST_APPLESS_MAIN(TestTarget)
#include "tst_target.moc"
