// SPDX-License-Identifier: MIT
#include "viewarea.h"

#include "comparepanes.h"
#include "displaypreview.h"
#include "selection.h"
#include "settings.h"

#include "core/cr.h"
#include "core/cur.h"
#include "core/id.h"
#include "widgets/matrixview.h"

#include <QLabel>
#include <QPalette>
#include <QLocale>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace factorscope::app {

using core::Index;
using core::Method;
using widgets::ColorScale;
using widgets::MatrixView;

namespace {

QString percent(double fraction)
{
    return QStringLiteral("%1 %").arg(100.0 * fraction, 0, 'f', fraction < 0.001 ? 4 : 2);
}

} // namespace

ViewArea::ViewArea(Workspace *workspace, Settings *settings, const Selection *selection, QWidget *parent)
    : QWidget(parent), m_workspace(workspace), m_settings(settings), m_selection(selection)
{
    m_displayPreview = new DisplayPreview(m_workspace->displayRunner(), QStringLiteral("display:main"), false, this);
    m_documentView = new MatrixView;
    m_documentView->setObjectName(QStringLiteral("documentView"));
    m_reconstructionView = new MatrixView;
    m_reconstructionView->setObjectName(QStringLiteral("reconstructionView"));
    m_residualView = new MatrixView;
    m_residualView->setObjectName(QStringLiteral("residualView"));
    m_reconstructionView->clear(tr("No reconstruction yet"));
    m_residualView->clear(tr("No residual yet"));

    m_resultTabs = new QTabWidget;
    m_resultTabs->setDocumentMode(true);
    m_resultTabs->addTab(m_reconstructionView, tr("Reconstruction M̃"));
    m_resultTabs->addTab(m_residualView, tr("Residual M − M̃"));
    m_resultTabs->setTabToolTip(1, tr("The error of the approximation, on a colour scale centred on zero"));
    // The views carry their residual only while it is on screen (the reconstruction tab is first).
    m_workspace->setViewResiduals(residualOnScreen());
    connect(m_resultTabs, &QTabWidget::currentChanged, this, &ViewArea::onResultTabChanged);
    auto *documentPane = new QTabWidget;
    documentPane->setDocumentMode(true);
    documentPane->addTab(m_documentView, tr("Original M"));

    m_metrics = new QLabel;
    m_metrics->setTextFormat(Qt::RichText);
    m_metrics->setWordWrap(true);
    m_metrics->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metrics->setContentsMargins(6, 2, 6, 2);
    auto *views = new QSplitter(Qt::Horizontal);
    views->addWidget(documentPane);
    views->addWidget(m_resultTabs);
    views->setChildrenCollapsible(false);
    m_views = views;
    m_compare = new ComparePanes(m_workspace);
    m_compare->setObjectName(QStringLiteral("comparePanes"));
    m_compare->setChromaRankProvider([this](Method method) { return m_selection->chromaRank(method); });
    m_stack = new QStackedWidget;
    m_stack->addWidget(views);
    m_stack->addWidget(m_compare);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_metrics);

    m_viewDelay = new QTimer(this);
    m_viewDelay->setSingleShot(true);
    m_viewDelay->setInterval(viewDelayMs);
    connect(m_viewDelay, &QTimer::timeout, this, [this] {
        const Method method = m_selection->currentMethod();
        requestView(method);
        emit rankSettled(method);
    });
    connect(m_displayPreview, &DisplayPreview::ready, this, [this] {
        // The rebuilder a rank change waited for: show the stand-in unless the full-resolution
        // view of that rank has arrived meanwhile.
        const Method method = m_selection->currentMethod();
        if (m_viewDelay->isActive() || m_workspace->runner()->isActive(QStringLiteral("view:") + Workspace::slotName(method)))
            showDisplayPreview(method);
    });
    linkViews();
}

void ViewArea::linkViews()
{
    // Linked zoom and pan: the view the user moves sets the others (setVisibleRegion does not emit).
    const QList<MatrixView *> linked = {m_documentView, m_reconstructionView, m_residualView};
    for (MatrixView *source : linked) {
        connect(source, &MatrixView::visibleRegionChanged, this, [this, source, linked] {
            if (!m_settings->linkedViews())
                return;
            // The same zoom about the same point in every view, whatever its size.
            for (MatrixView *target : linked)
                if (target != source && target->hasData() && target->matrixRows() == source->matrixRows()
                    && target->matrixColumns() == source->matrixColumns())
                    target->followView(*source);
        });
        connect(source, &MatrixView::hovered, this, [this, source](Index, Index, double, const QString &text) {
            if (text.isEmpty()) {
                emit hovered(QString());
                return;
            }
            const QString what = source == m_documentView ? tr("Original") : source == m_residualView ? tr("Residual")
                                                                                                       : tr("Reconstruction");
            emit hovered(QStringLiteral("%1 — %2").arg(what, text));
        });
    }
}

MatrixView *ViewArea::zoomTarget() const { return isCompareMode() ? m_compare->view(0) : m_documentView; }

QWidget *ViewArea::currentWidget() const { return m_stack->currentWidget(); }

QString ViewArea::metricsText() const { return m_metrics->text(); }

void ViewArea::setCompareMode(bool on)
{
    m_stack->setCurrentWidget(on ? static_cast<QWidget *>(m_compare) : m_views);
    // The read-out line is the main view's; each pane shows its own in its title.
    m_metrics->setVisible(!on);
    if (on)
        m_compare->refresh();
}

bool ViewArea::isCompareMode() const { return m_stack->currentWidget() == m_compare; }

void ViewArea::clearResults()
{
    m_view.reset();
    m_residualShown = false;
    m_displayPreview->reset();
    m_sliceRows.clear();
    m_sliceColumns.clear();
    m_reconstructionView->clear(tr("Computing…"));
    m_residualView->clear(tr("Computing…"));
    setPendingText(tr("Computing…"));
}

void ViewArea::showDocument()
{
    showOriginal();
    m_documentView->clearMarks();
    m_compare->reset();
    if (isCompareMode())
        m_compare->refresh();
}

void ViewArea::showOriginal()
{
    const auto doc = m_workspace->document();
    if (!doc)
        return;
    if (doc->isImage) {
        m_documentView->setImagePlanes(Workspace::displayedOriginal(doc, m_workspace->colorMode()));
        m_documentView->setTitle(doc->displayName);
    } else {
        auto m = std::make_shared<const core::Matrix>(doc->planes[0]);
        const QString title = doc->planes.size() > 1 ? tr("%1 (channel 1 of %2)").arg(doc->displayName).arg(doc->planes.size())
                                                     : doc->displayName;
        m_documentView->setMatrix(m, MatrixView::autoScale(*m), title);
    }
}

void ViewArea::showComputing(Method method)
{
    releaseView();
    m_reconstructionView->clear(tr("Computing %1…").arg(Workspace::methodTitle(method)));
    m_residualView->clear(tr("Computing %1…").arg(Workspace::methodTitle(method)));
    setPendingText(tr("Computing %1…").arg(Workspace::methodTitle(method)));
}

void ViewArea::onResult(Method method)
{
    if (method == m_selection->currentMethod()) {
        // The new result at display resolution as soon as its rebuilder is set up (on the display
        // runner, tens of ms; DisplayPreview::ready shows it), long before the full-resolution
        // view (reconstruction, residual, SSIM) arrives; and the first drag finds it ready.
        prepareDisplayPreview(method);
        requestView(method);
        showPendingReadout(method);
        showDisplayPreview(method); // (when the rebuilder is not ready yet: once it is)
    }
    if (isCompareMode())
        m_compare->onResult(method);
}

void ViewArea::onView(std::shared_ptr<const ViewResult> view)
{
    if (view->pane >= 0) {
        m_compare->onView(view);
        return;
    }
    if (!view->source || view->source->method != m_selection->currentMethod())
        return;
    m_view = view;
    m_readoutPending = false;
    if (view->isImage) {
        m_reconstructionView->setImagePlanes(view->reconstruction);
    } else {
        auto channel = std::make_shared<const core::Matrix>((*view->reconstruction)[0]);
        m_reconstructionView->setMatrix(channel, m_documentView->colorScale());
        m_reconstructionView->setColorRange(m_documentView->colorRange().first, m_documentView->colorRange().second);
    }
    const QString title = viewTitle(view->source->method, view->rank, view->channelRanks, view->hasChromaRank);
    m_reconstructionView->setTitle(view->source->approximate ? tr("%1 (approximate preview)").arg(title) : title);
    m_residualShown = false;
    if (view->residual || residualOnScreen())
        showResidual();
    else // computed when its tab is opened (showResidual), not held meanwhile
        m_residualView->clear(tr("Computing…"));
    prepareDisplayPreview(view->source->method); // for the view's present size (after a resize)
    if (m_settings->linkedViews())
        m_reconstructionView->followView(*m_documentView);

    Readout readout;
    readout.title = m_reconstructionView->title();
    readout.relErrFro = view->relErrFro;
    readout.psnrDb = view->psnrDb;
    readout.ssim = view->ssim;
    readout.params = view->params;
    readout.ratio = view->ratio;
    readout.rank = view->rank;
    setReadout(*view->source, readout);
    updateDocumentMarks();
    emit viewShown(view);
}

bool ViewArea::residualOnScreen() const { return m_resultTabs->currentWidget() == m_residualView; }

void ViewArea::onResultTabChanged()
{
    m_workspace->setViewResiduals(residualOnScreen());
    if (residualOnScreen())
        showResidual();
}

void ViewArea::showResidual()
{
    if (!m_view || m_residualShown)
        return;
    const auto residual = Workspace::residualOf(*m_view);
    if (!residual)
        return;
    m_residualView->setMatrix(residual, ColorScale::Diverging, m_view->residualLabel);
    if (m_settings->linkedViews())
        m_residualView->followView(*m_documentView);
    m_residualShown = true;
}

void ViewArea::releaseView()
{
    if (!m_view)
        return;
    m_view.reset();
    m_residualShown = false;
    // The residual on screen stays until the next one replaces it; so does the picture (the
    // new result's stand-in replaces it within tens of ms: a preview is never lost to a blank).
    if (!residualOnScreen())
        m_residualView->clear(tr("Computing…"));
}

void ViewArea::setReadout(const MethodResult &source, const Readout &r)
{
    QStringList parts;
    parts << QStringLiteral("<b>%1</b>").arg(r.title.toHtmlEscaped());
    parts << tr("relative error %1").arg(percent(r.relErrFro));
    if (!std::isnan(r.psnrDb))
        parts << tr("PSNR %1 dB").arg(std::isinf(r.psnrDb) ? QStringLiteral("∞") : QString::number(r.psnrDb, 'f', 2));
    if (!std::isnan(r.ssim))
        parts << tr("SSIM %1").arg(r.ssim, 0, 'f', 4);
    parts << tr("%1 numbers stored (%2 of the original%3)")
                 .arg(QLocale().toString(r.params, 'f', 0))
                 .arg(percent(r.ratio))
                 .arg(r.ratio > 0 ? tr(", %1:1").arg(1.0 / r.ratio, 0, 'f', 1) : QString());
    const int wanted = m_selection->rank(source.method);
    if (wanted > r.rank) {
        const bool stopped = source.approximate && m_workspace->isStopped(source.method);
        parts << tr("<i>rank limited to %1 by the %2</i>")
                     .arg(r.rank)
                     .arg(!source.approximate ? tr("factorisation")
                          : stopped           ? tr("preview (the exact SVD was stopped)")
                                              : tr("preview"));
    }
    if (source.trials() > 1)
        parts << tr("trial 1 of %1 shown").arg(source.trials());
    if (!r.pending.isEmpty())
        parts << QStringLiteral("<span style=\"color:%1\"><i>%2</i></span>")
                     .arg(palette().color(QPalette::Disabled, QPalette::WindowText).name(), r.pending.toHtmlEscaped());
    m_metrics->setText(parts.join(QStringLiteral(" · ")));
}

void ViewArea::onCancelled()
{
    // The view asked for was stopped too: say so instead of "computing…".
    if (m_readoutPending)
        showPendingReadout(m_selection->currentMethod(), true);
}

void ViewArea::showPendingReadout(Method method, bool stopped)
{
    m_readoutPending = true;
    const auto result = m_workspace->result(method);
    if (!result || result->models.empty() || method != m_selection->currentMethod()) {
        setPendingText(tr("Computing %1…").arg(Workspace::methodTitle(method)));
        return;
    }
    // What is exact at once from the factors (the shown trial's): the relative error and the
    // numbers stored; PSNR and SSIM (images) need the full reconstruction.
    const auto chroma = m_selection->chromaRank(method);
    const std::vector<Index> ranks = result->channelRanks(m_selection->rank(method), chroma);
    double err2 = 0.0, params = 0.0;
    for (int c = 0; c < result->channels(); ++c) {
        err2 += result->model(c).errFro2(ranks[std::size_t(c)]);
        params += result->model(c).storedParams(ranks[std::size_t(c)]);
    }
    const double total = m_workspace->channelsSquaredNorm();
    Readout readout;
    readout.title = viewTitle(method, ranks[0], ranks, chroma && result->color == core::ColorMode::YCbCr && result->channels() == 3);
    readout.relErrFro = total > 0.0 ? std::sqrt(err2 / total) : 0.0;
    readout.params = params;
    const double cells = double(result->rows) * double(result->cols) * double(result->channels());
    readout.ratio = cells > 0.0 ? params / cells : 0.0;
    readout.rank = ranks[0];
    const auto doc = m_workspace->document();
    readout.pending = stopped ? (doc && doc->isImage ? tr("PSNR and SSIM: not computed (cancelled)") : tr("residual: not computed (cancelled)"))
                              : (doc && doc->isImage ? tr("PSNR and SSIM: computing…") : tr("residual: computing…"));
    setReadout(*result, readout);
}

void ViewArea::setPendingText(const QString &text)
{
    m_metrics->setText(QStringLiteral("<span style=\"color:%1\"><i>%2</i></span>")
                           .arg(palette().color(QPalette::Disabled, QPalette::WindowText).name(), text.toHtmlEscaped()));
}

QString ViewArea::viewTitle(Method method, Index rank, const std::vector<Index> &ranks, bool chroma)
{
    const bool monarch = method == Method::Monarch;
    QString what = monarch ? tr("ρ = %1").arg(rank) : tr("rank %1").arg(rank);
    if (chroma && ranks.size() > 1)
        what = monarch ? tr("ρ = %1 (Y), %2 (Cb, Cr)").arg(rank).arg(ranks[1]) : tr("rank %1 (Y), %2 (Cb, Cr)").arg(rank).arg(ranks[1]);
    return tr("%1, %2").arg(Workspace::methodTitle(method), what);
}

void ViewArea::requestView(Method method)
{
    if (m_view && m_view->source != m_workspace->result(method))
        releaseView();
    m_workspace->requestView(method, m_selection->rank(method), m_selection->chromaRank(method));
}

bool ViewArea::followRank(Method method)
{
    showPendingReadout(method);
    if (showDisplayPreview(method)) {
        // While the hand moves, only the stand-in (and the plots' markers) follow: the
        // full-resolution view (read-outs, residual) and the factor heatmaps once the rank rests,
        // and a stale view stops at its next step.
        m_workspace->runner()->cancel(QStringLiteral("view:") + Workspace::slotName(method));
        m_viewDelay->start();
        return true;
    }
    m_viewDelay->stop();
    requestView(method);
    return false;
}

void ViewArea::onMethodChanged(Method method)
{
    // Another method's view is not shown any more: not held while this one is factorised.
    if (m_view && m_view->source && m_view->source->method != method)
        releaseView();
    m_documentView->clearMarks();
    if (m_workspace->document() && m_workspace->result(method)) {
        requestView(method);
        showPendingReadout(method); // not the previous method's numbers
    }
}

std::optional<std::pair<Index, Index>> ViewArea::displayPreviewSize(Method method) const
{
    const auto result = m_workspace->result(method);
    const auto doc = m_workspace->document();
    if (!result || !doc || !doc->isImage || isCompareMode() || result->models.empty()
        || result->documentId != m_workspace->documentId() || result->color != m_workspace->colorMode())
        return std::nullopt;
    if (result->channels() != 1 && result->channels() != 3)
        return std::nullopt;
    // The matrix as large as it fits into the view's device pixels (never larger than the
    // matrix itself; not worth it when the matrix is that small already).
    return DisplayPreview::displaySize(m_reconstructionView, m_reconstructionView->viewport(), result->rows, result->cols);
}

void ViewArea::prepareDisplayPreview(Method method)
{
    if (method != m_selection->currentMethod())
        return;
    if (const auto size = displayPreviewSize(method))
        m_displayPreview->prepare(m_workspace->result(method), *size);
}

bool ViewArea::showDisplayPreview(Method method)
{
    const auto size = displayPreviewSize(method);
    if (!size)
        return false;
    const auto result = m_workspace->result(method);
    // The channel ranks of computeView(): all the rank, Cb and Cr at the chroma rank in ycbcr.
    const auto chroma = m_selection->chromaRank(method);
    const std::vector<Index> ranks = result->channelRanks(m_selection->rank(method), chroma);
    const bool hasChroma = chroma && result->color == core::ColorMode::YCbCr && result->channels() == 3;
    // Null while the rebuilder is set up in the background (ready() then calls again).
    auto display = m_displayPreview->planes(result, ranks, *size);
    if (!display)
        return false;
    m_reconstructionView->setPreviewPlanes(display, result->rows, result->cols);
    m_reconstructionView->setTitle(tr("%1 (display resolution)").arg(viewTitle(method, ranks[0], ranks, hasChroma)));
    return true;
}

void ViewArea::setSliceHighlight(std::vector<Index> rows, std::vector<Index> columns)
{
    m_sliceRows = std::move(rows);
    m_sliceColumns = std::move(columns);
    updateDocumentMarks();
}

void ViewArea::updateDocumentMarks()
{
    m_documentView->clearMarks();
    const Method method = m_selection->currentMethod();
    const auto result = m_workspace->result(method);
    if (!result || result->models.empty())
        return;
    const Index rank = std::clamp<Index>(m_selection->rank(method), 1, std::max<Index>(1, result->maxRank));
    if (method == Method::Id) {
        if (const auto *id = dynamic_cast<const core::IdModel *>(&result->model(0))) {
            std::vector<Index> skeleton(id->pivots().begin(), id->pivots().begin() + std::min<Index>(rank, Index(id->pivots().size())));
            id->isRowId() ? m_documentView->setRowMarks(skeleton) : m_documentView->setColumnMarks(skeleton);
        }
    } else if (method == Method::Cr) {
        if (const auto *cr = dynamic_cast<const core::CrModel *>(&result->model(0))) {
            std::vector<Index> drawn(cr->draws().begin(), cr->draws().begin() + std::min<Index>(rank, Index(cr->draws().size())));
            if (cr->product() == core::CrProduct::MatrixIdentity)
                m_documentView->setColumnMarks(drawn);
            else if (cr->product() == core::CrProduct::IdentityMatrix)
                m_documentView->setRowMarks(drawn);
        }
    } else if (method == Method::Cur) {
        // The cross: the chosen columns and rows, their intersection W = M[S₂, S₁] tinted.
        if (const auto *cur = dynamic_cast<const core::CurModel *>(&result->model(0))) {
            const core::IndexList columns = cur->columnsAt(rank), rows = cur->rowsAt(rank);
            m_documentView->setColumnMarks(columns);
            m_documentView->setRowMarks(rows);
            m_documentView->setSliceHighlight(rows, columns, false);
        }
    } else if (method == Method::Monarch && !m_sliceRows.empty()) {
        m_documentView->setSliceHighlight(m_sliceRows, m_sliceColumns);
    }
}

bool ViewArea::hasPendingViews() const { return m_viewDelay->isActive() || m_compare->hasPendingViews(); }

} // namespace factorscope::app
