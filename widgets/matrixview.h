// SPDX-License-Identifier: MIT
#pragma once

#include "colormap.h"

#include "core/types.h"

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace factorscope::widgets {

/// Shows an image (1 grey or 3 RGB planes) or a matrix as a heatmap with a colour bar, with zoom,
/// pan, a hover read-out and highlights (marked rows/columns, a Monarch slice, flagged entries).
///
/// Coordinates: matrix x = column, y = row; cell (r, c) covers [c, c+1)×[r, r+1). zoom() is in
/// logical pixels per cell. Only the visible part is rendered, reduced to the widget's device
/// pixels with core::reduceBlockForDisplay (area average), and cached until the data, zoom, pan,
/// size or device pixel ratio change. Wheel zooms about the cursor, left-drag pans, a click
/// emits clicked(), a double-click fits; keys + − 0 zoom in, out and to fit.
class MatrixView : public QWidget
{
    Q_OBJECT

public:
    explicit MatrixView(QWidget *parent = nullptr);
    ~MatrixView() override;

    /// 1 grey or 3 RGB planes of equal size; values clamped to [0, 1] for display; no colour
    /// bar. Keeps zoom and pan when the size is unchanged, else fits. Clears the title.
    void setImagePlanes(std::shared_ptr<const std::vector<core::Matrix>> planes);
    /// A low-resolution stand-in for an image of fullRows×fullCols (1 grey or 3 RGB planes of
    /// equal size, at most fullRows×fullCols, e.g. a reconstruction rebuilt at display
    /// resolution while the full one is computed). Drawn scaled over the whole matrix, so zoom,
    /// pan, visibleRegion(), marks and hover rows/columns stay in full-matrix units; the hover
    /// value is the stand-in pixel covering the cell (the text says so). Keeps zoom, pan and the
    /// title when the full size is unchanged. Replaced by the next setImagePlanes(), setMatrix()
    /// or clear(). Invalid planes clear the view, as setImagePlanes().
    void setPreviewPlanes(std::shared_ptr<const std::vector<core::Matrix>> planes,
                          core::Index fullRows, core::Index fullCols);
    /// A low-resolution stand-in for a heatmap of fullRows×fullCols (e.g. a difference M − M̃
    /// averaged to display resolution while the full one is computed), mapped by `scale` over
    /// its own range as setMatrix() does (setColorRange() still overrides it). Drawn scaled over
    /// the whole matrix like setPreviewPlanes(); no per-cell values or flags. Keeps zoom, pan and
    /// the title when the full size is unchanged. A null, empty or larger matrix clears the view.
    void setPreviewMatrix(std::shared_ptr<const core::Matrix> m, ColorScale scale,
                          core::Index fullRows, core::Index fullCols);
    /// True while a stand-in of setPreviewPlanes() or setPreviewMatrix() is shown.
    bool showsPreview() const { return m_preview != nullptr; }
    /// The stand-in's planes (null unless showsPreview(); one plane for setPreviewMatrix()).
    std::shared_ptr<const std::vector<core::Matrix>> previewPlanes() const { return m_preview; }
    /// A heatmap with a colour bar: Gray and Sequential map min..max, Diverging maps
    /// −max|v|..max|v| (zero is white). Keeps zoom and pan when the size is unchanged, else fits.
    void setMatrix(std::shared_ptr<const core::Matrix> m, ColorScale scale,
                   const QString &title = {});
    /// Diverging when m has both negative and positive entries, else Sequential.
    static ColorScale autoScale(const core::Matrix &m);
    /// No data: an empty view with `message` centred. Also clears the marks and the title.
    void clear(const QString &message = {});

    /// Marked columns (e.g. ID skeleton columns): ticks along the top, translucent column bands.
    void setColumnMarks(const std::vector<core::Index> &columns);
    /// Marked rows: ticks along the left, translucent row bands.
    void setRowMarks(const std::vector<core::Index> &rows);
    /// A Monarch slice: the cells rows × columns tinted, each run of consecutive cells outlined,
    /// and (with `boundingBox`) their bounding box dashed. CUR's intersection uses it without the box.
    void setSliceHighlight(const std::vector<core::Index> &rows,
                           const std::vector<core::Index> &columns, bool boundingBox = true);
    const std::vector<core::Index> &columnMarks() const { return m_columnMarks; }
    const std::vector<core::Index> &rowMarks() const { return m_rowMarks; }
    const std::vector<core::Index> &sliceRows() const { return m_sliceRows; }
    const std::vector<core::Index> &sliceColumns() const { return m_sliceColumns; }
    /// Heatmaps: cells with |v| > first outlined in amber, |v| > second in magenta, drawn once
    /// cells are at least 6 pixels wide. 0 disables a threshold.
    void setFlagThresholds(double first, double second);
    /// Removes column and row marks, the slice highlight and the flag thresholds.
    void clearMarks();

    void zoomIn();
    void zoomOut();
    /// The whole matrix, centred, as large as fits.
    void zoomToFit();
    /// Logical pixels per cell, about the centre of the view (clamped to a sensible range).
    void setZoom(double pixelsPerCell);
    double zoom() const { return m_zoom; }

    /// What the view shows, in matrix coordinates (x = column, y = row); may extend beyond the
    /// matrix when zoomed out.
    QRectF visibleRegion() const;
    /// Shows at least `region`, centred, as large as fits (exactly `region` when its aspect
    /// ratio is the view's). Does not emit visibleRegionChanged: linked views are set from the
    /// one the user moves, so there is no loop.
    void setVisibleRegion(const QRectF &region);
    /// The matrix point at the centre of the view.
    QPointF centre() const;
    /// Linked views: takes `other`'s zoom and centre (fits when `other` is fitted), so that every
    /// linked view shows the same zoom about the same point whatever its size. A resized view
    /// keeps its zoom and centre. Does not emit visibleRegionChanged.
    void followView(const MatrixView &other);
    /// Heatmaps of tall or thin factors (a 20 × 4000 Vᵀ): fitting stretches the cells up to
    /// maxStretch times as tall as wide (or wide as tall) so that the matrix fills the view
    /// instead of becoming a line; zoom keeps that cell shape.
    void setStretchToFit(bool on);
    static constexpr double maxStretch = 512.0;
    /// Cell height over cell width on screen (1 unless stretched).
    double cellAspect() const { return m_stretch; }

    /// The whole widget as currently drawn, at the device pixel ratio.
    QImage renderedImage() const;

    // --- additions ---------------------------------------------------------------------------
    /// Title drawn above the matrix (setMatrix sets it too).
    void setTitle(const QString &title);
    QString title() const { return m_title; }
    /// Fixes the colour bar's range (e.g. several residuals on one scale) until
    /// resetColorRange(); Diverging stays centred on zero when low = −high.
    void setColorRange(double low, double high);
    void resetColorRange();
    /// The value range the colours map (heatmaps; [0, 1] for images).
    std::pair<double, double> colorRange() const;
    ColorScale colorScale() const { return m_scale; }
    bool hasData() const { return m_mode != Mode::Empty; }
    bool isHeatmap() const { return m_mode == Mode::Heatmap; }
    core::Index matrixRows() const { return m_rows; }
    core::Index matrixColumns() const { return m_cols; }
    /// Where the matrix is drawn, in widget coordinates (the widget minus title and colour bar).
    QRect viewport() const;
    /// Matrix coordinates (x = column, y = row) of a widget position, and back.
    QPointF matrixPosition(const QPointF &widgetPos) const;
    QPointF widgetPosition(const QPointF &matrixPos) const;
    /// The reduced image of the visible cells last rendered (null before the first paint).
    QImage cachedImage() const { return m_cache; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    /// The cell under the cursor: "row 12, col 40: 0.532" or, for RGB images, the BT.709 luma
    /// then "(R 0.61 G 0.52 B 0.40)". row and column are −1 (value NaN, text empty) outside.
    void hovered(core::Index row, core::Index column, double value, const QString &text);
    void clicked(core::Index row, core::Index column);
    /// Emitted when the user zooms or pans (wheel, drag, keys, zoom functions, double-click).
    void visibleRegionChanged(const QRectF &region);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    enum class Mode { Empty, Image, Heatmap };
    struct Layout
    {
        QRect view;     ///< where the matrix is drawn
        QRect title;    ///< empty without a title
        QRect colorBar; ///< the gradient itself; empty without a colour bar
        std::vector<double> ticks;
        QStringList tickLabels;
        int naturalLabelWidth = 0; ///< widest tick label of this range
    };

    void setData(Mode mode, core::Index rows, core::Index cols);
    Layout computeLayout() const;
    double fitZoom() const;
    double zoomX() const { return m_zoom; }
    double zoomY() const { return m_zoom * m_stretch; }
    /// The origin that puts matrix point `centre` at the view's centre at `zoom`.
    QPointF originFor(const QPointF &centre, double zoom) const;
    double minZoom() const;
    double maxZoom() const;
    /// Sets zoom and origin; emits visibleRegionChanged when `userDriven` and something changed.
    void applyView(double zoom, QPointF origin, bool userDriven);
    void zoomAbout(double factor, const QPointF &widgetPos);
    void fit(bool userDriven);
    void invalidateCache();
    void ensureCache(const Layout &layout, double dpr) const;
    void paintContents(QPainter &p, double dpr) const;
    void paintMarks(QPainter &p, const QRectF &matrixRect) const;
    void paintCellDetails(QPainter &p) const;
    void paintColorBar(QPainter &p, const Layout &layout) const;
    void paintOverlay(QPainter &p, const QRect &view) const;
    /// The visible block of whole cells: rows [r0, r1), columns [c0, c1), as {r0, r1, c0, c1}.
    std::array<core::Index, 4> visibleCells() const;
    double valueAt(core::Index row, core::Index col) const;
    /// m_low, m_high from x as `scale` maps it (Diverging: ±max|x|).
    void setValueRange(const core::Matrix &x, ColorScale scale);
    /// Image planes drawn: the full planes or the stand-in.
    const std::vector<core::Matrix> &imagePlanes() const;
    /// Channel `channel` of an image at full-matrix cell (row, col) (the stand-in pixel covering
    /// it while a stand-in is shown).
    double planeValue(std::size_t channel, core::Index row, core::Index col) const;
    QString hoverText(core::Index row, core::Index col) const;
    void emitHover(const QPointF &pos);
    void refreshHover();
    std::optional<std::pair<core::Index, core::Index>> cellAt(const QPointF &widgetPos) const;

    Mode m_mode = Mode::Empty;
    std::shared_ptr<const std::vector<core::Matrix>> m_planes;
    std::shared_ptr<const core::Matrix> m_matrix;
    std::shared_ptr<const std::vector<core::Matrix>> m_preview; ///< stand-in for m_rows×m_cols
    core::Index m_rows = 0, m_cols = 0;
    ColorScale m_scale = ColorScale::Gray;
    double m_low = 0.0, m_high = 1.0; ///< data range mapped by the colour scale
    std::optional<std::pair<double, double>> m_rangeOverride;
    QString m_title;
    QString m_message;
    int m_labelWidthReserve = 0; ///< colour bar label width kept while the shape is unchanged

    double m_zoom = 1.0;          ///< logical pixels per cell, across
    double m_stretch = 1.0;       ///< a cell's height over its width on screen
    bool m_stretchToFit = false;
    QPointF m_origin;     ///< matrix coordinates at the viewport's top-left corner
    bool m_fitted = true; ///< refit on resize until the user zooms or pans

    std::vector<core::Index> m_columnMarks, m_rowMarks;
    std::vector<core::Index> m_sliceRows, m_sliceColumns;
    bool m_sliceBox = true;
    double m_flagFirst = 0.0, m_flagSecond = 0.0;

    // Rendering cache: the reduced image of the visible cells and where it goes.
    mutable QImage m_cache;
    mutable QRectF m_cacheTarget;
    mutable bool m_cacheValid = false;
    mutable QSize m_cacheViewSize;
    mutable double m_cacheDpr = 0.0;

    // Mouse state.
    QPoint m_pressPos;
    QPointF m_pressOrigin;
    bool m_pressed = false;
    bool m_dragging = false;
    std::optional<std::pair<core::Index, core::Index>> m_lastHover;
    bool m_hoverOutsideSent = true;
};

} // namespace factorscope::widgets
