// SPDX-License-Identifier: MIT
// MatrixView on an offscreen window of known size: hover read-out, clicks, zoom about the cursor,
// panning, linked regions, colour scales, reduction to screen resolution, marks.
#include "widgets/colormap.h"
#include "widgets/matrixview.h"

#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <memory>

using namespace factorscope;
using namespace factorscope::widgets;
using core::Index;
using core::Matrix;

namespace {

/// value(r, c) = 100·r + c: every cell says where it is.
std::shared_ptr<const Matrix> positional(Index rows, Index cols)
{
    auto m = std::make_shared<Matrix>(rows, cols);
    for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < cols; ++c)
            (*m)(r, c) = 100.0 * r + c;
    return m;
}

/// Widget position of the point (fx, fy) inside cell (row, col) (the centre by default), from the
/// public geometry only.
QPoint cellCentre(const MatrixView &view, Index row, Index col, double fx = 0.5, double fy = 0.5)
{
    const QRectF region = view.visibleRegion();
    const QRect port = view.viewport();
    const double x = port.left() + (col + fx - region.left()) * view.zoom();
    const double y = port.top() + (row + fy - region.top()) * view.zoom();
    return QPointF(x, y).toPoint();
}

/// Whether `colour` occurs within `radius` pixels of `p`.
bool colourNear(const QImage &image, QPoint p, QRgb colour, int radius)
{
    for (int dy = -radius; dy <= radius; ++dy)
        for (int dx = -radius; dx <= radius; ++dx)
            if ((image.pixel(p + QPoint(dx, dy)) & 0xffffff) == (colour & 0xffffff))
                return true;
    return false;
}

void sendWheel(QWidget *w, const QPointF &pos, int delta)
{
    QWheelEvent event(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &event);
}

void sendMouse(QWidget *w, QEvent::Type type, const QPointF &pos, Qt::MouseButton button,
               Qt::MouseButtons buttons)
{
    QMouseEvent event(type, pos, w->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &event);
}

bool fuzzyEqual(double a, double b, double tolerance = 1e-9)
{
    return std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b));
}

} // namespace

class TestMatrixView : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void hoverReportsCell_data();
    void hoverReportsCell();
    void hoverOutsideMatrix();
    void hoverImageText();
    void previewKeepsFullMatrixCoordinates();
    void heatmapPreviewKeepsFullMatrixCoordinates();
    void clickReportsCell();
    void wheelZoomsAboutCursor_data();
    void wheelZoomsAboutCursor();
    void dragPans();
    void visibleRegionRoundTrips_data();
    void visibleRegionRoundTrips();
    void zoomFunctions();
    void sameShapeKeepsView();
    void stretchFillsTheView_data();
    void stretchFillsTheView();
    void followViewSharesZoomAndCentre();
    void autoScale_data();
    void autoScale();
    void divergingColours_data();
    void divergingColours();
    void colorScaleStops();
    void renderedImageNotBlank();
    void reducesToScreenResolution();
    void columnMarksDrawnAtColumn();
    void columnMarksBandWhenZoomedOut();
    void flagsOutlineLargeEntries();
    void clearShowsMessage();

private:
    std::unique_ptr<MatrixView> m_view;
};

void TestMatrixView::init()
{
    m_view = std::make_unique<MatrixView>();
    m_view->resize(400, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestMatrixView::cleanup()
{
    m_view.reset();
}

void TestMatrixView::hoverReportsCell_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("col");
    QTest::newRow("top-left") << 0 << 0;
    QTest::newRow("middle") << 9 << 5;
    QTest::newRow("last row") << 19 << 3;
    QTest::newRow("last column") << 7 << 9;
    QTest::newRow("bottom-right") << 19 << 9;
}

void TestMatrixView::hoverReportsCell()
{
    QFETCH(int, row);
    QFETCH(int, col);
    m_view->setMatrix(positional(20, 10), ColorScale::Sequential);
    m_view->zoomToFit();
    QSignalSpy spy(m_view.get(), &MatrixView::hovered);
    // Start from elsewhere so that the move is a change of cell.
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, row == 0 ? 1 : 0, col == 0 ? 1 : 0));
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, row, col));
    QVERIFY(!spy.isEmpty());
    const QList<QVariant> args = spy.takeLast();
    QCOMPARE(args.at(0).value<Index>(), Index(row));
    QCOMPARE(args.at(1).value<Index>(), Index(col));
    QCOMPARE(args.at(2).toDouble(), 100.0 * row + col);
    QCOMPARE(args.at(3).toString(),
             QStringLiteral("row %1, col %2: %3").arg(row).arg(col).arg(100 * row + col));
}

void TestMatrixView::hoverOutsideMatrix()
{
    // 20 rows × 10 columns in a wider view: the fitted matrix leaves space on its left.
    m_view->setMatrix(positional(20, 10), ColorScale::Sequential);
    m_view->zoomToFit();
    const QRect port = m_view->viewport();
    const QPoint inside = cellCentre(*m_view, 3, 3);
    const QPoint leftOfMatrix(port.left() + 3, port.center().y());
    QVERIFY(m_view->widgetPosition(QPointF(0, 0)).x() > leftOfMatrix.x());
    QSignalSpy spy(m_view.get(), &MatrixView::hovered);
    QTest::mouseMove(m_view.get(), inside);
    QTest::mouseMove(m_view.get(), leftOfMatrix);
    QCOMPARE(spy.size(), 2);
    QCOMPARE(spy.at(1).at(0).value<Index>(), Index(-1));
    QCOMPARE(spy.at(1).at(1).value<Index>(), Index(-1));
    QVERIFY(std::isnan(spy.at(1).at(2).toDouble()));
}

void TestMatrixView::hoverImageText()
{
    auto planes = std::make_shared<std::vector<Matrix>>();
    planes->push_back(Matrix::Constant(8, 8, 0.61));
    planes->push_back(Matrix::Constant(8, 8, 0.52));
    planes->push_back(Matrix::Constant(8, 8, 0.40));
    (*planes)[0](2, 5) = 0.25;
    m_view->setImagePlanes(planes);
    QSignalSpy spy(m_view.get(), &MatrixView::hovered);
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 2, 5));
    QVERIFY(!spy.isEmpty());
    const QList<QVariant> args = spy.takeLast();
    QCOMPARE(args.at(0).value<Index>(), Index(2));
    QCOMPARE(args.at(1).value<Index>(), Index(5));
    const double luma = 0.2125 * 0.25 + 0.7154 * 0.52 + 0.0721 * 0.40;
    QVERIFY(fuzzyEqual(args.at(2).toDouble(), luma));
    QCOMPARE(args.at(3).toString(),
             QStringLiteral("row 2, col 5: %1 (R 0.25 G 0.52 B 0.40)").arg(QString::number(luma, 'g', 4)));
}

void TestMatrixView::previewKeepsFullMatrixCoordinates()
{
    // A 200 × 400 image, then a 20 × 40 stand-in for it (each stand-in pixel covers 10 × 10
    // cells): a checkerboard of 0.1 / 0.9 so that where each stand-in pixel lands is visible.
    auto full = std::make_shared<std::vector<Matrix>>(1, Matrix::Constant(200, 400, 0.5));
    m_view->setImagePlanes(full);
    m_view->zoomToFit();
    const QRectF fitted = m_view->visibleRegion();
    auto standIn = std::make_shared<std::vector<Matrix>>(1, Matrix(20, 40));
    for (Index r = 0; r < 20; ++r)
        for (Index c = 0; c < 40; ++c)
            (*standIn)[0](r, c) = (r + c) % 2 ? 0.9 : 0.1;
    m_view->setPreviewPlanes(standIn, 200, 400);
    QVERIFY(m_view->showsPreview());
    QCOMPARE(m_view->matrixRows(), Index(200));
    QCOMPARE(m_view->matrixColumns(), Index(400));
    QCOMPARE(m_view->visibleRegion(), fitted); // same full size: the view is kept

    // Zoomed in on a part: the region is in full-matrix units.
    const QRectF part(200, 100, 100, 50);
    m_view->setVisibleRegion(part);
    const QRectF shown = m_view->visibleRegion();
    QVERIFY(shown.contains(part.adjusted(0.01, 0.01, -0.01, -0.01)));
    QVERIFY(shown.width() < 150 && shown.height() < 100);

    // Hover names the full-matrix cell; the value is the stand-in pixel covering it.
    QSignalSpy spy(m_view.get(), &MatrixView::hovered);
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 120, 240));
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 125, 257));
    QVERIFY(!spy.isEmpty());
    QList<QVariant> args = spy.takeLast();
    QCOMPARE(args.at(0).value<Index>(), Index(125));
    QCOMPARE(args.at(1).value<Index>(), Index(257));
    QCOMPARE(args.at(2).toDouble(), 0.9); // stand-in pixel (12, 25)
    QVERIFY2(args.at(3).toString().startsWith(QStringLiteral("row 125, col 257: 0.9")), qPrintable(args.at(3).toString()));
    QVERIFY2(args.at(3).toString().contains(QStringLiteral("preview")), qPrintable(args.at(3).toString()));
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 135, 257));
    args = spy.takeLast();
    QCOMPARE(args.at(0).value<Index>(), Index(135));
    QCOMPARE(args.at(2).toDouble(), 0.1); // stand-in pixel (13, 25)

    // Drawn where those cells are: stand-in pixel (12, 25) bright, (13, 25) dark.
    const auto grey = [&](Index row, Index col) {
        const QImage image = m_view->renderedImage();
        const double dpr = image.devicePixelRatio();
        return qGray(image.pixel((QPointF(cellCentre(*m_view, row, col)) * dpr).toPoint()));
    };
    QCOMPARE(grey(125, 255), 230);
    QCOMPARE(grey(135, 255), 26);
    QCOMPARE(grey(125, 245), 26);  // pixel (12, 24)
    QCOMPARE(grey(115, 255), 26);  // pixel (11, 25)
    QCOMPARE(grey(115, 265), 230); // pixel (11, 26)

    // The full-resolution planes replace the stand-in and keep the view.
    m_view->setImagePlanes(full);
    QVERIFY(!m_view->showsPreview());
    QCOMPARE(m_view->visibleRegion(), shown);
    QCOMPARE(grey(125, 255), 128);
    // A stand-in larger than the matrix it stands for is refused.
    m_view->setPreviewPlanes(std::make_shared<std::vector<Matrix>>(1, Matrix::Zero(300, 40)), 200, 400);
    QVERIFY(!m_view->hasData());
}

void TestMatrixView::heatmapPreviewKeepsFullMatrixCoordinates()
{
    // A 200 × 400 difference heatmap, then a 20 × 40 stand-in for it: left half −1, right +2.
    auto full = std::make_shared<Matrix>(Matrix::Zero(200, 400));
    full->rightCols(200).setConstant(0.5);
    m_view->setMatrix(full, ColorScale::Diverging, QStringLiteral("difference"));
    m_view->setVisibleRegion(QRectF(150, 50, 100, 100));
    const QRectF shown = m_view->visibleRegion();
    auto standIn = std::make_shared<Matrix>(20, 40);
    standIn->leftCols(20).setConstant(-1.0);
    standIn->rightCols(20).setConstant(2.0);
    m_view->setPreviewMatrix(standIn, ColorScale::Diverging, 200, 400);
    QVERIFY(m_view->showsPreview());
    QCOMPARE(m_view->colorScale(), ColorScale::Diverging);
    QCOMPARE(m_view->matrixRows(), Index(200));
    QCOMPARE(m_view->matrixColumns(), Index(400));
    QCOMPARE(m_view->visibleRegion(), shown); // same full size: zoom and pan kept
    QCOMPARE(m_view->title(), QStringLiteral("difference"));
    // Its own symmetric range, as setMatrix() would give it.
    QCOMPARE(m_view->colorRange().first, -2.0);
    QCOMPARE(m_view->colorRange().second, 2.0);

    // Hover: the full-matrix cell, the value of the stand-in pixel covering it.
    QSignalSpy spy(m_view.get(), &MatrixView::hovered);
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 100, 180));
    QTest::mouseMove(m_view.get(), cellCentre(*m_view, 101, 210));
    QVERIFY(!spy.isEmpty());
    QList<QVariant> args = spy.takeLast();
    QCOMPARE(args.at(0).value<Index>(), Index(101));
    QCOMPARE(args.at(1).value<Index>(), Index(210));
    QCOMPARE(args.at(2).toDouble(), 2.0);
    QVERIFY2(args.at(3).toString().contains(QStringLiteral("preview")), qPrintable(args.at(3).toString()));

    // Drawn on the diverging scale where those cells are (a shared range set by the caller wins).
    m_view->setColorRange(-4.0, 4.0);
    const QImage image = m_view->renderedImage();
    const double dpr = image.devicePixelRatio();
    const auto colour = [&](Index row, Index col) {
        return image.pixel((QPointF(cellCentre(*m_view, row, col)) * dpr).toPoint()) & 0xffffff;
    };
    const auto close = [](QRgb x, QRgb y) {
        return std::abs(qRed(x) - qRed(y)) <= 2 && std::abs(qGreen(x) - qGreen(y)) <= 2
               && std::abs(qBlue(x) - qBlue(y)) <= 2;
    };
    QVERIFY(close(colour(100, 180), colorAt(ColorScale::Diverging, (-1.0 + 4.0) / 8.0) & 0xffffff));
    QVERIFY(close(colour(100, 220), colorAt(ColorScale::Diverging, (2.0 + 4.0) / 8.0) & 0xffffff));

    // The full heatmap replaces it and keeps the view.
    m_view->setMatrix(full, ColorScale::Diverging, QStringLiteral("difference"));
    QVERIFY(!m_view->showsPreview());
    QCOMPARE(m_view->visibleRegion(), shown);
    // Null or larger than the matrix it stands for: refused.
    m_view->setPreviewMatrix(std::make_shared<Matrix>(Matrix::Zero(20, 500)), ColorScale::Diverging, 200, 400);
    QVERIFY(!m_view->hasData());
    m_view->setPreviewMatrix(nullptr, ColorScale::Diverging, 200, 400);
    QVERIFY(!m_view->hasData());
}

void TestMatrixView::clickReportsCell()
{
    m_view->setMatrix(positional(20, 10), ColorScale::Sequential);
    QSignalSpy spy(m_view.get(), &MatrixView::clicked);
    QTest::mouseClick(m_view.get(), Qt::LeftButton, {}, cellCentre(*m_view, 12, 4));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).value<Index>(), Index(12));
    QCOMPARE(spy.at(0).at(1).value<Index>(), Index(4));
}

void TestMatrixView::wheelZoomsAboutCursor_data()
{
    QTest::addColumn<QPointF>("pos");
    QTest::addColumn<int>("delta");
    QTest::newRow("in, near top-left") << QPointF(60.5, 40.25) << 120;
    QTest::newRow("in, off-centre") << QPointF(250.0, 201.0) << 240;
    QTest::newRow("out, centre") << QPointF(180.0, 150.0) << -120;
    QTest::newRow("in, fractional") << QPointF(97.3, 188.8) << 60;
}

void TestMatrixView::wheelZoomsAboutCursor()
{
    QFETCH(QPointF, pos);
    QFETCH(int, delta);
    m_view->setMatrix(positional(120, 160), ColorScale::Sequential);
    m_view->zoomToFit();
    const double zoomBefore = m_view->zoom();
    const QPointF before = m_view->matrixPosition(pos);
    QSignalSpy region(m_view.get(), &MatrixView::visibleRegionChanged);
    QSignalSpy hover(m_view.get(), &MatrixView::hovered);
    sendWheel(m_view.get(), pos, delta);
    QCOMPARE(region.size(), 1);
    QVERIFY(fuzzyEqual(m_view->zoom(), zoomBefore * std::pow(1.25, delta / 120.0)));
    // The matrix point under the cursor did not move, neither by our mapping nor by the
    // independent one through visibleRegion().
    const QPointF after = m_view->matrixPosition(pos);
    QVERIFY2(fuzzyEqual(after.x(), before.x()) && fuzzyEqual(after.y(), before.y()),
             qPrintable(QStringLiteral("(%1, %2) -> (%3, %4)").arg(before.x()).arg(before.y()).arg(after.x()).arg(after.y())));
    const QRectF r = region.at(0).at(0).toRectF();
    QCOMPARE(r, m_view->visibleRegion());
    const QPointF viaRegion = r.topLeft() + (pos - QPointF(m_view->viewport().topLeft())) / m_view->zoom();
    QVERIFY(fuzzyEqual(viaRegion.x(), before.x()) && fuzzyEqual(viaRegion.y(), before.y()));
    // And the hovered cell is the one that was there.
    QVERIFY(!hover.isEmpty());
    QCOMPARE(hover.last().at(0).value<Index>(), Index(std::floor(before.y())));
    QCOMPARE(hover.last().at(1).value<Index>(), Index(std::floor(before.x())));
}

void TestMatrixView::dragPans()
{
    m_view->setMatrix(positional(50, 50), ColorScale::Sequential);
    m_view->setZoom(20.0);
    const QRectF before = m_view->visibleRegion();
    QSignalSpy spy(m_view.get(), &MatrixView::visibleRegionChanged);
    QSignalSpy clicks(m_view.get(), &MatrixView::clicked);
    const QPointF start(200, 150), end(140, 190);
    sendMouse(m_view.get(), QEvent::MouseButtonPress, start, Qt::LeftButton, Qt::LeftButton);
    sendMouse(m_view.get(), QEvent::MouseMove, (start + end) / 2, Qt::NoButton, Qt::LeftButton);
    sendMouse(m_view.get(), QEvent::MouseMove, end, Qt::NoButton, Qt::LeftButton);
    sendMouse(m_view.get(), QEvent::MouseButtonRelease, end, Qt::LeftButton, Qt::NoButton);
    QVERIFY(spy.size() >= 1);
    const QRectF after = m_view->visibleRegion();
    // Content follows the mouse: moving 60 px left and 40 px down shows 3 cells further right
    // and 2 cells further up.
    QVERIFY(fuzzyEqual(after.left() - before.left(), 60.0 / 20.0));
    QVERIFY(fuzzyEqual(after.top() - before.top(), -40.0 / 20.0));
    QCOMPARE(after.size(), before.size());
    QCOMPARE(clicks.size(), 0); // a drag is not a click
}

void TestMatrixView::visibleRegionRoundTrips_data()
{
    QTest::addColumn<QRectF>("region");
    QTest::addColumn<bool>("sameAspect");
    QTest::newRow("view aspect") << QRectF(10.0, 5.0, 40.0, 0.0) << true;
    QTest::newRow("tall") << QRectF(3.0, 2.0, 10.0, 60.0) << false;
    QTest::newRow("wide") << QRectF(-5.0, 30.0, 150.0, 12.0) << false;
}

void TestMatrixView::visibleRegionRoundTrips()
{
    QFETCH(QRectF, region);
    QFETCH(bool, sameAspect);
    m_view->setMatrix(positional(100, 120), ColorScale::Sequential);
    const QRect port = m_view->viewport();
    if (sameAspect)
        region.setHeight(region.width() * port.height() / double(port.width()));
    QSignalSpy spy(m_view.get(), &MatrixView::visibleRegionChanged);
    m_view->setVisibleRegion(region);
    QCOMPARE(spy.size(), 0); // programmatic: no loop between linked views
    const QRectF shown = m_view->visibleRegion();
    QVERIFY(fuzzyEqual(shown.center().x(), region.center().x()));
    QVERIFY(fuzzyEqual(shown.center().y(), region.center().y()));
    if (sameAspect) {
        QVERIFY(fuzzyEqual(shown.width(), region.width()));
        QVERIFY(fuzzyEqual(shown.height(), region.height()));
    } else {
        // At least the region, and exactly it along the limiting side.
        QVERIFY(shown.width() >= region.width() - 1e-9 && shown.height() >= region.height() - 1e-9);
        QVERIFY(fuzzyEqual(shown.width(), region.width()) || fuzzyEqual(shown.height(), region.height()));
    }
    // A second view of another size, linked to the first, shows the same centre and contains it.
    MatrixView other;
    other.resize(300, 260);
    other.setMatrix(positional(100, 120), ColorScale::Sequential);
    other.setVisibleRegion(shown);
    QVERIFY(fuzzyEqual(other.visibleRegion().center().x(), shown.center().x()));
    QVERIFY(other.visibleRegion().width() >= shown.width() - 1e-9);
    // Round trip on the same view.
    m_view->setVisibleRegion(shown);
    const QRectF again = m_view->visibleRegion();
    QVERIFY(fuzzyEqual(again.left(), shown.left()) && fuzzyEqual(again.top(), shown.top()));
    QVERIFY(fuzzyEqual(again.width(), shown.width()) && fuzzyEqual(again.height(), shown.height()));
    QCOMPARE(spy.size(), 0);
}

void TestMatrixView::zoomFunctions()
{
    m_view->setMatrix(positional(40, 40), ColorScale::Sequential);
    m_view->zoomToFit();
    const double fit = m_view->zoom();
    const QPointF centre = m_view->visibleRegion().center();
    QSignalSpy spy(m_view.get(), &MatrixView::visibleRegionChanged);
    m_view->zoomIn();
    QVERIFY(m_view->zoom() > fit);
    QVERIFY(fuzzyEqual(m_view->visibleRegion().center().x(), centre.x(), 1e-6));
    m_view->setZoom(3.0);
    QVERIFY(fuzzyEqual(m_view->zoom(), 3.0));
    m_view->zoomOut();
    QVERIFY(fuzzyEqual(m_view->zoom(), 3.0 / 1.25));
    m_view->zoomToFit();
    QVERIFY(fuzzyEqual(m_view->zoom(), fit));
    QCOMPARE(spy.size(), 4);
    m_view->zoomToFit(); // nothing changes: no signal
    QCOMPARE(spy.size(), 4);
    // Fitted: the whole matrix is visible.
    const QRectF region = m_view->visibleRegion();
    QVERIFY(region.contains(QRectF(0, 0, 40, 40)));
}

void TestMatrixView::sameShapeKeepsView()
{
    m_view->setMatrix(positional(60, 60), ColorScale::Sequential);
    m_view->setZoom(12.0);
    const QRectF region = m_view->visibleRegion();
    // A new rank of the same matrix: the view stays where the user left it.
    auto next = std::make_shared<Matrix>(Matrix::Constant(60, 60, 1.0));
    m_view->setMatrix(next, ColorScale::Sequential);
    QCOMPARE(m_view->zoom(), 12.0);
    QCOMPARE(m_view->visibleRegion(), region); // also: the colour bar did not get narrower
    // Another shape: fitted.
    m_view->setMatrix(positional(10, 300), ColorScale::Sequential);
    QVERIFY(m_view->visibleRegion().contains(QRectF(0, 0, 300, 10)));
}

void TestMatrixView::stretchFillsTheView_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("thin Vt 20 x 4000") << 20 << 4000;
    QTest::newRow("tall U 3000 x 12") << 3000 << 12;
    QTest::newRow("square 50 x 50") << 50 << 50;
}

void TestMatrixView::stretchFillsTheView()
{
    // A factor heatmap fills its view (cells stretched), instead of a one-pixel line; the cell
    // mapping stays consistent (hover, positions) and zoom keeps the cell shape.
    QFETCH(int, rows);
    QFETCH(int, cols);
    auto m = std::make_shared<const Matrix>(Matrix::Random(rows, cols));
    m_view->setStretchToFit(true);
    m_view->setMatrix(m, ColorScale::Diverging);
    const QRect v = m_view->viewport();
    const QPointF topLeft = m_view->widgetPosition(QPointF(0, 0));
    const QPointF bottomRight = m_view->widgetPosition(QPointF(cols, rows));
    QVERIFY2(bottomRight.x() - topLeft.x() > 0.97 * v.width() && bottomRight.y() - topLeft.y() > 0.97 * v.height(),
             qPrintable(QStringLiteral("%1 x %2 in %3 x %4").arg(bottomRight.x() - topLeft.x()).arg(bottomRight.y() - topLeft.y())
                            .arg(v.width()).arg(v.height())));
    // The cell under a point is where the mapping says.
    const QPointF inside = m_view->widgetPosition(QPointF(cols * 0.75 + 0.5, rows * 0.25 + 0.5));
    const QPointF back = m_view->matrixPosition(inside);
    QVERIFY(std::abs(back.x() - (cols * 0.75 + 0.5)) < 1e-9 && std::abs(back.y() - (rows * 0.25 + 0.5)) < 1e-9);
    const double aspect = m_view->cellAspect();
    m_view->zoomIn();
    QCOMPARE(m_view->cellAspect(), aspect);
    // Without stretch the same matrix keeps square cells.
    MatrixView square;
    square.resize(400, 300);
    square.setMatrix(m, ColorScale::Diverging);
    QCOMPARE(square.cellAspect(), 1.0);
    if (rows != cols) {
        const QPointF sBr = square.widgetPosition(QPointF(cols, rows)), sTl = square.widgetPosition(QPointF(0, 0));
        QVERIFY(std::min(sBr.x() - sTl.x(), sBr.y() - sTl.y()) < 0.2 * std::min(v.width(), v.height()));
    }
}

void TestMatrixView::followViewSharesZoomAndCentre()
{
    // Linked views of different sizes: the same zoom about the same point, also after the
    // follower is resized (a tab shown later, a pane added).
    auto m = std::make_shared<const Matrix>(Matrix::Random(200, 300));
    m_view->setMatrix(m, ColorScale::Diverging);
    MatrixView other;
    other.resize(260, 420);
    other.show();
    QVERIFY(QTest::qWaitForWindowExposed(&other));
    other.setMatrix(m, ColorScale::Diverging);
    m_view->zoomIn();
    m_view->zoomIn();
    m_view->setVisibleRegion(QRectF(100, 50, 40, 30));
    other.followView(*m_view);
    QCOMPARE(other.zoom(), m_view->zoom());
    const QPointF a = m_view->centre(), b = other.centre();
    QVERIFY2(std::abs(a.x() - b.x()) < 1e-9 && std::abs(a.y() - b.y()) < 1e-9,
             qPrintable(QStringLiteral("(%1, %2) vs (%3, %4)").arg(a.x()).arg(a.y()).arg(b.x()).arg(b.y())));
    other.resize(500, 200);
    QCOMPARE(other.zoom(), m_view->zoom());
    QVERIFY(std::abs(other.centre().x() - a.x()) < 1e-9 && std::abs(other.centre().y() - a.y()) < 1e-9);
    // A fitted leader: the follower fits too.
    m_view->zoomToFit();
    other.followView(*m_view);
    QVERIFY(std::abs(other.centre().x() - 150.0) < 1e-9 && std::abs(other.centre().y() - 100.0) < 1e-9);
}

void TestMatrixView::autoScale_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::addColumn<ColorScale>("scale");
    Matrix both(2, 2);
    both << -1, 2, 3, 4;
    QTest::newRow("both signs") << both << ColorScale::Diverging;
    QTest::newRow("non-negative") << Matrix(Matrix::Constant(3, 3, 0.5)) << ColorScale::Sequential;
    Matrix negative(1, 2);
    negative << -1, -2;
    QTest::newRow("non-positive") << negative << ColorScale::Sequential;
    Matrix zeroAndPositive(1, 2);
    zeroAndPositive << 0, 1;
    QTest::newRow("zero and positive") << zeroAndPositive << ColorScale::Sequential;
}

void TestMatrixView::autoScale()
{
    QFETCH(Matrix, m);
    QFETCH(ColorScale, scale);
    QCOMPARE(MatrixView::autoScale(m), scale);
}

void TestMatrixView::divergingColours_data()
{
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::newRow("symmetric") << -2.0 << 2.0;
    QTest::newRow("mostly positive") << -1.0 << 4.0;
    QTest::newRow("mostly negative") << -3.0 << 0.5;
}

void TestMatrixView::divergingColours()
{
    QFETCH(double, low);
    QFETCH(double, high);
    auto m = std::make_shared<Matrix>(1, 3);
    *m << low, 0.0, high;
    m_view->setMatrix(m, ColorScale::Diverging);
    const double a = std::max(-low, high);
    QCOMPARE(m_view->colorRange().first, -a);
    QCOMPARE(m_view->colorRange().second, a);
    const QImage image = m_view->renderedImage();
    // Off-centre, away from the value written in large cells and from the grid lines.
    const auto pixel = [&](int col) { return image.pixel(cellCentre(*m_view, 0, col, 0.25, 0.25)) & 0xffffff; };
    QCOMPARE(pixel(1), QRgb(0xffffff)); // zero is white
    const QRgb atLow = colorAt(ColorScale::Diverging, (low + a) / (2 * a)) & 0xffffff;
    const QRgb atHigh = colorAt(ColorScale::Diverging, (high + a) / (2 * a)) & 0xffffff;
    // The larger magnitude takes the extreme of its side; the table's resolution is 1/1024.
    const auto close = [](QRgb x, QRgb y) {
        return std::abs(qRed(x) - qRed(y)) <= 2 && std::abs(qGreen(x) - qGreen(y)) <= 2
               && std::abs(qBlue(x) - qBlue(y)) <= 2;
    };
    QVERIFY(close(pixel(0), atLow));
    QVERIFY(close(pixel(2), atHigh));
    if (-low == a)
        QCOMPARE(pixel(0), colorAt(ColorScale::Diverging, 0.0) & 0xffffff);
    if (high == a)
        QCOMPARE(pixel(2), colorAt(ColorScale::Diverging, 1.0) & 0xffffff);
}

void TestMatrixView::colorScaleStops()
{
    QCOMPARE(colorAt(ColorScale::Diverging, 0.5), qRgb(255, 255, 255));
    QCOMPARE(colorAt(ColorScale::Diverging, 0.0), qRgb(5, 48, 97));   // deep blue
    QCOMPARE(colorAt(ColorScale::Diverging, 1.0), qRgb(103, 0, 31));   // deep red
    QCOMPARE(colorAt(ColorScale::Gray, 0.0), qRgb(0, 0, 0));
    QCOMPARE(colorAt(ColorScale::Gray, 1.0), qRgb(255, 255, 255));
    QCOMPARE(colorAt(ColorScale::Sequential, -3.0), colorAt(ColorScale::Sequential, 0.0)); // clamped
    QCOMPARE(int(colorTable(ColorScale::Diverging).size()), colorTableSize);
    QCOMPARE(colorTable(ColorScale::Diverging)[colorTableSize / 2], qRgb(255, 255, 255));
    // Sequential gets lighter from min to max (readable in grey).
    int previous = -1;
    for (int i = 0; i <= 10; ++i) {
        const int grey = qGray(colorAt(ColorScale::Sequential, i / 10.0));
        QVERIFY(grey >= previous);
        previous = grey;
    }
}

void TestMatrixView::renderedImageNotBlank()
{
    auto planes = std::make_shared<std::vector<Matrix>>();
    Matrix r(64, 96), g(64, 96), b(64, 96);
    for (Index i = 0; i < 64; ++i)
        for (Index j = 0; j < 96; ++j) {
            r(i, j) = j / 95.0;
            g(i, j) = i / 63.0;
            b(i, j) = 0.5;
        }
    planes->assign({ r, g, b });
    m_view->setImagePlanes(planes);
    const QImage image = m_view->renderedImage();
    QCOMPARE(image.size(), m_view->size() * m_view->devicePixelRatioF());
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 100, qPrintable(QString::number(colours.size())));
    // Corners of the image carry the gradient's corner colours.
    const QRgb topLeft = image.pixel(cellCentre(*m_view, 0, 0));
    const QRgb bottomRight = image.pixel(cellCentre(*m_view, 63, 95));
    QVERIFY(qRed(topLeft) < 10 && qGreen(topLeft) < 10);
    QVERIFY(qRed(bottomRight) > 245 && qGreen(bottomRight) > 245);
}

void TestMatrixView::reducesToScreenResolution()
{
    m_view->setMatrix(positional(2000, 1500), ColorScale::Sequential);
    m_view->zoomToFit();
    m_view->renderedImage();
    const QImage cached = m_view->cachedImage();
    const QRect port = m_view->viewport();
    const double dpr = m_view->devicePixelRatioF();
    QVERIFY(!cached.isNull());
    QVERIFY2(cached.width() <= std::ceil(port.width() * dpr) + 1 && cached.height() <= std::ceil(port.height() * dpr) + 1,
             qPrintable(QStringLiteral("%1x%2").arg(cached.width()).arg(cached.height())));
    // Zoomed in: one image pixel per visible cell.
    m_view->setVisibleRegion(QRectF(100, 100, 20, 15));
    m_view->renderedImage();
    const QRectF region = m_view->visibleRegion();
    QVERIFY(m_view->cachedImage().width() <= int(std::ceil(region.width())) + 1);
    QVERIFY(m_view->cachedImage().width() >= int(std::floor(region.width())));
}

void TestMatrixView::columnMarksDrawnAtColumn()
{
    // Large cells (about 26 px): marked columns and rows get edge lines, their cells keep
    // their colours.
    m_view->setMatrix(std::make_shared<Matrix>(Matrix::Constant(10, 12, 0.5)), ColorScale::Gray);
    QVERIFY(m_view->zoom() > 6.0);
    const QImage plain = m_view->renderedImage();
    m_view->setColumnMarks({ 3 });
    m_view->setRowMarks({ 7 });
    const QImage marked = m_view->renderedImage();
    const QRgb magenta = qRgb(230, 0, 160), green = qRgb(0, 170, 90);
    QVERIFY(colourNear(marked, cellCentre(*m_view, 5, 3, 0.05, 0.5), magenta, 2)); // left edge
    QVERIFY(colourNear(marked, cellCentre(*m_view, 5, 3, 0.95, 0.5), magenta, 2)); // right edge
    QVERIFY(colourNear(marked, cellCentre(*m_view, 7, 9, 0.5, 0.05), green, 2));   // top edge
    QVERIFY(!colourNear(marked, cellCentre(*m_view, 5, 2, 0.5, 0.5), magenta, 3)); // neighbour
    QCOMPARE(marked.pixel(cellCentre(*m_view, 5, 3)), plain.pixel(cellCentre(*m_view, 5, 3)));
    QCOMPARE(marked.pixel(cellCentre(*m_view, 5, 9)), plain.pixel(cellCentre(*m_view, 5, 9)));
    m_view->setSliceHighlight({ 1, 5 }, { 8, 9, 10 });
    const QImage slice = m_view->renderedImage();
    QVERIFY(slice.pixel(cellCentre(*m_view, 5, 9)) != marked.pixel(cellCentre(*m_view, 5, 9)));
    QVERIFY(slice.pixel(cellCentre(*m_view, 1, 10)) != marked.pixel(cellCentre(*m_view, 1, 10)));
    QCOMPARE(slice.pixel(cellCentre(*m_view, 4, 9)), marked.pixel(cellCentre(*m_view, 4, 9)));
    m_view->clearMarks();
    QCOMPARE(m_view->renderedImage(), plain);
}

void TestMatrixView::columnMarksBandWhenZoomedOut()
{
    // Cells of a few pixels: a translucent band over the marked column.
    m_view->setMatrix(std::make_shared<Matrix>(Matrix::Constant(100, 120, 0.5)), ColorScale::Gray);
    QVERIFY(m_view->zoom() < 6.0);
    const QImage plain = m_view->renderedImage();
    m_view->setColumnMarks({ 60 });
    const QImage marked = m_view->renderedImage();
    const QPoint inBand = cellCentre(*m_view, 50, 60);
    QVERIFY(marked.pixel(inBand) != plain.pixel(inBand));
    QVERIFY(qRed(marked.pixel(inBand)) > qGreen(marked.pixel(inBand))); // tinted magenta
    QCOMPARE(marked.pixel(cellCentre(*m_view, 50, 40)), plain.pixel(cellCentre(*m_view, 50, 40)));
}

void TestMatrixView::flagsOutlineLargeEntries()
{
    auto m = std::make_shared<Matrix>(Matrix::Zero(4, 4));
    (*m)(1, 1) = 1.5;
    (*m)(2, 2) = -2.5;
    m_view->setMatrix(m, ColorScale::Diverging);
    m_view->zoomToFit(); // cells of about 70 px
    QVERIFY(m_view->zoom() > 20);
    const QImage plain = m_view->renderedImage();
    m_view->setFlagThresholds(1.0, 2.0);
    const QImage flagged = m_view->renderedImage();
    // Just inside each cell's left edge, half-way down.
    const auto edge = [&](int row, int col) {
        return (m_view->widgetPosition(QPointF(col, row + 0.5)) + QPointF(2.0, 0)).toPoint();
    };
    const QRgb amber = qRgb(255, 170, 0), magenta = qRgb(200, 0, 255);
    QVERIFY(colourNear(flagged, edge(1, 1), amber, 2));      // 1 < |v| ≤ 2
    QVERIFY(!colourNear(flagged, edge(1, 1), magenta, 2));
    QVERIFY(colourNear(flagged, edge(2, 2), magenta, 2));    // |v| > 2
    QVERIFY(!colourNear(flagged, edge(2, 2), amber, 2));
    QVERIFY(!colourNear(flagged, edge(0, 3), amber, 2));     // not flagged
    QVERIFY(!colourNear(plain, edge(1, 1), amber, 2));
    // 0 disables both.
    m_view->setFlagThresholds(0.0, 0.0);
    QCOMPARE(m_view->renderedImage(), plain);
}

void TestMatrixView::clearShowsMessage()
{
    m_view->setMatrix(positional(5, 5), ColorScale::Sequential);
    QVERIFY(m_view->hasData());
    m_view->clear(QStringLiteral("Open a file"));
    QVERIFY(!m_view->hasData());
    const QImage image = m_view->renderedImage();
    // The message is drawn: some pixels differ from the background.
    const QRgb background = image.pixel(2, 2);
    int different = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            different += image.pixel(x, y) != background;
    QVERIFY(different > 20);
}

QTEST_MAIN(TestMatrixView)
#include "tst_matrixview.moc"
