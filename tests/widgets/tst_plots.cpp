// SPDX-License-Identifier: MIT
// ErrorPlot, SpectrumPlot and BarPlot: graphs per series, log y, the params axis, markers,
// picking, export to PNG/SVG/PDF, the energy read-out against its closed form, highlights.
// qcustomplot.h needs Qt's foreach: include it first (see widgets/errorplot.cpp).
#undef QT_NO_FOREACH
#include <qcustomplot.h>

#include "widgets/barplot.h"
#include "widgets/errorplot.h"
#include "widgets/spectrumplot.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::widgets;

namespace {

CurveSeries makeSeries(const QString &name, QColor color, int n, double scale, bool band = false,
                       bool expected = false)
{
    CurveSeries s;
    s.name = name;
    s.color = color;
    for (int r = 1; r <= n; ++r) {
        s.rank << r;
        s.params << 100.0 * r + 7;
        const double e = scale * std::pow(0.8, r);
        s.relErrFro << e;
        s.relErrSpec << e / 2;
        if (band) {
            s.bandLow << e * 0.9;
            s.bandHigh << e * 1.1;
        }
        if (expected)
            s.expected << e * 1.05;
    }
    return s;
}

QVector<CurveSeries> threeCurves()
{
    CurveSeries svd = makeSeries(QStringLiteral("SVD"), Qt::black, 10, 0.5);
    svd.lowerBound = true;
    svd.relErrFro.back() = 0.0; // exact zero at full rank
    svd.relErrSpec.back() = 0.0;
    return { svd, makeSeries(QStringLiteral("rSVD"), Qt::blue, 10, 0.6, true),
             makeSeries(QStringLiteral("CR optimal"), Qt::red, 10, 0.9, true, true) };
}

/// The rank axis on a linear y: what most tests below look at (the defaults are stored numbers
/// and log y, tested in defaultsAreReadable).
void rankLinearView(ErrorPlot &plot)
{
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setLogY(false);
}

int finitePoints(QCPGraph *g)
{
    int count = 0;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        count += std::isfinite(it->value);
    return count;
}

} // namespace

class TestPlots : public QObject
{
    Q_OBJECT

private slots:
    void graphCount_data();
    void graphCount();
    void graphCountStableAcrossViews();
    void legendNames();
    void logYHidesNonPositive();
    void spectralMetric();
    void paramsAxis();
    void markerCoordinates_data();
    void markerCoordinates();
    void measuredMarkerIsOffTheCurve();
    void markerIgnoresUnknownSeries();
    void clickPicksRank();
    void partialCurveEndsWithAnExtendAffordance();
    void readoutDescribesPoint();
    void legendAvoidsCurves();
    void defaultsAreReadable();
    void workingRangeAndFitAll();
    void curvesAboveOneAreClippedWithANote();
    void originalSizeOnTheParamsAxis();
    void blockRankHasItsOwnAxis();
    void spectralEstimatesArePointsOnly();
    void markerLabelsDoNotOverlap();
    void logTickLabelsAreUnique();
    void exportFiles_data();
    void exportFiles();
    void exportRejectsUnknownSuffix();

    void spectrumEnergyClosedForm_data();
    void spectrumEnergyClosedForm();
    void spectrumBeyondTheValues();
    void spectrumZeroMatrix();
    void spectrumLogSkipsZeros();

    void barHighlight();
    void barClick();
    void barLogSkipsNonPositive();
};

void TestPlots::graphCount_data()
{
    QTest::addColumn<QVector<CurveSeries>>("series");
    QTest::addColumn<int>("graphs");
    QTest::newRow("none") << QVector<CurveSeries>() << 0;
    QTest::newRow("one plain") << QVector<CurveSeries>{ makeSeries(QStringLiteral("A"), Qt::red, 5, 1) } << 1;
    QTest::newRow("band") << QVector<CurveSeries>{ makeSeries(QStringLiteral("A"), Qt::red, 5, 1, true) } << 2;
    QTest::newRow("band + expected")
        << QVector<CurveSeries>{ makeSeries(QStringLiteral("A"), Qt::red, 5, 1, true, true) } << 3;
    // 3 series + 2 bands + 1 expected.
    QTest::newRow("three curves") << threeCurves() << 6;
}

void TestPlots::graphCount()
{
    QFETCH(QVector<CurveSeries>, series);
    QFETCH(int, graphs);
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(series);
    QCOMPARE(plot.plot()->graphCount(), graphs);
    int bands = 0, expected = 0;
    for (const CurveSeries &s : series) {
        QVERIFY(plot.lineGraph(s.name));
        bands += plot.bandGraph(s.name) != nullptr;
        expected += plot.expectedGraph(s.name) != nullptr;
    }
    QCOMPARE(series.size() + bands + expected, graphs);
}

void TestPlots::graphCountStableAcrossViews()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(threeCurves());
    for (auto x : { ErrorPlot::XAxis::Params, ErrorPlot::XAxis::Rank })
        for (auto y : { ErrorPlot::YMetric::Spectral, ErrorPlot::YMetric::Frobenius })
            for (bool log : { true, false }) {
                plot.setXAxis(x);
                plot.setYMetric(y);
                plot.setLogY(log);
                QCOMPARE(plot.plot()->graphCount(), 6);
            }
}

void TestPlots::legendNames()
{
    ErrorPlot plot;
    rankLinearView(plot);
    QVector<CurveSeries> series = threeCurves();
    series[1].approximate = true;
    plot.setSeries(series);
    QStringList names;
    for (int i = 0; i < plot.plot()->legend->itemCount(); ++i)
        if (auto *item = qobject_cast<QCPPlottableLegendItem *>(plot.plot()->legend->item(i)))
            names << item->plottable()->name();
    // Lower bound first (drawn under the others), bands not listed, expected last.
    QCOMPARE(names, (QStringList{ QStringLiteral("SVD optimum (best rank r)"),
                                  QStringLiteral("rSVD (approximate)"), QStringLiteral("CR optimal"),
                                  QStringLiteral("CR optimal expected") }));
    QCOMPARE(plot.lineGraph(QStringLiteral("SVD"))->pen().style(), Qt::DashLine);
    QCOMPARE(plot.lineGraph(QStringLiteral("rSVD"))->pen().style(), Qt::DotLine);
    QCOMPARE(plot.expectedGraph(QStringLiteral("CR optimal"))->pen().style(), Qt::DashDotLine);
    // The lower bound is drawn under every other curve: it was created first.
    QCOMPARE(plot.plot()->graph(2), plot.lineGraph(QStringLiteral("SVD")));
}

void TestPlots::logYHidesNonPositive()
{
    ErrorPlot plot;
    rankLinearView(plot);
    QVector<CurveSeries> series = threeCurves();
    series[2].relErrFro[3] = -1e-3; // a nonsense value must not break the log axis either
    series[1].bandLow[2] = 0.0;
    plot.setSeries(series);
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("SVD"))), 10); // linear: zero is shown
    plot.setLogY(true);
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCPGraph *svd = plot.lineGraph(QStringLiteral("SVD"));
    QCOMPARE(finitePoints(svd), 9);
    for (auto it = svd->data()->constBegin(); it != svd->data()->constEnd(); ++it)
        QVERIFY(std::isnan(it->value) || it->value > 0.0);
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("CR optimal"))), 9);
    QVERIFY(plot.plot()->yAxis->range().lower > 0.0);
    QVERIFY(plot.plot()->yAxis->range().lower <= 0.5 * std::pow(0.8, 9));
    // The band: the point with a zero lower edge is left out.
    QCPGraph *band = plot.bandGraph(QStringLiteral("rSVD"));
    int finiteBand = 0;
    for (auto it = band->data()->constBegin(); it != band->data()->constEnd(); ++it) {
        QVERIFY(std::isnan(it->value) || it->value > 0.0);
        finiteBand += std::isfinite(it->value);
    }
    QCOMPARE(finiteBand, 2 * 10 - 1);
    // Back to linear: everything is there again.
    plot.setLogY(false);
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("SVD"))), 10);
}

void TestPlots::spectralMetric()
{
    ErrorPlot plot;
    rankLinearView(plot);
    QVector<CurveSeries> series = threeCurves();
    series[1].relErrSpec.clear();        // unknown for this method
    series[2].relErrSpec[4] = qQNaN();   // unknown at one rank
    plot.setSeries(series);
    plot.setYMetric(ErrorPlot::YMetric::Spectral);
    QVERIFY(plot.plot()->yAxis->label().contains(QStringLiteral("spectral")));
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("SVD"))), 10);
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("rSVD"))), 0);
    QCOMPARE(finitePoints(plot.lineGraph(QStringLiteral("CR optimal"))), 9);
    QCOMPARE(plot.lineGraph(QStringLiteral("SVD"))->data()->at(2)->value, 0.5 * std::pow(0.8, 3) / 2);
    // Bands and expected errors are Frobenius quantities: hidden.
    QVERIFY(!plot.bandGraph(QStringLiteral("rSVD"))->visible());
    QVERIFY(!plot.expectedGraph(QStringLiteral("CR optimal"))->visible());
    plot.setYMetric(ErrorPlot::YMetric::Frobenius);
    QVERIFY(plot.bandGraph(QStringLiteral("rSVD"))->visible());
    QVERIFY(plot.plot()->yAxis->label().contains(QStringLiteral("Frobenius")));
}

void TestPlots::paramsAxis()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(threeCurves());
    QSignalSpy spy(&plot, &ErrorPlot::viewOptionsChanged);
    plot.setXAxis(ErrorPlot::XAxis::Params);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(plot.xAxis(), ErrorPlot::XAxis::Params);
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("stored numbers"));
    QCPGraph *g = plot.lineGraph(QStringLiteral("rSVD"));
    QCOMPARE(g->dataCount(), 10);
    for (int i = 0; i < 10; ++i) {
        QCOMPARE(g->data()->at(i)->key, 100.0 * (i + 1) + 7);
        QCOMPARE(g->data()->at(i)->value, 0.6 * std::pow(0.8, i + 1));
    }
    QVERIFY(plot.plot()->xAxis->range().upper >= 1007.0);
    // The combo box follows.
    auto *combo = plot.findChildren<QComboBox *>().first();
    QCOMPARE(combo->currentIndex(), 1);
    combo->setCurrentIndex(0); // the user switches back
    QCOMPARE(plot.xAxis(), ErrorPlot::XAxis::Rank);
    QCOMPARE(plot.lineGraph(QStringLiteral("rSVD"))->data()->at(0)->key, 1.0);
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("rank r"));
}

void TestPlots::markerCoordinates_data()
{
    QTest::addColumn<int>("axis");
    QTest::addColumn<bool>("log");
    QTest::addColumn<double>("rank");
    QTest::addColumn<double>("x");
    QTest::addColumn<double>("y");
    const double e4 = 0.6 * std::pow(0.8, 4), e5 = 0.6 * std::pow(0.8, 5);
    QTest::newRow("rank axis") << 0 << false << 4.0 << 4.0 << e4;
    QTest::newRow("params axis") << 1 << false << 4.0 << 407.0 << e4;
    // Between two computed ranks there is no value to show: no marker (never an interpolation).
    const double none = std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("between ranks, linear") << 0 << false << 4.5 << none << none;
    QTest::newRow("between ranks, log y") << 1 << true << 4.5 << none << none;
    (void)e5;
}

void TestPlots::markerCoordinates()
{
    QFETCH(int, axis);
    QFETCH(bool, log);
    QFETCH(double, rank);
    QFETCH(double, x);
    QFETCH(double, y);
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(threeCurves());
    plot.setMarker(QStringLiteral("rSVD"), rank);
    plot.setXAxis(axis == 1 ? ErrorPlot::XAxis::Params : ErrorPlot::XAxis::Rank);
    plot.setLogY(log);
    const QPointF p = plot.markerPosition(QStringLiteral("rSVD"));
    if (std::isnan(x)) {
        QVERIFY(std::isnan(p.x()) && std::isnan(p.y()));
        QCOMPARE(plot.plot()->itemCount(), 0);
        return;
    }
    QVERIFY2(std::abs(p.x() - x) < 1e-9 && std::abs(p.y() - y) < 1e-12,
             qPrintable(QStringLiteral("(%1, %2)").arg(p.x()).arg(p.y())));
    // The item itself is a tracer with a label beside it.
    int tracers = 0, texts = 0;
    for (int i = 0; i < plot.plot()->itemCount(); ++i) {
        tracers += qobject_cast<QCPItemTracer *>(plot.plot()->item(i)) != nullptr;
        if (auto *t = qobject_cast<QCPItemText *>(plot.plot()->item(i)))
            texts += t->text() == QStringLiteral("r = %1").arg(rank);
    }
    QCOMPARE(tracers, 1);
    QCOMPARE(texts, 1);
    // Moving the marker replaces it; clearing removes it.
    plot.setMarker(QStringLiteral("rSVD"), 2);
    QCOMPARE(plot.markerPosition(QStringLiteral("rSVD")).y(), 0.6 * std::pow(0.8, 2));
    plot.setMarker(QStringLiteral("CR optimal"), 3);
    plot.clearMarkers();
    QVERIFY(std::isnan(plot.markerPosition(QStringLiteral("rSVD")).x()));
    QCOMPARE(plot.plot()->itemCount(), 0);
}

void TestPlots::measuredMarkerIsOffTheCurve()
{
    // YCbCr with a separate chroma rank: the marker at the measured point, not on the curve.
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(threeCurves());
    ErrorPlot::MeasuredPoint point;
    point.rank = 4;
    point.params = 1234.0;
    point.relErrFro = 0.3;
    plot.setMarker(QStringLiteral("rSVD"), point, QStringLiteral("r = 4, chroma 1"));
    QCOMPARE(plot.markerPosition(QStringLiteral("rSVD")), QPointF(4.0, 0.3));
    bool labelled = false;
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(plot.plot()->item(i)))
            labelled = labelled || text->text() == QStringLiteral("r = 4, chroma 1");
    QVERIFY(labelled);
    plot.setXAxis(ErrorPlot::XAxis::Params);
    QCOMPARE(plot.markerPosition(QStringLiteral("rSVD")), QPointF(1234.0, 0.3));
    // No measured spectral error: hidden on that metric.
    plot.setYMetric(ErrorPlot::YMetric::Spectral);
    QVERIFY(std::isnan(plot.markerPosition(QStringLiteral("rSVD")).x()));
    plot.setYMetric(ErrorPlot::YMetric::Frobenius);
    // A rank marker replaces it (one per series); removeMarker() takes it away.
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setMarker(QStringLiteral("rSVD"), 2);
    QCOMPARE(plot.markerPosition(QStringLiteral("rSVD")).y(), 0.6 * std::pow(0.8, 2));
    plot.removeMarker(QStringLiteral("rSVD"));
    QVERIFY(std::isnan(plot.markerPosition(QStringLiteral("rSVD")).x()));
    // Labelled (pane) markers likewise.
    plot.setLabelledMarker(QStringLiteral("pane:0"), QStringLiteral("SVD"), point, QStringLiteral("A: SVD r = 4, chroma 1"));
    QCOMPARE(plot.labelledMarkerPosition(QStringLiteral("pane:0")), QPointF(4.0, 0.3));
}

void TestPlots::markerIgnoresUnknownSeries()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.setSeries(threeCurves());
    plot.setMarker(QStringLiteral("nope"), 3);
    QVERIFY(std::isnan(plot.markerPosition(QStringLiteral("nope")).x()));
    // The zero at full rank has no place on a log axis: hidden, not at a bogus position.
    plot.setMarker(QStringLiteral("SVD"), 10);
    QCOMPARE(plot.markerPosition(QStringLiteral("SVD")).y(), 0.0);
    plot.setLogY(true);
    QVERIFY(std::isnan(plot.markerPosition(QStringLiteral("SVD")).y()));
}

void TestPlots::clickPicksRank()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.resize(700, 450);
    plot.setSeries(threeCurves());
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    QSignalSpy spy(&plot, &ErrorPlot::rankPicked);
    const double y = 0.9 * std::pow(0.8, 2);
    const QPoint pixel(int(plot.plot()->xAxis->coordToPixel(2.0)) + 2,
                       int(plot.plot()->yAxis->coordToPixel(y)) - 1);
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, pixel);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("CR optimal"));
    QCOMPARE(spy.at(0).at(1).toDouble(), 2.0);
    // Far from every curve: nothing.
    const QRect area = plot.plot()->axisRect()->rect();
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, QPoint(area.right() - 5, area.top() + 5));
    QCOMPARE(spy.size(), 1);
}

void TestPlots::partialCurveEndsWithAnExtendAffordance()
{
    // A partial SVD computed to rank 8: drawn to 8 and no further, with "computed to rank 8 —
    // extend" at its end; a click there asks for the extension (and picks no rank); a complete
    // curve has no such text.
    ErrorPlot plot;
    rankLinearView(plot);
    plot.resize(700, 450);
    CurveSeries partial = makeSeries(QStringLiteral("SVD"), Qt::black, 8, 0.5);
    partial.computedTo = 8;
    const CurveSeries complete = makeSeries(QStringLiteral("ID (pivoted QR)"), Qt::darkGreen, 12, 0.7);
    plot.setSeries({partial, complete});
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    QCOMPARE(plot.lineGraph(QStringLiteral("SVD"))->data()->size(), 8);
    QVERIFY2(plot.extendText(QStringLiteral("SVD")).contains(QStringLiteral("computed to rank 8 — extend")),
             qPrintable(plot.extendText(QStringLiteral("SVD"))));
    QVERIFY(plot.extendText(QStringLiteral("ID (pivoted QR)")).isEmpty());
    const QRectF rect = plot.extendRect(QStringLiteral("SVD"));
    QVERIFY(rect.width() > 20 && rect.height() > 5);
    // Beside the curve's last point, to its right.
    QVERIFY(rect.left() >= plot.plot()->xAxis->coordToPixel(8.0));
    QSignalSpy extend(&plot, &ErrorPlot::extendRequested);
    QSignalSpy picked(&plot, &ErrorPlot::rankPicked);
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, rect.center().toPoint());
    QCOMPARE(extend.size(), 1);
    QCOMPARE(extend.at(0).at(0).toString(), QStringLiteral("SVD"));
    QCOMPARE(picked.size(), 0);
    // Once the curve is complete the text is gone.
    partial.computedTo = 0;
    plot.setSeries({partial, complete});
    plot.plot()->replot();
    QVERIFY(plot.extendText(QStringLiteral("SVD")).isEmpty());
}

void TestPlots::readoutDescribesPoint()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.resize(700, 450);
    plot.setSeries(threeCurves());
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    const double e = 0.6 * std::pow(0.8, 6);
    const QPoint pixel(int(plot.plot()->xAxis->coordToPixel(6.0)), int(plot.plot()->yAxis->coordToPixel(e)));
    const QString text = plot.readoutAt(pixel);
    QCOMPARE(text.left(text.indexOf(QStringLiteral("  "))),
             QStringLiteral("rSVD — r = 6: %1").arg(QString::number(e, 'g', 4)));
    QVERIFY(text.contains(QStringLiteral("min %1").arg(QString::number(0.9 * e, 'g', 4))));
    QTest::mouseMove(plot.plot(), pixel);
    QCOMPARE(plot.readoutText(), text);
}

void TestPlots::legendAvoidsCurves()
{
    ErrorPlot plot;
    rankLinearView(plot);
    plot.resize(700, 450);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setSeries(threeCurves());
    // Decreasing curves leave the top-right corner free.
    QCOMPARE(plot.legendAlignment(), Qt::AlignTop | Qt::AlignRight);
    // A flat curve along the top (uniform CR stays near 1) fills the top: the legend moves to
    // a corner without curve points.
    CurveSeries flat = makeSeries(QStringLiteral("CR uniform"), Qt::magenta, 10, 1.0);
    for (double &e : flat.relErrFro)
        e = 1.0;
    plot.setSeries({ makeSeries(QStringLiteral("ID"), Qt::darkGreen, 10, 0.6, true), flat });
    QCOMPARE(plot.legendAlignment(), Qt::AlignBottom | Qt::AlignLeft);
    QCPLegend *legend = plot.plot()->legend;
    const QRect box = legend->outerRect();
    for (int i = 0; i < plot.plot()->graphCount(); ++i) {
        QCPGraph *g = plot.plot()->graph(i);
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            if (!std::isfinite(it->value))
                continue;
            const QPointF p(plot.plot()->xAxis->coordToPixel(it->key), plot.plot()->yAxis->coordToPixel(it->value));
            QVERIFY2(!box.contains(p.toPoint()), qPrintable(g->name()));
        }
    }
    // Curves along the top, the middle and the bottom: no free spot inside, so beside the plot.
    QVector<CurveSeries> everywhere;
    for (double level : { 1.0, 0.5, 0.02 }) {
        CurveSeries s = makeSeries(QStringLiteral("flat %1").arg(level), Qt::blue, 10, 1.0);
        for (double &e : s.relErrFro)
            e = level;
        everywhere << s;
    }
    plot.setSeries(everywhere);
    QVERIFY(plot.legendOutside());
    QVERIFY(!legend->outerRect().intersects(plot.plot()->axisRect()->rect()));
    QVERIFY(legend->outerRect().left() > plot.plot()->axisRect()->rect().right());
    // And back inside when there is room again.
    plot.setSeries(threeCurves());
    QVERIFY(!plot.legendOutside());
    QCOMPARE(plot.legendAlignment(), Qt::AlignTop | Qt::AlignRight);
    QVERIFY(plot.plot()->axisRect()->rect().contains(legend->outerRect()));
}

void TestPlots::defaultsAreReadable()
{
    // Log y and the stored-numbers axis (the fair one across methods), the norm named in words.
    ErrorPlot plot;
    QVERIFY(plot.logY());
    QCOMPARE(plot.xAxis(), ErrorPlot::XAxis::Params);
    QVERIFY(!plot.logX());
    QVERIFY(!plot.isFitAll());
    plot.setSeries(threeCurves());
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(!plot.plot()->yAxis->label().contains(QStringLiteral("_F")));
    QVERIFY(plot.plot()->yAxis->label().contains(QStringLiteral("Frobenius")));
    plot.setLogX(true);
    QCOMPARE(plot.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(plot.plot()->xAxis->range().lower > 0.0);
}

void TestPlots::workingRangeAndFitAll()
{
    // 600 ranks; the SVD optimum falls to 1e-3 at rank 310, the working rank is 128.
    CurveSeries svd;
    svd.name = QStringLiteral("SVD");
    svd.lowerBound = true;
    CurveSeries id = svd;
    id.name = QStringLiteral("ID");
    id.lowerBound = false;
    for (int r = 1; r <= 600; ++r) {
        const double e = std::pow(10.0, -3.0 * r / 310.0);
        svd.rank << r;
        svd.params << 10.0 * r;
        svd.relErrFro << e;
        id.rank << r;
        id.params << 12.0 * r;
        id.relErrFro << 1.5 * e;
    }
    ErrorPlot plot;
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setSeries({svd, id});
    // No working rank: up to where the optimum reaches 1e-3.
    QVERIFY(plot.xRange().second >= 310.0 && plot.xRange().second < 320.0);
    plot.setWorkingRank(128);
    QVERIFY(plot.xRange().second >= 128.0 && plot.xRange().second < 132.0);
    QCOMPARE(plot.visibleRanks(QStringLiteral("ID")).size(), 128);
    QCOMPARE(plot.visibleRanks(QStringLiteral("ID")).back(), 128.0);
    plot.fitAll();
    QVERIFY(plot.xRange().second >= 600.0);
    QCOMPARE(plot.visibleRanks(QStringLiteral("ID")).size(), 600);
    // On the stored-numbers axis: the numbers of those ranks.
    plot.fitWorkingRange();
    plot.setXAxis(ErrorPlot::XAxis::Params);
    QVERIFY(plot.xRange().second >= 12.0 * 128 && plot.xRange().second < 12.0 * 132);
}

void TestPlots::curvesAboveOneAreClippedWithANote()
{
    // CR on M·I reaches ~28: the others keep the plot; the note says what left it.
    QVector<CurveSeries> series = threeCurves();
    CurveSeries cr = makeSeries(QStringLiteral("CR (optimal p, M·I)"), Qt::red, 10, 1.0);
    for (int i = 0; i < cr.relErrFro.size(); ++i)
        cr.relErrFro[i] = 28.0 - i;
    series << cr;
    for (bool log : {false, true}) {
        ErrorPlot plot;
        plot.setXAxis(ErrorPlot::XAxis::Rank);
        plot.setLogY(log);
        plot.setSeries(series);
        QVERIFY2(plot.plot()->yAxis->range().upper <= 1.25, qPrintable(QString::number(plot.plot()->yAxis->range().upper)));
        QVERIFY2(plot.clipNote().contains(QStringLiteral("CR up to 28")), qPrintable(plot.clipNote()));
        // The curve itself is still all there (drawn beyond the top).
        QCOMPARE(finitePoints(plot.lineGraph(cr.name)), 10);
    }
    ErrorPlot plain;
    plain.setSeries(threeCurves());
    QVERIFY(plain.clipNote().isEmpty());
    // A marker on the clipped curve: its dot is off the plot, its label inside it.
    ErrorPlot shown;
    shown.resize(700, 450);
    shown.setXAxis(ErrorPlot::XAxis::Rank);
    shown.setSeries(series);
    shown.show();
    QVERIFY(QTest::qWaitForWindowExposed(&shown));
    shown.setLabelledMarker(QStringLiteral("pane:3"), cr.name, 2, QStringLiteral("D: CR r = 2"));
    shown.plot()->replot();
    const QRect area = shown.plot()->axisRect()->rect();
    bool inside = false;
    for (int i = 0; i < shown.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(shown.plot()->item(i)); text && text->text() == QStringLiteral("D: CR r = 2"))
            inside = area.contains(QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()).normalized().toRect());
    QVERIFY(inside);
}

void TestPlots::originalSizeOnTheParamsAxis()
{
    // Stored numbers beyond the original's are no compression: the axis stops at 100 %, marked.
    QVector<CurveSeries> series = threeCurves(); // params 107 … 1007
    ErrorPlot plot;
    plot.setOriginalSize(500.0);
    plot.setSeries(series);
    QVERIFY(plot.xRange().second <= 500.0 * 1.03);
    QVERIFY(plot.plot()->xAxis2->visible());
    bool marked = false;
    for (int i = 0; i < plot.plot()->itemCount(); ++i) {
        if (auto *line = qobject_cast<QCPItemStraightLine *>(plot.plot()->item(i)))
            marked = marked || line->point1->coords().x() == 500.0;
    }
    QVERIFY(marked);
    // Ticks in k / M on the bottom, shares of the original on the top.
    plot.setOriginalSize(6e7);
    CurveSeries big = makeSeries(QStringLiteral("big"), Qt::blue, 10, 0.5);
    for (double &p : big.params)
        p *= 1e5;
    plot.setSeries({big});
    plot.plot()->replot();
    const QVector<QString> labels = plot.plot()->xAxis->tickVectorLabels();
    QVERIFY(!labels.isEmpty());
    for (const QString &label : labels)
        QVERIFY2(label == QStringLiteral("0") || label.endsWith(QLatin1Char('k')) || label.endsWith(QLatin1Char('M')), qPrintable(label));
    for (const QString &label : plot.plot()->xAxis2->tickVectorLabels())
        QVERIFY2(label.endsWith(QStringLiteral(" %")), qPrintable(label));
    plot.fitAll();
    QVERIFY(plot.xRange().second >= 1007.0 * 1e5);
}

void TestPlots::blockRankHasItsOwnAxis()
{
    CurveSeries monarch = makeSeries(QStringLiteral("Monarch (b = 16)"), Qt::magenta, 4, 0.4);
    monarch.blockRank = true;
    ErrorPlot plot;
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setSeries({threeCurves()[0], monarch});
    QCOMPARE(plot.lineGraph(monarch.name)->keyAxis(), plot.plot()->xAxis2);
    QCOMPARE(plot.lineGraph(QStringLiteral("SVD"))->keyAxis(), plot.plot()->xAxis);
    QVERIFY(plot.plot()->xAxis2->visible());
    QVERIFY(plot.plot()->xAxis2->label().contains(QStringLiteral("ρ")));
    plot.setMarker(monarch.name, 2);
    QCOMPARE(plot.markerPosition(monarch.name), QPointF(2.0, 0.4 * 0.8 * 0.8));
    bool rho = false;
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(plot.plot()->item(i)))
            rho = rho || text->text() == QStringLiteral("ρ = 2");
    QVERIFY(rho);
    // On stored numbers every method shares the fair axis.
    plot.setXAxis(ErrorPlot::XAxis::Params);
    QCOMPARE(plot.lineGraph(monarch.name)->keyAxis(), plot.plot()->xAxis);
}

void TestPlots::spectralEstimatesArePointsOnly()
{
    // Estimated at ranks 1, 4 and 10: three points, no line through the ranks in between, and
    // the read-out says "estimate".
    CurveSeries id = makeSeries(QStringLiteral("ID"), Qt::darkGreen, 10, 0.6);
    id.spectralEstimated = true;
    for (int i = 0; i < id.relErrSpec.size(); ++i)
        if (i != 0 && i != 3 && i != 9)
            id.relErrSpec[i] = std::numeric_limits<double>::quiet_NaN();
    ErrorPlot plot;
    plot.resize(700, 450);
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setYMetric(ErrorPlot::YMetric::Spectral);
    plot.setSeries({id});
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    QCPGraph *g = plot.lineGraph(id.name);
    QCOMPARE(g->lineStyle(), QCPGraph::lsNone);
    QVERIFY(g->scatterStyle().shape() != QCPScatterStyle::ssNone);
    QCOMPARE(finitePoints(g), 3);
    const QPoint at(int(plot.plot()->xAxis->coordToPixel(4.0)), int(plot.plot()->yAxis->coordToPixel(id.relErrSpec[3])));
    QVERIFY2(plot.readoutAt(at).contains(QStringLiteral("estimate")), qPrintable(plot.readoutAt(at)));
    // Between two estimates (rank 7) there is nothing to read.
    const double between = std::sqrt(id.relErrSpec[3] * id.relErrSpec[9]);
    const QPoint gap(int(plot.plot()->xAxis->coordToPixel(7.0)), int(plot.plot()->yAxis->coordToPixel(between)));
    QVERIFY(plot.readoutAt(gap, 10.0).isEmpty());
    // Frobenius values are computed at every rank: a line.
    plot.setYMetric(ErrorPlot::YMetric::Frobenius);
    QCOMPARE(plot.lineGraph(id.name)->lineStyle(), QCPGraph::lsLine);
}

void TestPlots::markerLabelsDoNotOverlap()
{
    // Two methods at the same rank on nearly the same point, and two panes on one curve: every
    // label readable (no two label boxes intersect), the same text prefixed with its method.
    QVector<CurveSeries> series = threeCurves();
    series[1].relErrFro = series[0].relErrFro;
    ErrorPlot plot;
    plot.resize(700, 450);
    plot.setXAxis(ErrorPlot::XAxis::Rank);
    plot.setSeries(series);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setMarker(QStringLiteral("SVD"), 4);
    plot.setMarker(QStringLiteral("rSVD"), 4);
    plot.setLabelledMarker(QStringLiteral("pane:0"), QStringLiteral("CR optimal"), 5, QStringLiteral("A: CR r = 5"));
    plot.setLabelledMarker(QStringLiteral("pane:1"), QStringLiteral("CR optimal"), 5, QStringLiteral("B: CR r = 5"));
    plot.plot()->replot();
    QVector<QRectF> boxes;
    QStringList texts;
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(plot.plot()->item(i)); text && text->property("fsLabel").toBool()) {
            const QPointF tl = text->topLeft->pixelPosition(), br = text->bottomRight->pixelPosition();
            boxes << QRectF(tl, br).normalized();
            texts << text->text();
        }
    QCOMPARE(boxes.size(), 4);
    for (int a = 0; a < boxes.size(); ++a)
        for (int b = a + 1; b < boxes.size(); ++b)
            QVERIFY2(!boxes[a].intersects(boxes[b]), qPrintable(texts[a] + QStringLiteral(" / ") + texts[b]));
    QVERIFY(texts.contains(QStringLiteral("SVD: r = 4")));
    QVERIFY(texts.contains(QStringLiteral("rSVD: r = 4")));
}

void TestPlots::logTickLabelsAreUnique()
{
    // A range within one decade: 0.15, 0.2, 0.25 … must not all read "2·10⁻¹".
    CurveSeries flat = makeSeries(QStringLiteral("flat"), Qt::blue, 10, 1.0);
    for (int i = 0; i < flat.relErrFro.size(); ++i)
        flat.relErrFro[i] = 0.12 + 0.02 * i;
    ErrorPlot plot;
    plot.resize(700, 450);
    plot.setSeries({flat});
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    QVector<QString> labels = plot.plot()->yAxis->tickVectorLabels();
    QVERIFY(labels.size() >= 2);
    std::sort(labels.begin(), labels.end());
    QVERIFY2(std::adjacent_find(labels.begin(), labels.end()) == labels.end(), qPrintable(QStringList(labels.begin(), labels.end()).join(QLatin1Char(' '))));
}

void TestPlots::exportFiles_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::newRow("png") << QStringLiteral("png");
    QTest::newRow("svg") << QStringLiteral("svg");
    QTest::newRow("pdf") << QStringLiteral("pdf");
}

void TestPlots::exportFiles()
{
    QFETCH(QString, suffix);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ErrorPlot plot;
    plot.resize(640, 420);
    plot.setSeries(threeCurves());
    plot.setMarker(QStringLiteral("rSVD"), 5);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const QString path = dir.filePath(QStringLiteral("curves.") + suffix);
    QString error;
    QVERIFY2(plot.exportTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.size() > 500);
    if (suffix == QLatin1String("png")) {
        QImage image;
        QVERIFY(image.loadFromData(bytes, "PNG"));
        QCOMPARE(image.size(), plot.plot()->size() * 2); // twice the on-screen size
    } else if (suffix == QLatin1String("svg")) {
        QVERIFY(bytes.contains("<svg"));
        QVERIFY(bytes.contains("</svg>"));
    } else {
        QVERIFY(bytes.startsWith("%PDF"));
    }
}

void TestPlots::exportRejectsUnknownSuffix()
{
    QTemporaryDir dir;
    ErrorPlot plot;
    plot.setSeries(threeCurves());
    QString error;
    const QString path = dir.filePath(QStringLiteral("curves.xyz"));
    QVERIFY(!plot.exportTo(path, &error));
    QVERIFY(error.contains(QStringLiteral("curves.xyz")));
    QVERIFY(!QFile::exists(path));
    // A directory that does not exist: false, with a reason.
    error.clear();
    QVERIFY(!plot.exportTo(dir.filePath(QStringLiteral("missing/curves.png")), &error));
    QVERIFY(!error.isEmpty());
}

void TestPlots::spectrumEnergyClosedForm_data()
{
    QTest::addColumn<int>("rank");
    QTest::newRow("0") << 0;
    QTest::newRow("1") << 1;
    QTest::newRow("7") << 7;
    QTest::newRow("20") << 20;
    QTest::newRow("all (40)") << 40;
}

void TestPlots::spectrumEnergyClosedForm()
{
    QFETCH(int, rank);
    core::Vector sigma(40);
    for (int i = 0; i < 40; ++i)
        sigma[i] = 10.0 * std::pow(0.85, i) + 0.01;
    SpectrumPlot plot;
    plot.setSingularValues(sigma, QStringLiteral("R"));
    plot.setRank(rank);
    const int r = std::min(rank, 40);
    double kept = 0.0;
    for (int i = 0; i < r; ++i)
        kept += sigma[i] * sigma[i];
    const double closedForm = kept / sigma.squaredNorm();
    QVERIFY(std::abs(plot.energyAt(rank) - closedForm) < 1e-14);
    // The curve on the right axis passes through it at x = r, in percent.
    QCPGraph *energy = plot.energyGraph();
    QCOMPARE(energy->valueAxis(), plot.plot()->yAxis2);
    const auto it = energy->data()->findBegin(r, false);
    QCOMPARE(it->key, double(r));
    QVERIFY(std::abs(it->value - 100.0 * closedForm) < 1e-12);
    QCOMPARE(plot.rankLabel(), QStringLiteral("r = %1: %2 % energy")
                                   .arg(r)
                                   .arg(QString::number(100.0 * closedForm, 'f', 1)));
    // σ on the log left axis, one bar per value.
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(plot.bars()->dataCount(), 40);
    QCOMPARE(plot.sigmaGraph()->data()->at(0)->value, sigma[0]);
    QVERIFY(plot.plot()->yAxis->label().contains(QStringLiteral("R")));
}

void TestPlots::spectrumBeyondTheValues()
{
    // A preview's 50 values of a matrix whose ‖M‖²_F is larger: the energy is measured against
    // ‖M‖²_F, and a rank beyond the values has no energy to show.
    core::Vector sigma(50);
    for (int i = 0; i < 50; ++i)
        sigma[i] = std::pow(0.9, i);
    const double total = 2.0 * sigma.squaredNorm();
    SpectrumPlot plot;
    plot.setSingularValues(sigma, QStringLiteral("preview"), total);
    plot.setRank(50);
    QVERIFY(std::abs(plot.energyAt(50) - 0.5) < 1e-14);
    QCOMPARE(plot.rankLabel(), QStringLiteral("r = 50: 50.0 % energy"));
    plot.setRank(60);
    QCOMPARE(plot.rankLabel(), QStringLiteral("r = 60: beyond the 50 values computed"));
    // Without a total the values are all of them.
    plot.setSingularValues(sigma, QStringLiteral("all"));
    QVERIFY(std::abs(plot.energyAt(50) - 1.0) < 1e-15);
}

void TestPlots::spectrumZeroMatrix()
{
    SpectrumPlot plot;
    plot.setSingularValues(core::Vector::Zero(5));
    plot.setRank(2);
    QCOMPARE(plot.energyAt(2), 1.0);
    QCOMPARE(plot.rankLabel(), QStringLiteral("r = 2: 100.0 % energy"));
    plot.clear();
    QCOMPARE(plot.rankLabel(), QString());
    QCOMPARE(plot.energyGraph()->dataCount(), 0);
}

void TestPlots::spectrumLogSkipsZeros()
{
    core::Vector sigma(4);
    sigma << 3.0, 1.0, 0.0, 0.0;
    SpectrumPlot plot;
    plot.setSingularValues(sigma);
    plot.setRank(2);
    QCOMPARE(plot.rankLabel(), QStringLiteral("r = 2: 100.0 % energy"));
    int finite = 0;
    for (auto it = plot.sigmaGraph()->data()->constBegin(); it != plot.sigmaGraph()->data()->constEnd(); ++it)
        finite += std::isfinite(it->value);
    QCOMPARE(finite, 2);
    QVERIFY(plot.plot()->yAxis->range().lower > 0.0);
    QVERIFY(plot.plot()->yAxis->range().lower < 1.0);
    // Almost everything kept must not be rounded to 100 %.
    core::Vector nearly(2);
    nearly << 1.0, 0.01;
    plot.setSingularValues(nearly);
    plot.setRank(1);
    QVERIFY(!plot.rankLabel().contains(QStringLiteral("100.0")));
}

void TestPlots::barHighlight()
{
    BarPlot plot;
    const QVector<double> values{ 0.1, 0.3, 0.05, 0.2, 0.15, 0.2 };
    plot.setBars(values, QStringLiteral("column j"), QStringLiteral("p_j"));
    plot.setHighlighted({ 4, 1, 4 }, { 3, 1, 3 });
    QCOMPARE(plot.bars()->dataCount(), 6);
    QCPBars *h = plot.highlightBars();
    QCOMPARE(h->dataCount(), 2); // duplicates once
    QCOMPARE(h->data()->at(0)->key, 1.0);
    QCOMPARE(h->data()->at(0)->value, 0.3);
    QCOMPARE(h->data()->at(1)->key, 4.0);
    QCOMPARE(h->data()->at(1)->value, 0.15);
    QVERIFY(h->visible());
    QCOMPARE(plot.countLabels(), QStringList{ QStringLiteral("×3") });
    QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("column j"));
    // Out of range indices are ignored; an empty highlight hides the overlay.
    plot.setHighlighted({ -1, 6, 99 });
    QCOMPARE(plot.highlightBars()->dataCount(), 0);
    QVERIFY(!plot.highlightBars()->visible());
    // New bars drop the old highlight.
    plot.setHighlighted({ 0 });
    plot.setBars({ 1, 2 }, QString(), QString());
    QCOMPARE(plot.highlightBars()->dataCount(), 0);
}

void TestPlots::barClick()
{
    BarPlot plot;
    plot.resize(500, 300);
    plot.setBars({ 1, 2, 3, 4, 5, 6, 7, 8 }, QStringLiteral("i"), QStringLiteral("v"));
    plot.setTitle(QStringLiteral("Test bars"));
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    QSignalSpy spy(&plot, &BarPlot::barClicked);
    const int y = int(plot.plot()->yAxis->coordToPixel(0.5));
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, QPoint(int(plot.plot()->xAxis->coordToPixel(5.2)), y));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 5);
    // Between bars (wide bars here): nothing.
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, QPoint(int(plot.plot()->xAxis->coordToPixel(5.5)), y));
    QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, QPoint(int(plot.plot()->xAxis->coordToPixel(-0.7)), y));
    QCOMPARE(spy.size(), 1);
}

void TestPlots::barLogSkipsNonPositive()
{
    BarPlot plot;
    plot.setBars({ 1e-3, 0.0, 0.5, -1.0 }, QStringLiteral("k"), QStringLiteral("|R_kk|"), true);
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    int finite = 0;
    for (auto it = plot.bars()->data()->constBegin(); it != plot.bars()->data()->constEnd(); ++it)
        finite += std::isfinite(it->value);
    QCOMPARE(finite, 2);
    QVERIFY(plot.plot()->yAxis->range().lower > 0.0);
    QVERIFY(plot.plot()->yAxis->range().lower < 1e-3);
}

QTEST_MAIN(TestPlots)
#include "tst_plots.moc"
