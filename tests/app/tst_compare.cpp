// SPDX-License-Identifier: MIT
// View ▸ Compare: two to four panes with their own method and rank, zoom and pan linked, the
// signed difference on one centred scale, the A/B split, and each pane's marker on the error
// plot on both x axes.
#include "app/comparepanes.h"
#include "app/mainwindow.h"
#include "app/settings.h"

#include "app/inputloader.h"

#include "core/display.h"
#include "widgets/errorplot.h"
#include "widgets/methodpanel.h"
#include "widgets/matrixview.h"

#include <QImage>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Method;
using widgets::MatrixView;

class TestCompare : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void paneCount_data();
    void paneCount();
    void panesAndLinkedZoom();
    void paneRankChangeShowsStandIn();
    void paneWithItsOwnParameters();
    void paneWithOwnSketchedParameters();

private:
    std::unique_ptr<MainWindow> openWindow();
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestCompare::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestCompare::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

std::unique_ptr<MainWindow> TestCompare::openWindow()
{
    QImage image(40, 32, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb((x * 7 + y * 11 + (x * y) % 5 * 13) % 256, (x * 19 + 30) % 256, (y * 23 + x) % 256));
    const QString path = m_dir->filePath(QStringLiteral("c.png"));
    if (!image.save(path, "PNG"))
        return {};
    auto w = std::make_unique<MainWindow>(m_settings.get());
    w->resize(1400, 900);
    w->show();
    w->setColorMode(core::ColorMode::Rgb);
    if (!w->openFile(path))
        return {};
    w->setCompareMode(true);
    return w;
}

void TestCompare::paneCount_data()
{
    QTest::addColumn<int>("asked");
    QTest::addColumn<int>("shown");
    QTest::newRow("1 → 2") << 1 << 2;
    QTest::newRow("2") << 2 << 2;
    QTest::newRow("3") << 3 << 3;
    QTest::newRow("4") << 4 << 4;
    QTest::newRow("5 → 4") << 5 << 4;
}

void TestCompare::paneCount()
{
    QFETCH(int, asked);
    QFETCH(int, shown);
    auto w = openWindow();
    QVERIFY(w);
    ComparePanes *panes = w->comparePanes();
    QVERIFY(w->isCompareMode());
    panes->setPaneCount(asked);
    QCOMPARE(panes->paneCount(), shown);
    QVERIFY(w->waitForIdle(120000));
    for (int i = 0; i < ComparePanes::maxPanes; ++i) {
        QCOMPARE(panes->view(i)->isVisible(), i < shown);
        if (i < shown) {
            QVERIFY(panes->paneView(i));
            QVERIFY(panes->view(i)->hasData());
        }
    }
    // One marker per shown pane.
    for (int i = 0; i < ComparePanes::maxPanes; ++i)
        QCOMPARE(std::isfinite(w->errorPlot()->labelledMarkerPosition(QStringLiteral("pane:%1").arg(i)).x()), i < shown);
}

void TestCompare::panesAndLinkedZoom()
{
    auto w = openWindow();
    QVERIFY(w);
    ComparePanes *panes = w->comparePanes();
    panes->setPaneCount(3);
    panes->setPane(0, Method::Svd, 3);
    panes->setPane(1, Method::Id, 5);
    panes->setPane(2, Method::Monarch, 1);
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(panes->paneView(0)->source->method, Method::Svd);
    QCOMPARE(panes->paneView(0)->rank, Index(3));
    QCOMPARE(panes->paneView(1)->source->method, Method::Id);
    QCOMPARE(panes->paneView(1)->rank, Index(5));
    QCOMPARE(panes->paneView(2)->source->method, Method::Monarch);
    QCOMPARE(panes->paneLabel(1), QStringLiteral("B: ID r = 5"));

    // Linked zoom and pan: a user zoom in one pane moves the others to the same region.
    MatrixView *b = panes->view(1);
    b->zoomIn();
    b->zoomIn();
    const QRectF region = b->visibleRegion();
    QVERIFY(region.width() < 40);
    // (equal up to the panes' aspect ratios, which may differ by a pixel)
    auto same = [](const QRectF &a, const QRectF &b) {
        return std::abs(a.center().x() - b.center().x()) < 0.25 && std::abs(a.center().y() - b.center().y()) < 0.25
               && std::abs(a.width() - b.width()) < 0.5 && std::abs(a.height() - b.height()) < 0.5;
    };
    for (int i : {0, 2})
        QVERIFY(same(panes->view(i)->visibleRegion(), region));
    panes->view(2)->setVisibleRegion(QRectF(4, 4, 10, 8)); // programmatic: does not propagate
    QVERIFY(same(panes->view(0)->visibleRegion(), region));
    // Zoom and centre are shared, not just roughly the region: and a pane added later joins.
    panes->view(2)->followView(*b);
    panes->setPaneCount(4);
    panes->setPane(3, Method::Svd, 7);
    QVERIFY(w->waitForIdle(120000));
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(panes->view(i)->zoom(), b->zoom());
        QVERIFY2((panes->view(i)->centre() - b->centre()).manhattanLength() < 1e-9, qPrintable(QString::number(i)));
    }

    // The signed difference on one scale centred on 0 for every difference pane.
    panes->setShow(0, ComparePanes::Show::Difference);
    panes->setShow(1, ComparePanes::Show::Difference);
    for (int i : {0, 1}) {
        QCOMPARE(panes->view(i)->colorScale(), widgets::ColorScale::Diverging);
        const auto [low, high] = panes->view(i)->colorRange();
        QCOMPARE(low, -high);
    }
    QCOMPARE(panes->view(0)->colorRange(), panes->view(1)->colorRange());
    const double extent = std::max(panes->paneView(0)->residual->cwiseAbs().maxCoeff(),
                                   panes->paneView(1)->residual->cwiseAbs().maxCoeff());
    QCOMPARE(panes->view(0)->colorRange().second, extent);

    // Markers at each pane's setting, on the rank axis and on the stored-numbers axis.
    widgets::ErrorPlot *plot = w->errorPlot();
    plot->setXAxis(widgets::ErrorPlot::XAxis::Rank);
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:1")).x(), 5.0);
    plot->setXAxis(widgets::ErrorPlot::XAxis::Params);
    const auto id = w->workspace()->result(Method::Id);
    double params = -1;
    for (const core::CurveRow &row : id->curve)
        if (row.rank == 5)
            params = row.params;
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:1")).x(), params);
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:0")).x(), panes->paneView(0)->params);

    // A/B split: one view of A's left part and B's right part, split where asked.
    panes->setShow(0, ComparePanes::Show::Reconstruction);
    panes->setSplitEnabled(true);
    panes->setSplitPosition(0.25);
    QVERIFY(panes->splitView()->isVisible());
    QVERIFY(panes->splitView()->hasData());
    QCOMPARE(panes->splitView()->matrixColumns(), Index(40));
    QVERIFY(panes->splitView()->title().contains(QStringLiteral("A: SVD")));
    QVERIFY(panes->splitView()->title().contains(QStringLiteral("B: ID")));
    panes->setSplitEnabled(false);
    QVERIFY(!panes->splitView()->isVisible());

    // YCbCr with a separate chroma rank: the pane says so, and its marker sits at the measured
    // setting, off the equal-rank curve.
    w->setColorMode(core::ColorMode::YCbCr);
    w->methodPanel()->setCurrentMethod(Method::Svd);
    w->setChromaRank(1);
    QVERIFY(w->waitForIdle(120000));
    const auto ycc = panes->paneView(0);
    QVERIFY(ycc && ycc->hasChromaRank);
    QCOMPARE(ycc->channelRanks, (std::vector<Index>{3, 1, 1}));
    QCOMPARE(panes->paneLabel(0), QStringLiteral("A: SVD r = 3, chroma 1"));
    plot->setXAxis(widgets::ErrorPlot::XAxis::Rank);
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:0")), QPointF(3.0, ycc->relErrFro));
    plot->setXAxis(widgets::ErrorPlot::XAxis::Params);
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:0")), QPointF(ycc->params, ycc->relErrFro));
    w->setChromaRank(-1);
    w->setColorMode(core::ColorMode::Rgb);
    QVERIFY(w->waitForIdle(120000));

    // Leaving compare mode brings back the main views and their markers.
    w->setCompareMode(false);
    QVERIFY(!std::isfinite(plot->labelledMarkerPosition(QStringLiteral("pane:0")).x()));
    QVERIFY(w->documentView()->isVisible());
}

void TestCompare::paneRankChangeShowsStandIn()
{
    // A photo larger than the panes: a pane's rank change shows at once a stand-in rebuilt at
    // the pane's display resolution (the reconstruction, or the difference), equal to the full
    // view that replaces it averaged down.
    QImage image(960, 720, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb(int(127.5 + 120 * std::sin(0.013 * x + 0.004 * y)), (x / 31 + y / 17) % 2 ? 200 : 40,
                                      int(127.5 + 100 * std::cos(0.0007 * x * y))));
    auto w = std::make_unique<MainWindow>(m_settings.get());
    w->resize(1400, 900);
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w.get()));
    w->setColorMode(core::ColorMode::Rgb);
    QVERIFY(w->openDocument(OpenResult{documentFromImage(image, QStringLiteral("photo")), {}}));
    w->setCompareMode(true);
    ComparePanes *panes = w->comparePanes();
    panes->setPaneCount(2);
    panes->setPane(0, Method::Svd, 5);
    panes->setPane(1, Method::Svd, 5);
    panes->setShow(1, ComparePanes::Show::Difference);
    QVERIFY(w->waitForIdle(600000));
    QVERIFY(!panes->showsStandIn(0));
    QVERIFY(!panes->showsStandIn(1));
    const auto close = [](const std::vector<core::Matrix> &standIn, const std::vector<core::Matrix> &full) {
        double worst = standIn.size() == full.size() ? 0.0 : INFINITY;
        for (std::size_t c = 0; c < full.size() && c < standIn.size(); ++c) {
            const core::Matrix reduced = core::reduceForDisplay(full[c], standIn[c].rows(), standIn[c].cols()).values;
            worst = std::max(worst, reduced.rows() == standIn[c].rows() && reduced.cols() == standIn[c].cols()
                                        ? (reduced - standIn[c]).cwiseAbs().maxCoeff() : INFINITY);
        }
        return worst;
    };

    // Reconstruction: the stand-in is there when setPane returns (no event processed).
    panes->setPane(0, Method::Svd, 9);
    QVERIFY(panes->showsStandIn(0));
    QCOMPARE(panes->paneView(0)->rank, Index(5));
    QCOMPARE(panes->view(0)->matrixRows(), Index(720));
    QCOMPARE(panes->view(0)->matrixColumns(), Index(960));
    const auto standIn = panes->view(0)->previewPlanes();
    QVERIFY(standIn && standIn->size() == 3);
    QVERIFY(standIn->front().cols() < 960);
    QVERIFY2(panes->view(0)->title().contains(QStringLiteral("r = 9")), qPrintable(panes->view(0)->title()));
    // Difference: likewise, on the shared centred scale.
    const auto range = panes->view(1)->colorRange();
    panes->setPane(1, Method::Svd, 12);
    QVERIFY(panes->showsStandIn(1));
    QCOMPARE(panes->view(1)->colorScale(), widgets::ColorScale::Diverging);
    QCOMPARE(panes->view(1)->colorRange(), range);
    const auto differenceStandIn = panes->view(1)->previewPlanes();
    QVERIFY(differenceStandIn && differenceStandIn->size() == 1);

    QVERIFY(w->waitForIdle(120000));
    QVERIFY(!panes->showsStandIn(0));
    QVERIFY(!panes->showsStandIn(1));
    QCOMPARE(panes->paneView(0)->rank, Index(9));
    QCOMPARE(panes->paneView(1)->rank, Index(12));
    const double error = close(*standIn, *panes->paneView(0)->reconstruction);
    QVERIFY2(error < 1e-4, qPrintable(QString::number(error)));
    const double differenceError = close(*differenceStandIn, {*panes->paneView(1)->residual});
    QVERIFY2(differenceError < 1e-4, qPrintable(QString::number(differenceError)));
}

void TestCompare::paneWithItsOwnParameters()
{
    // Pane B shows Monarch with 4 blocks while the Method panel (and pane A) use 8: each pane's
    // view comes from its own factorisation, both curves are on the plot, each marker on its own.
    auto w = openWindow();
    QVERIFY(w);
    core::MethodSettings panel = w->methodPanel()->settings(Method::Monarch);
    panel.monarchBlocks = 8;
    w->methodPanel()->setSettings(Method::Monarch, panel);
    emit w->methodPanel()->settingsChanged(Method::Monarch, panel);
    ComparePanes *panes = w->comparePanes();
    panes->setPaneCount(2);
    panes->setPane(0, Method::Monarch, 2);
    panes->setPane(1, Method::Monarch, 2);
    core::MethodSettings own = panel;
    own.monarchBlocks = 4;
    panes->setPaneSettings(1, own);
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(panes->paneView(0)->source->settings.monarchBlocks, Index(8));
    QCOMPARE(panes->paneView(1)->source->settings.monarchBlocks, Index(4));
    QCOMPARE(panes->paneSource(1), panes->paneView(1)->source);
    QCOMPARE(w->workspace()->result(Method::Monarch)->settings.monarchBlocks, Index(8));
    QCOMPARE(panes->paneLabel(1), QStringLiteral("B: Monarch (b = 4) ρ = 2"));
    QVERIFY(panes->paneView(0)->relErrFro != panes->paneView(1)->relErrFro);

    widgets::ErrorPlot *plot = w->errorPlot();
    plot->setXAxis(widgets::ErrorPlot::XAxis::Rank);
    QStringList names;
    for (const auto &series : plot->series())
        names << series.name;
    QVERIFY2(names.contains(QStringLiteral("Monarch (b = 8)")) && names.contains(QStringLiteral("Monarch (b = 4)")),
             qPrintable(names.join(QStringLiteral(", "))));
    // Each marker on its own curve: at ρ = 2, at that curve's error.
    const auto errorAt = [](const MethodResult &r, Index rank) {
        for (const core::CurveRow &row : r.curve)
            if (row.rank == rank)
                return row.relErrFro;
        return double(NAN);
    };
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:0")), QPointF(2.0, errorAt(*panes->paneView(0)->source, 2)));
    QCOMPARE(plot->labelledMarkerPosition(QStringLiteral("pane:1")), QPointF(2.0, errorAt(*panes->paneView(1)->source, 2)));
    // The pane's view agrees with its curve.
    QVERIFY(std::abs(panes->paneView(1)->relErrFro - errorAt(*panes->paneView(1)->source, 2)) < 1e-12);

    // Back to the panel's parameters: no new factorisation, one Monarch curve again.
    const int count = w->workspace()->factorisationCount();
    panes->setPaneSettings(1, std::nullopt);
    QVERIFY(w->waitForIdle(120000));
    QCOMPARE(w->workspace()->factorisationCount(), count);
    QCOMPARE(panes->paneView(1)->source->settings.monarchBlocks, Index(8));
    int monarchCurves = 0;
    for (const auto &series : plot->series())
        monarchCurves += series.name.startsWith(QStringLiteral("Monarch")) ? 1 : 0;
    QCOMPARE(monarchCurves, 1);
    // Own parameters belong to their method: changing the pane's method drops them.
    panes->setPaneSettings(1, own);
    QVERIFY(panes->paneSettings(1));
    panes->setPane(1, Method::Id, 3);
    QVERIFY(!panes->paneSettings(1));
    QVERIFY(w->waitForIdle(120000));
}

void TestCompare::paneWithOwnSketchedParameters()
{
    // A randomized SVD pane with its own oversampling: its result states its sketch (the
    // program's 128 + p, at most min(n, m)) and is still recognised as the pane's.
    auto w = openWindow();
    QVERIFY(w);
    ComparePanes *panes = w->comparePanes();
    panes->setPaneCount(2);
    panes->setPane(0, Method::Rsvd, 3);
    panes->setPane(1, Method::Rsvd, 3);
    core::MethodSettings own = w->methodPanel()->settings(Method::Rsvd);
    own.rsvdOversampling = 4;
    panes->setPaneSettings(1, own);
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(panes->paneView(1) && panes->paneSource(1));
    QCOMPARE(panes->paneSource(1), panes->paneView(1)->source);
    const core::MethodSettings &stated = panes->paneView(1)->source->settings;
    QCOMPARE(stated.rsvdOversampling, Index(4));
    const Index n = w->workspace()->rows(), m = w->workspace()->cols();
    QCOMPARE(stated.sketch, std::min<Index>(std::min(n, m), std::min<Index>(std::min(n, m), 128) + 4));
    QCOMPARE(panes->paneView(0)->source->settings.rsvdOversampling, Index(10));
}

QTEST_MAIN(TestCompare)
#include "tst_compare.moc"
