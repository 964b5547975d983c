// SPDX-License-Identifier: MIT
// DisplayPreview (issue 4 §1): the display-resolution rebuilder is set up on the runner, never on
// the GUI thread; until it can answer, planes() says so (null) and ready() follows; what it then
// gives equals the full-resolution reconstruction (or difference) averaged down, for ranks below
// and above the quick first rebuilder's; a cancelled set-up starts again.
#include "app/displaypreview.h"

#include "core/display.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QSignalSpy>
#include <QWidget>
#include <QtTest>

#include <cmath>
#include <random>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Matrix;

namespace {

/// A 300 × 420 matrix: smooth structure plus deterministic noise, so that the spectrum has a
/// heavy tail and every rank, up to the last, changes the picture even averaged down.
Matrix testMatrix()
{
    std::mt19937 rng(12345);
    std::uniform_real_distribution<double> noise(-0.2, 0.2);
    Matrix m(300, 420);
    for (Index i = 0; i < m.rows(); ++i)
        for (Index j = 0; j < m.cols(); ++j)
            m(i, j) = 0.5 + 0.3 * std::sin(0.05 * double(i * j % 97) + 0.01 * double(i)) + 0.1 * std::cos(0.3 * double(j))
                      + noise(rng);
    return m;
}

std::shared_ptr<const MethodResult> svdResult(const Matrix &m)
{
    auto r = std::make_shared<MethodResult>();
    r->method = core::Method::Svd;
    r->color = core::ColorMode::Gray;
    r->rows = m.rows();
    r->cols = m.cols();
    r->models.push_back({std::shared_ptr<const core::ChannelModel>(core::computeSvd(m))});
    r->maxRank = r->models[0][0]->maxRank();
    return r;
}

double maxDifference(const Matrix &a, const Matrix &b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols())
        return INFINITY;
    return (a - b).cwiseAbs().maxCoeff();
}

} // namespace

class TestDisplayPreview : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void setUpOffTheGuiThread();
    void ranksAboveTheQuickRebuilder();
    void difference();
    void cancelledSetUpStartsAgain();
    void previewOfALargeSvd();
    void displaySize();

private:
    Matrix m_matrix;
    std::shared_ptr<const MethodResult> m_result;
    const std::pair<Index, Index> m_size{60, 84};
};

void TestDisplayPreview::initTestCase()
{
    m_matrix = testMatrix();
    m_result = svdResult(m_matrix);
    QCOMPARE(m_result->maxRank, Index(300));
    QVERIFY(m_result->maxRank > DisplayPreview::earlyRanks);
}

void TestDisplayPreview::setUpOffTheGuiThread()
{
    JobRunner runner;
    DisplayPreview preview(&runner, QStringLiteral("display:test"), false);
    QSignalSpy ready(&preview, &DisplayPreview::ready);
    // The set-up is a job: the first call cannot have its answer (no event processed yet).
    QVERIFY(!preview.planes(m_result, {5}, m_size));
    QVERIFY(runner.isActive(QStringLiteral("display:test")));
    QVERIFY(ready.wait(60000));
    const auto planes = preview.planes(m_result, {5}, m_size);
    QVERIFY(planes);
    QCOMPARE(planes->size(), std::size_t(1));
    const Matrix expected = core::reduceForDisplay(m_result->model(0).reconstruct(5), 60, 84).values;
    QVERIFY2(maxDifference(planes->front(), expected) < 1e-5, qPrintable(QString::number(maxDifference(planes->front(), expected))));
    // A rank above the result's is clamped to it, as the view jobs do.
    QVERIFY(runner.waitForIdle(60000));
    const auto top = preview.planes(m_result, {100000}, m_size);
    QVERIFY(top);
    const Matrix full = core::reduceForDisplay(m_matrix, 60, 84).values;
    QVERIFY(maxDifference(top->front(), full) < 1e-5);
    // Another size needs another set-up.
    QVERIFY(!preview.planes(m_result, {5}, {30, 42}));
    QVERIFY(ready.wait(60000));
}

void TestDisplayPreview::ranksAboveTheQuickRebuilder()
{
    // The first rebuilder published holds ranks up to earlyRanks only: it answers the ranks it
    // holds, but a higher rank must wait for the complete one (answering it would clamp).
    JobRunner runner;
    DisplayPreview preview(&runner, QStringLiteral("display:test"), false);
    const Index high = DisplayPreview::earlyRanks + 30;
    int partials = 0;
    bool lowAnswered = false, highAnswered = true;
    // Connected after the preview's own slot: runs right after it took the quick rebuilder and
    // before the job's final value is emitted (JobRunner emits them in order).
    connect(&runner, &JobRunner::partialResult, this, [&](const QString &slot) {
        if (slot != QStringLiteral("display:test"))
            return;
        ++partials;
        lowAnswered = preview.planes(m_result, {40}, m_size) != nullptr;
        highAnswered = preview.planes(m_result, {high}, m_size) != nullptr;
    });
    QSignalSpy ready(&preview, &DisplayPreview::ready);
    preview.prepare(m_result, m_size);
    QVERIFY(runner.waitForIdle(60000));
    QCOMPARE(partials, 1);
    QVERIFY(lowAnswered);
    QVERIFY(!highAnswered);
    QCOMPARE(ready.size(), 1); // the complete rebuilder: ask again
    const auto planes = preview.planes(m_result, {high}, m_size);
    QVERIFY(planes);
    const Matrix expected = core::reduceForDisplay(m_result->model(0).reconstruct(high), 60, 84).values;
    QVERIFY2(maxDifference(planes->front(), expected) < 1e-5, qPrintable(QString::number(maxDifference(planes->front(), expected))));
    // (the rank matters: the picture at earlyRanks is visibly different)
    const Matrix clamped = core::reduceForDisplay(m_result->model(0).reconstruct(DisplayPreview::earlyRanks), 60, 84).values;
    QVERIFY(maxDifference(clamped, expected) > 1e-4);
}

void TestDisplayPreview::difference()
{
    JobRunner runner;
    DisplayPreview preview(&runner, QStringLiteral("display:test"), true);
    auto doc = std::make_shared<InputDocument>();
    doc->isImage = true;
    doc->planes = {m_matrix};
    const std::shared_ptr<const InputDocument> document = doc;
    // Without its document, a preview with the original cannot answer.
    QVERIFY(!preview.difference(m_result, nullptr, {7}, m_size));
    QVERIFY(!runner.isActive(QStringLiteral("display:test")));
    QSignalSpy ready(&preview, &DisplayPreview::ready);
    QVERIFY(!preview.difference(m_result, document, {7}, m_size));
    QVERIFY(ready.wait(60000));
    const auto difference = preview.difference(m_result, document, {7}, m_size);
    QVERIFY(difference);
    // The full-resolution difference averaged down (averaging is linear).
    const Matrix expected = core::reduceForDisplay(m_matrix - m_result->model(0).reconstruct(7), 60, 84).values;
    QVERIFY2(maxDifference(*difference, expected) < 1e-5, qPrintable(QString::number(maxDifference(*difference, expected))));
    QVERIFY(expected.cwiseAbs().maxCoeff() > 1e-3); // not trivially zero
    // The reconstruction from the same set-up.
    const auto planes = preview.planes(m_result, {7}, m_size, document);
    QVERIFY(planes);
    QVERIFY(maxDifference(planes->front(), core::reduceForDisplay(m_result->model(0).reconstruct(7), 60, 84).values) < 1e-5);
}

void TestDisplayPreview::cancelledSetUpStartsAgain()
{
    JobRunner runner;
    DisplayPreview preview(&runner, QStringLiteral("display:test"), false);
    QVERIFY(!preview.planes(m_result, {3}, m_size));
    runner.cancelAll(); // the status bar's Cancel
    QVERIFY(runner.waitForIdle(60000));
    QSignalSpy ready(&preview, &DisplayPreview::ready);
    auto planes = preview.planes(m_result, {3}, m_size);
    if (!planes) { // (unless it had finished before the cancel)
        QVERIFY(runner.isActive(QStringLiteral("display:test")));
        QVERIFY(ready.wait(60000));
        planes = preview.planes(m_result, {3}, m_size);
    }
    QVERIFY(planes);
    QVERIFY(maxDifference(planes->front(), core::reduceForDisplay(m_result->model(0).reconstruct(3), 60, 84).values) < 1e-5);
    // reset() forgets it: the next call sets up again.
    preview.reset();
    QVERIFY(!preview.planes(m_result, {3}, m_size));
    QVERIFY(runner.waitForIdle(60000));
}

void TestDisplayPreview::previewOfALargeSvd()
{
    // A large SVD first publishes a randomized preview: Method::Svd holding randomized SVD
    // models. Its stand-in must be rebuilt too (it is the first picture of a large photo).
    auto preview = std::make_shared<MethodResult>(*m_result);
    core::RsvdOptions options;
    options.rank = 40;
    preview->models = {{std::shared_ptr<const core::ChannelModel>(core::computeRandomizedSvd(m_matrix, options))}};
    preview->maxRank = preview->models[0][0]->maxRank();
    preview->approximate = true;
    QCOMPARE(preview->method, core::Method::Svd);
    JobRunner runner;
    DisplayPreview display(&runner, QStringLiteral("display:test"), false);
    QSignalSpy ready(&display, &DisplayPreview::ready);
    QSignalSpy failed(&runner, &JobRunner::failed);
    QVERIFY(!display.planes(preview, {12}, m_size));
    QVERIFY(ready.wait(60000));
    QCOMPARE(failed.count(), 0);
    const auto planes = display.planes(preview, {12}, m_size);
    QVERIFY(planes);
    const Matrix expected = core::reduceForDisplay(preview->model(0).reconstruct(12), 60, 84).values;
    QVERIFY2(maxDifference(planes->front(), expected) < 1e-5, qPrintable(QString::number(maxDifference(planes->front(), expected))));
}

void TestDisplayPreview::displaySize()
{
    QWidget widget;
    const double dpr = widget.devicePixelRatioF();
    const QRect viewport(0, 0, 200, 100);
    // 400 × 400 into 200 × 100 device-independent pixels: limited by the height.
    const auto size = DisplayPreview::displaySize(&widget, viewport, 400, 400);
    const Index side = std::min<Index>(400, Index(std::ceil(100 * dpr)));
    if (side < 400) {
        QVERIFY(size);
        QCOMPARE(size->first, side);
        QCOMPARE(size->second, side);
    }
    // No larger than the view: no stand-in. No view size yet: none either.
    QVERIFY(!DisplayPreview::displaySize(&widget, viewport, 50, 80));
    QVERIFY(!DisplayPreview::displaySize(&widget, QRect(), 400, 400));
}

QTEST_MAIN(TestDisplayPreview)
#include "tst_displaypreview.moc"
