// SPDX-License-Identifier: MIT
#include "documentopener.h"

#include "generatordialog.h"
#include "recentfiles.h"
#include "settings.h"

#include "core/io/matrixio.h"

#include <QApplication>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QUrl>

namespace factorscope::app {

DocumentOpener::DocumentOpener(Settings *settings, RecentFiles *recent, QWidget *window)
    : QObject(window), m_settings(settings), m_recent(recent), m_window(window)
{
    m_window->setAcceptDrops(true);
    m_window->installEventFilter(this);
    connect(m_recent, &RecentFiles::openRequested, this, [this](const QString &path) {
        if (!openFile(path) && !QFileInfo::exists(path))
            m_recent->remove(path);
    });
}

void DocumentOpener::openStartupFiles(const QStringList &paths, bool hasDocument)
{
    bool opened = false;
    QStringList errors;
    for (const QString &path : paths) {
        if (openFile(path))
            opened = true;
        else
            errors << m_lastError;
    }
    if (!opened && !hasDocument) {
        openDefaultImage();
        // The default image stands in for the file that failed: still say why.
        if (!errors.isEmpty())
            emit failed(errors.join(QLatin1Char('\n')));
    }
}

bool DocumentOpener::openDefaultImage()
{
    const QImage image(QStringLiteral(":/images/default.png"));
    if (image.isNull()) {
        m_lastError = tr("The embedded default image is missing.");
        emit failed(m_lastError);
        return false;
    }
    OpenResult result;
    InputDocument doc = documentFromImage(image, tr("Astronaut (NASA, public domain)"));
    doc.format = tr("embedded PNG image, %1").arg(doc.format);
    result.document = std::move(doc);
    return openDocument(std::move(result));
}

bool DocumentOpener::openFile(const QString &path)
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    OpenResult result = openInput(path);
    QApplication::restoreOverrideCursor();
    if (result.ok())
        m_settings->setLastDirectory(QFileInfo(path).absolutePath());
    return openDocument(std::move(result), path);
}

bool DocumentOpener::openGenerated(const core::GeneratorSpec &spec) { return openDocument(GeneratorDialog::generateDocument(spec)); }

bool DocumentOpener::pasteFromClipboard()
{
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull()) {
            OpenResult result;
            InputDocument doc = documentFromImage(image, tr("Pasted image"));
            doc.format = tr("pasted image, %1").arg(doc.format);
            result.document = std::move(doc);
            return openDocument(std::move(result));
        }
    }
    if (mime && mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile())
        return openFile(mime->urls().first().toLocalFile());
    m_lastError = tr("The clipboard holds no image.");
    emit failed(m_lastError);
    return false;
}

bool DocumentOpener::openDocument(OpenResult result, const QString &recentPath)
{
    if (!result.ok()) {
        m_lastError = result.error.isEmpty() ? tr("%1: could not be opened.").arg(recentPath) : result.error;
        emit failed(m_lastError);
        return false;
    }
    auto doc = std::make_shared<const InputDocument>(std::move(*result.document));
    if (!recentPath.isEmpty())
        m_recent->add(recentPath);
    QString summary = tr("Opened %1: %2 × %3, %4.").arg(doc->displayName).arg(doc->rows()).arg(doc->cols()).arg(doc->format);
    if (!doc->notes.isEmpty())
        summary += QStringLiteral(" ") + doc->notes.join(QStringLiteral(" "));
    emit opened(doc, summary);
    return true;
}

bool DocumentOpener::isSupportedFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.isFile())
        return false;
    if (core::isMatrixFileName(path.toStdString()))
        return true;
    const QByteArray suffix = info.suffix().toLower().toLatin1();
    return QImageReader::supportedImageFormats().contains(suffix) || suffix == "jpg" || suffix == "tif";
}

void DocumentOpener::chooseFile()
{
    QStringList patterns;
    for (const std::string &ext : core::matrixFileExtensions())
        patterns << QStringLiteral("*") + QString::fromStdString(ext);
    QStringList images;
    for (const QByteArray &format : QImageReader::supportedImageFormats())
        images << QStringLiteral("*.") + QString::fromLatin1(format);
    const QString filter = tr("Images and matrices (%1 %2);;Matrices (%1);;Images (%2);;All files (*)")
                               .arg(patterns.join(QLatin1Char(' ')), images.join(QLatin1Char(' ')));
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open Image or Matrix"), m_settings->lastDirectory(), filter);
    if (!path.isEmpty())
        openFile(path);
}

void DocumentOpener::chooseGenerator()
{
    GeneratorDialog dialog(m_window);
    if (dialog.exec() == QDialog::Accepted)
        openGenerated(dialog.spec());
}

bool DocumentOpener::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window && event->type() == QEvent::DragEnter) {
        auto *drag = static_cast<QDragEnterEvent *>(event);
        const QMimeData *mime = drag->mimeData();
        if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()
            && isSupportedFile(mime->urls().first().toLocalFile()))
            drag->acceptProposedAction();
        return true;
    }
    if (watched == m_window && event->type() == QEvent::Drop) {
        auto *drop = static_cast<QDropEvent *>(event);
        const QList<QUrl> urls = drop->mimeData()->urls();
        if (!urls.isEmpty() && urls.first().isLocalFile()) {
            drop->acceptProposedAction();
            openFile(urls.first().toLocalFile());
        }
        return true;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace factorscope::app
