// SPDX-License-Identifier: MIT
#include "exports.h"

#include "curveplots.h"
#include "selection.h"
#include "settings.h"
#include "viewarea.h"
#include "workspace.h"

#include "core/io/matrixio.h"
#include "widgets/colormap.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QTemporaryFile>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace factorscope::app {

using core::Index;
using core::Method;

namespace {

const QString curveSlot = QStringLiteral("export:curves");

/// What the curve export job hands back: whether the file was written and why not.
struct CurveExportOutcome final : JobValue
{
    QString path;
    bool ok = false;
    QString error;
};

} // namespace

Exports::Exports(Workspace *workspace, Settings *settings, const Selection *selection, const ViewArea *views,
                 const CurvePlots *plots, QWidget *dialogParent)
    : QObject(dialogParent), m_workspace(workspace), m_settings(settings), m_selection(selection), m_views(views),
      m_plots(plots), m_dialogParent(dialogParent)
{
    JobRunner *runner = m_workspace->runner();
    connect(runner, &JobRunner::finished, this, [this](const QString &slot, quint64, JobValuePtr value) {
        if (slot != curveSlot)
            return;
        if (const auto outcome = std::dynamic_pointer_cast<const CurveExportOutcome>(value))
            report(outcome->ok, outcome->path, outcome->error);
    });
    connect(runner, &JobRunner::failed, this, [this](const QString &slot, quint64, const QString &message) {
        if (slot == curveSlot)
            emit error(tr("The error curves could not be exported: %1").arg(message));
    });
}

void Exports::saveReconstruction()
{
    const auto doc = m_workspace->document();
    const auto view = m_views->currentView();
    if (!view || !doc) {
        emit error(tr("There is no reconstruction to save yet."));
        return;
    }
    const QString base = QFileInfo(doc->displayName).completeBaseName();
    const QString suggestion = QDir(m_settings->lastDirectory()).filePath(
        QStringLiteral("%1-%2-%3.%4").arg(base, Workspace::slotName(view->source->method)).arg(view->rank)
            .arg(doc->isImage ? QStringLiteral("png") : QStringLiteral("npy")));
    const QString filter = doc->isImage ? tr("PNG image (*.png);;NumPy array (*.npy)") : tr("NumPy array (*.npy);;CSV (*.csv)");
    const QString path = QFileDialog::getSaveFileName(m_dialogParent, tr("Save Reconstruction"), suggestion, filter);
    if (path.isEmpty())
        return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    QString reason;
    if (suffix == QStringLiteral("png") && doc->isImage) {
        ok = planesToImage(*view->reconstruction).save(path, "PNG");
        reason = tr("the image could not be written");
    } else if (suffix == QStringLiteral("csv")) {
        std::string why;
        ok = core::writeCsv(path.toStdString(), (*view->reconstruction)[0], &why);
        reason = QString::fromStdString(why);
    } else {
        std::string why;
        ok = core::writeNpy(path.toStdString(), *view->reconstruction, &why);
        reason = QString::fromStdString(why);
    }
    if (ok)
        emit message(tr("Saved %1.").arg(path));
    else
        emit error(tr("%1: %2.").arg(path, reason));
}

void Exports::choose(What what)
{
    const auto doc = m_workspace->document();
    if (!doc) {
        emit error(tr("There is nothing to export yet."));
        return;
    }
    const QString base = QFileInfo(doc->displayName).completeBaseName();
    const QDir dir(m_settings->lastDirectory());
    QString path;
    switch (what) {
    case What::CurveCsv:
        path = QFileDialog::getSaveFileName(m_dialogParent, tr("Export Error Curves"), dir.filePath(base + QStringLiteral("-curves.csv")),
                                            tr("CSV table (*.csv)"));
        if (!path.isEmpty())
            curveCsv(path);
        break;
    case What::Plot:
        path = QFileDialog::getSaveFileName(m_dialogParent, tr("Export Plot"), dir.filePath(base + QStringLiteral("-curves.png")),
                                            tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
        if (!path.isEmpty())
            plot(path);
        break;
    case What::Reconstruction: {
        const auto view = m_views->currentView();
        const QString method = view ? Workspace::slotName(view->source->method) : QString();
        path = QFileDialog::getSaveFileName(
            m_dialogParent, tr("Export Reconstruction"),
            dir.filePath(QStringLiteral("%1-%2-%3.png").arg(base, method).arg(view ? view->rank : 0)), tr("PNG image (*.png)"));
        if (!path.isEmpty())
            reconstruction(path);
        break;
    }
    case What::FactorsNpy:
    case What::FactorsCsv: {
        const QString folder = QFileDialog::getExistingDirectory(m_dialogParent, tr("Export Factors into a Folder"), dir.path());
        if (folder.isEmpty())
            break;
        factors(folder, what == What::FactorsCsv ? exporter::FactorFormat::Csv : exporter::FactorFormat::Npy);
        m_settings->setLastDirectory(folder);
        break;
    }
    case What::Views:
        path = QFileDialog::getSaveFileName(m_dialogParent, tr("Export Side-by-Side View"), dir.filePath(base + QStringLiteral("-views.png")),
                                            tr("PNG image (*.png)"));
        if (!path.isEmpty())
            views(path);
        break;
    }
    if (!path.isEmpty())
        m_settings->setLastDirectory(QFileInfo(path).absolutePath());
}

bool Exports::report(bool ok, const QString &path, const QString &reason)
{
    if (ok) {
        emit message(tr("Exported %1.").arg(path));
    } else {
        QString why = reason.trimmed();
        while (why.endsWith(QLatin1Char('.')))
            why.chop(1);
        emit error(tr("Could not write %1: %2.").arg(path, why.isEmpty() ? tr("unknown error") : why));
    }
    return ok;
}

bool Exports::curveCsv(const QString &path)
{
    const auto doc = m_workspace->document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return report(false, path, tr("no document is open"));
    std::vector<std::shared_ptr<const MethodResult>> results;
    QStringList skipped;
    for (Method method : core::allMethods()) {
        const auto r = m_workspace->result(method);
        if (r && r->approximate)
            skipped << Workspace::methodTitle(method);
        else if (r)
            results.push_back(r);
    }
    if (results.empty())
        return report(false, path, tr("no error curve has been computed yet"));
    if (!skipped.isEmpty())
        emit message(tr("Exporting without %1 (still computing).").arg(skipped.join(QStringLiteral(", "))));
    const core::CsvMetadata meta = exporter::curveMetadata(*doc, m_workspace->colorMode(), Index(channels->size()));
    // PSNR needs the reconstructions at every rank of the curve: evaluated in the background
    // from the cached models (no factorisation), as `factorscope curve` evaluates its own.
    m_workspace->runner()->submit(
        curveSlot, tr("Exporting error curves"), [doc, channels, results, meta, path](JobContext &context) -> JobValuePtr {
            core::CurveResult all;
            for (std::size_t i = 0; i < results.size(); ++i) {
                core::SubProgress sub(&context.progress(), double(i) / results.size(), double(i + 1) / results.size());
                const auto rows = exporter::curveRows(*doc, *channels, *results[i], &sub);
                all.rows.insert(all.rows.end(), rows.begin(), rows.end());
            }
            auto outcome = std::make_shared<CurveExportOutcome>();
            outcome->path = path;
            outcome->ok = exporter::writeCurveCsv(path, all, meta, &outcome->error);
            return outcome;
        });
    return true;
}

bool Exports::plot(const QString &path)
{
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix != QStringLiteral("png") && suffix != QStringLiteral("svg") && suffix != QStringLiteral("pdf"))
        return report(false, path, tr("the file name must end in .png, .svg or .pdf"));
    // ErrorPlot writes in place: into a temporary file next to the target, then renamed over it.
    QTemporaryFile temporary(info.absoluteDir().filePath(QStringLiteral(".%1-XXXXXX.%2").arg(info.completeBaseName(), suffix)));
    if (!temporary.open())
        return report(false, path, temporary.errorString());
    temporary.close();
    QString why;
    if (!m_plots->errorPlot()->exportTo(temporary.fileName(), &why))
        return report(false, path, why);
    if (std::rename(QFile::encodeName(temporary.fileName()).constData(), QFile::encodeName(path).constData()) != 0)
        return report(false, path, QString::fromLocal8Bit(std::strerror(errno)));
    temporary.setAutoRemove(false);
    return report(true, path, {});
}

bool Exports::reconstruction(const QString &path)
{
    const auto doc = m_workspace->document();
    const auto view = m_views->currentView();
    if (!view || !doc)
        return report(false, path, tr("there is no reconstruction yet"));
    const MethodResult &source = *view->source;
    // At full resolution from the models, whatever resolution the view was built at.
    std::vector<core::Matrix> recon;
    for (int c = 0; c < source.channels(); ++c)
        recon.push_back(source.model(c).reconstruct(std::size_t(c) < view->channelRanks.size() ? view->channelRanks[std::size_t(c)]
                                                                                              : view->rank));
    QImage image;
    if (doc->isImage) {
        image = planesToImage(core::channelsToDisplay(recon, source.color));
    } else {
        const widgets::MatrixView *shown = m_views->reconstructionView();
        const core::Matrix &m = recon[0];
        const auto [low, high] = shown->colorRange();
        const QVector<QRgb> &table = widgets::colorTable(shown->colorScale());
        image = QImage(int(m.cols()), int(m.rows()), QImage::Format_RGB32);
        const double span = high > low ? high - low : 1.0;
        for (Index i = 0; i < m.rows(); ++i) {
            auto *line = reinterpret_cast<QRgb *>(image.scanLine(int(i)));
            for (Index j = 0; j < m.cols(); ++j) {
                const double t = std::clamp((m(i, j) - low) / span, 0.0, 1.0);
                line[j] = std::isnan(m(i, j)) ? widgets::colorAt(shown->colorScale(), t)
                                              : table[int(std::lround(t * (widgets::colorTableSize - 1)))];
            }
        }
    }
    QString why;
    return report(exporter::saveImage(image, path, &why), path, why);
}

bool Exports::factors(const QString &folder, exporter::FactorFormat format)
{
    const Method method = m_selection->currentMethod();
    const auto result = m_workspace->result(method);
    if (!result || result->models.empty())
        return report(false, folder, tr("%1 has no factors yet").arg(Workspace::methodTitle(method)));
    const auto chroma = m_selection->chromaRank(method);
    // Never factors of a lower rank than asked for: a partial result is extended first.
    if (const Index wanted = std::max<Index>(m_selection->rank(method), chroma.value_or(0));
        wanted > result->maxRank && result->canExtend()) {
        m_workspace->extend(method, wanted);
        return report(false, folder, tr("%1 is computed to rank %2 so far; rank %3 is being computed — export again when it is done")
                                         .arg(Workspace::methodTitle(method)).arg(result->maxRank).arg(wanted));
    }
    if (!QDir().mkpath(folder))
        return report(false, folder, tr("the folder cannot be created"));
    const Index rank = std::clamp<Index>(m_selection->rank(method), 0, result->maxRank);
    const auto doc = m_workspace->document();
    const QString colorName = doc && doc->isImage && doc->planes.size() == 3
                                  ? QString::fromStdString(core::colorModeName(result->color)) : QString();
    const auto suffixes = exporter::channelSuffixes(colorName, std::size_t(result->channels()));
    for (int c = 0; c < result->channels(); ++c) {
        QString failed, why;
        const Index channelRank = c > 0 && chroma && result->channels() == 3 ? std::clamp<Index>(*chroma, 0, result->maxRank) : rank;
        if (!exporter::writeFactors(folder, result->model(c), method, channelRank, suffixes[std::size_t(c)], format, &failed, &why))
            return report(false, failed, why);
    }
    return report(true, folder, {});
}

bool Exports::views(const QString &path)
{
    QString why;
    return report(exporter::saveImage(m_views->currentWidget()->grab().toImage(), path, &why), path, why);
}

} // namespace factorscope::app
