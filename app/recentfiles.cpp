// SPDX-License-Identifier: MIT
#include "recentfiles.h"

#include "settings.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMenu>

namespace factorscope::app {

RecentFiles::RecentFiles(Settings *settings, QObject *parent) : QObject(parent), m_settings(settings) {}

QString RecentFiles::normalise(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath(); // resolves symlinks and ".."; empty if missing
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

void RecentFiles::store(const QStringList &files)
{
    QStringList unique;
    for (const QString &f : files)
        if (!f.isEmpty() && !unique.contains(f))
            unique << f;
    unique = unique.mid(0, Settings::recentFilesLimit);
    if (unique == m_settings->recentFiles())
        return;
    m_settings->setRecentFiles(unique);
    updateVisibility();
    emit changed();
}

void RecentFiles::add(const QString &path)
{
    const QString file = normalise(path);
    QStringList list = m_settings->recentFiles();
    for (QString &entry : list)
        entry = normalise(entry);
    list.removeAll(file);
    list.prepend(file);
    store(list);
}

void RecentFiles::remove(const QString &path)
{
    const QString file = normalise(path);
    QStringList list = m_settings->recentFiles();
    list.removeIf([&](const QString &entry) { return normalise(entry) == file; });
    store(list);
}

void RecentFiles::clear() { store({}); }

QStringList RecentFiles::files()
{
    QStringList kept;
    for (const QString &entry : m_settings->recentFiles())
        if (QFileInfo(entry).isFile())
            kept << normalise(entry);
    store(kept);
    return m_settings->recentFiles();
}

void RecentFiles::attachMenu(QMenu *menu)
{
    m_menu = menu;
    connect(menu, &QMenu::aboutToShow, this, &RecentFiles::rebuildMenu);
    rebuildMenu();
}

void RecentFiles::rebuildMenu()
{
    if (!m_menu)
        return;
    m_menu->clear();
    const QStringList list = files();
    int number = 1;
    for (const QString &path : list) {
        const QString name = QFileInfo(path).fileName();
        // &1 … &9, then 1&0: keyboard accelerators for the first ten.
        const QString label = number < 10 ? tr("&%1 %2").arg(number).arg(name) : tr("1&0 %1").arg(name);
        QAction *action = m_menu->addAction(label);
        action->setToolTip(path);
        action->setStatusTip(path);
        action->setData(path);
        connect(action, &QAction::triggered, this, [this, path] { emit openRequested(path); });
        ++number;
    }
    if (!list.isEmpty()) {
        m_menu->addSeparator();
        m_menu->addAction(tr("&Clear Menu"), this, &RecentFiles::clear);
    }
    updateVisibility();
}

void RecentFiles::updateVisibility()
{
    if (m_menu)
        m_menu->menuAction()->setVisible(!m_settings->recentFiles().isEmpty());
}

} // namespace factorscope::app
