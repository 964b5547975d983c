// SPDX-License-Identifier: MIT
#include "comparepanes.h"

#include "displaypreview.h"

#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace factorscope::app {

using core::Index;
using core::Matrix;
using core::Method;
using widgets::ColorScale;
using widgets::MatrixView;

namespace {

QString letterOf(int pane) { return QString(QChar(u'A' + pane)); }

/// " · 4.12 % · 28.3 dB · SSIM 0.871 · 7.8 % stored": the pane's read-outs after its label.
QString readout(const ViewResult &v)
{
    QString text = QStringLiteral(" · %1 %").arg(100.0 * v.relErrFro, 0, 'f', 2);
    if (!std::isnan(v.psnrDb))
        text += QStringLiteral(" · %1 dB").arg(std::isinf(v.psnrDb) ? QStringLiteral("∞") : QString::number(v.psnrDb, 'f', 1));
    if (!std::isnan(v.ssim))
        text += ComparePanes::tr(" · SSIM %1").arg(v.ssim, 0, 'f', 3);
    text += ComparePanes::tr(" · %1 % stored").arg(100.0 * v.ratio, 0, 'f', 1);
    return text;
}

} // namespace

ComparePanes::ComparePanes(Workspace *workspace, QWidget *parent) : QWidget(parent), m_workspace(workspace)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 2);
    header->addWidget(new QLabel(tr("Panes")));
    m_countSpin = new QSpinBox;
    m_countSpin->setObjectName(QStringLiteral("paneCount"));
    m_countSpin->setRange(2, maxPanes);
    m_countSpin->setValue(m_count);
    header->addWidget(m_countSpin);
    header->addSpacing(16);
    m_splitCheck = new QCheckBox(tr("A/B split"));
    m_splitCheck->setObjectName(QStringLiteral("abSplit"));
    m_splitCheck->setToolTip(tr("One view: pane A left of the split, pane B right of it (drag the slider, or click the view)"));
    header->addWidget(m_splitCheck);
    m_splitSlider = new QSlider(Qt::Horizontal);
    m_splitSlider->setObjectName(QStringLiteral("abSplitPosition"));
    m_splitSlider->setRange(0, 1000);
    m_splitSlider->setValue(500);
    m_splitSlider->setEnabled(false);
    header->addWidget(m_splitSlider, 1);
    layout->addLayout(header);

    m_stack = new QStackedWidget;
    m_grid = new QWidget;
    m_gridLayout = new QGridLayout(m_grid);
    m_gridLayout->setContentsMargins(0, 0, 0, 0);
    m_gridLayout->setSpacing(4);
    for (int i = 0; i < maxPanes; ++i)
        buildPane(i);
    m_split = new MatrixView;
    m_split->setObjectName(QStringLiteral("abSplitView"));
    m_split->clear(tr("A/B split"));
    m_stack->addWidget(m_grid);
    m_stack->addWidget(m_split);
    layout->addWidget(m_stack, 1);
    layoutPanes();

    connect(m_countSpin, &QSpinBox::valueChanged, this, &ComparePanes::setPaneCount);
    connect(m_splitCheck, &QCheckBox::toggled, this, &ComparePanes::setSplitEnabled);
    connect(m_splitSlider, &QSlider::valueChanged, this, [this] {
        updateSplit();
        emit stateChanged();
    });
    connect(m_split, &MatrixView::clicked, this, [this](Index, Index column) {
        if (m_split->matrixColumns() > 0)
            setSplitPosition(double(column) / double(m_split->matrixColumns()));
    });
    connect(m_split, &MatrixView::visibleRegionChanged, this, [this] { linkRegion(m_split); });
}

void ComparePanes::buildPane(int index)
{
    Pane &p = m_panes[std::size_t(index)];
    p.box = new QWidget;
    auto *v = new QVBoxLayout(p.box);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(1);
    auto *row = new QHBoxLayout;
    row->setContentsMargins(2, 0, 2, 0);
    p.letter = new QLabel(QStringLiteral("<b>%1</b>").arg(letterOf(index)));
    p.method = new QComboBox;
    for (Method m : core::allMethods())
        p.method->addItem(Workspace::methodTitle(m), int(m));
    p.rank = new QSpinBox;
    p.rank->setRange(0, 4096);
    p.rank->setValue(20);
    p.rank->setPrefix(tr("r = "));
    p.rank->setToolTip(tr("Rank (Monarch: the block rank ρ)"));
    p.show = new QComboBox;
    p.show->addItem(tr("Reconstruction"), int(Show::Reconstruction));
    p.show->addItem(tr("Original"), int(Show::Original));
    p.show->addItem(tr("Difference"), int(Show::Difference));
    p.show->setToolTip(tr("Difference: M − M̃, on a colour scale centred on 0 shared by every pane"));
    // Compact combo boxes: the compare view shares the central area's minimum width with the
    // main views, so its header must not widen the window or squeeze the docks.
    for (QComboBox *combo : {p.method, p.show}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(6);
    }
    p.parameters = new QToolButton;
    p.parameters->setObjectName(QStringLiteral("paneParameters%1").arg(letterOf(index)));
    p.parameters->setAutoRaise(true);
    row->addWidget(p.letter);
    row->addWidget(p.method, 1);
    row->addWidget(p.parameters);
    row->addWidget(p.rank);
    row->addWidget(p.show, 1);
    v->addLayout(row);
    p.matrix = new MatrixView;
    p.matrix->setObjectName(QStringLiteral("compareView%1").arg(letterOf(index)));
    p.matrix->clear(tr("No view yet"));
    v->addWidget(p.matrix, 1);
    p.preview = new DisplayPreview(m_workspace->displayRunner(), QStringLiteral("display:pane:%1").arg(index), true, this);
    connect(p.preview, &DisplayPreview::ready, this, [this, index] {
        // The rebuilder a rank change waited for: show the stand-in unless the full view of the
        // pane has arrived meanwhile.
        if (m_panes[std::size_t(index)].viewDelay->isActive() || m_workspace->runner()->isActive(QStringLiteral("pane:%1").arg(index)))
            showStandIn(index);
    });
    p.viewDelay = new QTimer(this);
    p.viewDelay->setSingleShot(true);
    p.viewDelay->setInterval(150);
    connect(p.viewDelay, &QTimer::timeout, this, [this, index] { requestPaneView(index); });

    connect(p.parameters, &QToolButton::clicked, this, [this, index] { editParameters(index); });
    connect(p.method, &QComboBox::currentIndexChanged, this, [this, index] {
        // Own parameters belong to the method they were set for.
        Pane &pane = m_panes[std::size_t(index)];
        pane.own.reset();
        pane.source.reset();
        updateParametersButton(index);
        updateRankPrefix(index);
        requestPane(index);
        emit panesChanged();
        emit stateChanged();
    });
    connect(p.rank, &QSpinBox::valueChanged, this, [this, index] {
        requestPane(index);
        emit panesChanged();
        emit stateChanged();
    });
    connect(p.show, &QComboBox::currentIndexChanged, this, [this, index] {
        updatePane(index); // the pane's view holds both the reconstruction and the difference
        updateDifferenceRange();
        updateSplit();
        emit stateChanged();
    });
    connect(p.matrix, &MatrixView::visibleRegionChanged, this,
            [this, index] { linkRegion(m_panes[std::size_t(index)].matrix); });
}

void ComparePanes::updateParametersButton(int pane)
{
    Pane &p = m_panes[std::size_t(pane)];
    const Method method = paneMethod(pane);
    p.parameters->setEnabled(method != Method::Svd);
    QFont font = p.parameters->font();
    font.setBold(p.own.has_value());
    p.parameters->setFont(font);
    p.parameters->setText(p.own ? tr("Own…") : tr("Params…"));
    p.parameters->setToolTip(method == Method::Svd ? tr("The SVD has no parameters.")
                             : p.own ? tr("This pane uses its own parameters: %1. Click to change them.")
                                           .arg(Workspace::seriesName(method, *p.own))
                                     : tr("This pane uses the Method panel's parameters. Click to give it its own "
                                          "(e.g. another block count), factorised for this pane with its own curve."));
}

std::unique_ptr<QDialog> ComparePanes::parametersDialog(int pane)
{
    const Method method = paneMethod(pane);
    auto dialog = std::make_unique<QDialog>(this);
    dialog->setWindowTitle(tr("Pane %1: %2 parameters").arg(letterOf(pane), Workspace::methodTitle(method)));
    auto *layout = new QVBoxLayout(dialog.get());
    auto *follow = new QCheckBox(tr("Same as the Method panel"));
    follow->setObjectName(QStringLiteral("followPanel"));
    auto *panel = new widgets::MethodPanel;
    panel->setObjectName(QStringLiteral("paneMethodPanel"));
    const auto current = m_workspace->result(method);
    panel->setSettings(method, paneSettings(pane).value_or(current ? current->settings : core::MethodSettings()));
    panel->setParametersOnly(method);
    follow->setChecked(!paneSettings(pane));
    panel->setEnabled(!follow->isChecked());
    connect(follow, &QCheckBox::toggled, panel, [panel](bool on) { panel->setEnabled(!on); });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, dialog.get(), &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog.get(), &QDialog::reject);
    connect(dialog.get(), &QDialog::accepted, this, [this, pane, method, follow, panel] {
        if (paneMethod(pane) == method)
            setPaneSettings(pane, follow->isChecked() ? std::nullopt
                                                      : std::optional<core::MethodSettings>(panel->settings(method)));
    });
    layout->addWidget(follow);
    layout->addWidget(panel, 1);
    layout->addWidget(buttons);
    return dialog;
}

void ComparePanes::editParameters(int pane)
{
    if (paneMethod(pane) != Method::Svd)
        parametersDialog(pane)->exec();
}

void ComparePanes::setPaneSettings(int pane, std::optional<core::MethodSettings> settings)
{
    Pane &p = m_panes[std::size_t(pane)];
    if (paneMethod(pane) == Method::Svd)
        settings.reset(); // nothing to set
    p.own = std::move(settings);
    p.source.reset();
    updateParametersButton(pane);
    requestPane(pane);
    emit panesChanged();
    emit stateChanged();
}

std::shared_ptr<const MethodResult> ComparePanes::paneSource(int pane) const
{
    const Pane &p = m_panes[std::size_t(pane)];
    const Method method = paneMethod(pane);
    if (!p.own)
        return m_workspace->result(method);
    if (p.source && p.source->method == method && p.source->documentId == m_workspace->documentId()
        && p.source->color == m_workspace->colorMode()
        && m_workspace->settingsKey(method, p.source->settings) == m_workspace->settingsKey(method, *p.own))
        return p.source;
    return nullptr;
}

void ComparePanes::onPaneResult(int pane, std::shared_ptr<const MethodResult> result)
{
    if (pane < 0 || pane >= maxPanes || !result)
        return;
    Pane &p = m_panes[std::size_t(pane)];
    const Method method = paneMethod(pane);
    if (!p.own || result->method != method
        || m_workspace->settingsKey(method, result->settings) != m_workspace->settingsKey(method, *p.own))
        return;
    p.source = std::move(result);
    requestPane(pane);
    prepareStandIn(pane);
    emit panesChanged();
}

void ComparePanes::updateRankPrefix(int pane)
{
    // Monarch's rank is the block rank ρ.
    m_panes[std::size_t(pane)].rank->setPrefix(paneMethod(pane) == Method::Monarch ? tr("ρ = ") : tr("r = "));
}

void ComparePanes::layoutPanes()
{
    for (const Pane &p : m_panes) {
        m_gridLayout->removeWidget(p.box);
        p.box->hide();
    }
    // 2 and 3 side by side; 4 as 2 × 2.
    const int columns = m_count == 4 ? 2 : m_count;
    for (int i = 0; i < m_count; ++i) {
        m_gridLayout->addWidget(m_panes[std::size_t(i)].box, i / columns, i % columns);
        m_panes[std::size_t(i)].box->show();
    }
}

void ComparePanes::setPaneCount(int count)
{
    count = std::clamp(count, 2, maxPanes);
    if (m_countSpin->value() != count) {
        const QSignalBlocker block(m_countSpin);
        m_countSpin->setValue(count);
    }
    if (count == m_count)
        return;
    m_count = count;
    layoutPanes();
    refresh();
    emit panesChanged();
    emit stateChanged();
}

Settings::CompareLayout ComparePanes::state() const
{
    Settings::CompareLayout layout;
    layout.count = m_count;
    for (int i = 0; i < maxPanes; ++i)
        layout.panes[std::size_t(i)] = {paneMethod(i), paneRank(i), int(paneShow(i)), paneSettings(i)};
    layout.split = isSplitEnabled();
    layout.splitPosition = splitPosition();
    return layout;
}

void ComparePanes::restoreState(const Settings::CompareLayout &layout)
{
    for (int i = 0; i < maxPanes; ++i) {
        Pane &p = m_panes[std::size_t(i)];
        const Settings::ComparePane &saved = layout.panes[std::size_t(i)];
        const QSignalBlocker a(p.method), b(p.rank), c(p.show);
        if (const int index = p.method->findData(int(saved.method)); index >= 0)
            p.method->setCurrentIndex(index);
        p.rank->setValue(saved.rank);
        if (const int index = p.show->findData(std::clamp(saved.show, 0, 2)); index >= 0)
            p.show->setCurrentIndex(index);
        p.own = paneMethod(i) == Method::Svd ? std::nullopt : saved.settings;
        p.source.reset();
        updateRankPrefix(i);
        updateParametersButton(i);
    }
    {
        const QSignalBlocker block(m_splitSlider);
        setSplitPosition(layout.splitPosition);
    }
    const int count = std::clamp(layout.count, 2, maxPanes);
    if (count != m_count) {
        m_count = count;
        const QSignalBlocker block(m_countSpin);
        m_countSpin->setValue(count);
        layoutPanes();
    }
    setSplitEnabled(layout.split);
    refresh();
    emit panesChanged();
    emit stateChanged();
}

void ComparePanes::setPane(int pane, Method method, int rank)
{
    Pane &p = m_panes[std::size_t(pane)];
    if (method != paneMethod(pane)) {
        p.own.reset();
        p.source.reset();
    }
    {
        const QSignalBlocker a(p.method), b(p.rank);
        p.method->setCurrentIndex(p.method->findData(int(method)));
        p.rank->setValue(rank);
    }
    updateRankPrefix(pane);
    updateParametersButton(pane);
    requestPane(pane);
    emit panesChanged();
}

void ComparePanes::setShow(int pane, Show show)
{
    Pane &p = m_panes[std::size_t(pane)];
    p.show->setCurrentIndex(p.show->findData(int(show)));
}

Method ComparePanes::paneMethod(int pane) const { return Method(m_panes[std::size_t(pane)].method->currentData().toInt()); }

int ComparePanes::paneRank(int pane) const { return m_panes[std::size_t(pane)].rank->value(); }

ComparePanes::Show ComparePanes::paneShow(int pane) const { return Show(m_panes[std::size_t(pane)].show->currentData().toInt()); }

QString ComparePanes::paneLabel(int pane) const
{
    // The rank asked for (clamped as the views clamp it), also while a stand-in shows it; the
    // chroma rank of the pane's view.
    int rank = paneRank(pane);
    if (const auto source = paneSource(pane))
        rank = int(std::clamp<Index>(rank, 0, source->maxRank));
    const auto &result = m_panes[std::size_t(pane)].result;
    const bool chroma = result && result->hasChromaRank && result->channelRanks.size() == 3;
    return paneLabel(pane, rank, chroma ? std::optional<Index>(result->channelRanks[1]) : std::nullopt);
}

QString ComparePanes::paneLabel(int pane, Index rank, std::optional<Index> chromaRank) const
{
    const Method method = paneMethod(pane);
    const auto own = paneSettings(pane);
    const QString name = own ? Workspace::seriesName(method, *own) : Workspace::methodTitle(method);
    QString label = method == Method::Monarch ? tr("%1: %2 ρ = %3").arg(letterOf(pane), name).arg(rank)
                                              : tr("%1: %2 r = %3").arg(letterOf(pane), name).arg(rank);
    if (chromaRank)
        label += tr(", chroma %1").arg(*chromaRank);
    return label;
}

MatrixView *ComparePanes::view(int pane) const { return m_panes[std::size_t(pane)].matrix; }

void ComparePanes::setChromaRankProvider(std::function<std::optional<Index>(Method)> provider) { m_chroma = std::move(provider); }

void ComparePanes::reset()
{
    for (Pane &p : m_panes) {
        p.result.reset();
        p.source.reset();
        p.preview->reset();
        p.matrix->clear(tr("Computing…"));
    }
    m_split->clear(tr("Computing…"));
}

void ComparePanes::refresh()
{
    for (int i = 0; i < m_count; ++i)
        requestPane(i);
}

void ComparePanes::requestPane(int pane)
{
    if (pane >= m_count || !m_workspace->document())
        return;
    const Method method = paneMethod(pane);
    Pane &p = m_panes[std::size_t(pane)];
    const auto source = paneSource(pane);
    if (!source) {
        p.matrix->clear(tr("Computing %1…").arg(p.own ? Workspace::seriesName(method, *p.own) : Workspace::methodTitle(method)));
        if (p.own)
            m_workspace->requestPaneResult(pane, method, *p.own); // may deliver at once (onPaneResult)
        else
            emit methodWanted(method);
        return;
    }
    if (showStandIn(pane)) {
        // While the rank moves only the stand-in follows; the full view once it rests.
        m_workspace->runner()->cancel(QStringLiteral("pane:%1").arg(pane));
        p.viewDelay->start();
    } else {
        p.viewDelay->stop();
        requestPaneView(pane);
    }
}

void ComparePanes::requestPaneView(int pane)
{
    const auto source = paneSource(pane);
    if (pane < m_count && source)
        m_workspace->requestPaneView(pane, source, paneRank(pane), m_chroma ? m_chroma(source->method) : std::nullopt);
}

bool ComparePanes::hasPendingViews() const
{
    return std::any_of(m_panes.begin(), m_panes.end(), [](const Pane &p) { return p.viewDelay->isActive(); });
}

bool ComparePanes::showStandIn(int pane)
{
    Pane &p = m_panes[std::size_t(pane)];
    const auto doc = m_workspace->document();
    const auto result = paneSource(pane);
    const Show show = paneShow(pane);
    if (!doc || !doc->isImage || !result || show == Show::Original || result->documentId != m_workspace->documentId()
        || result->color != m_workspace->colorMode())
        return false;
    const auto size = DisplayPreview::displaySize(p.matrix, p.matrix->viewport(), result->rows, result->cols);
    if (!size)
        return false;
    const std::vector<Index> ranks = result->channelRanks(paneRank(pane), m_chroma ? m_chroma(result->method) : std::nullopt);
    const QString label = paneLabel(pane, ranks[0], ranks.size() == 3 && ranks[1] != ranks[0] ? std::optional<Index>(ranks[1])
                                                                                             : std::nullopt);
    if (show == Show::Reconstruction) {
        const auto planes = p.preview->planes(result, ranks, *size, doc);
        if (!planes)
            return false;
        p.matrix->setPreviewPlanes(planes, result->rows, result->cols);
        p.matrix->setTitle(tr("%1 (display resolution)").arg(label));
    } else {
        const auto difference = p.preview->difference(result, doc, ranks, *size);
        if (!difference)
            return false;
        // The colour range of the full-resolution differences (setColorRange) stays.
        p.matrix->setPreviewMatrix(difference, ColorScale::Diverging, result->rows, result->cols);
        p.matrix->setTitle(tr("%1 — difference M − M̃ (display resolution)").arg(label));
    }
    return true;
}

bool ComparePanes::showsStandIn(int pane) const { return m_panes[std::size_t(pane)].matrix->showsPreview(); }

void ComparePanes::onResult(Method method)
{
    for (int i = 0; i < m_count; ++i)
        if (paneMethod(i) == method && !m_panes[std::size_t(i)].own) {
            requestPane(i);
            prepareStandIn(i);
        }
}

void ComparePanes::prepareStandIn(int pane)
{
    Pane &p = m_panes[std::size_t(pane)];
    const auto result = paneSource(pane);
    const auto doc = m_workspace->document();
    if (result && doc && doc->isImage)
        if (const auto size = DisplayPreview::displaySize(p.matrix, p.matrix->viewport(), result->rows, result->cols))
            p.preview->prepare(result, *size, doc);
}

void ComparePanes::onView(std::shared_ptr<const ViewResult> view)
{
    if (!view || view->pane < 0 || view->pane >= m_count || !view->source || view->source->method != paneMethod(view->pane))
        return;
    if (m_panes[std::size_t(view->pane)].own && view->source != paneSource(view->pane))
        return; // of parameters the pane no longer has
    m_panes[std::size_t(view->pane)].result = view;
    updatePane(view->pane);
    // The pane's layout is final now (a heatmap's colour bar narrows it): set the display
    // rebuilder up for that size, so that the next rank change finds it.
    prepareStandIn(view->pane);
    updateDifferenceRange();
    updateSplit();
    emit panesChanged();
}

void ComparePanes::updatePane(int pane)
{
    Pane &p = m_panes[std::size_t(pane)];
    const auto doc = m_workspace->document();
    if (!doc || !p.result)
        return;
    const QRectF region = p.matrix->hasData() ? p.matrix->visibleRegion() : QRectF();
    const QString label = paneLabel(pane);
    switch (paneShow(pane)) {
    case Show::Original:
        if (doc->isImage) {
            p.matrix->setImagePlanes(Workspace::displayedOriginal(doc, p.result->source->color));
        } else {
            auto m = std::make_shared<const Matrix>(doc->planes[0]);
            p.matrix->setMatrix(m, MatrixView::autoScale(*m));
        }
        p.matrix->setTitle(tr("%1 — original").arg(letterOf(pane)));
        break;
    case Show::Reconstruction:
        if (p.result->isImage) {
            p.matrix->setImagePlanes(p.result->reconstruction);
        } else {
            const Matrix &original = doc->planes[0];
            auto m = std::make_shared<const Matrix>((*p.result->reconstruction)[0]);
            p.matrix->setMatrix(m, MatrixView::autoScale(original));
            p.matrix->setColorRange(original.minCoeff(), original.maxCoeff());
        }
        p.matrix->setTitle(label + readout(*p.result));
        break;
    case Show::Difference:
        p.matrix->setMatrix(p.result->residual, ColorScale::Diverging);
        p.matrix->setTitle(tr("%1 — difference M − M̃").arg(label));
        break;
    }
    // Linked: the zoom and centre of the panes already shown (also for a pane just added);
    // else what this pane showed before.
    if (const MatrixView *leader = linkLeader(pane))
        p.matrix->followView(*leader);
    else if (!region.isEmpty())
        p.matrix->setVisibleRegion(region);
}

void ComparePanes::updateDifferenceRange()
{
    // One symmetric range for every difference pane, so that equal colours mean equal errors.
    double extent = 0.0;
    for (int i = 0; i < m_count; ++i) {
        const Pane &p = m_panes[std::size_t(i)];
        if (paneShow(i) == Show::Difference && p.result && p.result->residual && p.result->residual->size() > 0)
            extent = std::max(extent, p.result->residual->cwiseAbs().maxCoeff());
    }
    if (extent <= 0.0)
        return;
    for (int i = 0; i < m_count; ++i)
        if (paneShow(i) == Show::Difference && m_panes[std::size_t(i)].result)
            m_panes[std::size_t(i)].matrix->setColorRange(-extent, extent);
}

void ComparePanes::setSplitEnabled(bool on)
{
    if (m_splitCheck->isChecked() != on) {
        const QSignalBlocker block(m_splitCheck);
        m_splitCheck->setChecked(on);
    }
    m_splitSlider->setEnabled(on);
    m_stack->setCurrentWidget(on ? static_cast<QWidget *>(m_split) : m_grid);
    updateSplit();
    emit stateChanged();
}

bool ComparePanes::isSplitEnabled() const { return m_splitCheck->isChecked(); }

void ComparePanes::setSplitPosition(double fraction) { m_splitSlider->setValue(int(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000))); }

double ComparePanes::splitPosition() const { return m_splitSlider->value() / 1000.0; }

void ComparePanes::updateSplit()
{
    if (!isSplitEnabled())
        return;
    const auto &a = m_panes[0].result;
    const auto &b = m_panes[1].result;
    const auto doc = m_workspace->document();
    if (!a || !b || !doc) {
        m_split->clear(tr("A/B split: waiting for panes A and B"));
        return;
    }
    // What pane A shows, for both: A's reconstruction (or difference) left, B's right.
    const Show show = paneShow(0) == Show::Original ? Show::Reconstruction : paneShow(0);
    const QRectF region = m_split->hasData() ? m_split->visibleRegion() : QRectF();
    auto planesOf = [&](const ViewResult &v) {
        if (show == Show::Difference)
            return std::vector<Matrix>{*v.residual};
        return v.isImage ? *v.reconstruction : std::vector<Matrix>{(*v.reconstruction)[0]};
    };
    std::vector<Matrix> left = planesOf(*a);
    const std::vector<Matrix> right = planesOf(*b);
    const Index cols = left.empty() ? 0 : left[0].cols();
    const Index at = std::clamp<Index>(Index(std::lround(splitPosition() * double(cols))), 0, cols);
    for (std::size_t c = 0; c < left.size() && c < right.size(); ++c)
        if (right[c].cols() == cols && right[c].rows() == left[c].rows())
            left[c].rightCols(cols - at) = right[c].rightCols(cols - at);
    if (show == Show::Reconstruction && a->isImage) {
        m_split->setImagePlanes(std::make_shared<const std::vector<Matrix>>(std::move(left)));
    } else {
        auto m = std::make_shared<const Matrix>(std::move(left[0]));
        if (show == Show::Difference) {
            m_split->setMatrix(m, ColorScale::Diverging);
        } else {
            m_split->setMatrix(m, MatrixView::autoScale(doc->planes[0]));
            m_split->setColorRange(doc->planes[0].minCoeff(), doc->planes[0].maxCoeff());
        }
    }
    m_split->setTitle(tr("%1  ◀ | ▶  %2").arg(paneLabel(0), paneLabel(1)));
    if (cols > 0)
        m_split->setColumnMarks({std::min<Index>(at, cols - 1)});
    if (const MatrixView *leader = linkLeader(0); leader && !region.isEmpty())
        m_split->followView(*m_panes[0].matrix);
    else if (!region.isEmpty())
        m_split->setVisibleRegion(region);
}

void ComparePanes::linkRegion(MatrixView *source)
{
    // Linked zoom and pan: the view the user moves sets the others, the same zoom about the same
    // point whatever their sizes (followView() does not emit).
    if (m_linking)
        return;
    m_linking = true;
    QList<MatrixView *> views{m_split};
    for (int i = 0; i < maxPanes; ++i)
        views << m_panes[std::size_t(i)].matrix;
    for (MatrixView *target : views)
        if (target != source && target->hasData() && target->matrixRows() == source->matrixRows()
            && target->matrixColumns() == source->matrixColumns())
            target->followView(*source);
    m_linking = false;
}

MatrixView *ComparePanes::linkLeader(int pane) const
{
    // The first other shown pane with data of the same size (A, unless it is the one asking).
    const MatrixView *self = m_panes[std::size_t(pane)].matrix;
    for (int i = 0; i < m_count; ++i) {
        MatrixView *other = m_panes[std::size_t(i)].matrix;
        if (i != pane && other->hasData() && other->matrixRows() == self->matrixRows()
            && other->matrixColumns() == self->matrixColumns())
            return other;
    }
    return nullptr;
}

} // namespace factorscope::app
