// SPDX-License-Identifier: MIT
#include "methodcontrol.h"

#include "settings.h"
#include "workspace.h"

#include "widgets/methodpanel.h"

namespace factorscope::app {

using core::Index;
using core::Method;

MethodControl::MethodControl(Workspace *workspace, widgets::MethodPanel *panel, Settings *settings, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_panel(panel), m_settings(settings)
{
    connect(m_panel, &widgets::MethodPanel::settingsChanged, this, &MethodControl::onSettingsChanged);
    connect(m_panel, &widgets::MethodPanel::noteLinkActivated, this, [this](Method method, const QString &link) {
        if (link == QLatin1String("compute"))
            emit resumeWanted(method);
    });
}

bool MethodControl::request(Method method)
{
    m_workspace->setRankHint(method, m_panel->rank(method)); // factorise to a working rank around it
    m_workspace->request(method, m_panel->settings(method));
    updateNote(method);
    return !m_workspace->result(method);
}

void MethodControl::onSettingsChanged(Method method, const core::MethodSettings &settings)
{
    m_settings->setMethodSettings(method, settings);
    if (!m_workspace->document())
        return;
    const Index limit = Workspace::factorisationRank(method, m_workspace->rows(), m_workspace->cols(), settings);
    m_panel->setMaxRank(method, int(std::max<Index>(1, limit)));
    request(method);
}

void MethodControl::updateLimits()
{
    const Index n = m_workspace->rows(), m = m_workspace->cols();
    if (n == 0)
        return;
    m_panel->setMaxBlocks(int(std::max(n, m)));
    m_panel->setCurLimits(int(n), int(std::min(n, m)));
    for (Method method : core::allMethods()) {
        const Index limit = Workspace::factorisationRank(method, n, m, m_panel->settings(method));
        m_panel->setMaxRank(method, int(std::max<Index>(1, limit)));
        updateNote(method);
    }
}

void MethodControl::updateNotes()
{
    for (Method method : core::allMethods())
        updateNote(method);
}

void MethodControl::updateNote(Method method)
{
    const auto result = m_workspace->result(method);
    const Index n = m_workspace->rows(), m = m_workspace->cols();
    QStringList notes;
    const bool stopped = m_workspace->isStopped(method);
    if (m_workspace->isComputing(method))
        notes << tr("Computing…");
    if (result && result->approximate)
        notes << tr("<b>Approximate preview</b>: a randomized SVD of rank %1 %4. What its "
                    "sketch misses: ‖M − QQᵀM‖<sub>F</sub> = %2 % of ‖M‖<sub>F</sub>; a-posteriori bound "
                    "‖M − QQᵀM‖<sub>2</sub> ≤ %3·‖M‖<sub>2</sub> (Halko et al., holds with probability "
                    "1 − 10<sup>−10</sup>).")
                     .arg(result->maxRank)
                     .arg(100.0 * result->estimatedRelErrFro, 0, 'f', 2)
                     .arg(result->estimatedRelErrSpec, 0, 'g', 3)
                     .arg(stopped ? tr("— the exact SVD was stopped") : tr("while the exact SVD runs"));
    // Nothing claims a job that is not running: a stopped one says so and offers to resume.
    if (stopped)
        notes << (result && result->approximate ? tr("<a href=\"compute\">Compute exact</a>")
                  : result                      ? tr("Stopped before it finished. <a href=\"compute\">Compute again</a>")
                                                : tr("Stopped before a result. <a href=\"compute\">Compute</a>"));
    const core::MethodSettings s = m_panel->settings(method);
    if (core::usesSketch(method, s) && n > 0) {
        // The sketch the numbers depend on, as the curve's name and the CSV state it.
        const core::MethodSettings stated = Workspace::statedSettings(method, n, m, s);
        const Index top = Workspace::factorisationRank(method, n, m, s);
        const Index p = method == Method::Rsvd ? s.rsvdOversampling : s.idOversampling;
        const QString size = method == Method::Rsvd ? tr("%1 columns").arg(stated.sketch) : tr("%1 rows").arg(stated.sketch);
        QString text = top + p == stated.sketch ? tr("Gaussian sketch of %1 (rank %2 + p %3): computed up to rank %2.")
                                                      .arg(size).arg(top).arg(p)
                                                : tr("Gaussian sketch of %1 (all there are): computed up to rank %2.")
                                                      .arg(size).arg(top);
        if (method == Method::Rsvd && top < std::min(n, m))
            text += QStringLiteral(" ") + tr("Beyond that the exact SVD is the better tool.");
        notes << text;
    }
    if (method == Method::Monarch && n > 0) {
        const Index b = std::max<Index>(1, s.monarchBlocks);
        const Index lo = (n + b - 1) / b, in = (m + b - 1) / b;
        QString text = tr("Slices of %1 × %2; ρ up to %3.").arg(lo).arg(in).arg(std::min(lo, in));
        if (lo * b != n || in * b != m)
            text += QStringLiteral(" ") + tr("%1 × %2 is zero-padded to %3 × %4 and cropped back.").arg(n).arg(m).arg(lo * b).arg(in * b);
        notes << text;
    }
    if (method == Method::Cur && n > 0 && std::min(n, m) > Workspace::curRankCap)
        notes << tr("Computed up to rank %1: the cross middle's curve grows like r⁴ and the leverage and DEIM "
                    "selectors need the top r singular vectors.")
                     .arg(Workspace::curRankCap);
    if (method == Method::Id && n > 0 && Workspace::usesSelectorCap(s) && std::min(n, m) > Workspace::curRankCap)
        notes << tr("Computed up to rank %1 at once, as CUR: the %2 selector chooses the skeleton first (leverage "
                    "and DEIM from the top singular vectors), then the ID projects onto it. Only pivoted QR goes "
                    "further.")
                     .arg(Workspace::curRankCap)
                     .arg(QString::fromStdString(core::selectorName(s.idSelector)));
    if (result && !result->curve.empty()
        && (method == Method::Cur || (method == Method::Id && Workspace::usesSelectorCap(result->settings))))
        notes << tr("Variant: %1").arg(QString::fromStdString(result->curve.front().variant).toHtmlEscaped());
    if (result && !result->approximate && result->seconds > 0)
        notes << tr("Factorised in %1 s.").arg(result->seconds, 0, 'f', 2);
    m_panel->setNote(method, notes.join(QStringLiteral("<br>")));
}

} // namespace factorscope::app
