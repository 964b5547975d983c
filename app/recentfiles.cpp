// SPDX-License-Identifier: MIT
#include "recentfiles.h"

#include "settings.h"

#include "core/io/matrixio.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMenu>

namespace factorscope::app {

RecentFiles::RecentFiles(Settings *settings, QObject *parent) : QObject(parent), m_settings(settings) {}

namespace {

/// FILE and NAME of FILE::NAME (NAME empty for a plain path).
std::pair<QString, QString> splitEntry(const QString &entry)
{
    const core::TensorPath split = core::splitTensorPath(entry.toStdString());
    return {QString::fromStdString(split.file), QString::fromStdString(split.name)};
}

QString escapeMnemonic(QString text) { return text.replace(QLatin1Char('&'), QStringLiteral("&&")); }

} // namespace

QString RecentFiles::normalise(const QString &path)
{
    const auto [file, name] = splitEntry(path);
    const QFileInfo info(file);
    const QString canonical = info.canonicalFilePath(); // resolves symlinks and ".."; empty if missing
    const QString normal = canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
    return name.isEmpty() ? normal : normal + QStringLiteral("::") + name;
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
        if (QFileInfo(splitEntry(entry).first).isFile())
            kept << normalise(entry);
    store(kept);
    return m_settings->recentFiles();
}

QString RecentFiles::entryLabel(const QString &entry) const
{
    const auto [file, name] = splitEntry(entry);
    const QString fileName = QFileInfo(file).fileName();
    if (name.isEmpty())
        return fileName;
    const core::Reshape reshape = m_settings->tensorReshape(file, name);
    return reshape.mode == core::Reshape::Mode::Auto
               ? tr("%1 :: %2").arg(fileName, name)
               : tr("%1 :: %2 (%3)").arg(fileName, name, QString::fromStdString(reshape.text()));
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
        const QString name = escapeMnemonic(entryLabel(path));
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
