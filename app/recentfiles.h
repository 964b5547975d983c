// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace factorscope::app {

class Settings;

/// File ▸ Open Recent: the list lives in Settings; entries are absolute paths, or FILE::NAME for an
/// array of a .npz, .safetensors or .mat (so that the same array opens again), deduplicated (the
/// newest first), capped at Settings::recentFilesLimit, and entries whose files no longer exist
/// are pruned whenever the list is read for display. The attached menu is rebuilt on aboutToShow
/// and hidden while the list is empty; an array's entry names the file, the array and, when it is
/// not the default rule, the reshape it was last opened with (Settings::tensorReshape()).
class RecentFiles : public QObject
{
    Q_OBJECT

public:
    explicit RecentFiles(Settings *settings, QObject *parent = nullptr);

    /// Puts `path` (a file or FILE::NAME) first; an existing entry for the same file and array
    /// moves up.
    void add(const QString &path);
    void remove(const QString &path);
    void clear();
    /// The entries whose files still exist (and stores the pruned list).
    QStringList files();
    /// The menu's text for an entry: "model.safetensors :: conv.weight (rows:2)", "photo.jpg".
    QString entryLabel(const QString &entry) const;

    /// Fills `menu` from files() on aboutToShow, with a "Clear" entry; hides its menu action while
    /// the list is empty. Choosing an entry emits openRequested.
    void attachMenu(QMenu *menu);
    /// Rebuilds the attached menu now (it is also rebuilt on aboutToShow).
    void rebuildMenu();

signals:
    void openRequested(const QString &path);
    void changed();

private:
    /// FILE or FILE::NAME with FILE canonical (symlinks and ".." resolved) or absolute if missing.
    static QString normalise(const QString &path);
    void store(const QStringList &files);
    void updateVisibility();

    Settings *m_settings;
    QMenu *m_menu = nullptr;
};

} // namespace factorscope::app
