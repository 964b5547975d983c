// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"

#include "core/generators.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QWidget;

namespace factorscope::app {

class RecentFiles;
class Settings;

/// Every way of opening a document — File ▸ Open, Open Recent, Edit ▸ Paste, File ▸ New from
/// Generator, drag and drop onto the window, the command line, the embedded default image — ends
/// in openDocument(), whose single output is opened(): "this document is now current".
///
/// Owns the open dialogs and the drag-and-drop filter of the window it is given; adds opened
/// files to Open Recent and remembers their folder. A file of several arrays (.npz, .safetensors,
/// .mat) opened without a name asks which one through the tensor chooser (by default the
/// TensorPicker dialog), preselecting the choice remembered for that file, and remembers the
/// answer (Settings::tensorChoices()); a file with one loadable array, or FILE::NAME, opens
/// without asking. A failure is said once (failed(), one sentence naming the file — and the
/// array — and the reason) and the current document stays; so it does on Cancel, which says
/// nothing. It never touches the workspace or a view (the main window wires opened() to them).
class DocumentOpener : public QObject
{
    Q_OBJECT

public:
    /// Dialogs open over `window`; files dropped on it are opened.
    DocumentOpener(Settings *settings, RecentFiles *recent, QWidget *window);

    /// Opens the given files, or the embedded default image when none opens and nothing is open
    /// yet (`hasDocument`); the reasons of the files that failed are still said.
    void openStartupFiles(const QStringList &paths, bool hasDocument);
    /// Answers "which array of `file`, and how does it become a matrix?" for a file of several
    /// arrays, given its listing (from its header: no data read) and the choices remembered for it
    /// (newest first); nothing for Cancel.
    using TensorChooser = std::function<std::optional<TensorChoice>(
        const QString &file, const core::TensorListing &listing, const QList<TensorChoice> &remembered)>;

    /// Opens a file or FILE::NAME: openInput() then openDocument(), FILE::NAME by the default rule
    /// (as the headless command does); a file of several arrays asks the tensor chooser first.
    /// False when nothing was opened (it could not be read, or the chooser was cancelled).
    bool openFile(const QString &path);
    /// Opens an Open Recent entry: a file, or FILE::NAME with the reshape that array was last
    /// opened with. A stale entry (its file gone, or its array no longer in the file) is removed
    /// from the list once its failure is said.
    bool openRecent(const QString &entry);
    /// Replaces the TensorPicker dialog: the seam through which tests answer the question.
    void setTensorChooser(TensorChooser chooser);
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
    /// openFile() with the reshape for FILE::NAME (or for the only array of a file).
    bool open(const QString &spec, const core::Reshape &reshape);
    /// Lists `file` and asks the chooser; nothing on Cancel, or when the listing failed (said).
    std::optional<TensorChoice> chooseTensor(const QString &file);
    void fail(const QString &message, std::optional<core::LoadErrorKind> kind = std::nullopt);

    Settings *m_settings;
    RecentFiles *m_recent;
    QWidget *m_window;
    TensorChooser m_chooser;
    QString m_lastError;
    std::optional<core::LoadErrorKind> m_lastErrorKind;
};

} // namespace factorscope::app
