// SPDX-License-Identifier: MIT
// The job runner: delivery, progress, cancellation (a cancelled job never delivers), the newest
// request of a slot wins (stale results are dropped, even from jobs that ignore cancellation),
// partial results, failures, and the destructor cancelling and waiting.
#include "app/jobrunner.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <cerrno>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <stdexcept>

using namespace factorscope;
using namespace factorscope::app;

namespace {

struct Number final : JobValue
{
    explicit Number(int v) : value(v) {}
    int value;
};

int valueOf(const QVariant &v)
{
    const auto ptr = std::dynamic_pointer_cast<const Number>(v.value<JobValuePtr>());
    return ptr ? ptr->value : -1;
}

/// Work that runs for about `ms` milliseconds in small steps, honouring cancellation.
JobRunner::Work cooperative(int value, int ms)
{
    return [value, ms](JobContext &context) -> JobValuePtr {
        for (int i = 0; i < ms / 5; ++i) {
            context.checkpoint(double(i) / (ms / 5));
            QThread::msleep(5);
        }
        return std::make_shared<Number>(value);
    };
}

/// Work that never looks at cancellation: its result must still be dropped when stale.
JobRunner::Work stubborn(int value, int ms)
{
    return [value, ms](JobContext &) -> JobValuePtr {
        QThread::msleep(ms);
        return std::make_shared<Number>(value);
    };
}

} // namespace

class TestJobRunner : public QObject
{
    Q_OBJECT

private slots:
    void delivers_data();
    void delivers();
    void reportsProgress();
    void jobsRunBelowTheGuiThread();
    void cancelNeverDelivers_data();
    void cancelNeverDelivers();
    void cancelAllStopsEverySlot();
    void staleResultsAreDropped_data();
    void staleResultsAreDropped();
    void resultQueuedBeforeANewRequestIsDropped_data();
    void resultQueuedBeforeANewRequestIsDropped();
    void slotsAreIndependent();
    void partialResults();
    void cancelledAfterPartialDeliversNothingMore();
    void failureIsReported_data();
    void failureIsReported();
    void generationsIncrease();
    void destructorCancelsAndWaits();
    void busySignal();
};

void TestJobRunner::delivers_data()
{
    QTest::addColumn<int>("value");
    QTest::addColumn<int>("ms");
    QTest::newRow("instant") << 7 << 0;
    QTest::newRow("50 ms") << 42 << 50;
    QTest::newRow("negative value") << -3 << 10;
}

void TestJobRunner::delivers()
{
    QFETCH(int, value);
    QFETCH(int, ms);
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    const quint64 generation = runner.submit(QStringLiteral("a"), QStringLiteral("test"), cooperative(value, ms));
    QVERIFY(generation > 0);
    QVERIFY(runner.isActive(QStringLiteral("a")));
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished[0][0].toString(), QStringLiteral("a"));
    QCOMPARE(finished[0][1].toULongLong(), generation);
    QCOMPARE(valueOf(finished[0][2]), value);
    QVERIFY(runner.waitForIdle(5000));
    QVERIFY(!runner.isActive(QStringLiteral("a")));
}

void TestJobRunner::reportsProgress()
{
    JobRunner runner;
    QSignalSpy progress(&runner, &JobRunner::progressChanged);
    QSignalSpy finished(&runner, &JobRunner::finished);
    runner.submit(QStringLiteral("a"), QStringLiteral("counting"), cooperative(1, 300));
    QVERIFY(finished.wait(10000));
    // Several intermediate fractions in (0, 1), non-decreasing while the job runs, and the label.
    double last = 0.0;
    int intermediate = 0;
    bool labelled = false;
    for (const auto &args : progress) {
        const double f = args[0].toDouble();
        if (args[1].toString() == QStringLiteral("counting")) {
            labelled = true;
            QVERIFY(f >= last);
            last = f;
            intermediate += (f > 0.0 && f < 1.0) ? 1 : 0;
        }
    }
    QVERIFY(labelled);
    QVERIFY2(intermediate >= 3, qPrintable(QString::number(intermediate)));
}

void TestJobRunner::cancelNeverDelivers_data()
{
    QTest::addColumn<bool>("cooperate");
    QTest::addColumn<int>("delayMs");
    QTest::newRow("cooperative, cancelled while running") << true << 50;
    QTest::newRow("cooperative, cancelled at once") << true << 0;
    QTest::newRow("ignores cancellation") << false << 50;
}

void TestJobRunner::cancelNeverDelivers()
{
    QFETCH(bool, cooperate);
    QFETCH(int, delayMs);
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    QSignalSpy partial(&runner, &JobRunner::partialResult);
    QSignalSpy cancelled(&runner, &JobRunner::cancelled);
    QElapsedTimer clock;
    clock.start();
    const quint64 generation = runner.submit(QStringLiteral("a"), QString(), cooperate ? cooperative(1, 2000) : stubborn(1, 300));
    if (delayMs > 0)
        QTest::qWait(delayMs);
    runner.cancel(QStringLiteral("a"));
    QVERIFY(!runner.isActive(QStringLiteral("a")));
    QCOMPARE(runner.activeCount(), 0);
    QVERIFY(cancelled.wait(10000));
    QCOMPARE(cancelled[0][1].toULongLong(), generation);
    if (cooperate) // honoured promptly: well before the 2 s the work would take
        QVERIFY2(clock.elapsed() < 1500, qPrintable(QString::number(clock.elapsed())));
    QTest::qWait(100);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(partial.count(), 0);
}

void TestJobRunner::cancelAllStopsEverySlot()
{
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    QSignalSpy cancelled(&runner, &JobRunner::cancelled);
    runner.submit(QStringLiteral("a"), QString(), cooperative(1, 2000));
    runner.submit(QStringLiteral("b"), QString(), cooperative(2, 2000));
    runner.submit(QStringLiteral("c"), QString(), stubborn(3, 100));
    QCOMPARE(runner.activeCount(), 3);
    runner.cancelAll();
    QCOMPARE(runner.activeCount(), 0);
    QVERIFY(runner.waitForIdle(10000));
    QCOMPARE(cancelled.count(), 3);
    QCOMPARE(finished.count(), 0);
}

void TestJobRunner::staleResultsAreDropped_data()
{
    QTest::addColumn<bool>("firstCooperates");
    QTest::addColumn<int>("firstMs");
    QTest::addColumn<int>("secondMs");
    QTest::newRow("slow first, fast second") << true << 500 << 10;
    QTest::newRow("fast first, slow second") << true << 20 << 200;
    QTest::newRow("first ignores cancellation and ends first") << false << 50 << 300;
    QTest::newRow("first ignores cancellation and ends last") << false << 400 << 10;
}

void TestJobRunner::staleResultsAreDropped()
{
    QFETCH(bool, firstCooperates);
    QFETCH(int, firstMs);
    QFETCH(int, secondMs);
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    const quint64 first = runner.submit(QStringLiteral("slot"), QString(),
                                        firstCooperates ? cooperative(1, firstMs) : stubborn(1, firstMs));
    const quint64 second = runner.submit(QStringLiteral("slot"), QString(), cooperative(2, secondMs));
    QVERIFY(second > first);
    QCOMPARE(runner.latestGeneration(QStringLiteral("slot")), second);
    QVERIFY(runner.waitForIdle(10000));
    QTest::qWait(50);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished[0][1].toULongLong(), second);
    QCOMPARE(valueOf(finished[0][2]), 2);
}

void TestJobRunner::resultQueuedBeforeANewRequestIsDropped_data()
{
    QTest::addColumn<bool>("newRequest"); // else a plain cancel()
    QTest::newRow("new request") << true;
    QTest::newRow("cancel") << false;
}

void TestJobRunner::resultQueuedBeforeANewRequestIsDropped()
{
    // The first job has finished and its result is already waiting in the event queue when the
    // GUI thread (busy, not processing events) makes a new request or cancels: it must be dropped.
    QFETCH(bool, newRequest);
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    QSignalSpy partial(&runner, &JobRunner::partialResult);
    const quint64 first = runner.submit(QStringLiteral("slot"), QString(), [](JobContext &context) -> JobValuePtr {
        context.publish(std::make_shared<Number>(0));
        return std::make_shared<Number>(1);
    });
    QThread::msleep(300); // the worker ends meanwhile; no events are processed
    quint64 second = 0;
    if (newRequest)
        second = runner.submit(QStringLiteral("slot"), QString(), cooperative(2, 20));
    else
        runner.cancel(QStringLiteral("slot"));
    QVERIFY(runner.waitForIdle(10000));
    QTest::qWait(50);
    QCOMPARE(partial.count(), 0);
    for (const auto &args : finished)
        QVERIFY(args[1].toULongLong() != first);
    QCOMPARE(finished.count(), newRequest ? 1 : 0);
    if (newRequest)
        QCOMPARE(finished[0][1].toULongLong(), second);
}

void TestJobRunner::slotsAreIndependent()
{
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::finished);
    runner.submit(QStringLiteral("svd"), QString(), cooperative(1, 100));
    runner.submit(QStringLiteral("id"), QString(), cooperative(2, 50));
    QVERIFY(runner.waitForIdle(10000));
    QCOMPARE(finished.count(), 2);
    QSet<int> values;
    for (const auto &args : finished)
        values.insert(valueOf(args[2]));
    QCOMPARE(values, QSet<int>({1, 2}));
}

void TestJobRunner::partialResults()
{
    JobRunner runner;
    QSignalSpy partial(&runner, &JobRunner::partialResult);
    QSignalSpy finished(&runner, &JobRunner::finished);
    runner.submit(QStringLiteral("a"), QString(), [](JobContext &context) -> JobValuePtr {
        context.publish(std::make_shared<Number>(10));
        QThread::msleep(30);
        context.publish(std::make_shared<Number>(11));
        QThread::msleep(30);
        return std::make_shared<Number>(12);
    });
    QVERIFY(finished.wait(10000));
    QCOMPARE(partial.count(), 2);
    QCOMPARE(valueOf(partial[0][2]), 10);
    QCOMPARE(valueOf(partial[1][2]), 11);
    QCOMPARE(valueOf(finished[0][2]), 12);
}

void TestJobRunner::cancelledAfterPartialDeliversNothingMore()
{
    JobRunner runner;
    QSignalSpy partial(&runner, &JobRunner::partialResult);
    QSignalSpy finished(&runner, &JobRunner::finished);
    runner.submit(QStringLiteral("a"), QString(), [](JobContext &context) -> JobValuePtr {
        context.publish(std::make_shared<Number>(1));
        for (int i = 0; i < 400; ++i) {
            context.checkpoint(i / 400.0);
            QThread::msleep(5);
        }
        return std::make_shared<Number>(2);
    });
    QVERIFY(partial.wait(10000));
    runner.cancel(QStringLiteral("a"));
    QVERIFY(runner.waitForIdle(10000));
    QCOMPARE(partial.count(), 1);
    QCOMPARE(finished.count(), 0);
}

void TestJobRunner::failureIsReported_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("runtime_error") << 0 << QStringLiteral("LAPACK did not converge");
    QTest::newRow("invalid_argument") << 1 << QStringLiteral("blocks 0");
    QTest::newRow("bad_alloc") << 2 << QStringLiteral("memory");
}

void TestJobRunner::failureIsReported()
{
    QFETCH(int, kind);
    QFETCH(QString, fragment);
    JobRunner runner;
    QSignalSpy failed(&runner, &JobRunner::failed);
    QSignalSpy finished(&runner, &JobRunner::finished);
    runner.submit(QStringLiteral("a"), QString(), [kind](JobContext &) -> JobValuePtr {
        if (kind == 0)
            throw std::runtime_error("LAPACK did not converge");
        if (kind == 1)
            throw std::invalid_argument("blocks 0 must be at least 1");
        throw std::bad_alloc();
    });
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed[0][2].toString().contains(fragment), qPrintable(failed[0][2].toString()));
    QVERIFY(runner.waitForIdle(5000));
    QCOMPARE(finished.count(), 0);
}

void TestJobRunner::generationsIncrease()
{
    JobRunner runner;
    quint64 last = 0;
    for (int i = 0; i < 5; ++i) {
        const quint64 g = runner.submit(i % 2 ? QStringLiteral("a") : QStringLiteral("b"), QString(), cooperative(i, 0));
        QVERIFY(g > last);
        last = g;
    }
    QVERIFY(runner.waitForIdle(10000));
}

void TestJobRunner::destructorCancelsAndWaits()
{
    auto running = std::make_shared<std::atomic<int>>(0);
    auto ended = std::make_shared<std::atomic<int>>(0);
    QElapsedTimer clock;
    clock.start();
    {
        JobRunner runner;
        for (int i = 0; i < 2; ++i)
            runner.submit(QStringLiteral("slot%1").arg(i), QString(), [running, ended](JobContext &context) -> JobValuePtr {
                running->fetch_add(1);
                try {
                    for (int k = 0; k < 1000; ++k) {
                        context.checkpoint(k / 1000.0);
                        QThread::msleep(5);
                    }
                } catch (...) {
                    ended->fetch_add(1);
                    throw;
                }
                ended->fetch_add(1);
                return nullptr;
            });
        QTRY_COMPARE_WITH_TIMEOUT(running->load(), 2, 5000);
    }
    // Both workers have ended by the time the destructor returns, promptly (not after 5 s).
    QCOMPARE(ended->load(), 2);
    QVERIFY(clock.elapsed() < 4000);
}

void TestJobRunner::busySignal()
{
    JobRunner runner;
    QSignalSpy busy(&runner, &JobRunner::busyChanged);
    runner.submit(QStringLiteral("a"), QString(), cooperative(1, 50));
    QCOMPARE(busy.count(), 1);
    QCOMPARE(busy[0][0].toBool(), true);
    QVERIFY(runner.waitForIdle(10000));
    QCOMPARE(busy.count(), 2);
    QCOMPARE(busy[1][0].toBool(), false);
}

void TestJobRunner::jobsRunBelowTheGuiThread()
{
#ifdef __linux__
    // setNiceIncrement(5): the jobs' threads run 5 nice levels below the thread that submits.
    const auto niceOf = [] {
        errno = 0;
        return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    };
    const int gui = niceOf();
    JobRunner runner;
    runner.setMaxThreads(1);
    runner.setNiceIncrement(5);
    std::atomic<int> seen{-100};
    for (int i = 0; i < 2; ++i) { // the second job on the same thread: not lowered twice
        runner.submit(QStringLiteral("nice"), QString(), [&](JobContext &) -> JobValuePtr {
            seen = niceOf();
            return nullptr;
        });
        QVERIFY(runner.waitForIdle(10000));
        QCOMPARE(seen.load(), std::min(19, gui + 5));
    }
    QCOMPARE(niceOf(), gui); // the submitting thread is left alone
#else
    QSKIP("thread nice values are Linux-only");
#endif
}

QTEST_MAIN(TestJobRunner)
#include "tst_jobrunner.moc"
