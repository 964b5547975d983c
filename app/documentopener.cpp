// SPDX-License-Identifier: MIT
#include "documentopener.h"

#include "generatordialog.h"
#include "recentfiles.h"
#include "settings.h"
#include "tensorpicker.h"

#include "core/io/matrixio.h"

#include <QApplication>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QTimer>
#include <QUrl>

namespace factorscope::app {

DocumentOpener::DocumentOpener(Settings *settings, RecentFiles *recent, QWidget *window)
    : QObject(window), m_settings(settings), m_recent(recent), m_window(window)
{
    m_window->setAcceptDrops(true);
    m_window->installEventFilter(this);
    connect(m_recent, &RecentFiles::openRequested, this, &DocumentOpener::openRecent);
    m_chooser = [this](const QString &file, const core::TensorListing &listing,
                       const QList<TensorChoice> &remembered) -> std::optional<TensorChoice> {
        TensorPicker picker(file, listing, remembered, m_window);
        if (picker.exec() != QDialog::Accepted)
            return std::nullopt;
        return picker.choice();
    };
}

void DocumentOpener::setTensorChooser(TensorChooser chooser) { m_chooser = std::move(chooser); }

void DocumentOpener::fail(const QString &message, std::optional<core::LoadErrorKind> kind)
{
    m_lastError = message;
    m_lastErrorKind = kind;
    emit failed(m_lastError);
}

void DocumentOpener::openStartupFiles(const QStringList &paths, bool hasDocument)
{
    bool opened = false;
    QStringList errors;
    for (const QString &path : paths) {
        if (openFile(path))
            opened = true;
        else if (!m_lastError.isEmpty()) // (empty: the tensor picker was cancelled)
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
        fail(tr("The embedded default image is missing."));
        return false;
    }
    OpenResult result;
    InputDocument doc = documentFromImage(image, tr("Astronaut (NASA, public domain)"));
    doc.format = tr("embedded PNG image, %1").arg(doc.format);
    result.document = std::move(doc);
    return openDocument(std::move(result));
}

bool DocumentOpener::openFile(const QString &path) { return open(path, core::Reshape{}); }

bool DocumentOpener::openRecent(const QString &entry)
{
    const core::TensorPath split = core::splitTensorPath(entry.toStdString());
    const QString file = QString::fromStdString(split.file);
    const QString name = QString::fromStdString(split.name);
    if (open(entry, name.isEmpty() ? core::Reshape{} : m_settings->tensorReshape(file, name)))
        return true;
    if (!QFileInfo::exists(file) || m_lastErrorKind == core::LoadErrorKind::NoSuchName)
        m_recent->remove(entry);
    return false;
}

bool DocumentOpener::open(const QString &spec, const core::Reshape &reshape)
{
    m_lastError.clear();
    m_lastErrorKind.reset();
    const QString file = QString::fromStdString(core::splitTensorPath(spec.toStdString()).file);
    const auto load = [](const QString &path, const TensorChoice &choice) {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        OpenResult r = openInput(path, choice);
        QApplication::restoreOverrideCursor();
        return r;
    };
    TensorChoice choice{QString(), reshape};
    OpenResult result = load(spec, choice);
    if (!result.ok() && result.errorKind == core::LoadErrorKind::NameRequired) {
        // Several arrays and none named: ask (the listing reads headers only), then load the one.
        const std::optional<TensorChoice> chosen = chooseTensor(file);
        if (!chosen)
            return false;
        choice = *chosen;
        result = load(file, choice);
    }
    if (result.ok()) {
        m_settings->setLastDirectory(QFileInfo(file).absolutePath());
        if (!result.document->tensor.isEmpty() && core::holdsNamedArrays(file.toStdString()))
            m_settings->rememberTensorChoice(file, TensorChoice{result.document->tensor, choice.reshape});
    }
    m_lastErrorKind = result.errorKind;
    const QString recent = result.ok() ? result.document->source() : spec;
    return openDocument(std::move(result), recent);
}

std::optional<TensorChoice> DocumentOpener::chooseTensor(const QString &file)
{
    const std::string native = file.toStdString();
    const core::ListResult listed = core::listTensors(native);
    if (!listed.ok()) {
        fail(QString::fromStdString(core::describeLoadError(native, listed.error)), listed.error.kind);
        return std::nullopt;
    }
    return m_chooser(file, *listed.listing, m_settings->tensorChoices(file));
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
    fail(tr("The clipboard holds no image."));
    return false;
}

bool DocumentOpener::openDocument(OpenResult result, const QString &recentPath)
{
    if (!result.ok()) {
        fail(result.error.isEmpty() ? tr("%1: could not be opened.").arg(recentPath) : result.error, result.errorKind);
        return false;
    }
    auto doc = std::make_shared<const InputDocument>(std::move(*result.document));
    if (!recentPath.isEmpty())
        m_recent->add(recentPath);
    QString summary = tr("Opened %1: %2 × %3, %4.").arg(doc->label()).arg(doc->rows()).arg(doc->cols()).arg(doc->format);
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
            // Opened once the drop is over: the file may ask which array (a modal dialog), and the
            // application the file came from waits for the drop to finish.
            QTimer::singleShot(0, this, [this, path = urls.first().toLocalFile()] { openFile(path); });
        }
        return true;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace factorscope::app
