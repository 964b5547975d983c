// SPDX-License-Identifier: MIT
#include "factorpanels.h"

#include "core/cr.h"
#include "core/cur.h"
#include "core/id.h"
#include "core/monarch.h"
#include "core/rsvd.h"
#include "core/selectors.h"
#include "core/svd.h"
#include "widgets/barplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QBoxLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>

namespace factorscope::app {

using core::Index;
using core::Matrix;
using core::Method;
using widgets::BarPlot;
using widgets::ColorScale;
using widgets::MatrixView;

namespace {

/// Largest factor image assembled for display (block-diagonal L and R, the permutation).
constexpr double maxDisplayCells = 8.0e6;

QLabel *captionLabel()
{
    auto *label = new QLabel;
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setContentsMargins(4, 2, 4, 2);
    return label;
}

/// The product layout shared by the SVD, ID and CR tabs: `wide` (r × m) across the top right,
/// `tall` (n × r) down the left, `bars` in the corner.
void placeFactors(QGridLayout *grid, MatrixView *tall, MatrixView *wide, QWidget *bars)
{
    bars->setMinimumHeight(160);
    tall->setMinimumWidth(90);
    wide->setMinimumHeight(90);
    grid->addWidget(wide, 0, 1);
    grid->addWidget(tall, 0, 0, 2, 1);
    grid->addWidget(bars, 1, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 3);
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 2);
}

std::shared_ptr<const Matrix> share(Matrix m) { return std::make_shared<const Matrix>(std::move(m)); }

QVector<double> toVector(const core::Vector &v)
{
    return QVector<double>(v.data(), v.data() + v.size());
}

QString listIndices(const core::IndexList &indices, std::size_t count, std::size_t shown = 24)
{
    QStringList parts;
    for (std::size_t i = 0; i < std::min(count, std::min(shown, indices.size())); ++i)
        parts << QString::number(indices[i]);
    if (count > shown)
        parts << QStringLiteral("…");
    return parts.join(QStringLiteral(", "));
}

} // namespace

FactorPanels::FactorPanels(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_channelRow = new QWidget;
    auto *row = new QHBoxLayout(m_channelRow);
    row->setContentsMargins(6, 2, 6, 0);
    row->addWidget(new QLabel(tr("Channel")));
    m_channel = new QComboBox;
    m_channel->setToolTip(tr("Each channel of an image is factorised on its own: whose factors to show"));
    row->addWidget(m_channel);
    row->addStretch(1);
    m_channelRow->hide();
    layout->addWidget(m_channelRow);

    m_tabWidget = new QTabWidget;
    m_tabWidget->setDocumentMode(true);
    layout->addWidget(m_tabWidget, 1);
    for (Method method : core::allMethods()) {
        Tab &t = tab(method);
        t.stack = new QStackedWidget;
        t.message = new QLabel(tr("Nothing computed yet."));
        t.message->setAlignment(Qt::AlignCenter);
        t.message->setWordWrap(true);
        t.message->setForegroundRole(QPalette::PlaceholderText);
        t.stack->addWidget(t.message);
        switch (method) {
        case Method::Svd:
        case Method::Rsvd: t.content = buildSvdTab(method); break;
        case Method::Id: t.content = buildIdTab(); break;
        case Method::Cr: t.content = buildCrTab(); break;
        case Method::Monarch: t.content = buildMonarchTab(); break;
        case Method::Cur: t.content = buildCurTab(); break;
        }
        t.stack->addWidget(t.content);
        m_tabWidget->addTab(t.stack, widgets::MethodPanel::shortName(method));
    }
    connect(m_tabWidget, &QTabWidget::currentChanged, this, [this](int) { refreshVisible(); });
    connect(m_channel, &QComboBox::currentIndexChanged, this, [this] {
        for (Tab &t : m_tabs)
            t.dirty = true;
        refreshVisible();
    });
}

FactorPanels::~FactorPanels() = default;

MatrixView *FactorPanels::addView(Tab &t, const QString &name, const QString &label)
{
    auto *view = new MatrixView;
    view->setMinimumSize(120, 100);
    // A 3000 × 20 U or a 20 × 4000 Vᵀ fills its view with stretched cells instead of becoming
    // a line.
    view->setStretchToFit(true);
    view->clear();
    t.views.emplace_back(name, view);
    connect(view, &MatrixView::hovered, this, [this, label](Index, Index, double, const QString &text) {
        emit hovered(text.isEmpty() ? QString() : QStringLiteral("%1 — %2").arg(label, text));
    });
    return view;
}

MatrixView *FactorPanels::view(Method method, const QString &name) const
{
    for (const auto &entry : m_tabs[std::size_t(method)].views)
        if (entry.first == name)
            return entry.second;
    return nullptr;
}

BarPlot *FactorPanels::bars(Method method) const { return m_tabs[std::size_t(method)].bars; }

QWidget *FactorPanels::buildFactorPairTab(Method method, const QString &tallKey, const QString &tallTitle,
                                          const QString &wideKey, const QString &wideTitle)
{
    Tab &t = tab(method);
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(2, 2, 2, 2);
    // Laid out like a product diagram: the wide factor (r × m) across the top, the tall one
    // (n × r) down the left, the bars (Σ, |R_kk|, probabilities) in the corner they share.
    t.tall = addView(t, tallKey, tallTitle);
    t.wide = addView(t, wideKey, wideTitle);
    placeFactors(grid, t.tall, t.wide, t.bars = new BarPlot);
    t.caption = captionLabel();
    grid->addWidget(t.caption, 2, 0, 1, 2);
    return w;
}

QWidget *FactorPanels::buildSvdTab(Method method)
{
    return buildFactorPairTab(method, QStringLiteral("U"), tr("U"), QStringLiteral("Vt"), tr("Vᵀ"));
}

QWidget *FactorPanels::buildIdTab()
{
    QWidget *w = buildFactorPairTab(Method::Id, QStringLiteral("C"), tr("C"), QStringLiteral("Z"), tr("Z"));
    tab(Method::Id).wide->setFlagThresholds(1.0, 2.0);
    return w;
}

QWidget *FactorPanels::buildCrTab()
{
    return buildFactorPairTab(Method::Cr, QStringLiteral("C"), tr("C"), QStringLiteral("R"), tr("R"));
}

QWidget *FactorPanels::buildCurTab()
{
    // The product layout with the middle beside the bars: C down the left, R across the top,
    // U (r × l) and the column scores in the corner.
    Tab &t = tab(Method::Cur);
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(2, 2, 2, 2);
    t.tall = addView(t, QStringLiteral("C"), tr("C"));
    t.wide = addView(t, QStringLiteral("R"), tr("R"));
    auto *corner = new QWidget;
    // Side by side in a wide dock, U above the bars in a narrow one (fitLayout switches).
    m_curCorner = new QBoxLayout(QBoxLayout::LeftToRight, corner);
    m_curCorner->setContentsMargins(0, 0, 0, 0);
    MatrixView *middle = addView(t, QStringLiteral("U"), tr("U"));
    t.bars = new BarPlot;
    m_curCorner->addWidget(middle, 2);
    m_curCorner->addWidget(t.bars, 3);
    placeFactors(grid, t.tall, t.wide, corner);
    t.caption = captionLabel();
    grid->addWidget(t.caption, 2, 0, 1, 2);
    return w;
}

QWidget *FactorPanels::buildMonarchTab()
{
    Tab &t = tab(Method::Monarch);
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(2, 2, 2, 2);
    grid->addWidget(addView(t, QStringLiteral("L"), tr("L")), 0, 0);
    grid->addWidget(addView(t, QStringLiteral("P"), tr("P")), 0, 1);
    grid->addWidget(addView(t, QStringLiteral("R"), tr("R")), 0, 2);
    auto *map = addView(t, QStringLiteral("map"), tr("Slice errors"));
    map->setToolTip(tr("Click a slice (j, k) to see its singular values and its rows and columns in the document"));
    grid->addWidget(map, 1, 0, 1, 2);
    t.bars = new BarPlot;
    t.bars->setMinimumHeight(150);
    grid->addWidget(t.bars, 1, 2);
    t.caption = captionLabel();
    grid->addWidget(t.caption, 2, 0, 1, 3);
    grid->setRowStretch(0, 2);
    grid->setRowStretch(1, 3);
    connect(map, &MatrixView::clicked, this, [this](Index row, Index column) {
        if (row >= 0 && column >= 0)
            selectSlice(row, column);
    });
    return w;
}

void FactorPanels::setChannels(std::shared_ptr<const std::vector<Matrix>> channels, const QStringList &names)
{
    m_channels = std::move(channels);
    const QSignalBlocker block(m_channel);
    m_channel->clear();
    m_channel->addItems(names);
    m_channelRow->setVisible(names.size() > 1);
    for (Tab &t : m_tabs)
        t.dirty = true;
}

int FactorPanels::channel() const
{
    return std::max(0, m_channel->currentIndex());
}

void FactorPanels::setResult(Method method, std::shared_ptr<const MethodResult> result)
{
    Tab &t = tab(method);
    const bool monarchChanged = method == Method::Monarch && t.result && result
                                && t.result->key != result->key;
    t.result = std::move(result);
    t.dirty = true;
    if (method == Method::Monarch && (monarchChanged || !t.result))
        clearSlice();
    if (method == Method::Svd && m_tabs[std::size_t(Method::Cr)].result)
        m_tabs[std::size_t(Method::Cr)].dirty = true;
    refreshVisible();
}

void FactorPanels::setSvdReference(std::shared_ptr<const MethodResult> svd)
{
    m_svd = std::move(svd);
    // CR's SVD factors, and the leverage-score bars of ID and CUR, come from it.
    for (Method method : {Method::Cr, Method::Id, Method::Cur})
        tab(method).dirty = true;
}

void FactorPanels::setRank(Method method, Index rank)
{
    Tab &t = tab(method);
    if (t.rank == rank && !t.dirty)
        return;
    t.rank = rank;
    t.dirty = true;
    refreshVisible();
}

void FactorPanels::clearAll(const QString &message)
{
    for (Tab &t : m_tabs) {
        t.result.reset();
        t.message->setText(message);
        t.stack->setCurrentWidget(t.message);
        for (auto &entry : t.views)
            entry.second->clear();
        t.dirty = true;
    }
    m_svd.reset();
    clearSlice();
}

void FactorPanels::setComputing(Method method, bool computing)
{
    Tab &t = tab(method);
    if (t.computing == computing)
        return;
    t.computing = computing;
    if (!t.result) {
        t.dirty = true;
        if (method == shownMethod())
            refresh(method);
    }
}

QString FactorPanels::message(Method method) const
{
    const Tab &t = m_tabs[std::size_t(method)];
    return t.stack->currentWidget() == t.message ? t.message->text() : QString();
}

void FactorPanels::showMethod(Method method) { m_tabWidget->setCurrentIndex(int(method)); }

Method FactorPanels::shownMethod() const { return Method(std::max(0, m_tabWidget->currentIndex())); }

void FactorPanels::refreshVisible() { refresh(shownMethod()); }

void FactorPanels::refresh(Method method)
{
    Tab &t = tab(method);
    if (!t.dirty)
        return;
    t.dirty = false;
    if (!t.result || t.result->models.empty()) {
        if (!t.result)
            t.message->setText(t.computing ? tr("Computing %1…").arg(Workspace::methodTitle(method))
                                           : tr("Choose %1 in the method panel to compute it.").arg(Workspace::methodTitle(method)));
        t.stack->setCurrentWidget(t.message);
        return;
    }
    t.stack->setCurrentWidget(t.content);
    switch (method) {
    case Method::Svd:
    case Method::Rsvd: refreshSvd(method, t); break;
    case Method::Id: refreshId(t); break;
    case Method::Cr: refreshCr(t); break;
    case Method::Monarch: refreshMonarch(t); break;
    case Method::Cur: refreshCur(t); break;
    }
    fitLayout(t);
    // Once the stack has laid the content out at its real size.
    QTimer::singleShot(0, this, [this] { fitLayout(tab(shownMethod())); });
}

void FactorPanels::fitLayout(Tab &t)
{
    if (&t == &tab(Method::Cur) && m_curCorner && t.content)
        m_curCorner->setDirection(t.content->width() >= 620 ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
    if (!t.tall || !t.wide || !t.content)
        return;
    // Heatmaps keep square cells, so an n × r factor next to an r × m one would leave most of
    // the tab empty: give each the room its shape can use and the rest to the bars.
    const bool tallTall = t.tall->hasData() && t.tall->matrixRows() >= t.tall->matrixColumns();
    const bool wideWide = t.wide->hasData() && t.wide->matrixColumns() >= t.wide->matrixRows();
    const int width = t.content->width(), height = t.content->height() - t.caption->sizeHint().height() - 8;
    if (width < 200 || height < 200 || !tallTall || !wideWide) {
        t.tall->setMaximumWidth(QWIDGETSIZE_MAX);
        t.wide->setMaximumHeight(QWIDGETSIZE_MAX);
        return;
    }
    constexpr int chrome = 80; // colour bar with its tick labels and margins beside a heatmap
    constexpr int title = 30;
    const double tallCells = double(t.tall->matrixColumns()) / double(t.tall->matrixRows());
    const int tallWidth = std::clamp(chrome + int(std::ceil((height - title) * tallCells)), 120, width * 45 / 100);
    const double wideCells = double(t.wide->matrixRows()) / double(t.wide->matrixColumns());
    const int wideHeight = std::clamp(title + 16 + int(std::ceil((width - tallWidth - chrome) * wideCells)), 100, height / 2);
    t.tall->setMaximumWidth(tallWidth);
    t.wide->setMaximumHeight(wideHeight);
}

void FactorPanels::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitLayout(tab(shownMethod()));
}

void FactorPanels::refreshSvd(Method method, Tab &t)
{
    const MethodResult &r = *t.result;
    const int c = std::min(channel(), r.channels() - 1);
    const core::ChannelModel &model = r.model(c);
    const Matrix *u = nullptr, *v = nullptr;
    const core::Vector *sigma = nullptr;
    if (const auto *svd = dynamic_cast<const core::SvdModel *>(&model)) {
        u = &svd->u();
        v = &svd->v();
        sigma = &svd->singularValues();
    } else if (const auto *rsvd = dynamic_cast<const core::RsvdModel *>(&model)) {
        u = &rsvd->u();
        v = &rsvd->v();
        sigma = &rsvd->singularValues();
    }
    if (!u || !sigma)
        return;
    const Index rank = std::clamp<Index>(t.rank, 1, std::min<Index>(u->cols(), r.maxRank));
    view(method, QStringLiteral("U"))
        ->setMatrix(share(u->leftCols(rank)), ColorScale::Diverging, tr("U  %1 × %2").arg(u->rows()).arg(rank));
    view(method, QStringLiteral("Vt"))
        ->setMatrix(share(v->leftCols(rank).transpose()), ColorScale::Diverging,
                    tr("Vᵀ  %1 × %2").arg(rank).arg(v->rows()));
    t.bars->setBars(toVector(*sigma), tr("i"), tr("σᵢ"), true);
    QVector<int> kept;
    for (int i = 0; i < int(rank); ++i)
        kept << i;
    t.bars->setHighlighted(kept);
    t.bars->setTitle(tr("Σ: the %1 kept highlighted").arg(rank));
    double kept2 = 0.0, total2 = sigma->squaredNorm();
    for (Index i = 0; i < rank && i < sigma->size(); ++i)
        kept2 += (*sigma)[i] * (*sigma)[i];
    QString text = tr("M̃ = U<sub>r</sub>·Σ<sub>r</sub>·V<sub>r</sub><sup>T</sup> keeps %1 % of ‖M‖²<sub>F</sub> "
                      "(σ<sub>1</sub> = %2, σ<sub>r</sub> = %3). Diverging colours: blue negative, red positive.")
                       .arg(total2 > 0 ? 100.0 * kept2 / total2 : 100.0, 0, 'f', 2)
                       .arg(sigma->size() ? (*sigma)[0] : 0.0, 0, 'g', 4)
                       .arg(rank <= sigma->size() && rank > 0 ? (*sigma)[rank - 1] : 0.0, 0, 'g', 4);
    if (r.approximate)
        text = tr("<b>Approximate preview</b> (randomized SVD of rank %1) while the exact SVD runs. ").arg(r.maxRank) + text;
    else if (method == Method::Rsvd && r.trials() > 1)
        text += tr(" Shown: trial 1 of %1.").arg(r.trials());
    t.caption->setText(text);
}

void FactorPanels::refreshId(Tab &t)
{
    const MethodResult &r = *t.result;
    const int c = std::min(channel(), r.channels() - 1);
    const auto *id = dynamic_cast<const core::IdModel *>(&r.model(c));
    if (!id)
        return;
    const Index rank = std::clamp<Index>(t.rank, 1, id->maxRank());
    const bool rows = id->isRowId();
    Matrix skeleton = id->skeleton(rank);
    Matrix z = id->interpolation(rank);
    const Index over1 = (z.array().abs() > 1.0 + 1e-12).count();
    const Index over2 = (z.array().abs() > 2.0).count();
    const ColorScale skeletonScale = MatrixView::autoScale(skeleton);
    // A skeleton of a few columns is a tall narrow view: a short title, the rest in the tooltip.
    auto *cView = view(Method::Id, QStringLiteral("C"));
    cView->setMatrix(share(std::move(skeleton)), skeletonScale,
                     rows ? tr("R  %1 × %2").arg(rank).arg(id->cols()) : tr("C  %1 × %2").arg(id->rows()).arg(rank));
    cView->setToolTip(rows ? tr("R = M[S, :]: the %1 skeleton rows S of M, %1 × %2").arg(rank).arg(id->cols())
                           : tr("C = M[:, S]: the %1 skeleton columns S of M, %2 × %1").arg(rank).arg(id->rows()));
    auto *zView = view(Method::Id, QStringLiteral("Z"));
    const double zMax = std::max(1.0, z.cwiseAbs().maxCoeff());
    zView->setMatrix(share(std::move(z)), ColorScale::Diverging,
                     rows ? tr("Z  %1 × %2").arg(id->rows()).arg(rank)
                          : tr("Z  %1 × %2").arg(rank).arg(id->cols()));
    zView->setColorRange(-zMax, zMax);
    zView->setFlagThresholds(1.0, 2.0);
    // |R_kk| decays along the pivots only when pivoted QR chose them; another selector's choice
    // is shown against what it ranks by.
    const core::Selector selector = id->selector();
    const bool pivoted = selector == core::Selector::PivotedQr || selector == core::Selector::SketchPivotedQr;
    QString barNote;
    if (pivoted) {
        t.bars->setBars(toVector(id->rDiagonal()), tr("k"), tr("|R_kk|"), true);
        QVector<int> kept;
        for (int i = 0; i < int(rank); ++i)
            kept << i;
        t.bars->setHighlighted(kept);
        t.bars->setTitle(tr("|R_kk|: first %1 = skeleton").arg(rank));
    } else {
        const core::IndexList chosen(id->pivots().begin(), id->pivots().begin() + std::ptrdiff_t(rank));
        barNote = tr(" · the bars: the %1 chosen %2 highlighted.").arg(rank).arg(rows ? tr("rows") : tr("columns"))
                  + setSelectorBars(t, c, selector, r.settings.leverageRank > 0 ? r.settings.leverageRank : r.maxRank,
                                    rank, chosen, rows);
    }
    t.caption->setText(
        tr("ID (%1) · max |z| = %2 · %3 entries with |z| > 1 (amber), %4 with |z| > 2 (magenta) · skeleton %5 in %6 "
           "order: %7%8%9")
            .arg(QString::fromStdString(r.curve.empty() ? core::selectorName(selector) : r.curve.front().variant).toHtmlEscaped())
            .arg(id->maxAbsZ(rank), 0, 'f', 3)
            .arg(over1)
            .arg(over2)
            .arg(rows ? tr("rows") : tr("columns"))
            .arg(pivoted ? tr("pivot") : tr("selection"))
            .arg(listIndices(id->pivots(), std::size_t(rank)))
            .arg(barNote)
            .arg(r.trials() > 1 ? tr(" · shown: trial 1 of %1").arg(r.trials()) : QString()));
}

void FactorPanels::refreshCr(Tab &t)
{
    const MethodResult &r = *t.result;
    const int c = std::min(channel(), r.channels() - 1);
    const auto *cr = dynamic_cast<const core::CrModel *>(&r.model(c));
    if (!cr || !m_channels || std::size_t(c) >= m_channels->size())
        return;
    const Matrix &m = (*m_channels)[std::size_t(c)];
    const Index rank = std::clamp<Index>(t.rank, 1, cr->maxRank());
    const bool sampled = cr->rule() != core::CrRule::Top;
    const core::Vector &p = cr->probabilities();
    const core::IndexList &draws = cr->draws();

    // The terms x_i, y_iᵀ of the product that CR samples.
    const core::SvdModel *svd = nullptr;
    if (cr->product() == core::CrProduct::SvdFactors && m_svd && !m_svd->approximate && c < m_svd->channels())
        svd = dynamic_cast<const core::SvdModel *>(&m_svd->model(c));
    const bool haveTerms = cr->product() != core::CrProduct::SvdFactors || (svd && svd->canReconstruct());
    const Index n = m.rows(), cols = m.cols();
    Matrix left = Matrix::Zero(n, rank), right = Matrix::Zero(rank, cols);
    if (haveTerms) {
        for (Index tIndex = 0; tIndex < rank; ++tIndex) {
            const Index i = draws[std::size_t(tIndex)];
            const double scale = sampled ? 1.0 / std::sqrt(double(rank) * p[i]) : 1.0;
            switch (cr->product()) {
            case core::CrProduct::MatrixIdentity:
                left.col(tIndex) = m.col(i) * scale;
                right(tIndex, i) = scale;
                break;
            case core::CrProduct::IdentityMatrix:
                left(i, tIndex) = scale;
                right.row(tIndex) = m.row(i) * scale;
                break;
            default: {
                const double root = std::sqrt(svd->singularValues()[i]);
                left.col(tIndex) = svd->u().col(i) * root * scale;
                right.row(tIndex) = svd->v().col(i).transpose() * root * scale;
                break;
            }
            }
        }
    }
    auto *cView = view(Method::Cr, QStringLiteral("C"));
    auto *rView = view(Method::Cr, QStringLiteral("R"));
    if (haveTerms) {
        cView->setMatrix(share(std::move(left)), ColorScale::Diverging, tr("C  %1 × %2").arg(n).arg(rank));
        rView->setMatrix(share(std::move(right)), ColorScale::Diverging, tr("R  %1 × %2").arg(rank).arg(cols));
    } else {
        cView->clear(tr("C and R need the exact SVD (still computing)"));
        rView->clear();
    }

    // Bars: the sampling distribution (or the weights for top-r), sampled terms highlighted.
    std::map<int, int> counts;
    for (Index tIndex = 0; tIndex < rank; ++tIndex)
        ++counts[int(draws[std::size_t(tIndex)])];
    QVector<int> indices, howMany;
    for (const auto &[index, count] : counts) {
        indices << index;
        howMany << count;
    }
    const QString termName = cr->product() == core::CrProduct::MatrixIdentity ? tr("column i")
                             : cr->product() == core::CrProduct::IdentityMatrix ? tr("row i")
                                                                                : tr("term i");
    if (sampled) {
        t.bars->setBars(toVector(p), termName, tr("pᵢ"));
        t.bars->setTitle(tr("Sampling probabilities pᵢ: %1 draws hit %2 distinct terms").arg(rank).arg(indices.size()));
    } else {
        t.bars->setBars(toVector(cr->weights()), termName, tr("wᵢ = ‖xᵢ‖·‖yᵢ‖"));
        t.bars->setTitle(tr("Weights wᵢ: the %1 largest are kept").arg(rank));
    }
    t.bars->setHighlighted(indices, howMany);

    const double norm2 = cr->productNorm2();
    const double realised = norm2 > 0 ? std::sqrt(std::max(0.0, cr->errFro2(rank)) / norm2) : 0.0;
    const double expected = norm2 > 0 ? std::sqrt(std::max(0.0, cr->expectedErrFro2(rank)) / norm2) : 0.0;
    QString text = sampled ? tr("Realised error ‖XY − CR‖<sub>F</sub>/‖XY‖<sub>F</sub> = %1 for this draw; "
                                "expected %2 from the closed formula.")
                                 .arg(realised, 0, 'f', 4)
                                 .arg(expected, 0, 'f', 4)
                           : tr("Error ‖XY − CR‖<sub>F</sub>/‖XY‖<sub>F</sub> = %1.").arg(realised, 0, 'f', 4);
    if (cr->product() == core::CrProduct::MatrixIdentity)
        text += QStringLiteral(" ")
                + tr("<b>M·I</b>: CR keeps %1 of the %2 columns of M (rescaled) and zeroes the others, so it "
                     "cannot combine columns the way the SVD does — hence its much larger error.")
                      .arg(indices.size())
                      .arg(cols);
    else if (cr->product() == core::CrProduct::IdentityMatrix)
        text += QStringLiteral(" ")
                + tr("<b>I·M</b>: CR keeps %1 of the %2 rows of M and zeroes the others.").arg(indices.size()).arg(n);
    if (r.trials() > 1)
        text += tr(" Shown: trial 1 of %1.").arg(r.trials());
    t.caption->setText(text);
}

QString FactorPanels::setSelectorBars(Tab &t, int c, core::Selector selector, Index leverageRank, Index rank,
                                      const core::IndexList &chosen, bool rows)
{
    // What the selector ranks columns (rows) by, with its choice highlighted: the leverage scores
    // of the exact SVD's top γ right (left) singular vectors for the leverage selectors and DEIM
    // (which works on V[:, :r], so γ = r), else the norms.
    QVector<int> marked;
    for (Index j : chosen)
        marked << int(j);
    const core::SvdModel *svd = nullptr;
    if (m_svd && !m_svd->approximate && c < m_svd->channels())
        svd = dynamic_cast<const core::SvdModel *>(&m_svd->model(c));
    const QString index = rows ? tr("row i") : tr("column j");
    QString note;
    const bool leverageBars = core::usesLeverageRank(selector) || selector == core::Selector::Deim;
    const Index gamma = selector == core::Selector::Deim ? rank : leverageRank;
    const Matrix *basis = svd && svd->canReconstruct() ? (rows ? &svd->u() : &svd->v()) : nullptr;
    if (leverageBars && basis && basis->cols() >= gamma) {
        t.bars->setBars(toVector(core::leverageScores(*basis, gamma)), index,
                        rows ? tr("hᵢ = ‖U[i, :γ]‖²") : tr("hⱼ = ‖V[j, :γ]‖²"));
        t.bars->setTitle(tr("Leverage scores, γ = %1").arg(gamma));
    } else if (m_channels && std::size_t(c) < m_channels->size()) {
        const Matrix &m = (*m_channels)[std::size_t(c)];
        const core::Vector norms = rows ? core::Vector(m.rowwise().norm()) : core::Vector(m.colwise().norm().transpose());
        t.bars->setBars(toVector(norms), index, rows ? tr("‖M[i, :]‖") : tr("‖M[:, j]‖"));
        t.bars->setTitle(rows ? tr("Row norms") : tr("Column norms"));
        if (leverageBars && basis)
            note = tr(" Leverage scores with γ = %1 need %1 singular vectors; the SVD has %2: norms shown instead.")
                       .arg(gamma)
                       .arg(basis->cols());
        else if (leverageBars)
            note = tr(" Leverage scores need the exact SVD (still computing): norms shown meanwhile.");
        else if (selector != core::Selector::Norm && selector != core::Selector::NormSample)
            note = tr(" The %1 selector does not rank by norms: they are shown to compare with its choice.")
                       .arg(QString::fromStdString(core::selectorName(selector)));
    } else {
        t.bars->clear();
    }
    t.bars->setHighlighted(marked);
    return note;
}

void FactorPanels::refreshCur(Tab &t)
{
    // C, U and R as heatmaps; the column scores the selector ranks by (leverage scores, or the
    // column norms) with the chosen columns highlighted; the intersection's conditioning and the
    // cross middle's tolerance in the caption. The cross itself is marked on the document by the
    // view area.
    const MethodResult &r = *t.result;
    const int c = std::min(channel(), r.channels() - 1);
    const auto *cur = dynamic_cast<const core::CurModel *>(&r.model(c));
    if (!cur || !cur->canReconstruct())
        return;
    const Index rank = std::clamp<Index>(t.rank, 1, cur->maxRank());
    const Index l = cur->rowCount(rank);
    Matrix columns = cur->columnFactor(rank), rows = cur->rowFactor(rank), middle = cur->middleFactor(rank);
    const ColorScale scale = MatrixView::autoScale(columns);
    view(Method::Cur, QStringLiteral("C"))->setMatrix(share(std::move(columns)), scale, tr("C  %1 × %2").arg(cur->rows()).arg(rank));
    view(Method::Cur, QStringLiteral("R"))->setMatrix(share(std::move(rows)), scale, tr("R  %1 × %2").arg(l).arg(cur->cols()));
    const bool cross = cur->middle() == core::CurMiddle::Cross;
    auto *uView = view(Method::Cur, QStringLiteral("U"));
    uView->setMatrix(share(std::move(middle)), ColorScale::Diverging,
                     cross ? tr("U = W⁺  %1 × %2").arg(rank).arg(l) : tr("U = C⁺MR⁺  %1 × %2").arg(rank).arg(l));
    uView->setToolTip(cross ? tr("The cross middle: the pseudo-inverse of the intersection W = M[S₂, S₁] with "
                                 "its singular values at or below τ treated as zero")
                            : tr("The optimal middle C⁺MR⁺: the best U for these columns and rows"));

    // The bars: what the selector ranks columns by.
    const core::Selector selector = cur->selector();
    const QString barNote = setSelectorBars(t, c, selector, r.settings.leverageRank > 0 ? r.settings.leverageRank : r.maxRank,
                                            rank, cur->columnsAt(rank), false);

    const core::Vector sigma = cur->intersectionSingularValues(rank);
    QString text = tr("CUR (%1) · columns %2 · rows %3 · intersection W %4 × %5: σ<sub>1</sub> = %6, σ<sub>min</sub> = %7")
                       .arg(QString::fromStdString(r.curve.empty() ? core::selectorName(selector) : r.curve.front().variant).toHtmlEscaped(),
                            listIndices(cur->columnSequence(), std::size_t(rank)),
                            listIndices(cur->rowSequence(), std::size_t(l)))
                       .arg(l)
                       .arg(rank)
                       .arg(sigma.size() ? sigma[0] : 0.0, 0, 'g', 4)
                       .arg(sigma.size() ? sigma[sigma.size() - 1] : 0.0, 0, 'g', 4);
    if (cross)
        text += tr(" · cross tolerance τ = %1 (%2), keeps %3 of %4 σ")
                    .arg(cur->crossTolerance(rank), 0, 'g', 4)
                    .arg(r.settings.curTolerance > 0.0 ? tr("set") : tr("default max(r, l)·ε·σ<sub>1</sub>"))
                    .arg(cur->crossRank(rank))
                    .arg(sigma.size());
    const double total2 = cur->optimalErrFro2(0);
    if (total2 > 0.0)
        text += tr(" · ‖M − CUR‖<sub>F</sub>/‖M‖<sub>F</sub> = %1").arg(std::sqrt(std::max(0.0, cur->errFro2(rank)) / total2), 0, 'g', 4);
    if (cross && total2 > 0.0)
        text += tr(" (optimal middle: %1)").arg(std::sqrt(std::max(0.0, cur->optimalErrFro2(rank)) / total2), 0, 'g', 4);
    text += tr(" · the bars: the %1 chosen columns highlighted.").arg(rank) + barNote;
    if (r.trials() > 1)
        text += tr(" Shown: trial 1 of %1.").arg(r.trials());
    t.caption->setText(text);
}

void FactorPanels::refreshMonarch(Tab &t)
{
    const MethodResult &r = *t.result;
    const int c = std::min(channel(), r.channels() - 1);
    const auto *mon = dynamic_cast<const core::MonarchModel *>(&r.model(c));
    if (!mon)
        return;
    const Index rho = std::clamp<Index>(t.rank, 1, mon->maxRank());
    const Index b = mon->blocks(), lo = mon->outBlockSize(), in = mon->inBlockSize();

    // BD(L2): b blocks Lo×(b·ρ) on the diagonal; BD(R1): b blocks (ρ·b)×I.
    auto *lView = view(Method::Monarch, QStringLiteral("L"));
    auto *rView = view(Method::Monarch, QStringLiteral("R"));
    auto *pView = view(Method::Monarch, QStringLiteral("P"));
    if (double(b * lo) * double(b * b * rho) <= maxDisplayCells) {
        const std::vector<Matrix> left = mon->leftBlocks(rho);
        Matrix l = Matrix::Zero(b * lo, b * b * rho);
        for (Index j = 0; j < b; ++j)
            l.block(j * lo, j * b * rho, lo, b * rho) = left[std::size_t(j)];
        lView->setMatrix(share(std::move(l)), ColorScale::Diverging,
                         tr("L: %1 blocks %2 × %3").arg(b).arg(lo).arg(b * rho));
    } else {
        lView->clear(tr("L is too large to draw at ρ = %1").arg(rho));
    }
    if (double(b * rho * b) * double(b * in) <= maxDisplayCells) {
        const std::vector<Matrix> right = mon->rightBlocks(rho);
        Matrix rm = Matrix::Zero(b * rho * b, b * in);
        for (Index k = 0; k < b; ++k)
            rm.block(k * rho * b, k * in, rho * b, in) = right[std::size_t(k)];
        rView->setMatrix(share(std::move(rm)), ColorScale::Diverging,
                         tr("R: %1 blocks %2 × %3").arg(b).arg(rho * b).arg(in));
    } else {
        rView->clear(tr("R is too large to draw at ρ = %1").arg(rho));
    }
    // The middle permutation: for ρ > 1 the (K·ρ·b)² matrix is too fine to read, so the shuffle of
    // the b² blocks (ρ = 1) stands for it.
    const Index permRank = b * rho * b <= 160 ? rho : 1;
    const std::vector<Index> perm = mon->permutation(permRank);
    const Index size = Index(perm.size());
    if (double(size) * double(size) <= maxDisplayCells) {
        Matrix pm = Matrix::Zero(size, size);
        for (Index q = 0; q < size; ++q)
            pm(q, perm[std::size_t(q)]) = 1.0;
        auto shared = share(std::move(pm));
        pView->setMatrix(shared, ColorScale::Diverging,
                         permRank == rho ? tr("P: shuffle %1 × %1").arg(size) : tr("P at ρ = 1: %1 × %1").arg(size));
        pView->setColorRange(-1.0, 1.0);
    } else {
        pView->clear(tr("P has %1 entries").arg(size));
    }
    auto *map = view(Method::Monarch, QStringLiteral("map"));
    map->setMatrix(share(mon->sliceErrors(rho)), ColorScale::Sequential,
                   tr("Slice errors: row j, column k"));
    if (m_slice)
        map->setSliceHighlight({m_slice->first}, {m_slice->second});
    else
        map->clearMarks();
    refreshSliceBars();
    const double params = mon->storedParams(rho);
    QString text = tr("b = %1 blocks, slices of %2 × %3 (rows strided by %1, columns contiguous), ρ = %4: "
                      "%5 numbers per channel.")
                       .arg(b)
                       .arg(lo)
                       .arg(in)
                       .arg(rho)
                       .arg(params, 0, 'f', 0);
    if (mon->isPadded())
        text += QStringLiteral(" ") + tr("Zero-padded to %1 × %2, then cropped.").arg(mon->paddedRows()).arg(mon->paddedCols());
    if (!m_slice)
        text += QStringLiteral(" ") + tr("<i>Click a slice in the error map.</i>");
    t.caption->setText(text);
}

void FactorPanels::refreshSliceBars()
{
    Tab &t = tab(Method::Monarch);
    if (!t.result) {
        t.bars->clear();
        return;
    }
    const int c = std::min(channel(), t.result->channels() - 1);
    const auto *mon = dynamic_cast<const core::MonarchModel *>(&t.result->model(c));
    if (!mon || !m_slice) {
        t.bars->clear();
        t.bars->setTitle(tr("Singular values of the selected slice"));
        return;
    }
    const Index rho = std::clamp<Index>(t.rank, 1, mon->maxRank());
    const auto [j, k] = *m_slice;
    const core::Vector &sigma = mon->sliceSingularValues(k, j);
    t.bars->setBars(toVector(sigma), tr("t"), tr("σₜ"), true);
    QVector<int> kept;
    for (int i = 0; i < int(std::min<Index>(rho, sigma.size())); ++i)
        kept << i;
    t.bars->setHighlighted(kept);
    double lost = 0.0;
    for (Index i = rho; i < sigma.size(); ++i)
        lost += sigma[i] * sigma[i];
    t.bars->setTitle(tr("σ of slice (%1, %2): %3 kept").arg(j).arg(k).arg(kept.size()));
}

void FactorPanels::selectSlice(Index j, Index k)
{
    Tab &t = tab(Method::Monarch);
    if (!t.result)
        return;
    const int c = std::min(channel(), t.result->channels() - 1);
    const auto *mon = dynamic_cast<const core::MonarchModel *>(&t.result->model(c));
    if (!mon || j < 0 || k < 0 || j >= mon->blocks() || k >= mon->blocks())
        return;
    m_slice = std::make_pair(j, k);
    if (auto *map = view(Method::Monarch, QStringLiteral("map")))
        map->setSliceHighlight({j}, {k});
    refreshSliceBars();
    t.dirty = true;
    refreshVisible();
    emit sliceSelected(mon->sliceRows(j), mon->sliceCols(k));
}

void FactorPanels::clearSlice()
{
    if (!m_slice)
        return;
    m_slice.reset();
    if (auto *map = view(Method::Monarch, QStringLiteral("map")))
        map->clearMarks();
    refreshSliceBars();
    emit sliceCleared();
}

} // namespace factorscope::app
