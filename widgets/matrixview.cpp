// SPDX-License-Identifier: MIT
#include "matrixview.h"

#include "core/display.h"

#include <QApplication>
#include <QCursor>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace factorscope::widgets {

using core::Index;
using core::Matrix;

namespace {

constexpr int margin = 4;
constexpr int colorBarWidth = 14;
constexpr int colorBarGap = 8;
constexpr int tickLength = 4;
constexpr double zoomStep = 1.25;            // per wheel notch and per zoomIn()/zoomOut()
constexpr double flagMinCellPixels = 6.0;    // flags are drawn from this cell size up
constexpr double gridMinCellPixels = 12.0;   // thin grid lines between cells from here up
constexpr double textMinCellPixels = 34.0;   // values written in the cells from here up

const QColor columnMarkColor(230, 0, 160); // magenta: apart from viridis, RdBu and grey
const QColor rowMarkColor(0, 170, 90);     // green
const QColor sliceColor(255, 190, 0);      // amber tint with a dark outline
const QColor flagFirstColor(255, 170, 0);
const QColor flagSecondColor(200, 0, 255);

/// "Nice" ticks (1, 2, 5 × 10^k) inside [low, high], about `count` of them.
std::vector<double> niceTicks(double low, double high, int count)
{
    std::vector<double> ticks;
    if (!(high > low) || count < 1)
        return ticks;
    const double raw = (high - low) / count;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
    for (double k = std::ceil(low / step - 1e-9); k * step <= high + step * 1e-9; k += 1.0) {
        const double v = k * step;
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    }
    return ticks;
}

QString formatValue(double v)
{
    return QString::number(v, 'g', 4);
}

/// Maximal runs of consecutive indices in a sorted, de-duplicated list: (first, length).
std::vector<std::pair<Index, Index>> runsOf(std::vector<Index> indices)
{
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::vector<std::pair<Index, Index>> runs;
    for (Index i : indices) {
        if (!runs.empty() && runs.back().first + runs.back().second == i)
            ++runs.back().second;
        else
            runs.emplace_back(i, 1);
    }
    return runs;
}

} // namespace

MatrixView::MatrixView(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::WheelFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

MatrixView::~MatrixView() = default;

QSize MatrixView::sizeHint() const
{
    return { 480, 400 };
}

QSize MatrixView::minimumSizeHint() const
{
    return { 120, 100 };
}

// --- data ------------------------------------------------------------------------------------

namespace {
/// 1 grey or 3 RGB planes of one shape: sets rows/cols and returns true.
bool planeShape(const std::vector<Matrix> *planes, Index &rows, Index &cols)
{
    if (!planes || planes->empty() || (planes->size() != 1 && planes->size() != 3))
        return false;
    rows = planes->front().rows();
    cols = planes->front().cols();
    for (const Matrix &p : *planes)
        if (p.rows() != rows || p.cols() != cols)
            return false;
    return true;
}
} // namespace

void MatrixView::setImagePlanes(std::shared_ptr<const std::vector<Matrix>> planes)
{
    Index rows = 0, cols = 0;
    if (!planeShape(planes.get(), rows, cols)) {
        clear();
        return;
    }
    m_planes = std::move(planes);
    m_preview.reset();
    m_matrix.reset();
    m_scale = ColorScale::Gray;
    m_low = 0.0;
    m_high = 1.0;
    m_title.clear();
    setData(Mode::Image, rows, cols);
}

void MatrixView::setPreviewPlanes(std::shared_ptr<const std::vector<Matrix>> planes, Index fullRows,
                                  Index fullCols)
{
    Index rows = 0, cols = 0;
    if (!planeShape(planes.get(), rows, cols) || rows < 1 || cols < 1 || rows > fullRows || cols > fullCols) {
        clear();
        return;
    }
    m_preview = std::move(planes);
    m_planes.reset();
    m_matrix.reset();
    m_scale = ColorScale::Gray;
    m_low = 0.0;
    m_high = 1.0;
    setData(Mode::Image, fullRows, fullCols);
}

void MatrixView::setPreviewMatrix(std::shared_ptr<const Matrix> m, ColorScale scale, Index fullRows,
                                  Index fullCols)
{
    if (!m || m->rows() < 1 || m->cols() < 1 || m->rows() > fullRows || m->cols() > fullCols) {
        clear();
        return;
    }
    m_preview = std::make_shared<const std::vector<Matrix>>(std::vector<Matrix>{*m});
    m_planes.reset();
    m_matrix.reset();
    m_scale = scale;
    setValueRange(*m, scale);
    setData(Mode::Heatmap, fullRows, fullCols);
}

void MatrixView::setValueRange(const Matrix &x, ColorScale scale)
{
    if (x.size() == 0) {
        m_low = 0.0;
        m_high = 0.0;
    } else if (scale == ColorScale::Diverging) {
        const double a = x.cwiseAbs().maxCoeff();
        m_low = -a;
        m_high = a;
    } else {
        m_low = x.minCoeff();
        m_high = x.maxCoeff();
    }
}

void MatrixView::setMatrix(std::shared_ptr<const Matrix> m, ColorScale scale, const QString &title)
{
    if (!m) {
        clear();
        return;
    }
    m_matrix = std::move(m);
    m_planes.reset();
    m_preview.reset();
    m_scale = scale;
    m_title = title;
    setValueRange(*m_matrix, scale);
    setData(Mode::Heatmap, m_matrix->rows(), m_matrix->cols());
}

ColorScale MatrixView::autoScale(const Matrix &m)
{
    if (m.size() == 0)
        return ColorScale::Sequential;
    return (m.minCoeff() < 0.0 && m.maxCoeff() > 0.0) ? ColorScale::Diverging
                                                       : ColorScale::Sequential;
}

void MatrixView::clear(const QString &message)
{
    m_planes.reset();
    m_preview.reset();
    m_matrix.reset();
    m_message = message;
    m_title.clear();
    m_columnMarks.clear();
    m_rowMarks.clear();
    m_sliceRows.clear();
    m_sliceColumns.clear();
    m_flagFirst = m_flagSecond = 0.0;
    setData(Mode::Empty, 0, 0);
}

void MatrixView::setData(Mode mode, Index rows, Index cols)
{
    const bool sameShape = m_mode != Mode::Empty && mode != Mode::Empty && rows == m_rows
                           && cols == m_cols;
    m_mode = mode;
    m_rows = rows;
    m_cols = cols;
    if (mode != Mode::Empty)
        m_message.clear();
    if (!sameShape)
        m_labelWidthReserve = 0;
    m_labelWidthReserve = std::max(m_labelWidthReserve, computeLayout().naturalLabelWidth);
    invalidateCache();
    if (!sameShape) {
        // A new shape: show all of it. Programmatic, so no visibleRegionChanged.
        if (mode != Mode::Empty)
            fit(false);
    }
    update();
    refreshHover();
}

void MatrixView::setTitle(const QString &title)
{
    m_title = title;
    invalidateCache();
    if (m_fitted && hasData())
        fit(false);
    update();
}

void MatrixView::setColorRange(double low, double high)
{
    m_rangeOverride = std::make_pair(low, high);
    m_labelWidthReserve = std::max(m_labelWidthReserve, computeLayout().naturalLabelWidth);
    invalidateCache();
    update();
}

void MatrixView::resetColorRange()
{
    m_rangeOverride.reset();
    m_labelWidthReserve = std::max(m_labelWidthReserve, computeLayout().naturalLabelWidth);
    invalidateCache();
    update();
}

std::pair<double, double> MatrixView::colorRange() const
{
    if (m_mode == Mode::Heatmap && m_rangeOverride)
        return *m_rangeOverride;
    return { m_low, m_high };
}

// --- marks -----------------------------------------------------------------------------------

void MatrixView::setColumnMarks(const std::vector<Index> &columns)
{
    m_columnMarks = columns;
    update();
}

void MatrixView::setRowMarks(const std::vector<Index> &rows)
{
    m_rowMarks = rows;
    update();
}

void MatrixView::setSliceHighlight(const std::vector<Index> &rows, const std::vector<Index> &columns)
{
    m_sliceRows = rows;
    m_sliceColumns = columns;
    update();
}

void MatrixView::setFlagThresholds(double first, double second)
{
    m_flagFirst = first;
    m_flagSecond = second;
    update();
}

void MatrixView::clearMarks()
{
    m_columnMarks.clear();
    m_rowMarks.clear();
    m_sliceRows.clear();
    m_sliceColumns.clear();
    m_flagFirst = m_flagSecond = 0.0;
    update();
}

// --- geometry --------------------------------------------------------------------------------

MatrixView::Layout MatrixView::computeLayout() const
{
    Layout l;
    const QFontMetrics fm(font());
    QRect area = rect().adjusted(margin, margin, -margin, -margin);
    if (!m_title.isEmpty()) {
        l.title = QRect(area.left(), area.top(), area.width(), fm.height() + 2);
        area.setTop(l.title.bottom() + 1 + 4);
    }
    if (m_mode == Mode::Heatmap) {
        const auto [low, high] = colorRange();
        const int barHeight = std::max(10, area.height() - fm.height());
        const int count = std::clamp(barHeight / (fm.height() * 2), 2, 8);
        if (high > low) {
            l.ticks = niceTicks(low, high, count);
            if (l.ticks.size() < 2)
                l.ticks = { low, high };
        } else {
            l.ticks = { low };
        }
        int labelWidth = 0;
        for (double t : l.ticks) {
            l.tickLabels << formatValue(t);
            labelWidth = std::max(labelWidth, fm.horizontalAdvance(l.tickLabels.back()));
        }
        l.naturalLabelWidth = labelWidth;
        // Never narrower than before for the same matrix shape: a new rank with other tick
        // labels must not shift the picture sideways.
        labelWidth = std::max(labelWidth, m_labelWidthReserve);
        const int barLeft = area.right() + 1 - (labelWidth + tickLength + 4) - colorBarWidth;
        l.colorBar = QRect(barLeft, area.top() + fm.height() / 2, colorBarWidth, barHeight);
        area.setRight(barLeft - colorBarGap - 1);
    }
    l.view = area.width() > 0 && area.height() > 0 ? area : QRect(area.topLeft(), QSize(1, 1));
    return l;
}

QRect MatrixView::viewport() const
{
    return computeLayout().view;
}

double MatrixView::fitZoom() const
{
    if (m_rows <= 0 || m_cols <= 0)
        return 1.0;
    const QRect v = viewport();
    return std::min(v.width() / double(m_cols), v.height() / (double(m_rows) * m_stretch));
}

QPointF MatrixView::originFor(const QPointF &centre, double zoom) const
{
    const QRect v = viewport();
    return centre - QPointF(v.width() / (2.0 * zoom), v.height() / (2.0 * zoom * m_stretch));
}

QPointF MatrixView::centre() const { return visibleRegion().center(); }

void MatrixView::setStretchToFit(bool on)
{
    m_stretchToFit = on;
    if (!on)
        m_stretch = 1.0;
    if (hasData())
        fit(false);
}

void MatrixView::followView(const MatrixView &other)
{
    if (!hasData() || !other.hasData() || &other == this)
        return;
    if (other.m_fitted) {
        fit(false);
        return;
    }
    m_fitted = false;
    const double zoom = std::clamp(other.m_zoom, minZoom(), maxZoom());
    applyView(zoom, originFor(other.centre(), zoom), false);
}

double MatrixView::minZoom() const
{
    return std::min(fitZoom() * 0.5, 1.0);
}

double MatrixView::maxZoom() const
{
    return std::max(fitZoom() * 2.0, 256.0);
}

QRectF MatrixView::visibleRegion() const
{
    const QRect v = viewport();
    return { m_origin, QSizeF(v.width() / zoomX(), v.height() / zoomY()) };
}

void MatrixView::setVisibleRegion(const QRectF &region)
{
    if (!hasData() || !(region.width() > 0.0) || !(region.height() > 0.0))
        return;
    const QRect v = viewport();
    if (m_stretchToFit) // cells shaped so that the region fills the viewport, as fit() does for all
        m_stretch = std::clamp((v.height() / region.height()) / (v.width() / region.width()), 1.0 / maxStretch, maxStretch);
    const double zoom = std::clamp(std::min(v.width() / region.width(), v.height() / (region.height() * m_stretch)),
                                   minZoom(), maxZoom());
    m_fitted = false;
    applyView(zoom, originFor(region.center(), zoom), false);
}

QPointF MatrixView::matrixPosition(const QPointF &widgetPos) const
{
    const QRect v = viewport();
    const QPointF d = widgetPos - QPointF(v.topLeft());
    return m_origin + QPointF(d.x() / zoomX(), d.y() / zoomY());
}

QPointF MatrixView::widgetPosition(const QPointF &matrixPos) const
{
    const QRect v = viewport();
    const QPointF d = matrixPos - m_origin;
    return QPointF(v.topLeft()) + QPointF(d.x() * zoomX(), d.y() * zoomY());
}

std::optional<std::pair<Index, Index>> MatrixView::cellAt(const QPointF &widgetPos) const
{
    if (!hasData() || !viewport().contains(widgetPos.toPoint()))
        return std::nullopt;
    const QPointF p = matrixPosition(widgetPos);
    const double col = std::floor(p.x()), row = std::floor(p.y());
    if (row < 0 || col < 0 || row >= double(m_rows) || col >= double(m_cols))
        return std::nullopt;
    return std::make_pair(Index(row), Index(col));
}

// --- zoom and pan ----------------------------------------------------------------------------

void MatrixView::applyView(double zoom, QPointF origin, bool userDriven)
{
    const QRectF before = visibleRegion();
    m_zoom = zoom;
    m_origin = origin;
    const QRectF after = visibleRegion();
    if (after != before) {
        invalidateCache();
        update();
        if (userDriven)
            emit visibleRegionChanged(after);
    }
}

void MatrixView::zoomToFit()
{
    fit(true);
}

void MatrixView::fit(bool userDriven)
{
    if (!hasData())
        return;
    if (m_stretchToFit && m_rows > 0 && m_cols > 0) {
        // Cells as wide and as tall as fills the viewport, within maxStretch of square.
        const QRect v = viewport();
        m_stretch = std::clamp((v.height() / double(m_rows)) / (v.width() / double(m_cols)), 1.0 / maxStretch, maxStretch);
    }
    const double zoom = fitZoom();
    m_fitted = true;
    applyView(zoom, originFor(QPointF(m_cols / 2.0, m_rows / 2.0), zoom), userDriven);
}

void MatrixView::setZoom(double pixelsPerCell)
{
    if (!hasData() || !(pixelsPerCell > 0.0))
        return;
    const QRect v = viewport();
    zoomAbout(pixelsPerCell / m_zoom, QPointF(v.center()) + QPointF(0.5, 0.5));
}

void MatrixView::zoomIn()
{
    const QRect v = viewport();
    zoomAbout(zoomStep, QPointF(v.center()) + QPointF(0.5, 0.5));
}

void MatrixView::zoomOut()
{
    const QRect v = viewport();
    zoomAbout(1.0 / zoomStep, QPointF(v.center()) + QPointF(0.5, 0.5));
}

void MatrixView::zoomAbout(double factor, const QPointF &widgetPos)
{
    if (!hasData())
        return;
    const double zoom = std::clamp(m_zoom * factor, minZoom(), maxZoom());
    // The matrix point under widgetPos stays there: origin' = p − (widgetPos − topLeft)/zoom'.
    const QPointF fixed = matrixPosition(widgetPos);
    const QPointF offset = widgetPos - QPointF(viewport().topLeft());
    m_fitted = false;
    applyView(zoom, fixed - QPointF(offset.x() / zoom, offset.y() / (zoom * m_stretch)), true);
}

// --- events ----------------------------------------------------------------------------------

void MatrixView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (!hasData()) {
        invalidateCache();
        return;
    }
    if (m_fitted) {
        invalidateCache();
        fit(false);
        return;
    }
    // Zoomed in: the same centre at the same zoom (the origin follows the new size), so that
    // linked views that share zoom and centre still do after one of them was resized.
    const QRect v = viewport();
    const QSizeF oldView(event->oldSize().isValid() ? QSizeF(v.width() - (event->size().width() - event->oldSize().width()),
                                                             v.height() - (event->size().height() - event->oldSize().height()))
                                                    : QSizeF(v.size()));
    const QPointF centre = m_origin + QPointF(oldView.width() / (2.0 * zoomX()), oldView.height() / (2.0 * zoomY()));
    m_origin = originFor(centre, m_zoom);
    invalidateCache();
}

void MatrixView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0.0 || !hasData()) {
        event->ignore();
        return;
    }
    zoomAbout(std::pow(zoomStep, steps), event->position());
    m_lastHover.reset(); // the view moved under the cursor: say what is there now
    emitHover(event->position());
    event->accept();
}

void MatrixView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !hasData()) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_pressed = true;
    m_dragging = false;
    m_pressPos = event->position().toPoint();
    m_pressOrigin = m_origin;
    event->accept();
}

void MatrixView::mouseMoveEvent(QMouseEvent *event)
{
    const QPointF pos = event->position();
    if (m_pressed && (event->buttons() & Qt::LeftButton)) {
        if (!m_dragging
            && (pos.toPoint() - m_pressPos).manhattanLength() >= QApplication::startDragDistance()) {
            m_dragging = true;
            setCursor(Qt::ClosedHandCursor);
        }
        if (m_dragging) {
            m_fitted = false;
            const QPointF moved = pos - QPointF(m_pressPos);
            applyView(m_zoom, m_pressOrigin - QPointF(moved.x() / zoomX(), moved.y() / zoomY()), true);
        }
    }
    emitHover(pos);
}

void MatrixView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_pressed) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    const bool wasDragging = m_dragging;
    m_pressed = false;
    m_dragging = false;
    unsetCursor();
    if (!wasDragging) {
        if (const auto cell = cellAt(event->position()))
            emit clicked(cell->first, cell->second);
    }
    event->accept();
}

void MatrixView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && hasData()) {
        zoomToFit();
        event->accept();
        return;
    }
    QWidget::mouseDoubleClickEvent(event);
}

void MatrixView::leaveEvent(QEvent *event)
{
    QWidget::leaveEvent(event);
    if (!m_hoverOutsideSent) {
        m_lastHover.reset();
        m_hoverOutsideSent = true;
        emit hovered(-1, -1, std::numeric_limits<double>::quiet_NaN(), QString());
    }
}

void MatrixView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
    case Qt::Key_F:
        zoomToFit();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

void MatrixView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        invalidateCache();
        update();
    }
}

// --- hover -----------------------------------------------------------------------------------

const std::vector<Matrix> &MatrixView::imagePlanes() const
{
    return m_preview ? *m_preview : *m_planes;
}

double MatrixView::planeValue(std::size_t channel, Index row, Index col) const
{
    const Matrix &plane = imagePlanes()[channel];
    if (!m_preview)
        return plane(row, col);
    // The stand-in pixel whose area covers the cell's centre.
    const Index pr = std::clamp<Index>(Index((double(row) + 0.5) * double(plane.rows()) / double(m_rows)), 0, plane.rows() - 1);
    const Index pc = std::clamp<Index>(Index((double(col) + 0.5) * double(plane.cols()) / double(m_cols)), 0, plane.cols() - 1);
    return plane(pr, pc);
}

double MatrixView::valueAt(Index row, Index col) const
{
    if (m_mode == Mode::Heatmap)
        return m_matrix ? (*m_matrix)(row, col) : planeValue(0, row, col);
    if (m_mode == Mode::Image) {
        if (imagePlanes().size() == 3) // BT.709 luma, the weights of core::imageToChannels' grey mode
            return 0.2125 * planeValue(0, row, col) + 0.7154 * planeValue(1, row, col)
                   + 0.0721 * planeValue(2, row, col);
        return planeValue(0, row, col);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

QString MatrixView::hoverText(Index row, Index col) const
{
    QString text = tr("row %1, col %2: %3").arg(row).arg(col).arg(formatValue(valueAt(row, col)));
    if (m_mode == Mode::Image && imagePlanes().size() == 3) {
        text += QStringLiteral(" ")
                + tr("(R %1 G %2 B %3)")
                      .arg(QString::number(planeValue(0, row, col), 'f', 2),
                           QString::number(planeValue(1, row, col), 'f', 2),
                           QString::number(planeValue(2, row, col), 'f', 2));
    }
    if (m_preview)
        text += QStringLiteral(" ") + tr("[display-resolution preview]");
    return text;
}

void MatrixView::emitHover(const QPointF &pos)
{
    const auto cell = cellAt(pos);
    if (cell) {
        if (m_lastHover == cell)
            return;
        m_lastHover = cell;
        m_hoverOutsideSent = false;
        emit hovered(cell->first, cell->second, valueAt(cell->first, cell->second),
                     hoverText(cell->first, cell->second));
    } else if (!m_hoverOutsideSent) {
        m_lastHover.reset();
        m_hoverOutsideSent = true;
        emit hovered(-1, -1, std::numeric_limits<double>::quiet_NaN(), QString());
    }
}

void MatrixView::refreshHover()
{
    // New data under a resting cursor: say the new value at once.
    m_lastHover.reset();
    if (underMouse())
        emitHover(mapFromGlobal(QCursor::pos()));
    else if (!m_hoverOutsideSent) {
        m_hoverOutsideSent = true;
        emit hovered(-1, -1, std::numeric_limits<double>::quiet_NaN(), QString());
    }
}

// --- rendering -------------------------------------------------------------------------------

void MatrixView::invalidateCache()
{
    m_cacheValid = false;
}

void MatrixView::ensureCache(const Layout &layout, double dpr) const
{
    const QRect v = layout.view;
    if (m_cacheValid && m_cacheViewSize == v.size() && m_cacheDpr == dpr)
        return;
    m_cacheValid = true;
    m_cacheViewSize = v.size();
    m_cacheDpr = dpr;
    m_cache = QImage();
    m_cacheTarget = QRectF();
    if (!hasData() || m_rows == 0 || m_cols == 0)
        return;

    const auto [r0, r1, c0, c1] = visibleCells();
    if (c1 <= c0 || r1 <= r0)
        return;
    const Index cols = c1 - c0, rows = r1 - r0;
    // Never more than one sample per device pixel: reduce (area average) when cells are smaller
    // than pixels; when they are larger, one image pixel per cell, scaled up without smoothing.
    QRectF target(widgetPosition(QPointF(double(c0), double(r0))), QSizeF(cols * zoomX(), rows * zoomY()));
    Index outCols = std::clamp<Index>(Index(std::ceil(cols * zoomX() * dpr)), 1, cols);
    Index outRows = std::clamp<Index>(Index(std::ceil(rows * zoomY() * dpr)), 1, rows);

    std::vector<Matrix> reducedPlanes;
    if (m_preview) {
        // The stand-in's pixels that cover the visible cells, drawn over the matrix area they
        // stand for (pixel p of P covers matrix rows [p·n/P, (p+1)·n/P)).
        const Index pRows = m_preview->front().rows(), pCols = m_preview->front().cols();
        const Index pr0 = r0 * pRows / m_rows, pr1 = std::min(pRows, (r1 * pRows + m_rows - 1) / m_rows);
        const Index pc0 = c0 * pCols / m_cols, pc1 = std::min(pCols, (c1 * pCols + m_cols - 1) / m_cols);
        if (pr1 <= pr0 || pc1 <= pc0)
            return;
        const double rowScale = double(m_rows) / double(pRows), colScale = double(m_cols) / double(pCols);
        target = QRectF(widgetPosition(QPointF(pc0 * colScale, pr0 * rowScale)),
                        widgetPosition(QPointF(pc1 * colScale, pr1 * rowScale)));
        outCols = std::clamp<Index>(Index(std::ceil(target.width() * dpr)), 1, pc1 - pc0);
        outRows = std::clamp<Index>(Index(std::ceil(target.height() * dpr)), 1, pr1 - pr0);
        for (const Matrix &plane : *m_preview)
            reducedPlanes.push_back(core::reduceBlockForDisplay(plane, pr0, pc0, pr1 - pr0, pc1 - pc0, outRows, outCols)
                                  .values);
    } else if (m_mode == Mode::Image) {
        for (const Matrix &plane : *m_planes)
            reducedPlanes.push_back(core::reduceBlockForDisplay(plane, r0, c0, rows, cols, outRows, outCols)
                                  .values);
    }

    QImage image(int(outCols), int(outRows), QImage::Format_RGB32);
    if (m_mode == Mode::Image) {
        const std::vector<Matrix> &reduced = reducedPlanes;
        const auto byte = [](double v) { return int(std::lround(255.0 * std::clamp(v, 0.0, 1.0))); };
        for (int y = 0; y < image.height(); ++y) {
            auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
            for (int x = 0; x < image.width(); ++x) {
                if (reduced.size() == 3)
                    line[x] = qRgb(byte(reduced[0](y, x)), byte(reduced[1](y, x)), byte(reduced[2](y, x)));
                else {
                    const int g = byte(reduced[0](y, x));
                    line[x] = qRgb(g, g, g);
                }
            }
        }
    } else {
        const Matrix reduced = m_preview ? std::move(reducedPlanes.front())
                                         : core::reduceBlockForDisplay(*m_matrix, r0, c0, rows, cols, outRows, outCols).values;
        const auto [low, high] = colorRange();
        const QVector<QRgb> &table = colorTable(m_scale);
        const double last = colorTableSize - 1;
        const double scale = high > low ? last / (high - low) : 0.0;
        for (int y = 0; y < image.height(); ++y) {
            auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
            for (int x = 0; x < image.width(); ++x) {
                const double v = reduced(y, x);
                const double idx = high > low ? (v - low) * scale : last / 2.0;
                line[x] = std::isnan(v) ? qRgb(128, 128, 128)
                                        : table[int(std::lround(std::clamp(idx, 0.0, last)))];
            }
        }
    }
    m_cache = std::move(image);
    m_cacheTarget = target;
}

void MatrixView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintContents(p, devicePixelRatioF());
}

QImage MatrixView::renderedImage() const
{
    const double dpr = devicePixelRatioF();
    QImage image((QSizeF(size()) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::transparent);
    QPainter p(&image);
    paintContents(p, dpr);
    return image;
}

void MatrixView::paintContents(QPainter &p, double dpr) const
{
    const Layout layout = computeLayout();
    const QPalette &pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Window));

    if (!hasData()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, m_message);
        return;
    }

    if (!layout.title.isEmpty()) {
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(layout.title, Qt::AlignLeft | Qt::AlignVCenter,
                   QFontMetrics(bold).elidedText(m_title, Qt::ElideRight, layout.title.width()));
        p.setFont(font());
    }

    ensureCache(layout, dpr);
    const QRect &view = layout.view;
    p.save();
    p.setClipRect(view);
    p.fillRect(view, pal.color(QPalette::Mid).darker(110));
    const QRectF matrixRect(widgetPosition(QPointF(0, 0)), QSizeF(m_cols * zoomX(), m_rows * zoomY()));
    if (!m_cache.isNull()) {
        // Cells larger than pixels must stay sharp squares: no smoothing.
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.drawImage(m_cacheTarget, m_cache);
    }
    paintCellDetails(p);
    paintMarks(p, matrixRect);
    p.restore();

    // Frame around the matrix (inside the viewport).
    p.save();
    p.setClipRect(view.adjusted(-1, -1, 1, 1));
    p.setPen(QPen(pal.color(QPalette::Dark), 1.0));
    p.setBrush(Qt::NoBrush);
    p.drawRect(matrixRect.adjusted(-0.5, -0.5, 0.5, 0.5));
    p.restore();

    if (!layout.colorBar.isEmpty())
        paintColorBar(p, layout);
    paintOverlay(p, view);
}

std::array<Index, 4> MatrixView::visibleCells() const
{
    const QRectF region = visibleRegion();
    return {std::clamp<Index>(Index(std::floor(region.top())), 0, m_rows),
            std::clamp<Index>(Index(std::ceil(region.bottom())), 0, m_rows),
            std::clamp<Index>(Index(std::floor(region.left())), 0, m_cols),
            std::clamp<Index>(Index(std::ceil(region.right())), 0, m_cols)};
}

void MatrixView::paintCellDetails(QPainter &p) const
{
    const double cell = std::min(zoomX(), zoomY());
    if (cell < flagMinCellPixels || m_preview) // a stand-in has no per-cell values
        return;
    const auto [r0, r1, c0, c1] = visibleCells();
    if (c1 <= c0 || r1 <= r0)
        return;
    const auto cellRect = [this](Index r, Index c) {
        return QRectF(widgetPosition(QPointF(double(c), double(r))), QSizeF(zoomX(), zoomY()));
    };

    if (cell >= gridMinCellPixels) {
        QColor grid = palette().color(QPalette::Window);
        grid.setAlpha(90);
        p.setPen(QPen(grid, 1.0));
        for (Index c = c0; c <= c1; ++c) {
            const double x = widgetPosition(QPointF(double(c), 0)).x();
            p.drawLine(QPointF(x, widgetPosition(QPointF(0, double(r0))).y()),
                       QPointF(x, widgetPosition(QPointF(0, double(r1))).y()));
        }
        for (Index r = r0; r <= r1; ++r) {
            const double y = widgetPosition(QPointF(0, double(r))).y();
            p.drawLine(QPointF(widgetPosition(QPointF(double(c0), 0)).x(), y),
                       QPointF(widgetPosition(QPointF(double(c1), 0)).x(), y));
        }
    }

    // Values written in the cells, black or white for contrast with the cell's colour.
    if (cell >= textMinCellPixels) {
        QFont small = font();
        small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
        p.setFont(small);
        const QFontMetrics fm(small);
        for (Index r = r0; r < r1; ++r)
            for (Index c = c0; c < c1; ++c) {
                const QRectF cell = cellRect(r, c);
                // Three significant digits, fewer if that is what fits.
                QString text;
                for (int digits = 3; digits >= 1 && text.isEmpty(); --digits) {
                    const QString candidate = QString::number(valueAt(r, c), 'g', digits);
                    if (fm.horizontalAdvance(candidate) <= cell.width() - 4)
                        text = candidate;
                }
                if (text.isEmpty())
                    continue;
                QColor bg;
                if (m_mode == Mode::Image && imagePlanes().size() == 3)
                    bg = QColor::fromRgbF(float(std::clamp(planeValue(0, r, c), 0.0, 1.0)),
                                          float(std::clamp(planeValue(1, r, c), 0.0, 1.0)),
                                          float(std::clamp(planeValue(2, r, c), 0.0, 1.0)));
                else if (m_mode == Mode::Image)
                    bg = QColor::fromRgbF(float(std::clamp(valueAt(r, c), 0.0, 1.0)),
                                          float(std::clamp(valueAt(r, c), 0.0, 1.0)),
                                          float(std::clamp(valueAt(r, c), 0.0, 1.0)));
                else {
                    const auto [low, high] = colorRange();
                    bg = QColor(colorAt(m_scale, high > low ? (valueAt(r, c) - low) / (high - low) : 0.5));
                }
                p.setPen(qGray(bg.rgb()) > 140 ? Qt::black : Qt::white);
                p.drawText(cell, Qt::AlignCenter, text);
            }
        p.setFont(font());
    }

    // Flagged entries (ID's Z: |z| > 1, > 2): outlines, the larger threshold on top.
    if (m_mode == Mode::Heatmap && (m_flagFirst > 0.0 || m_flagSecond > 0.0)) {
        const double width = cell >= 16.0 ? 2.0 : 1.0;
        p.setBrush(Qt::NoBrush);
        for (int pass = 0; pass < 2; ++pass) {
            const double threshold = pass == 0 ? m_flagFirst : m_flagSecond;
            if (!(threshold > 0.0))
                continue;
            p.setPen(QPen(pass == 0 ? flagFirstColor : flagSecondColor, width));
            for (Index r = r0; r < r1; ++r)
                for (Index c = c0; c < c1; ++c) {
                    const double v = std::abs((*m_matrix)(r, c));
                    const bool inFirstOnly = pass == 0 && m_flagSecond > 0.0 && v > m_flagSecond;
                    if (v > threshold && !inFirstOnly)
                        p.drawRect(cellRect(r, c).adjusted(width / 2, width / 2, -width / 2, -width / 2));
                }
        }
    }
}

void MatrixView::paintMarks(QPainter &p, const QRectF &matrixRect) const
{
    const QRectF region = visibleRegion();
    const bool anyMarks = !m_columnMarks.empty() || !m_rowMarks.empty()
                          || (!m_sliceRows.empty() && !m_sliceColumns.empty());
    if (!anyMarks)
        return;
    const QRectF visibleMatrix = matrixRect.intersected(QRectF(widgetPosition(region.topLeft()),
                                                               widgetPosition(region.bottomRight())));
    const double minWidth = 1.0;

    // Slice: tint every (row run × column run) rectangle, outline each run.
    if (!m_sliceRows.empty() && !m_sliceColumns.empty()) {
        const auto rowRuns = runsOf(m_sliceRows);
        const auto colRuns = runsOf(m_sliceColumns);
        // Cells of a pixel or two: an almost opaque tint, at least 2 px, or a strided slice
        // vanishes into the data.
        QColor tint = sliceColor;
        const double cell = std::min(zoomX(), zoomY());
        tint.setAlpha(cell < 4.0 ? 210 : 90);
        const double minRun = cell < 4.0 ? 2.0 : minWidth;
        QPainterPath path;
        path.setFillRule(Qt::WindingFill);
        for (const auto &[r, nr] : rowRuns) {
            if (r >= m_rows || r + nr <= 0 || r + nr < region.top() || r > region.bottom())
                continue;
            for (const auto &[c, nc] : colRuns) {
                if (c >= m_cols || c + nc <= 0 || c + nc < region.left() || c > region.right())
                    continue;
                QRectF rr(widgetPosition(QPointF(double(c), double(r))),
                          QSizeF(std::max(nc * zoomX(), minRun), std::max(nr * zoomY(), minRun)));
                path.addRect(rr);
            }
        }
        p.setPen(Qt::NoPen);
        p.setBrush(tint);
        p.drawPath(path);
        if (cell >= 3.0) {
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(QColor(40, 30, 0), 1.0));
            p.drawPath(path);
        }
        // The bounding box of the whole slice, dashed, so a sparse slice is still found.
        const auto [rmin, rmax] = std::minmax_element(m_sliceRows.begin(), m_sliceRows.end());
        const auto [cmin, cmax] = std::minmax_element(m_sliceColumns.begin(), m_sliceColumns.end());
        const QRectF box(widgetPosition(QPointF(double(*cmin), double(*rmin))),
                         widgetPosition(QPointF(double(*cmax + 1), double(*rmax + 1))));
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(sliceColor.darker(130), 1.5, Qt::DashLine));
        p.drawRect(box);
    }

    // Marked columns (rows): solid ticks along the top (left) edge of the visible matrix, and
    // over the data a translucent band while columns are thin, or two edge lines once they are
    // wide enough that a tint would falsify the colours of their cells.
    const auto drawBands = [&](const std::vector<Index> &marks, const QColor &color, bool columns) {
        if (marks.empty())
            return;
        QColor band = color;
        band.setAlpha(60);
        const double tick = 7.0;
        const double across = columns ? zoomX() : zoomY(); // a mark's width on screen
        const bool edges = across >= 6.0;
        const QPen edgePen(color, 1.5);
        for (Index k : marks) {
            if (k < 0 || k >= (columns ? m_cols : m_rows))
                continue;
            const double start = columns ? widgetPosition(QPointF(double(k), 0)).x()
                                         : widgetPosition(QPointF(0, double(k))).y();
            const double size = std::max(across, minWidth);
            const double lo = columns ? visibleMatrix.left() : visibleMatrix.top();
            const double hi = columns ? visibleMatrix.right() : visibleMatrix.bottom();
            if (start + size < lo || start > hi)
                continue;
            // Rectangles along the mark: the band over the data and the tick at the edge.
            const auto along = [&](double from, double width, double offset, double length) {
                return columns ? QRectF(from, offset, width, length) : QRectF(offset, from, length, width);
            };
            const double edgeStart = columns ? visibleMatrix.top() : visibleMatrix.left();
            const double edgeLength = columns ? visibleMatrix.height() : visibleMatrix.width();
            if (edges) {
                p.setPen(edgePen);
                p.setBrush(Qt::NoBrush);
                const QRectF r = along(start + 0.75, size - 1.5, edgeStart, edgeLength);
                if (columns) {
                    p.drawLine(r.topLeft(), r.bottomLeft());
                    p.drawLine(r.topRight(), r.bottomRight());
                } else {
                    p.drawLine(r.topLeft(), r.topRight());
                    p.drawLine(r.bottomLeft(), r.bottomRight());
                }
            } else {
                p.fillRect(along(start, size, edgeStart, edgeLength), band);
            }
            p.fillRect(along(start, std::max(size, 2.0), edgeStart, tick), color);
        }
    };
    drawBands(m_columnMarks, columnMarkColor, true);
    drawBands(m_rowMarks, rowMarkColor, false);
}

void MatrixView::paintColorBar(QPainter &p, const Layout &layout) const
{
    const QRect bar = layout.colorBar;
    const QVector<QRgb> &table = colorTable(m_scale);
    QImage gradient(1, bar.height(), QImage::Format_RGB32);
    for (int y = 0; y < bar.height(); ++y) {
        const double t = bar.height() > 1 ? 1.0 - y / double(bar.height() - 1) : 0.5;
        gradient.setPixel(0, y, table[int(std::lround(t * (colorTableSize - 1)))]);
    }
    p.drawImage(bar, gradient);
    const QPalette &pal = palette();
    p.setPen(QPen(pal.color(QPalette::WindowText), 1.0));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(bar).adjusted(-0.5, -0.5, 0.5, 0.5));

    const auto [low, high] = colorRange();
    const QFontMetrics fm(font());
    for (std::size_t i = 0; i < layout.ticks.size(); ++i) {
        const double v = layout.ticks[i];
        const double t = high > low ? (v - low) / (high - low) : 0.5;
        const double y = bar.bottom() + 0.5 - t * (bar.height() - 1);
        p.drawLine(QPointF(bar.right() + 1, y), QPointF(bar.right() + 1 + tickLength, y));
        const QRectF label(bar.right() + tickLength + 4, y - fm.height() / 2.0, 200, fm.height());
        p.drawText(label, Qt::AlignLeft | Qt::AlignVCenter, layout.tickLabels[int(i)]);
    }
}

void MatrixView::paintOverlay(QPainter &p, const QRect &view) const
{
    // The zoom across; with stretched cells, also down ("12 % × 190 %").
    const auto format = [](double percent) {
        return QString::number(percent, 'f', percent >= 10.0 ? 0 : 1);
    };
    QString text = tr("%1 %").arg(format(zoomX() * 100.0));
    if (m_stretch != 1.0)
        text = tr("%1 % × %2 %").arg(format(zoomX() * 100.0), format(zoomY() * 100.0));
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    p.setFont(small);
    const QFontMetrics fm(small);
    const QRect box(view.left() + 4, view.bottom() - fm.height() - 5, fm.horizontalAdvance(text) + 8,
                    fm.height() + 2);
    QColor bg = palette().color(QPalette::ToolTipBase);
    bg.setAlpha(200);
    p.setPen(Qt::NoPen);
    p.setBrush(bg);
    p.drawRoundedRect(box, 3, 3);
    p.setPen(palette().color(QPalette::ToolTipText));
    p.drawText(box, Qt::AlignCenter, text);
    p.setFont(font());
}

} // namespace factorscope::widgets
