// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"

#include "core/generators.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

class QWidget;

namespace factorscope::app {

class RecentFiles;
class Settings;

/// Every way of opening a document — File ▸ Open, Open Recent, Edit ▸ Paste, File ▸ New from
/// Generator, drag and drop onto the window, the command line, the embedded default image — ends
/// in openDocument(), whose single output is opened(): "this document is now current".
///
/// Owns the open dialogs and the drag-and-drop filter of the window it is given; adds opened
/// files to Open Recent and remembers their folder. A failure is said once (failed(), one
/// sentence naming the file and the reason) and the current document stays: it never touches
/// the workspace or a view (the main window wires opened() to them).
class DocumentOpener : public QObject
{
    Q_OBJECT

public:
    /// Dialogs open over `window`; files dropped on it are opened.
    DocumentOpener(Settings *settings, RecentFiles *recent, QWidget *window);

    /// Opens the given files, or the embedded default image when none opens and nothing is open
    /// yet (`hasDocument`); the reasons of the files that failed are still said.
    void openStartupFiles(const QStringList &paths, bool hasDocument);
    /// Opens a file: openInput() then openDocument(). False when it could not be read.
    bool openFile(const QString &path);
    /// The one open path: makes a loaded document current, or reports `result.error`.
    /// `recentPath` (a file) is added to Open Recent on success.
    bool openDocument(OpenResult result, const QString &recentPath = {});
    /// Edit ▸ Paste: an image (or an image file's path) from the clipboard.
    bool pasteFromClipboard();
    /// File ▸ New from generator without the dialog.
    bool openGenerated(const core::GeneratorSpec &spec);
    /// The embedded default image (":/images/default.png").
    bool openDefaultImage();
    /// File ▸ Open and File ▸ New from Generator, with their dialogs.
    void chooseFile();
    void chooseGenerator();

    /// Files the program can open (by name and kind), for drag and drop.
    static bool isSupportedFile(const QString &path);

signals:
    /// `document` is now current; `summary` is the sentence for the status bar ("Opened …").
    void opened(std::shared_ptr<const factorscope::app::InputDocument> document, const QString &summary);
    /// Nothing was opened: one sentence naming the file and the reason.
    void failed(const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    Settings *m_settings;
    RecentFiles *m_recent;
    QWidget *m_window;
    QString m_lastError;
};

} // namespace factorscope::app
