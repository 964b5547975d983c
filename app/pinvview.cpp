// SPDX-License-Identifier: MIT
#include "pinvview.h"

#include "jobrunner.h"
#include "workspace.h"

#include "widgets/filterplot.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace factorscope::app {

using core::Index;
using core::Matrix;

namespace {

constexpr int sliderSteps = 1000;
/// The tolerance slider spans σ₁·10⁻¹⁷ … σ₁·10^0.3 (below rounding to above every σ); the ε
/// slider (σ₁·10⁻¹²)² … (σ₁·10)².
constexpr double toleranceLowDecades = -17.0, toleranceHighDecades = 0.3;
constexpr double epsilonLowDecades = -24.0, epsilonHighDecades = 2.0;

const QString svdSlot = QStringLiteral("pinv:svd");
const QString residualSlot = QStringLiteral("pinv:residuals");

struct SpectrumValue final : JobValue
{
    std::shared_ptr<const Matrix> matrix;
    std::shared_ptr<const core::PseudoInverse> pinv;
};

struct ResidualValue final : JobValue
{
    std::shared_ptr<const core::PseudoInverse> pinv;
    double tolerance = 0.0;
    core::PenroseResiduals residuals;
    double normX = 0.0;
};

QString number(double v) { return QString::number(v, 'g', 4); }

/// A slider position 0..sliderSteps and the value 10^(low + t·(high − low)) it stands for.
double fromLogSlider(int value, double low, double high)
{
    return std::pow(10.0, low + double(value) / sliderSteps * (high - low));
}

int toLogSlider(double value, double low, double high)
{
    if (!(value > 0.0))
        return 0;
    return std::clamp(int(std::lround((std::log10(value) - low) / (high - low) * sliderSteps)), 0, sliderSteps);
}

} // namespace

PinvView::PinvView(Workspace *workspace, QWidget *parent) : QWidget(parent), m_workspace(workspace)
{
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_title = new QLabel;
    m_title->setTextFormat(Qt::RichText);
    top->addWidget(m_title, 1);
    m_channelLabel = new QLabel(tr("Channel"));
    top->addWidget(m_channelLabel);
    m_channel = new QComboBox;
    m_channel->setToolTip(tr("The pseudo-inverse is of one matrix: which channel of the document"));
    top->addWidget(m_channel);
    layout->addLayout(top);
    m_channel->hide();
    m_channelLabel->hide();
    m_note = new QLabel;
    m_note->setWordWrap(true);
    m_note->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_note);

    auto *form = new QFormLayout;
    auto *tolRow = new QHBoxLayout;
    m_toleranceSlider = new QSlider(Qt::Horizontal);
    m_toleranceSlider->setRange(0, sliderSteps);
    m_toleranceSlider->setToolTip(tr("Tolerance τ on a log scale: singular values at or below τ are treated as zero, "
                                     "so M⁺_τ = V·diag(1/σᵢ for σᵢ > τ)·Uᵀ. Too small a τ inverts rounding noise "
                                     "(huge 1/σᵢ); too large a τ throws away real directions and MXM − M grows."));
    m_defaultButton = new QPushButton(tr("Default"));
    m_defaultButton->setToolTip(tr("τ = max(n, m)·ε·σ₁, numpy's and LAPACK's convention"));
    tolRow->addWidget(m_toleranceSlider, 1);
    tolRow->addWidget(m_defaultButton);
    form->addRow(tr("Tolerance τ"), tolRow);
    m_toleranceLabel = new QLabel;
    m_toleranceLabel->setTextFormat(Qt::RichText);
    m_toleranceLabel->setWordWrap(true);
    form->addRow(QString(), m_toleranceLabel);
    m_epsilonSlider = new QSlider(Qt::Horizontal);
    m_epsilonSlider->setRange(0, sliderSteps);
    m_epsilonSlider->setToolTip(tr("Ridge ε on a log scale: X(ε) = (MᵀM + εI)⁻¹Mᵀ = V·diag(σᵢ/(σᵢ² + ε))·Uᵀ. "
                                   "As ε → 0 the filter factors tend to 1/σᵢ and X(ε) to M⁺ (the limit "
                                   "definition); a larger ε damps the directions with σᵢ below √ε."));
    form->addRow(tr("Ridge ε"), m_epsilonSlider);
    m_epsilonLabel = new QLabel;
    m_epsilonLabel->setTextFormat(Qt::RichText);
    m_epsilonLabel->setWordWrap(true);
    form->addRow(QString(), m_epsilonLabel);
    layout->addLayout(form);

    m_plot = new widgets::FilterPlot;
    m_plot->setMinimumHeight(220);
    layout->addWidget(m_plot, 1);
    m_residualLabel = new QLabel;
    m_residualLabel->setTextFormat(Qt::RichText);
    m_residualLabel->setWordWrap(true);
    m_residualLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_residualLabel->setToolTip(tr("The four Penrose conditions that define M⁺ uniquely, as Frobenius norms of "
                                   "what should be zero, from the products themselves (not from the SVD)."));
    layout->addWidget(m_residualLabel);

    connect(m_toleranceSlider, &QSlider::valueChanged, this, [this](int value) {
        m_tolerance = sliderToTolerance(value);
        m_plot->setTolerance(m_tolerance);
        updateLabels();
        requestResiduals();
    });
    connect(m_epsilonSlider, &QSlider::valueChanged, this, [this](int value) {
        m_epsilon = sliderToEpsilon(value);
        m_plot->setEpsilon(m_epsilon);
        updateLabels();
    });
    connect(m_defaultButton, &QPushButton::clicked, this, [this] {
        if (m_pinv)
            setTolerance(m_pinv->defaultTolerance());
    });
    connect(m_channel, &QComboBox::currentIndexChanged, this, [this] {
        m_stale = true;
        if (isVisible())
            start();
    });
    connect(m_workspace->runner(), &JobRunner::finished, this, [this](const QString &slot, quint64, JobValuePtr value) {
        if (slot == svdSlot) {
            const auto spectrum = std::dynamic_pointer_cast<const SpectrumValue>(value);
            if (!spectrum)
                return;
            m_matrix = spectrum->matrix;
            m_pinv = spectrum->pinv;
            const core::Vector &sigma = m_pinv->singularValues();
            m_logSigmaMax = sigma.size() && sigma[0] > 0.0 ? std::log10(sigma[0]) : 0.0;
            m_plot->setSingularValues(sigma);
            m_toleranceSlider->setEnabled(sigma.size() && sigma[0] > 0.0);
            m_epsilonSlider->setEnabled(m_toleranceSlider->isEnabled());
            setEpsilon(sigma.size() ? std::pow(1e-2 * sigma[0], 2) : 0.0);
            setTolerance(m_pinv->defaultTolerance());
            m_toleranceSlider->setValue(toleranceToSlider(m_tolerance));
            requestResiduals();
            emit spectrumShown();
        } else if (slot == residualSlot) {
            const auto r = std::dynamic_pointer_cast<const ResidualValue>(value);
            if (!r || r->pinv != m_pinv)
                return;
            m_residuals = r->residuals;
            m_residualTolerance = r->tolerance;
            m_hasResiduals = true;
            const double normM = m_matrix ? m_matrix->norm() : 0.0;
            m_residualLabel->setText(
                tr("<b>Penrose residuals</b> of X = M⁺<sub>τ</sub> at τ = %1 (‖M‖<sub>F</sub> = %2, ‖X‖<sub>F</sub> = %3):<br>"
                   "‖MXM − M‖<sub>F</sub> = %4 · ‖XMX − X‖<sub>F</sub> = %5 · ‖(MX)<sup>T</sup> − MX‖<sub>F</sub> = %6 · "
                   "‖(XM)<sup>T</sup> − XM‖<sub>F</sub> = %7")
                    .arg(number(r->tolerance), number(normM), number(r->normX), number(r->residuals.mxm),
                         number(r->residuals.xmx), number(r->residuals.mxSymmetry), number(r->residuals.xmSymmetry)));
            emit residualsShown();
        }
    });
    updateLabels();
}

PinvView::~PinvView() = default;

void PinvView::documentChanged()
{
    m_workspace->runner()->cancel(svdSlot);
    m_workspace->runner()->cancel(residualSlot);
    m_matrix.reset();
    m_pinv.reset();
    m_hasResiduals = false;
    m_plot->clear();
    m_residualLabel->clear();
    {
        const QSignalBlocker block(m_channel);
        m_channel->clear();
        m_channel->addItems(m_workspace->channelNames());
        m_channel->setVisible(m_channel->count() > 1);
        m_channelLabel->setVisible(m_channel->count() > 1);
    }
    m_stale = true;
    if (isVisible())
        start();
    else
        updateLabels();
}

void PinvView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale)
        start();
}

Index PinvView::standInFactor(Index rows, Index cols)
{
    Index f = 1;
    while (double((rows + f - 1) / f) * double((cols + f - 1) / f) > maxCells)
        ++f;
    return f;
}

Matrix PinvView::blockMeans(const Matrix &m, Index f)
{
    if (f <= 1)
        return m;
    const Index rows = (m.rows() + f - 1) / f, cols = (m.cols() + f - 1) / f;
    Matrix out(rows, cols);
    for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i) {
            const Index h = std::min(f, m.rows() - i * f), w = std::min(f, m.cols() - j * f);
            out(i, j) = m.block(i * f, j * f, h, w).mean();
        }
    return out;
}

QString PinvView::standInNote() const
{
    if (m_factor <= 1)
        return {};
    return tr("%1 × %2 has more than %3 entries: computed on a %4 × %5 stand-in, the means of %6 × %6 blocks "
              "(the residuals below are the stand-in's).")
        .arg(m_sourceRows)
        .arg(m_sourceCols)
        .arg(QLocale().toString(qlonglong(maxCells)))
        .arg((m_sourceRows + m_factor - 1) / m_factor)
        .arg((m_sourceCols + m_factor - 1) / m_factor)
        .arg(m_factor);
}

void PinvView::start()
{
    m_stale = false;
    const auto channels = m_workspace->channels();
    if (!channels || channels->empty()) {
        m_sourceRows = m_sourceCols = 0;
        updateLabels();
        return;
    }
    const int c = std::clamp(m_channel->currentIndex(), 0, int(channels->size()) - 1);
    m_sourceRows = (*channels)[std::size_t(c)].rows();
    m_sourceCols = (*channels)[std::size_t(c)].cols();
    m_factor = standInFactor(m_sourceRows, m_sourceCols);
    m_matrix.reset();
    m_pinv.reset();
    m_hasResiduals = false;
    m_residualLabel->setText(tr("Computing the SVD…"));
    updateLabels();
    const Index f = m_factor;
    m_workspace->runner()->submit(svdSlot, tr("Pseudo-inverse: SVD"), [channels, c, f](JobContext &context) -> JobValuePtr {
        auto value = std::make_shared<SpectrumValue>();
        value->matrix = std::make_shared<const Matrix>(blockMeans((*channels)[std::size_t(c)], f));
        value->pinv = std::shared_ptr<const core::PseudoInverse>(core::computePseudoInverse(*value->matrix, &context.progress()));
        return value;
    });
}

void PinvView::requestResiduals()
{
    if (!m_pinv || !m_matrix)
        return;
    const auto pinv = m_pinv;
    const auto matrix = m_matrix;
    const double tolerance = m_tolerance;
    m_workspace->runner()->submit(residualSlot, tr("Pseudo-inverse: Penrose residuals"), [pinv, matrix, tolerance](JobContext &context) -> JobValuePtr {
        auto value = std::make_shared<ResidualValue>();
        value->pinv = pinv;
        value->tolerance = tolerance;
        const Matrix x = pinv->pinv(tolerance);
        context.checkpoint(0.3);
        value->normX = x.norm();
        value->residuals = core::penroseResiduals(*matrix, x);
        return value;
    });
}

void PinvView::setTolerance(double tolerance)
{
    if (!m_pinv)
        return;
    m_tolerance = std::max(0.0, tolerance);
    {
        const QSignalBlocker block(m_toleranceSlider);
        m_toleranceSlider->setValue(toleranceToSlider(m_tolerance));
    }
    m_plot->setTolerance(m_tolerance);
    updateLabels();
    requestResiduals();
}

void PinvView::setEpsilon(double epsilon)
{
    if (!m_pinv)
        return;
    m_epsilon = std::max(0.0, epsilon);
    {
        const QSignalBlocker block(m_epsilonSlider);
        m_epsilonSlider->setValue(epsilonToSlider(m_epsilon));
    }
    m_plot->setEpsilon(m_epsilon);
    updateLabels();
}

double PinvView::sliderToTolerance(int value) const
{
    return fromLogSlider(value, m_logSigmaMax + toleranceLowDecades, m_logSigmaMax + toleranceHighDecades);
}

int PinvView::toleranceToSlider(double tolerance) const
{
    return toLogSlider(tolerance, m_logSigmaMax + toleranceLowDecades, m_logSigmaMax + toleranceHighDecades);
}

double PinvView::sliderToEpsilon(int value) const
{
    return fromLogSlider(value, 2.0 * m_logSigmaMax + epsilonLowDecades, 2.0 * m_logSigmaMax + epsilonHighDecades);
}

int PinvView::epsilonToSlider(double epsilon) const
{
    return toLogSlider(epsilon, 2.0 * m_logSigmaMax + epsilonLowDecades, 2.0 * m_logSigmaMax + epsilonHighDecades);
}

void PinvView::updateLabels()
{
    const bool any = m_sourceRows > 0;
    m_title->setText(any ? tr("<b>M⁺</b> of %1 × %2%3").arg(m_sourceRows).arg(m_sourceCols)
                               .arg(m_channel->count() > 1 ? tr(", channel %1").arg(m_channel->currentText()) : QString())
                         : tr("<b>M⁺</b>: open a matrix or an image"));
    const QString note = standInNote();
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    const bool ready = bool(m_pinv);
    m_toleranceSlider->setEnabled(ready);
    m_epsilonSlider->setEnabled(ready);
    m_defaultButton->setEnabled(ready);
    if (!ready) {
        m_toleranceLabel->setText(any ? tr("Computing the SVD…") : QString());
        m_epsilonLabel->clear();
        return;
    }
    const Index k = m_pinv->singularValues().size();
    m_toleranceLabel->setText(tr("τ = %1 (default %2) · keeps %3 of %4 σ · largest entry of diag(1/σᵢ) kept: %5")
                                  .arg(number(m_tolerance), number(m_pinv->defaultTolerance()))
                                  .arg(m_pinv->rankAbove(m_tolerance))
                                  .arg(k)
                                  .arg(m_pinv->rankAbove(m_tolerance) > 0
                                           ? number(1.0 / m_pinv->singularValues()[m_pinv->rankAbove(m_tolerance) - 1])
                                           : QStringLiteral("—")));
    m_epsilonLabel->setText(m_epsilon > 0.0 ? tr("ε = %1 (√ε = %2) · ‖X(ε) − M⁺<sub>τ</sub>‖<sub>F</sub> = %3")
                                                  .arg(number(m_epsilon), number(std::sqrt(m_epsilon)),
                                                       number(m_pinv->ridgeDistance(m_epsilon, m_tolerance)))
                                            : QString());
}

} // namespace factorscope::app
