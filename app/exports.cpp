// SPDX-License-Identifier: MIT
#include "exports.h"

#include "curveexportdialog.h"
#include "comparepanes.h"
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
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QPainter>
#include <QRandomGenerator>
#include <QTextDocument>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

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
        ok = exporter::saveImage(planesToImage(*view->reconstruction), path, &reason);
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
    case What::CurveCsv: {
        CurveExportDialog dialog(m_workspace, defaultCurveExport(), dir.filePath(base + QStringLiteral("-curves.csv")),
                                 m_dialogParent);
        if (dialog.exec() == QDialog::Accepted && !dialog.path().isEmpty()) {
            path = dialog.path();
            curveCsv(path, dialog.choice());
        }
        break;
    }
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

exporter::CurveExport Exports::defaultCurveExport() const
{
    exporter::CurveExport choice;
    for (Method method : core::allMethods()) {
        const auto r = m_workspace->result(method);
        if (r && !r->approximate)
            choice.methods.push_back(method);
        choice.chromaRanks[std::size_t(method)] = m_selection->chromaRank(method);
    }
    const auto [first, last] = plottedRanks();
    if (first <= last) {
        choice.firstRank = first;
        choice.lastRank = last;
    }
    const auto doc = m_workspace->document();
    choice.psnr = doc && doc->isImage;
    return choice;
}

std::pair<Index, Index> Exports::plottedRanks() const
{
    const widgets::ErrorPlot *plot = m_plots->errorPlot();
    Index first = std::numeric_limits<Index>::max(), last = 0;
    for (const widgets::CurveSeries &series : plot->series())
        for (double rank : plot->visibleRanks(series.name)) {
            first = std::min(first, Index(rank));
            last = std::max(last, Index(rank));
        }
    return last > 0 ? std::pair<Index, Index>{std::max<Index>(1, first), last} : std::pair<Index, Index>{1, 0};
}

bool Exports::curveCsv(const QString &path)
{
    exporter::CurveExport choice = defaultCurveExport();
    choice.firstRank = 1;
    choice.lastRank = std::numeric_limits<Index>::max();
    return curveCsv(path, choice);
}

bool Exports::curveCsv(const QString &path, const exporter::CurveExport &choice)
{
    const auto doc = m_workspace->document();
    const auto channels = m_workspace->channels();
    if (!doc || !channels)
        return report(false, path, tr("no document is open"));
    std::vector<std::shared_ptr<const MethodResult>> results;
    QStringList skipped, extending;
    for (Method method : choice.methods) {
        const auto r = m_workspace->result(method);
        if (!r || r->approximate)
            skipped << Workspace::methodTitle(method);
        else if (choice.lastRank != std::numeric_limits<Index>::max() && choice.lastRank > r->maxRank && r->canExtend()) {
            // Ranks chosen beyond those computed: extend first rather than export fewer rows.
            m_workspace->extend(method, choice.lastRank);
            extending << tr("%1 (computed to rank %2)").arg(Workspace::methodTitle(method)).arg(r->maxRank);
        } else if (!exporter::exportRanks(*r, choice).empty())
            results.push_back(r);
    }
    if (!extending.isEmpty())
        return report(false, path, tr("ranks up to %1 are being computed for %2 — export again when they are done")
                                       .arg(choice.lastRank).arg(extending.join(QStringLiteral(", "))));
    if (results.empty())
        return report(false, path, tr("no computed error curve has ranks in %1 to %2").arg(choice.firstRank).arg(choice.lastRank));
    if (!skipped.isEmpty())
        emit message(tr("Exporting without %1 (still computing).").arg(skipped.join(QStringLiteral(", "))));
    core::CsvMetadata meta = exporter::curveMetadata(*doc, m_workspace->colorMode(), Index(channels->size()));
    meta.lines = exporter::curveExportLines(results, choice);
    // PSNR needs a reconstruction at every rank: evaluated in the background from the cached
    // models (no factorisation), moving each from the previous rank (ChannelModel::advance).
    m_workspace->runner()->submit(
        curveSlot, tr("Exporting error curves"), [doc, channels, results, meta, path, choice](JobContext &context) -> JobValuePtr {
            core::CurveResult all;
            for (std::size_t i = 0; i < results.size(); ++i) {
                core::SubProgress sub(&context.progress(), double(i) / results.size(), double(i + 1) / results.size());
                const MethodResult &r = *results[i];
                const auto rows = exporter::curveRows(*doc, *channels, r, exporter::exportRanks(r, choice),
                                                      exporter::exportTrials(r, choice), choice.psnr,
                                                      choice.chromaRanks[std::size_t(r.method)], &sub);
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
    // ErrorPlot writes to a path: into a new file next to the target, then renamed over it. The
    // file is created as every export is, 0666 & ~umask (a QTemporaryFile would be 0600).
    const QDir dir = info.absoluteDir();
    QString temporary, why;
    for (int attempt = 0; attempt < 100 && temporary.isEmpty(); ++attempt) {
        const QString candidate = dir.filePath(QStringLiteral(".%1-%2.%3")
                                                   .arg(info.completeBaseName())
                                                   .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'))
                                                   .arg(suffix));
        QFile file(candidate);
        if (file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
            temporary = candidate;
        else if (!QFileInfo::exists(candidate))
            return report(false, path, file.errorString());
    }
    if (temporary.isEmpty())
        return report(false, path, tr("no temporary file could be created next to it"));
    if (!m_plots->errorPlot()->exportTo(temporary, &why)) {
        QFile::remove(temporary);
        return report(false, path, why);
    }
    if (std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) != 0) {
        why = QString::fromLocal8Bit(std::strerror(errno));
        QFile::remove(temporary);
        return report(false, path, why);
    }
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
    // What the view area shows, drawn from the views' pictures (no combo boxes, spin boxes or
    // tabs): each view's title in full above its picture and colour bar, the read-out under them.
    std::vector<const widgets::MatrixView *> shown;
    int columns = 2;
    QString footer;
    if (m_views->isCompareMode()) {
        const ComparePanes *panes = m_views->comparePanes();
        if (panes->isSplitEnabled()) {
            shown = {panes->splitView()};
            columns = 1;
        } else {
            for (int i = 0; i < panes->paneCount(); ++i)
                shown.push_back(panes->view(i));
            columns = panes->paneCount() == 4 ? 2 : panes->paneCount();
        }
    } else {
        const widgets::MatrixView *result = m_views->residualView()->isVisible() ? m_views->residualView()
                                                                                 : m_views->reconstructionView();
        shown = {m_views->documentView(), result};
        QTextDocument readout;
        readout.setHtml(m_views->metricsText());
        footer = readout.toPlainText().simplified();
    }
    QString why;
    return report(exporter::saveImage(composeViews(shown, columns, footer), path, &why), path, why);
}

QImage Exports::composeViews(const std::vector<const widgets::MatrixView *> &shown, int columns, const QString &footer)
{
    struct Piece
    {
        QString title;
        QImage picture;
    };
    std::vector<Piece> pieces;
    int cellWidth = 0, pictureHeight = 0;
    for (const widgets::MatrixView *view : shown) {
        // The view's own drawing from the top of its viewport down: its picture and colour bar,
        // without its title line, which is elided when the view is narrow.
        const QImage whole = view->renderedImage();
        const double dpr = whole.devicePixelRatio();
        const int top = int(std::floor(view->viewport().top() * dpr));
        QImage picture = whole.copy(0, top, whole.width(), whole.height() - top);
        picture.setDevicePixelRatio(1.0);
        cellWidth = std::max(cellWidth, picture.width());
        pictureHeight = std::max(pictureHeight, picture.height());
        pieces.push_back({view->title(), picture});
    }
    const QWidget *style = shown.empty() ? m_dialogParent : shown.front();
    QFont bold = style->font();
    bold.setBold(true);
    const QFontMetrics fm(bold);
    const int gap = 12, textFlags = Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap;
    const int rows = (int(pieces.size()) + columns - 1) / std::max(1, columns);
    std::vector<int> titleHeights(std::size_t(rows), 0);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const QRect need = fm.boundingRect(QRect(0, 0, cellWidth, 10000), textFlags, pieces[i].title);
        int &h = titleHeights[i / std::size_t(columns)];
        h = std::max(h, need.height());
    }
    const int width = columns * cellWidth + (columns + 1) * gap;
    const QFontMetrics plain(style->font());
    const int footerHeight = footer.isEmpty() ? 0 : plain.boundingRect(QRect(0, 0, width - 2 * gap, 10000), textFlags, footer).height() + gap;
    int height = gap + footerHeight;
    for (int h : titleHeights)
        height += h + 4 + pictureHeight + gap;
    QImage image(std::max(1, width), std::max(1, height), QImage::Format_RGB32);
    const QPalette &palette = style->palette();
    image.fill(palette.color(QPalette::Window));
    QPainter p(&image);
    p.setPen(palette.color(QPalette::WindowText));
    int y = gap;
    for (int row = 0; row < rows; ++row) {
        for (int col = 0; col < columns; ++col) {
            const std::size_t i = std::size_t(row * columns + col);
            if (i >= pieces.size())
                break;
            const int x = gap + col * (cellWidth + gap);
            p.setFont(bold);
            p.drawText(QRect(x, y, cellWidth, titleHeights[std::size_t(row)]), textFlags, pieces[i].title);
            p.drawImage(QPoint(x, y + titleHeights[std::size_t(row)] + 4), pieces[i].picture);
        }
        y += titleHeights[std::size_t(row)] + 4 + pictureHeight + gap;
    }
    if (!footer.isEmpty()) {
        p.setFont(style->font());
        p.drawText(QRect(gap, y, width - 2 * gap, footerHeight), textFlags, footer);
    }
    return image;
}

} // namespace factorscope::app
