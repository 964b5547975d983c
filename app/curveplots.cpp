// SPDX-License-Identifier: MIT
#include "curveplots.h"

#include "comparepanes.h"
#include "selection.h"
#include "viewarea.h"

#include "core/metrics.h"
#include "widgets/errorplot.h"
#include "widgets/spectrumplot.h"

#include <QPalette>

#include <algorithm>
#include <cmath>
#include <limits>

namespace factorscope::app {

using core::Index;
using core::Method;

namespace {

QColor methodColor(Method method, const QPalette &palette)
{
    switch (method) {
    case Method::Svd: return palette.color(QPalette::WindowText);
    case Method::Rsvd: return QColor(0x1f, 0x77, 0xb4);
    case Method::Id: return QColor(0x2c, 0xa0, 0x2c);
    case Method::Cr: return QColor(0xd6, 0x27, 0x28);
    case Method::Monarch: return QColor(0x94, 0x67, 0xbd);
    case Method::Cur: return QColor(0x8c, 0x56, 0x4b);
    }
    return {};
}

QString seriesName(const MethodResult &result) { return Workspace::seriesName(result.method, result.settings, result.maxRank); }

/// The plot point of a view measured off its curve: YCbCr with a separate chroma rank (the
/// curves are for equal luma and chroma ranks).
std::optional<widgets::ErrorPlot::MeasuredPoint> measuredPoint(const ViewResult *view,
                                                               const std::shared_ptr<const MethodResult> &result)
{
    if (!view || !view->hasChromaRank || view->source != result)
        return std::nullopt;
    widgets::ErrorPlot::MeasuredPoint point;
    point.rank = double(view->rank);
    point.params = view->params;
    point.relErrFro = view->relErrFro;
    return point;
}

} // namespace

CurvePlots::CurvePlots(const Workspace *workspace, const Selection *selection, const ViewArea *views, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_selection(selection), m_views(views)
{
    m_errorPlot = new widgets::ErrorPlot;
    m_errorPlot->setObjectName(QStringLiteral("errorPlot"));
    m_errorPlot->setMinimumHeight(220);
    m_spectrum = new widgets::SpectrumPlot;
    m_spectrum->setObjectName(QStringLiteral("spectrumPlot"));
    m_spectrum->setMinimumHeight(200);
    connect(m_errorPlot, &widgets::ErrorPlot::rankPicked, this, [this](const QString &name, double rank) {
        for (Method method : core::allMethods()) {
            const auto result = m_workspace->result(method);
            if (result && seriesName(*result) == name)
                emit rankPicked(method, int(std::lround(rank)));
        }
    });
    connect(m_errorPlot, &widgets::ErrorPlot::extendRequested, this, [this](const QString &name) {
        for (Method method : core::allMethods())
            if (const auto result = m_workspace->result(method); result && result->canExtend() && seriesName(*result) == name)
                emit extendWanted(method, 2 * result->maxRank);
    });
}

CurvePlots::~CurvePlots()
{
    if (m_errorPlot && !m_errorPlot->parent())
        delete m_errorPlot;
    if (m_spectrum && !m_spectrum->parent())
        delete m_spectrum;
}

void CurvePlots::clear()
{
    m_errorPlot->clearMarkers();
    m_errorPlot->setSeries({});
    m_spectrum->clear();
}

void CurvePlots::onResult(Method method, const MethodResult &result)
{
    if (method == Method::Svd) {
        const core::Vector sigma = result.combinedSingularValues();
        QString label = result.channels() > 1 ? tr("σᵢ, channels combined") : tr("σᵢ");
        if (result.approximate)
            label += QStringLiteral(" ") + tr("(preview)");
        else if (result.isPartial())
            // Only the leading values are known: say how many of min(n, m).
            label += QStringLiteral(" ") + tr("(top %1 of %2 computed)").arg(result.maxRank).arg(result.limitRank);
        // Energy against ‖M‖²_F, also when only the leading values are known (the preview).
        const auto channels = m_workspace->channels();
        m_spectrum->setSingularValues(sigma, label, channels ? core::squaredNorm(*channels) : 0.0);
        updateSpectrumRank();
    }
    updateCurves();
}

void CurvePlots::updateSpectrumRank()
{
    const Method method = m_selection->currentMethod();
    m_spectrum->setRank(m_selection->rank(method == Method::Monarch ? Method::Svd : method));
}

void CurvePlots::updateCurves()
{
    QVector<widgets::CurveSeries> list;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const ComparePanes *compare = m_views->comparePanes();
    // Every method's current result, then in compare mode the results of panes with their own
    // parameters (one curve per distinct setting, in a darker shade of the method's colour).
    std::vector<std::shared_ptr<const MethodResult>> results;
    for (Method method : core::allMethods())
        if (const auto r = m_workspace->result(method))
            results.push_back(r);
    const std::size_t methodResults = results.size();
    if (m_views->isCompareMode())
        for (int i = 0; i < compare->paneCount(); ++i)
            if (const auto r = compare->paneSource(i); r && compare->paneSettings(i))
                if (std::none_of(results.begin(), results.end(), [&](const auto &other) {
                        return other->method == r->method && seriesName(*other) == seriesName(*r);
                    }))
                    results.push_back(r);
    for (std::size_t k = 0; k < results.size(); ++k) {
        const auto &r = results[k];
        const Method method = r->method;
        widgets::CurveSeries s;
        s.name = seriesName(*r);
        s.color = methodColor(method, m_errorPlot->palette());
        if (k >= methodResults) {
            const auto shade = std::count_if(results.begin() + std::ptrdiff_t(methodResults), results.begin() + std::ptrdiff_t(k),
                                             [&](const auto &other) { return other->method == method; });
            s.color = s.color.darker(150 + 40 * int(shade));
        }
        s.lowerBound = method == Method::Svd;
        s.approximate = r->approximate;
        s.spectralEstimated = r->spectralEstimated;
        s.blockRank = method == Method::Monarch;
        s.computedTo = r->canExtend() ? double(r->maxRank) : 0.0;
        bool band = false, expected = false;
        for (const core::CurveRow &row : r->curve) {
            s.rank << double(row.rank);
            s.params << row.params;
            s.relErrFro << row.relErrFro;
            s.relErrSpec << row.relErrSpec.value_or(nan);
            s.bandLow << row.relErrFroMin.value_or(row.relErrFro);
            s.bandHigh << row.relErrFroMax.value_or(row.relErrFro);
            s.expected << row.relErrFroExpected.value_or(nan);
            band = band || (row.relErrFroMin && row.trials > 1);
            expected = expected || (row.relErrFroExpected && r->settings.crRule != core::CrRule::Top);
        }
        if (!band) {
            s.bandLow.clear();
            s.bandHigh.clear();
        }
        if (!expected)
            s.expected.clear();
        list << s;
    }
    const auto doc = m_workspace->document();
    const auto channels = m_workspace->channels();
    m_errorPlot->setOriginalSize(doc && channels ? double(m_workspace->rows()) * double(m_workspace->cols()) * double(channels->size())
                                                 : 0.0);
    updateWorkingRank();
    m_errorPlot->setSeries(list);
    updateMarkers();
}

void CurvePlots::updateWorkingRank()
{
    // The ranks a person works in: twice the rank shown, rounded up to 128·2^k, so that the
    // range changes only now and then while the rank is dragged (a full replot each time).
    const Method method = m_selection->currentMethod();
    const double wanted = method == Method::Monarch ? 0.0 : 2.0 * m_selection->rank(method);
    double working = 128.0;
    while (working < wanted)
        working *= 2.0;
    m_errorPlot->setWorkingRank(working);
}

void CurvePlots::updateMarkers()
{
    m_errorPlot->clearMarkers();
    if (m_views->isCompareMode()) {
        // Each pane's setting on its method's curve (measured, off the curve, with a separate
        // chroma rank), labelled with the pane.
        const ComparePanes *compare = m_views->comparePanes();
        for (int i = 0; i < compare->paneCount(); ++i) {
            const Method method = compare->paneMethod(i);
            const auto r = compare->paneSource(i);
            if (!r)
                continue;
            const QString key = QStringLiteral("pane:%1").arg(i);
            const auto view = compare->paneView(i);
            if (const auto point = measuredPoint(view.get(), r))
                m_errorPlot->setLabelledMarker(key, seriesName(*r), *point, compare->paneLabel(i));
            else if (!m_selection->chromaRank(method))
                m_errorPlot->setLabelledMarker(key, seriesName(*r),
                                               double(std::clamp<Index>(compare->paneRank(i), 1, std::max<Index>(1, r->maxRank))),
                                               compare->paneLabel(i));
        }
        return;
    }
    for (Method method : core::allMethods())
        placeMarker(method);
}

void CurvePlots::placeMarker(Method method)
{
    if (m_views->isCompareMode())
        return; // the panes' markers (updateMarkers)
    const auto r = m_workspace->result(method);
    if (!r)
        return;
    const Index rank = std::min<Index>(m_selection->rank(method), std::max<Index>(1, r->maxRank));
    if (m_selection->chromaRank(method)) {
        // Off the equal-rank curve: at the measured error of the view shown, once it is there;
        // no marker for a method whose view is not shown.
        const auto view = m_views->currentView();
        const auto point = method == m_selection->currentMethod() ? measuredPoint(view.get(), r) : std::nullopt;
        if (point)
            m_errorPlot->setMarker(seriesName(*r), *point, tr("r = %1, chroma %2").arg(view->rank).arg(view->channelRanks[1]));
        else
            m_errorPlot->removeMarker(seriesName(*r));
        return;
    }
    m_errorPlot->setMarker(seriesName(*r), double(rank));
}

} // namespace factorscope::app
