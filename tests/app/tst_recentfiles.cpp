// SPDX-License-Identifier: MIT
// Open Recent against a temporary INI file: newest first, deduplicated (also through symlinks and
// "..", missing files pruned, capped at ten, the menu rebuilt on aboutToShow and hidden when empty;
// FILE::NAME entries for the arrays of a file, named with their remembered reshape.
#include "app/recentfiles.h"
#include "app/settings.h"

#include <QAction>
#include <QFile>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope::app;

class TestRecentFiles : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void newestFirstAndDeduplicated_data();
    void newestFirstAndDeduplicated();
    void cappedAtTen();
    void missingFilesArePruned();
    void persistsAcrossInstances();
    void menuRebuiltOnAboutToShowAndHiddenWhenEmpty();
    void choosingAnEntryRequestsIt();
    void clearEmptiesTheList();
    void arraysOfFilesAreEntriesOfTheirOwn();

private:
    QString touch(const QString &name);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
};

QString TestRecentFiles::touch(const QString &name)
{
    const QString path = m_dir->filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write("1,2\n3,4\n");
    return QFileInfo(path).canonicalFilePath();
}

void TestRecentFiles::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestRecentFiles::cleanup()
{
    m_settings.reset();
    m_dir.reset();
}

void TestRecentFiles::newestFirstAndDeduplicated_data()
{
    QTest::addColumn<QStringList>("opened");   // names, in the order opened
    QTest::addColumn<QStringList>("expected"); // names, newest first
    QTest::newRow("one") << QStringList{QStringLiteral("a.csv")} << QStringList{QStringLiteral("a.csv")};
    QTest::newRow("two") << QStringList{QStringLiteral("a.csv"), QStringLiteral("b.csv")}
                         << QStringList{QStringLiteral("b.csv"), QStringLiteral("a.csv")};
    QTest::newRow("reopened moves up")
        << QStringList{QStringLiteral("a.csv"), QStringLiteral("b.csv"), QStringLiteral("c.csv"), QStringLiteral("a.csv")}
        << QStringList{QStringLiteral("a.csv"), QStringLiteral("c.csv"), QStringLiteral("b.csv")};
    QTest::newRow("same file twice") << QStringList{QStringLiteral("a.csv"), QStringLiteral("a.csv")}
                                     << QStringList{QStringLiteral("a.csv")};
    QTest::newRow("through ..") << QStringList{QStringLiteral("a.csv"), QStringLiteral("sub/../a.csv")}
                                << QStringList{QStringLiteral("a.csv")};
    QTest::newRow("through a symlink") << QStringList{QStringLiteral("a.csv"), QStringLiteral("link.csv")}
                                       << QStringList{QStringLiteral("a.csv")};
}

void TestRecentFiles::newestFirstAndDeduplicated()
{
    QFETCH(QStringList, opened);
    QFETCH(QStringList, expected);
    touch(QStringLiteral("a.csv"));
    touch(QStringLiteral("b.csv"));
    touch(QStringLiteral("c.csv"));
    QDir(m_dir->path()).mkdir(QStringLiteral("sub"));
    QFile::link(m_dir->filePath(QStringLiteral("a.csv")), m_dir->filePath(QStringLiteral("link.csv")));
    RecentFiles recent(m_settings.get());
    for (const QString &name : opened)
        recent.add(m_dir->filePath(name));
    QStringList names;
    for (const QString &path : recent.files())
        names << QFileInfo(path).fileName();
    QCOMPARE(names, expected);
}

void TestRecentFiles::cappedAtTen()
{
    RecentFiles recent(m_settings.get());
    QStringList all;
    for (int i = 0; i < 14; ++i)
        all << touch(QStringLiteral("f%1.npy").arg(i));
    for (const QString &path : all)
        recent.add(path);
    const QStringList files = recent.files();
    QCOMPARE(files.size(), Settings::recentFilesLimit);
    QCOMPARE(files.first(), all.last());
    QCOMPARE(files.last(), all[4]);
}

void TestRecentFiles::missingFilesArePruned()
{
    RecentFiles recent(m_settings.get());
    const QString a = touch(QStringLiteral("a.csv"));
    const QString b = touch(QStringLiteral("b.csv"));
    recent.add(a);
    recent.add(b);
    QVERIFY(QFile::remove(a));
    QSignalSpy changed(&recent, &RecentFiles::changed);
    QCOMPARE(recent.files(), QStringList{b});
    QCOMPARE(changed.count(), 1);
    // The pruned list is what is stored.
    QCOMPARE(m_settings->recentFiles(), QStringList{b});
}

void TestRecentFiles::persistsAcrossInstances()
{
    const QString ini = m_dir->filePath(QStringLiteral("persist.ini"));
    const QString a = touch(QStringLiteral("a.csv"));
    {
        Settings settings(new QSettings(ini, QSettings::IniFormat));
        RecentFiles(&settings).add(a);
        settings.sync();
    }
    Settings again(new QSettings(ini, QSettings::IniFormat));
    QCOMPARE(RecentFiles(&again).files(), QStringList{a});
    QVERIFY(QFile(ini).size() > 0);
}

void TestRecentFiles::menuRebuiltOnAboutToShowAndHiddenWhenEmpty()
{
    RecentFiles recent(m_settings.get());
    QMenu parent;
    QMenu *menu = parent.addMenu(QStringLiteral("Open Recent"));
    recent.attachMenu(menu);
    QVERIFY(!menu->menuAction()->isVisible());

    const QString a = touch(QStringLiteral("a.csv"));
    recent.add(a);
    QVERIFY(menu->menuAction()->isVisible());
    // The list changed behind the menu's back (another window, a deleted file): aboutToShow
    // rebuilds it.
    const QString b = touch(QStringLiteral("b.csv"));
    m_settings->setRecentFiles({b, a});
    QVERIFY(QFile::remove(a));
    emit menu->aboutToShow();
    QStringList entries;
    for (QAction *action : menu->actions())
        if (!action->data().toString().isEmpty())
            entries << action->data().toString();
    QCOMPARE(entries, QStringList{b});

    QVERIFY(QFile::remove(b));
    emit menu->aboutToShow();
    QVERIFY(!menu->menuAction()->isVisible());
}

void TestRecentFiles::choosingAnEntryRequestsIt()
{
    RecentFiles recent(m_settings.get());
    QMenu menu;
    recent.attachMenu(&menu);
    const QString a = touch(QStringLiteral("a.csv"));
    const QString b = touch(QStringLiteral("b.csv"));
    recent.add(a);
    recent.add(b);
    emit menu.aboutToShow();
    QSignalSpy requested(&recent, &RecentFiles::openRequested);
    QAction *second = nullptr;
    for (QAction *action : menu.actions())
        if (action->data().toString() == a)
            second = action;
    QVERIFY(second);
    QVERIFY(second->text().contains(QStringLiteral("a.csv")));
    second->trigger();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested[0][0].toString(), a);
}

void TestRecentFiles::clearEmptiesTheList()
{
    RecentFiles recent(m_settings.get());
    QMenu parent;
    QMenu *menu = parent.addMenu(QStringLiteral("Open Recent"));
    recent.attachMenu(menu);
    recent.add(touch(QStringLiteral("a.csv")));
    recent.clear();
    QVERIFY(recent.files().isEmpty());
    QVERIFY(!menu->menuAction()->isVisible());
}

void TestRecentFiles::arraysOfFilesAreEntriesOfTheirOwn()
{
    const QString npz = touch(QStringLiteral("model.npz"));
    QFile::link(npz, m_dir->filePath(QStringLiteral("link.npz")));
    QDir(m_dir->path()).mkdir(QStringLiteral("sub"));
    RecentFiles recent(m_settings.get());
    recent.add(npz + QStringLiteral("::w"));
    recent.add(m_dir->filePath(QStringLiteral("link.npz::v"))); // the same file through a symlink
    recent.add(m_dir->filePath(QStringLiteral("sub/../model.npz::w")));
    recent.add(npz);
    QCOMPARE(recent.files(), (QStringList{npz, npz + QStringLiteral("::w"), npz + QStringLiteral("::v")}));
    // Labels: the file's name, the array, and a reshape other than the default rule.
    m_settings->rememberTensorChoice(npz, TensorChoice{QStringLiteral("v"), factorscope::core::Reshape::rows(2)});
    m_settings->rememberTensorChoice(npz, TensorChoice{QStringLiteral("w"), {}});
    QCOMPARE(recent.entryLabel(npz + QStringLiteral("::v")), QStringLiteral("model.npz :: v (rows:2)"));
    QCOMPARE(recent.entryLabel(npz + QStringLiteral("::w")), QStringLiteral("model.npz :: w"));
    QCOMPARE(recent.entryLabel(npz), QStringLiteral("model.npz"));
    QMenu menu;
    recent.attachMenu(&menu);
    QStringList texts;
    for (QAction *action : menu.actions())
        texts << action->text();
    QCOMPARE(texts.mid(0, 3), (QStringList{QStringLiteral("&1 model.npz"), QStringLiteral("&2 model.npz :: w"),
                                           QStringLiteral("&3 model.npz :: v (rows:2)")}));
    // Removing one array's entry keeps the others; a missing file takes all of its entries.
    recent.remove(m_dir->filePath(QStringLiteral("link.npz::v")));
    QCOMPARE(recent.files(), (QStringList{npz, npz + QStringLiteral("::w")}));
    QVERIFY(QFile::remove(npz));
    QVERIFY(recent.files().isEmpty());
}

QTEST_MAIN(TestRecentFiles)
#include "tst_recentfiles.moc"
