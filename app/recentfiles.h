// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace factorscope::app {

class Settings;

/// File ▸ Open Recent: the list lives in Settings; entries are absolute paths, deduplicated
/// (the newest first), capped at Settings::recentFilesLimit, and files that no longer exist are
/// pruned whenever the list is read for display. The attached menu is rebuilt on aboutToShow and
/// hidden while the list is empty.
class RecentFiles : public QObject
{
    Q_OBJECT

public:
    explicit RecentFiles(Settings *settings, QObject *parent = nullptr);

    /// Puts `path` first (an existing entry for the same file moves up).
    void add(const QString &path);
    void remove(const QString &path);
    void clear();
    /// The entries whose files still exist (and stores the pruned list).
    QStringList files();

    /// Fills `menu` from files() on aboutToShow, with a "Clear" entry; hides its menu action while
    /// the list is empty. Choosing an entry emits openRequested.
    void attachMenu(QMenu *menu);
    /// Rebuilds the attached menu now (it is also rebuilt on aboutToShow).
    void rebuildMenu();

signals:
    void openRequested(const QString &path);
    void changed();

private:
    static QString normalise(const QString &path);
    void store(const QStringList &files);
    void updateVisibility();

    Settings *m_settings;
    QMenu *m_menu = nullptr;
};

} // namespace factorscope::app
