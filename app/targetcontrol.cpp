// SPDX-License-Identifier: MIT
#include "targetcontrol.h"

#include "selection.h"
#include "workspace.h"

#include "core/metrics.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QToolBar>

namespace factorscope::app {

using core::Index;
using core::Method;

/// What the search hands back: the rank per method (nullopt: out of reach).
struct TargetControl::Outcome final : JobValue
{
    core::TargetKind kind = core::TargetKind::RelErrFro;
    double value = 0.0;
    std::map<Method, std::optional<Index>> ranks;
    std::map<Method, Index> chroma; ///< the chroma rank held fixed, per method that had one
    QStringList errors;
};

namespace {

const QString targetSlot = QStringLiteral("target");

} // namespace

TargetControl::TargetControl(Workspace *workspace, const Selection *selection, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_selection(selection)
{
    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("targetKind"));
    m_kind->addItem(tr("relative error ≤"), int(core::TargetKind::RelErrFro));
    m_kind->addItem(tr("PSNR (dB) ≥"), int(core::TargetKind::PsnrDb));
    m_kind->addItem(tr("SSIM ≥"), int(core::TargetKind::Ssim));
    m_kind->addItem(tr("stored numbers ≤"), int(core::TargetKind::StoredNumbers));
    m_kind->setToolTip(tr("Sets every computed method to the smallest rank reaching the target "
                          "(the largest rank within a stored-numbers budget)"));
    m_value = new QDoubleSpinBox;
    m_value->setObjectName(QStringLiteral("targetValue"));
    auto setRange = [this] {
        const QSignalBlocker block(m_value);
        switch (core::TargetKind(m_kind->currentData().toInt())) {
        case core::TargetKind::RelErrFro: m_value->setRange(0.0, 1.0); m_value->setDecimals(4);
            m_value->setSingleStep(0.01); m_value->setValue(0.05); break;
        case core::TargetKind::PsnrDb: m_value->setRange(0.0, 200.0); m_value->setDecimals(1);
            m_value->setSingleStep(0.5); m_value->setValue(30.0); break;
        case core::TargetKind::Ssim: m_value->setRange(0.0, 1.0); m_value->setDecimals(3);
            m_value->setSingleStep(0.01); m_value->setValue(0.9); break;
        case core::TargetKind::StoredNumbers: m_value->setRange(0.0, 1e12); m_value->setDecimals(0);
            m_value->setSingleStep(1000.0); m_value->setValue(50000.0); break;
        }
    };
    setRange();
    connect(m_kind, &QComboBox::currentIndexChanged, this, setRange);
    connect(m_workspace, &Workspace::resultReady, this, [this](Method method, std::shared_ptr<const MethodResult> result) {
        if (!m_retry || !m_waiting.count(method) || !result || result->approximate)
            return;
        m_waiting.erase(method);
        if (m_waiting.empty()) {
            const auto [kind, value] = *m_retry;
            apply(kind, value);
        }
    });
    connect(m_workspace->runner(), &JobRunner::finished, this, [this](const QString &slot, quint64, JobValuePtr value) {
        if (slot != targetSlot)
            return;
        if (const auto outcome = std::dynamic_pointer_cast<const Outcome>(value))
            onFound(*outcome);
    });
}

void TargetControl::addTo(QToolBar *bar)
{
    bar->addWidget(new QLabel(tr(" Target ")));
    bar->addWidget(m_kind);
    bar->addWidget(m_value);
    QAction *applyAction = bar->addAction(tr("Apply"));
    applyAction->setObjectName(QStringLiteral("applyTarget"));
    applyAction->setToolTip(tr("Set each method's rank to reach the target"));
    connect(applyAction, &QAction::triggered, this,
            [this] { apply(core::TargetKind(m_kind->currentData().toInt()), m_value->value()); });
}

void TargetControl::apply(core::TargetKind kind, double value)
{
    m_retry.reset();
    m_waiting.clear();
    const auto doc = m_workspace->document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return;
    if ((kind == core::TargetKind::PsnrDb || kind == core::TargetKind::Ssim) && !doc->isImage) {
        emit error(tr("PSNR and SSIM targets apply to images; this is a matrix."));
        return;
    }
    struct Wanted
    {
        Method method;
        std::shared_ptr<const MethodResult> result;
        std::optional<Index> chroma;
    };
    std::vector<Wanted> wanted;
    for (Method method : core::allMethods())
        if (const auto r = m_workspace->result(method); r && !r->models.empty())
            wanted.push_back({method, r, r->channels() == 3 ? m_selection->chromaRank(method) : std::nullopt});
    // PSNR and SSIM need reconstructions at full resolution: searched in the background.
    m_workspace->runner()->submit(
        targetSlot, tr("Searching the ranks for the target"),
        [doc, channels, wanted, kind, value](JobContext &context) -> JobValuePtr {
            auto outcome = std::make_shared<Outcome>();
            outcome->kind = kind;
            outcome->value = value;
            const double norm2 = core::squaredNorm(*channels);
            for (std::size_t i = 0; i < wanted.size(); ++i) {
                const MethodResult &r = *wanted[i].result;
                core::TargetProblem problem;
                for (int c = 0; c < r.channels(); ++c)
                    problem.models.push_back(&r.model(c));
                problem.inputNorm2 = norm2;
                if (doc->isImage) {
                    core::ImageContext image;
                    image.color = r.color;
                    image.displayOriginal = Workspace::displayedOriginal(*doc, r.color);
                    problem.image = std::move(image);
                }
                if (wanted[i].chroma) {
                    problem.fixedRanks = {std::nullopt, *wanted[i].chroma, *wanted[i].chroma};
                    outcome->chroma[wanted[i].method] = *wanted[i].chroma;
                }
                core::SubProgress sub(&context.progress(), double(i) / wanted.size(), double(i + 1) / wanted.size());
                try {
                    outcome->ranks[wanted[i].method] = core::rankForTarget(problem, kind, value, &sub);
                } catch (const core::Cancelled &) {
                    throw;
                } catch (const std::exception &e) {
                    outcome->errors << tr("%1: %2").arg(Workspace::methodTitle(wanted[i].method), QString::fromStdString(e.what()));
                }
            }
            return outcome;
        });
}

void TargetControl::onFound(const Outcome &outcome)
{
    QStringList parts;
    std::map<Method, std::optional<Index>> found;
    for (const auto &[method, rank] : outcome.ranks) {
        const auto result = m_workspace->result(method);
        if (!result)
            continue;
        // Not reached within the ranks computed so far (or a budget that allows more): extend,
        // then search again; never "out of reach" for a rank that was only not computed.
        if (result->canExtend() && (!rank || (outcome.kind == core::TargetKind::StoredNumbers && *rank >= result->maxRank))) {
            m_workspace->extend(method, std::min(result->limitRank, 2 * result->maxRank));
            m_waiting.insert(method);
            parts << tr("%1 beyond rank %2, extending").arg(Workspace::methodTitle(method)).arg(result->maxRank);
            continue;
        }
        found[method] = rank;
        // The chroma rank held fixed is part of the answer: "SVD out of reach" with chroma
        // rank 5 is not "SVD out of reach".
        const auto chroma = outcome.chroma.find(method);
        const QString with = chroma == outcome.chroma.end() ? QString() : tr(" (chroma rank %1)").arg(chroma->second);
        if (rank)
            parts << (*rank == 0 ? tr("%1 below rank 1%2").arg(Workspace::methodTitle(method), with)
                                 : tr("%1 r = %2%3").arg(Workspace::methodTitle(method)).arg(*rank).arg(with));
        else
            parts << tr("%1 out of reach%2").arg(Workspace::methodTitle(method), with);
    }
    if (!m_waiting.empty())
        m_retry = std::make_pair(outcome.kind, outcome.value);
    m_ranks = found; // the methods being extended answer in the next search
    emit ranksFound(found);
    if (!outcome.errors.isEmpty())
        emit error(tr("The target could not be searched for %1.").arg(outcome.errors.join(QStringLiteral("; "))));
    emit message(tr("Target %1 %2: %3.").arg(m_kind->itemText(m_kind->findData(int(outcome.kind))))
                     .arg(outcome.value).arg(parts.join(QStringLiteral(", "))));
}

} // namespace factorscope::app
