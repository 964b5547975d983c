// SPDX-License-Identifier: MIT
#include "methodpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QDoubleValidator>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace factorscope::widgets {

using core::Method;
using core::MethodSettings;

namespace {

QSpinBox *makeSpin(int low, int high, int value, const QString &tip)
{
    auto *spin = new QSpinBox;
    spin->setRange(low, high);
    spin->setValue(value);
    spin->setKeyboardTracking(false); // typing "128" must not refactorise at 1 and 12
    spin->setToolTip(tip);
    return spin;
}

/// Narrow enough for the panel beside a vertical scroll bar; the list opens at full width.
void narrowCombo(QComboBox *combo)
{
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(10);
}

QLabel *wrapLabel(const QString &text)
{
    auto *label = new QLabel(text);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    return label;
}

} // namespace

QString MethodPanel::shortName(Method method)
{
    switch (method) {
    case Method::Svd: return tr("SVD");
    case Method::Rsvd: return tr("rSVD");
    case Method::Id: return tr("ID");
    case Method::Cr: return tr("CR");
    case Method::Monarch: return tr("Monarch");
    case Method::Cur: return tr("CUR");
    }
    return {};
}

MethodPanel::MethodPanel(QWidget *parent) : QWidget(parent)
{
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->setUsesScrollButtons(true); // six methods do not fit a narrow dock
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    for (Method method : core::allMethods())
        page(method).settings = MethodSettings();

    m_tabs->addTab(buildPage(Method::Svd,
                             tr("<b>Truncated SVD</b> keeps the r largest singular triplets: "
                                "M ≈ U<sub>r</sub>Σ<sub>r</sub>V<sub>r</sub><sup>T</sup>. It is the best "
                                "rank-r approximation in both the Frobenius and the spectral norm "
                                "(Eckart–Young): at equal rank no rSVD, ID or CR approximation is more accurate. "
                                "(Monarch's block rank ρ and the stored-numbers axis are other scales.)"),
                             nullptr),
                   shortName(Method::Svd));
    m_tabs->addTab(buildPage(Method::Rsvd,
                             tr("<b>Randomized SVD</b> (Halko, Martinsson &amp; Tropp): multiply M by a "
                                "Gaussian sketch of r + p columns, sharpen with q power iterations, then take "
                                "the SVD of the small projected matrix. Close to the SVD at a fraction of its "
                                "cost when the spectrum decays; different seeds give slightly different "
                                "answers, shown as a band."),
                             buildRsvdParameters()),
                   shortName(Method::Rsvd));
    m_tabs->addTab(buildPage(Method::Id,
                             tr("<b>Interpolative decomposition</b> M ≈ C·Z: C is r actual columns of M "
                                "(the skeleton, marked on the document), Z writes every column as a "
                                "combination of them. Interpretable and sparse to store; its error is "
                                "within a modest factor of the SVD's."),
                             buildIdParameters()),
                   shortName(Method::Id));
    m_tabs->addTab(buildPage(Method::Cr,
                             tr("<b>CR approximates a product</b> X·Y by r of its rank-one terms "
                                "x<sub>i</sub>y<sub>i</sub><sup>T</sup>, sampled with probabilities "
                                "p<sub>i</sub> and rescaled (or the r largest). A single matrix is not a "
                                "product, so it is treated as <b>M·I</b>: each term is then one column of M, "
                                "and CR keeps r (rescaled) columns and zeroes all the others. That is why M·I "
                                "is poor next to SVD: it can never combine columns. With <b>SVD factors</b> "
                                "(U√Σ)(√ΣV<sup>T</sup>) the terms are orthogonal and ordered, and top-r CR "
                                "becomes the truncated SVD."),
                             buildCrParameters()),
                   shortName(Method::Cr));
    m_tabs->addTab(buildPage(Method::Monarch,
                             tr("<b>Monarch matrices</b> (Dao et al. 2022): M ≈ P·BD(L)·P·BD(R), two "
                                "block-diagonal factors with b blocks joined by a perfect-shuffle "
                                "permutation. The optimal projection splits M into b² slices (rows strided "
                                "by b, one contiguous block of columns) and keeps a rank-ρ SVD of each. "
                                "Sizes that b does not divide are zero-padded, then cropped."),
                             buildMonarchParameters()),
                   shortName(Method::Monarch));

    m_tabs->addTab(buildPage(Method::Cur,
                             tr("<b>CUR</b> M ≈ C·U·R keeps r actual columns C and l actual rows R of M (the "
                                "cross on the document) joined by a small r × l middle U: <b>optimal</b> "
                                "C<sup>+</sup>MR<sup>+</sup>, never worse than <b>cross</b> W<sup>+</sup> (W the "
                                "intersection), which blows up when W is ill-conditioned. ID is CUR with every "
                                "row kept."),
                             buildCurParameters()),
                   shortName(Method::Cur));

    m_tabs->setTabToolTip(0, tr("Exact truncated SVD: the optimal rank-r approximation"));
    m_tabs->setTabToolTip(1, tr("Randomized SVD: sketch, power iterations, small SVD"));
    m_tabs->setTabToolTip(2, tr("Interpolative decomposition: r columns of M and interpolation coefficients"));
    m_tabs->setTabToolTip(3, tr("Column–row sampling of a product (here M·I, I·M or the SVD factors)"));
    m_tabs->setTabToolTip(4, tr("Monarch: permuted block-diagonal factors with block rank ρ"));
    m_tabs->setTabToolTip(5, tr("CUR: r columns and l rows of M joined by a small middle matrix. With every row "
                                "kept (R = M) the optimal middle gives C·C⁺M, the ID's projection; CR keeps "
                                "columns too but rescales them and never combines them."));

    for (Method method : core::allMethods())
        connectRank(method);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (index >= 0)
            emit currentMethodChanged(Method(index));
    });
    updateIdControls();
    updateCrControls();
    updateCurControls();
}

QString MethodPanel::selectorTip(core::Selector selector)
{
    switch (selector) {
    case core::Selector::PivotedQr:
        return tr("Column-pivoted QR (LAPACK dgeqp3), the same pivots as ID: each step takes the column (row) "
                  "with the largest part outside the span of those already chosen. Deterministic.");
    case core::Selector::SketchPivotedQr:
        return tr("Pivoted QR of a small Gaussian sketch of M: the same kind of choice, cheaper. Randomized.");
    case core::Selector::Leverage:
        return tr("The r largest leverage scores ‖V[j, :γ]‖² (rows: ‖U[i, :γ]‖²) of the top γ singular vectors: "
                  "the columns that weigh most in the dominant subspace. Deterministic.");
    case core::Selector::LeverageSample:
        return tr("r draws without replacement with probability p_j = score_j/γ (leverage scores as above): "
                  "Mahoney and Drineas' sampling. Randomized: trials and seed apply.");
    case core::Selector::Deim:
        return tr("DEIM greedy on the top r singular vectors (Sorensen and Embree): each index is where the "
                  "next singular vector is worst interpolated by those chosen. Deterministic.");
    case core::Selector::Norm:
        return tr("The r columns (rows) with the largest norms. Cheap, deterministic, blind to redundancy: two "
                  "bright similar columns are both taken.");
    case core::Selector::NormSample:
        return tr("r draws without replacement with probability ∝ ‖column‖² (rows: ‖row‖²). Randomized.");
    case core::Selector::Uniform:
        return tr("r columns (rows) drawn uniformly without replacement: the baseline. Randomized.");
    }
    return {};
}

QComboBox *MethodPanel::makeSelectorCombo(bool withSketch)
{
    // The same names and order on the ID and CUR pages; the sketch is the ID's own.
    const std::pair<core::Selector, QString> selectors[] = {
        {core::Selector::PivotedQr, tr("Pivoted QR")},
        {core::Selector::SketchPivotedQr, tr("Sketch + pivoted QR")},
        {core::Selector::Leverage, tr("Leverage scores")},
        {core::Selector::LeverageSample, tr("Leverage sampling")},
        {core::Selector::Deim, tr("DEIM")},
        {core::Selector::Norm, tr("Largest norms")},
        {core::Selector::NormSample, tr("Norm² sampling")},
        {core::Selector::Uniform, tr("Uniform sampling")},
    };
    auto *combo = new QComboBox;
    for (const auto &[selector, label] : selectors) {
        if (selector == core::Selector::SketchPivotedQr && !withSketch)
            continue;
        combo->addItem(label, int(selector));
        combo->setItemData(combo->count() - 1, selectorTip(selector), Qt::ToolTipRole);
    }
    narrowCombo(combo);
    return combo;
}

MethodPanel::SelectorRows MethodPanel::makeSelectorRows(QFormLayout *form, const QString &trialsTip,
                                                        const QString &seedTip)
{
    const MethodSettings d;
    SelectorRows rows;
    rows.leverageRank = makeSpin(0, std::numeric_limits<int>::max(), int(d.leverageRank),
                                 tr("γ: how many top singular vectors the leverage scores come from; 0: the largest "
                                    "rank computed. Leverage selectors only. At γ = min(n, m) every score on the "
                                    "shorter side is 1 and tells nothing: choose a γ below it."));
    rows.leverageRank->setSpecialValueText(tr("γ = rank"));
    rows.trials = makeSpin(1, 50, d.trials, trialsTip);
    rows.seed = makeSpin(0, std::numeric_limits<int>::max(), int(d.seed), seedTip);
    form->addRow(tr("Leverage rank γ"), rows.leverageRank);
    form->addRow(tr("Trials"), rows.trials);
    form->addRow(tr("Seed"), rows.seed);
    return rows;
}

void MethodPanel::updateSelectorRows(const SelectorRows &rows, core::Selector selector)
{
    rows.leverageRank->setEnabled(core::usesLeverageRank(selector));
    rows.trials->setEnabled(core::isRandomized(selector));
    rows.seed->setEnabled(core::isRandomized(selector));
}

void MethodPanel::setSelectorRows(const SelectorRows &rows, const MethodSettings &s)
{
    const auto clampInt = [](auto v) { return int(std::clamp<long long>(static_cast<long long>(v), 0, std::numeric_limits<int>::max())); };
    rows.leverageRank->setValue(clampInt(s.leverageRank));
    rows.trials->setValue(s.trials);
    rows.seed->setValue(clampInt(s.seed));
}

void MethodPanel::readSelectorRows(const SelectorRows &rows, MethodSettings &s)
{
    s.leverageRank = rows.leverageRank->value();
    s.trials = rows.trials->value();
    s.seed = std::uint64_t(rows.seed->value());
}

void MethodPanel::setParametersOnly(Method method)
{
    setCurrentMethod(method);
    m_tabs->tabBar()->hide();
    for (Page &p : m_pages)
        p.rankBox->hide();
}

QWidget *MethodPanel::buildPage(Method method, const QString &summary, QWidget *parameters)
{
    Page &p = page(method);
    p.widget = new QWidget;
    auto *layout = new QVBoxLayout(p.widget);
    layout->addWidget(wrapLabel(summary));

    const bool monarch = method == Method::Monarch;
    auto *rankBox = new QWidget;
    auto *rankLayout = new QFormLayout(rankBox);
    rankLayout->setContentsMargins(0, 6, 0, 0);
    p.slider = new QSlider(Qt::Horizontal);
    p.slider->setRange(1, 1);
    p.slider->setTracking(true);
    p.rankSpin = new QSpinBox;
    p.rankSpin->setRange(1, 1);
    p.rankSpin->setKeyboardTracking(false);
    const QString rankTip = monarch
        ? tr("Block rank ρ: the rank kept in every one of the b² slices. Stores ρ·b²·(I + Lo) numbers per "
             "channel. Changing it never refactorises.")
        : method == Method::Cr
            ? tr("Number of draws r (terms kept, duplicates included). Rank r uses the first r draws of one "
                 "sequence, so every rank is itself a valid sample. Changing it never refactorises.")
            : tr("Rank r of the approximation. Changing it rebuilds the reconstruction from the cached "
                 "factors; it never refactorises.");
    p.slider->setToolTip(rankTip);
    p.rankSpin->setToolTip(rankTip);
    auto *row = new QHBoxLayout;
    row->addWidget(p.slider, 1);
    row->addWidget(p.rankSpin);
    rankLayout->addRow(monarch ? tr("Block rank ρ") : method == Method::Cr ? tr("Draws r") : tr("Rank r"), row);
    p.rangeLabel = new QLabel;
    p.rangeLabel->setForegroundRole(QPalette::PlaceholderText);
    rankLayout->addRow(QString(), p.rangeLabel);
    layout->addWidget(rankBox);
    p.rankBox = rankBox;

    if (parameters)
        layout->addWidget(parameters);
    p.note = wrapLabel(QString());
    p.note->setForegroundRole(QPalette::PlaceholderText);
    p.note->hide();
    // A note may offer an action as a link ("Compute exact"): said, not opened as a URL.
    p.note->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    connect(p.note, &QLabel::linkActivated, this, [this, method](const QString &link) { emit noteLinkActivated(method, link); });
    layout->addWidget(p.note);
    layout->addStretch(1);
    // A short dock (a 1280 × 800 screen, the spectrum below) scrolls the page instead of
    // squeezing its rows into each other.
    auto *scroll = new QScrollArea;
    scroll->setWidget(p.widget);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}

QWidget *MethodPanel::buildRsvdParameters()
{
    const MethodSettings d;
    auto *box = new QWidget;
    auto *form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_rsvdOversampling = makeSpin(0, 200, int(d.rsvdOversampling),
                                  tr("Oversampling p: extra sketch columns beyond the largest rank. More columns "
                                     "capture the dominant subspace more reliably; 5–10 is usual."));
    m_rsvdPower = makeSpin(0, 10, d.rsvdPowerIterations,
                           tr("Power iterations q: the sketch is taken of (MMᵀ)^q·M, which sharpens a slowly "
                              "decaying spectrum. Each iteration costs two more passes over M."));
    m_rsvdTrials = makeSpin(1, 50, d.trials,
                            tr("Independent runs with different seeds: the error plot shows their mean and "
                               "the min–max band; the reconstruction shows the first."));
    m_rsvdSeed = makeSpin(0, std::numeric_limits<int>::max(), int(d.seed),
                          tr("Seed of the random sketches: the same seed gives the same result."));
    form->addRow(tr("Oversampling p"), m_rsvdOversampling);
    form->addRow(tr("Power iterations q"), m_rsvdPower);
    form->addRow(tr("Trials"), m_rsvdTrials);
    form->addRow(tr("Seed"), m_rsvdSeed);
    for (QSpinBox *spin : {m_rsvdOversampling, m_rsvdPower, m_rsvdTrials, m_rsvdSeed})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitSettings(Method::Rsvd); });
    return box;
}

QWidget *MethodPanel::buildIdParameters()
{
    const MethodSettings d;
    auto *box = new QWidget;
    auto *form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_idSelector = makeSelectorCombo(true);
    m_idSelector->setToolTip(tr("How the skeleton columns (rows) are chosen. Pivoted QR and its sketch choose while "
                                "they factorise; every other selector chooses first and the ID projects onto its "
                                "choice (Z = C⁺M either way). Every selector is nested: rank r keeps the first r "
                                "of one selection."));
    m_idOrientation = new QComboBox;
    m_idOrientation->addItem(tr("Columns: M ≈ C·Z"), false);
    m_idOrientation->addItem(tr("Rows: M ≈ Z·R"), true);
    m_idOrientation->setToolTip(tr("Column ID keeps r columns of M; row ID keeps r rows (the ID of Mᵀ)."));
    m_idOversampling = makeSpin(0, 200, int(d.idOversampling),
                                tr("Sketch rows beyond the rank (sketch selector only)."));
    form->addRow(tr("Selector"), m_idSelector);
    form->addRow(tr("Keep"), m_idOrientation);
    form->addRow(tr("Oversampling"), m_idOversampling);
    m_idRows = makeSelectorRows(form,
                                tr("Independent selections (randomized selectors only: the sketch and the "
                                   "samplings): mean and min–max band."),
                                tr("Seed of the sketches and draws (randomized selectors only)."));
    for (QComboBox *combo : {m_idSelector, m_idOrientation})
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            updateIdControls();
            emitSettings(Method::Id);
        });
    for (QSpinBox *spin : {m_idOversampling, m_idRows.leverageRank, m_idRows.trials, m_idRows.seed})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitSettings(Method::Id); });
    return box;
}

QWidget *MethodPanel::buildCrParameters()
{
    const MethodSettings d;
    auto *box = new QWidget;
    auto *form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_crRule = new QComboBox;
    m_crRule->addItem(tr("Optimal p"), int(core::CrRule::Optimal));
    m_crRule->addItem(tr("Top r"), int(core::CrRule::Top));
    m_crRule->addItem(tr("Uniform p"), int(core::CrRule::Uniform));
    m_crRule->setItemData(0, tr("r i.i.d. draws with p_i ∝ ‖x_i‖·‖y_i‖ (Drineas–Kannan–Mahoney), each kept term "
                                "scaled by 1/(r·p_i): unbiased, with the smallest expected error."),
                          Qt::ToolTipRole);
    m_crRule->setItemData(1, tr("The r terms with the largest ‖x_i‖·‖y_i‖, unscaled. Deterministic."),
                          Qt::ToolTipRole);
    m_crRule->setItemData(2, tr("r i.i.d. draws with p_i = 1/l: unbiased but with a larger variance."),
                          Qt::ToolTipRole);
    m_crRule->setToolTip(tr("Which terms are kept"));
    m_crRule->setCurrentIndex(m_crRule->findData(int(d.crRule)));
    m_crProduct = new QComboBox;
    m_crProduct->addItem(tr("M·I (columns of M)"), int(core::CrProduct::MatrixIdentity));
    m_crProduct->addItem(tr("I·M (rows of M)"), int(core::CrProduct::IdentityMatrix));
    m_crProduct->addItem(tr("SVD factors (U√Σ)(√ΣVᵀ)"), int(core::CrProduct::SvdFactors));
    m_crProduct->setItemData(0, tr("x_i = column i of M, y_i = e_i: CR keeps r columns of M and zeroes the rest. "
                                   "Poor next to SVD, which is what this page shows."),
                             Qt::ToolTipRole);
    m_crProduct->setItemData(1, tr("x_i = e_i, y_i = row i of M: CR keeps r rows of M."), Qt::ToolTipRole);
    m_crProduct->setItemData(2, tr("Terms √σ_i·u_i and √σ_i·v_iᵀ of the thin SVD: orthogonal, ordered by σ_i. "
                                   "Top-r then equals the truncated SVD."),
                             Qt::ToolTipRole);
    m_crProduct->setToolTip(tr("Which product of two matrices stands for the single matrix M"));
    m_crTrials = makeSpin(1, 50, d.trials, tr("Independent samples: the plot shows their mean, the min–max band "
                                              "and the expected error from the closed formula."));
    m_crSeed = makeSpin(0, std::numeric_limits<int>::max(), int(d.seed), tr("Seed of the draws."));
    form->addRow(tr("Rule"), m_crRule);
    form->addRow(tr("Product"), m_crProduct);
    form->addRow(tr("Trials"), m_crTrials);
    form->addRow(tr("Seed"), m_crSeed);
    for (QComboBox *combo : {m_crRule, m_crProduct})
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            updateCrControls();
            emitSettings(Method::Cr);
        });
    for (QSpinBox *spin : {m_crTrials, m_crSeed})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitSettings(Method::Cr); });
    return box;
}

QWidget *MethodPanel::buildMonarchParameters()
{
    const MethodSettings d;
    auto *box = new QWidget;
    auto *form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_monarchBlocks = makeSpin(1, 4096, int(d.monarchBlocks),
                               tr("Number of blocks b of both block-diagonal factors. More blocks: smaller slices "
                                  "(⌈n/b⌉ × ⌈m/b⌉), fewer stored numbers, a larger error. b = 1 is the truncated "
                                  "SVD."));
    form->addRow(tr("Blocks b"), m_monarchBlocks);
    connect(m_monarchBlocks, &QSpinBox::valueChanged, this, [this] { emitSettings(Method::Monarch); });
    return box;
}

QWidget *MethodPanel::buildCurParameters()
{
    const MethodSettings d;
    auto *box = new QWidget;
    auto *form = new QFormLayout(box);
    form->setContentsMargins(0, 0, 0, 0);
    m_curSelector = makeSelectorCombo(false);
    m_curSelector->setToolTip(tr("How the columns S₁ and the rows S₂ are chosen (the rows by the same rule on Mᵀ). "
                                 "Every selector is nested: rank r uses the first r of one selection."));
    m_curMiddle = new QComboBox;
    m_curMiddle->addItem(tr("Optimal C⁺MR⁺"), int(core::CurMiddle::Optimal));
    m_curMiddle->addItem(tr("Cross W⁺"), int(core::CurMiddle::Cross));
    m_curMiddle->setItemData(0, tr("U = C⁺MR⁺ minimises ‖M − CUR‖_F over every r × l matrix U, so it is never worse "
                                   "than the cross middle (equal only when the cross already is that minimiser). "
                                   "Needs all of M."),
                             Qt::ToolTipRole);
    m_curMiddle->setItemData(1, tr("U = W⁺, the pseudo-inverse of the intersection W = M[S₂, S₁]: needs only the "
                                   "chosen rows and columns and reproduces them exactly when W is invertible "
                                   "(CW⁻¹W = C). When W is ill-conditioned its small singular values become huge "
                                   "entries of W⁺ and the error can exceed ‖M‖: the tolerance drops them."),
                             Qt::ToolTipRole);
    m_curMiddle->setToolTip(tr("The middle matrix U joining C and R"));
    m_curRows = makeSpin(0, std::numeric_limits<int>::max(), int(d.curRows),
                         tr("Number of rows l at every rank; 0: l = r (a square intersection)."));
    m_curRows->setSpecialValueText(tr("l = r"));
    m_curTolerance = new QLineEdit;
    m_curTolerance->setPlaceholderText(tr("default"));
    auto *validator = new QDoubleValidator(0.0, 1e300, 17, m_curTolerance);
    validator->setNotation(QDoubleValidator::ScientificNotation);
    validator->setLocale(QLocale::c());
    m_curTolerance->setValidator(validator);
    m_curTolerance->setToolTip(tr("Cross middle: singular values of the intersection W at or below τ count as zero "
                                  "in W⁺. Empty or 0: max(r, l)·ε·σ₁(W) at each rank (the value used is shown in "
                                  "the Factors tab). A larger τ tames an ill-conditioned W."));
    narrowCombo(m_curMiddle);
    form->addRow(tr("Selector"), m_curSelector);
    form->addRow(tr("Middle"), m_curMiddle);
    form->addRow(tr("Rows l"), m_curRows);
    form->addRow(tr("Tolerance τ"), m_curTolerance);
    m_curRowsOfSelector = makeSelectorRows(form, tr("Independent selections (sampling selectors only): mean and min–max band."),
                                           tr("Seed of the draws."));
    for (QComboBox *combo : {m_curSelector, m_curMiddle})
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            updateCurControls();
            emitSettings(Method::Cur);
        });
    for (QSpinBox *spin : {m_curRows, m_curRowsOfSelector.leverageRank, m_curRowsOfSelector.trials, m_curRowsOfSelector.seed})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitSettings(Method::Cur); });
    connect(m_curTolerance, &QLineEdit::editingFinished, this, [this] {
        if (settings(Method::Cur).curTolerance != page(Method::Cur).settings.curTolerance)
            emitSettings(Method::Cur);
    });
    return box;
}

void MethodPanel::connectRank(Method method)
{
    Page &p = page(method);
    connect(p.slider, &QSlider::valueChanged, this, [this, method](int value) {
        Page &pg = page(method);
        if (pg.rankSpin->value() != value) {
            const QSignalBlocker block(pg.rankSpin);
            pg.rankSpin->setValue(value);
        }
        if (!m_updating)
            emit rankChanged(method, value);
    });
    connect(p.rankSpin, &QSpinBox::valueChanged, this, [this, method](int value) {
        Page &pg = page(method);
        if (pg.slider->value() != value)
            pg.slider->setValue(value); // emits rankChanged through the slider
    });
}

void MethodPanel::updateIdControls()
{
    const auto selector = core::Selector(m_idSelector->currentData().toInt());
    m_idOversampling->setEnabled(selector == core::Selector::SketchPivotedQr);
    updateSelectorRows(m_idRows, selector);
}

void MethodPanel::updateCurControls()
{
    m_curTolerance->setEnabled(core::CurMiddle(m_curMiddle->currentData().toInt()) == core::CurMiddle::Cross);
    updateSelectorRows(m_curRowsOfSelector, core::Selector(m_curSelector->currentData().toInt()));
}

void MethodPanel::updateCrControls()
{
    const bool sampled = m_crRule->currentData().toInt() != int(core::CrRule::Top);
    m_crTrials->setEnabled(sampled);
    m_crSeed->setEnabled(sampled);
}

Method MethodPanel::currentMethod() const { return Method(std::max(0, m_tabs->currentIndex())); }

void MethodPanel::setCurrentMethod(Method method) { m_tabs->setCurrentIndex(int(method)); }

MethodSettings MethodPanel::settings(Method method) const
{
    MethodSettings s = page(method).settings;
    switch (method) {
    case Method::Svd: break;
    case Method::Rsvd:
        s.rsvdOversampling = m_rsvdOversampling->value();
        s.rsvdPowerIterations = m_rsvdPower->value();
        s.trials = m_rsvdTrials->value();
        s.seed = std::uint64_t(m_rsvdSeed->value());
        break;
    case Method::Id:
        s.idSelector = core::IdSelector(m_idSelector->currentData().toInt());
        s.rowId = m_idOrientation->currentData().toBool();
        s.idOversampling = m_idOversampling->value();
        readSelectorRows(m_idRows, s);
        break;
    case Method::Cr:
        s.crRule = core::CrRule(m_crRule->currentData().toInt());
        s.crProduct = core::CrProduct(m_crProduct->currentData().toInt());
        s.trials = m_crTrials->value();
        s.seed = std::uint64_t(m_crSeed->value());
        break;
    case Method::Monarch: s.monarchBlocks = m_monarchBlocks->value(); break;
    case Method::Cur: {
        s.curSelector = core::Selector(m_curSelector->currentData().toInt());
        s.curMiddle = core::CurMiddle(m_curMiddle->currentData().toInt());
        s.curRows = m_curRows->value();
        bool ok = false;
        const double tolerance = QLocale::c().toDouble(m_curTolerance->text().trimmed(), &ok);
        s.curTolerance = ok && tolerance > 0.0 && std::isfinite(tolerance) ? tolerance : -1.0;
        readSelectorRows(m_curRowsOfSelector, s);
        break;
    }
    }
    return s;
}

void MethodPanel::setSettings(Method method, const MethodSettings &s)
{
    m_updating = true;
    const auto clampInt = [](auto v) { return int(std::clamp<long long>(static_cast<long long>(v), 0, std::numeric_limits<int>::max())); };
    QList<QWidget *> widgets;
    switch (method) {
    case Method::Svd: break;
    case Method::Rsvd:
        widgets = {m_rsvdOversampling, m_rsvdPower, m_rsvdTrials, m_rsvdSeed};
        for (QWidget *w : widgets)
            w->blockSignals(true);
        m_rsvdOversampling->setValue(clampInt(s.rsvdOversampling));
        m_rsvdPower->setValue(s.rsvdPowerIterations);
        m_rsvdTrials->setValue(s.trials);
        m_rsvdSeed->setValue(clampInt(s.seed));
        break;
    case Method::Id:
        widgets = {m_idSelector, m_idOrientation, m_idOversampling, m_idRows.leverageRank, m_idRows.trials, m_idRows.seed};
        for (QWidget *w : widgets)
            w->blockSignals(true);
        m_idSelector->setCurrentIndex(std::max(0, m_idSelector->findData(int(s.idSelector))));
        m_idOrientation->setCurrentIndex(s.rowId ? 1 : 0);
        m_idOversampling->setValue(clampInt(s.idOversampling));
        setSelectorRows(m_idRows, s);
        break;
    case Method::Cr:
        widgets = {m_crRule, m_crProduct, m_crTrials, m_crSeed};
        for (QWidget *w : widgets)
            w->blockSignals(true);
        m_crRule->setCurrentIndex(std::max(0, m_crRule->findData(int(s.crRule))));
        // The GUI offers the three single-matrix products; a given X·Y falls back to M·I.
        m_crProduct->setCurrentIndex(std::max(0, m_crProduct->findData(int(s.crProduct))));
        m_crTrials->setValue(s.trials);
        m_crSeed->setValue(clampInt(s.seed));
        break;
    case Method::Monarch:
        widgets = {m_monarchBlocks};
        for (QWidget *w : widgets)
            w->blockSignals(true);
        m_monarchBlocks->setValue(clampInt(s.monarchBlocks));
        break;
    case Method::Cur:
        widgets = {m_curSelector, m_curMiddle, m_curRows, m_curTolerance, m_curRowsOfSelector.leverageRank,
                   m_curRowsOfSelector.trials, m_curRowsOfSelector.seed};
        for (QWidget *w : widgets)
            w->blockSignals(true);
        m_curSelector->setCurrentIndex(std::max(0, m_curSelector->findData(int(s.curSelector))));
        m_curMiddle->setCurrentIndex(std::max(0, m_curMiddle->findData(int(s.curMiddle))));
        m_curRows->setValue(clampInt(s.curRows));
        m_curTolerance->setText(s.curTolerance > 0.0 ? QLocale::c().toString(s.curTolerance, 'g', 17) : QString());
        setSelectorRows(m_curRowsOfSelector, s);
        break;
    }
    for (QWidget *w : widgets)
        w->blockSignals(false);
    page(method).settings = s;
    updateIdControls();
    updateCrControls();
    updateCurControls();
    m_updating = false;
}

int MethodPanel::rank(Method method) const { return page(method).slider->value(); }

void MethodPanel::setRank(Method method, int rank) { page(method).slider->setValue(std::clamp(rank, 1, page(method).maxRank)); }

void MethodPanel::setMaxRank(Method method, int maxRank)
{
    Page &p = page(method);
    p.maxRank = std::max(1, maxRank);
    m_updating = true;
    {
        const QSignalBlocker blockSpin(p.rankSpin);
        p.slider->setRange(1, p.maxRank);
        p.rankSpin->setRange(1, p.maxRank);
        p.rankSpin->setValue(p.slider->value());
    }
    p.slider->setPageStep(std::max(1, p.maxRank / 20));
    m_updating = false;
    p.rangeLabel->setText(tr("1 – %1").arg(p.maxRank));
}

int MethodPanel::maxRank(Method method) const { return page(method).maxRank; }

void MethodPanel::setMaxBlocks(int blocks)
{
    const QSignalBlocker block(m_monarchBlocks);
    m_monarchBlocks->setMaximum(std::max(1, blocks));
}

void MethodPanel::setCurLimits(int rows, int leverageRank)
{
    const QSignalBlocker blockRows(m_curRows), blockGamma(m_curRowsOfSelector.leverageRank),
        blockIdGamma(m_idRows.leverageRank);
    m_curRows->setMaximum(std::max(0, rows));
    m_curRowsOfSelector.leverageRank->setMaximum(std::max(0, leverageRank));
    m_idRows.leverageRank->setMaximum(std::max(0, leverageRank));
}

void MethodPanel::setNote(Method method, const QString &text)
{
    Page &p = page(method);
    p.note->setText(text);
    p.note->setVisible(!text.isEmpty());
}

QString MethodPanel::note(Method method) const { return m_pages[std::size_t(method)].note->text(); }

void MethodPanel::emitSettings(Method method)
{
    if (m_updating)
        return;
    page(method).settings = settings(method);
    emit settingsChanged(method, page(method).settings);
}

} // namespace factorscope::widgets
