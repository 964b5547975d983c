// SPDX-License-Identifier: MIT
// Quitting while a factorisation runs (issue 9 item 6): the real program, offscreen, opens a
// 600 × 40000 matrix, whose SVD it computes in full (LAPACK dgesdd, which cannot be interrupted:
// even the working rank 128 is more than core::lanczosFraction of min(n, m) = 600), and closes its
// window 2.5 s later, during that SVD (several seconds). The process must be gone soon after
// "closing" (target 1 s; the bound here is generous for a loaded machine, below the SVD's own
// duration), with the settings saved.
#include "headlessutil.h"

#include "app/workspace.h"
#include "core/random.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;

class TestQuit : public QObject
{
    Q_OBJECT

private slots:
    void quitDuringAFullSvdDoesNotWaitForIt();
};

void TestQuit::quitDuringAFullSvdDoesNotWaitForIt()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString config = dir.filePath(QStringLiteral("config"));
    QVERIFY(QDir().mkpath(config + QStringLiteral("/Factorscope")));
    const QString conf = config + QStringLiteral("/Factorscope/Factorscope.conf");
    {
        QSettings settings(conf, QSettings::IniFormat);
        settings.setValue(QStringLiteral("methods/current"), QStringLiteral("svd"));
        settings.sync();
    }
    // The premise: whatever rank is shown, this SVD is dgesdd's.
    for (core::Index shown : {1, 20, 300})
        QCOMPARE(app::Workspace::workingRank(core::Method::Svd, 600, 40000, {}, shown), core::Index(600));
    core::Rng rng(7);
    const core::Matrix a = rng.gaussian(600, 40000);
    const QString input = dir.filePath(QStringLiteral("a.npy"));
    test::writeNpyFile(input, a);

    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(FS_BINARY), {QStringLiteral("--close-after"), QStringLiteral("2500"), input});
    QVERIFY(process.waitForStarted());
    QByteArray out;
    QElapsedTimer untilClose;
    untilClose.start();
    while (!out.contains("closing") && untilClose.elapsed() < 120000) {
        process.waitForReadyRead(100);
        out += process.readAllStandardOutput();
        QVERIFY2(process.state() == QProcess::Running || out.contains("closing"), "the program ended before closing");
    }
    QVERIFY(out.contains("closing"));
    QElapsedTimer quit;
    quit.start();
    QVERIFY2(process.waitForFinished(20000), "the program was still running 20 s after its window closed");
    const qint64 ms = quit.elapsed();
    qInfo("closed %lld ms after 'closing' (target 1000 ms)", ms);
    QVERIFY2(ms < 5000, qPrintable(QStringLiteral("the program took %1 ms to quit").arg(ms)));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QSettings saved(conf, QSettings::IniFormat);
    QVERIFY2(!saved.value(QStringLiteral("window/geometry")).toByteArray().isEmpty(), "the settings were not saved");
}

QTEST_GUILESS_MAIN(TestQuit)
#include "tst_quit.moc"
