// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPBars;
class QCPTextElement;
class QMouseEvent;

namespace factorscope::widgets {

/// One bar per index 0..n−1 (e.g. CR's sampling probabilities, ID's |R_kk|), some of them
/// highlighted in an accent colour (CR's sampled indices with their draw counts, ID's pivots).
/// Clicking a bar emits barClicked; hovering shows its value in a tooltip.
class BarPlot : public QWidget
{
    Q_OBJECT

public:
    explicit BarPlot(QWidget *parent = nullptr);
    ~BarPlot() override;

    /// Log y leaves out non-positive values.
    void setBars(const QVector<double> &values, const QString &xLabel, const QString &yLabel,
                 bool logY = false);
    /// Highlights these bars; counts (same length, optional) are written "×c" over bars drawn
    /// more than once when there is room. Out-of-range indices are ignored.
    void setHighlighted(const QVector<int> &indices, const QVector<int> &counts = {});
    void setTitle(const QString &title);
    void clear();
    QCustomPlot *plot() const { return m_plot; }

    // --- additions ---------------------------------------------------------------------------
    /// The bars hold value − baseValue() (QCPBars draws from the base to base + value; the base
    /// is 0 on a linear axis, the bottom of the axis on a log one).
    QCPBars *bars() const { return m_bars; }
    QCPBars *highlightBars() const { return m_highlight; }
    /// The "×c" labels currently shown.
    QStringList countLabels() const;
    /// The values last set, and the highlighted indices as given.
    const QVector<double> &values() const { return m_values; }
    const QVector<int> &highlighted() const { return m_highlighted; }
    /// Index of the bar at a plot pixel position, −1 if none.
    int barAt(const QPointF &pixel) const;

signals:
    void barClicked(int index);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void refresh();
    /// Bar widths and count labels, which depend on the pixels per bar.
    void updateDecorations();
    void onMousePress(QMouseEvent *event);
    void onMouseMove(QMouseEvent *event);

    QCustomPlot *m_plot = nullptr;
    QCPBars *m_bars = nullptr;
    QCPBars *m_highlight = nullptr;
    QCPTextElement *m_title = nullptr;
    QVector<double> m_values;
    QVector<int> m_highlighted, m_counts;
    QVector<double> m_highlightKeys, m_highlightValues; ///< sorted, de-duplicated, in range
    QVector<int> m_highlightCounts;
    bool m_logY = false;
};

} // namespace factorscope::widgets
