// SPDX-License-Identifier: MIT
// The child process the .mat reader runs matio in (core/io/isolation.h): what it hands back
// arrives intact, and a crash, a hang or a runaway allocation in it ends the child only, within
// its limits, with the reason said.

#include "core/io/isolation.h"

#include <QElapsedTimer>
#include <QTest>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <unistd.h>

using factorscope::core::detail::IsolatedProcess;
using factorscope::core::detail::IsolationLimits;
using Outcome = IsolatedProcess::Outcome;

Q_DECLARE_METATYPE(IsolatedProcess::Outcome)

namespace {

IsolationLimits limits(double seconds, std::uint64_t memoryMiB)
{
    IsolationLimits l;
    l.seconds = seconds;
    l.memoryBytes = memoryMiB << 20;
    return l;
}

[[noreturn]] void crashBySegfault()
{
    volatile int *nowhere = nullptr;
    *nowhere = 1; // reaching into page zero: SIGSEGV
    std::abort();
}

} // namespace

class TestIsolation : public QObject
{
    Q_OBJECT

private slots:
    void answerArrivesIntact();
    void failuresEndTheChildOnly_data();
    void failuresEndTheChildOnly();
    void extendRaisesTheLimits();
    void manyChildrenFromManyThreads();
};

void TestIsolation::answerArrivesIntact()
{
    // 24 MiB through the pipe, in one write, read back in pieces of odd sizes.
    constexpr std::size_t n = std::size_t(3) << 20;
    IsolatedProcess child;
    QVERIFY(child.start(
        [](int fd) {
            std::vector<std::uint64_t> v(n);
            for (std::size_t k = 0; k < n; ++k)
                v[k] = k * 0x9E3779B97F4A7C15ull;
            IsolatedProcess::writeAll(fd, v.data(), v.size() * 8);
        },
        limits(30, 256)));
    std::vector<std::uint64_t> got(n);
    std::size_t done = 0;
    while (done < n) {
        const std::size_t piece = std::min<std::size_t>(n - done, 12345);
        QVERIFY(child.read(got.data() + done, piece * 8));
        done += piece;
    }
    char extra;
    QVERIFY(!child.read(&extra, 1)); // the child ended: nothing more
    QCOMPARE(child.finish(), Outcome::Finished);
    for (std::size_t k = 0; k < n; k += 4099)
        QCOMPARE(got[k], std::uint64_t(k * 0x9E3779B97F4A7C15ull));
}

void TestIsolation::failuresEndTheChildOnly_data()
{
    QTest::addColumn<int>("what");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<QString>("description");
    QTest::newRow("segmentation fault") << 0 << Outcome::Crashed << "crashed (Segmentation fault)";
    QTest::newRow("abort") << 1 << Outcome::Crashed << "crashed (Aborted)";
    QTest::newRow("hang") << 2 << Outcome::TimedOut << "took longer than 1.0 s";
    QTest::newRow("runaway allocation") << 3 << Outcome::OverMemory << "needed more than 64.0 MiB of memory";
    QTest::newRow("exit status") << 4 << Outcome::Failed << "ended with status 7";
    QTest::newRow("exception") << 5 << Outcome::Failed << "ended with status 3";
}

void TestIsolation::failuresEndTheChildOnly()
{
    QFETCH(int, what);
    QFETCH(Outcome, outcome);
    QFETCH(QString, description);
    QElapsedTimer timer;
    timer.start();
    IsolatedProcess child;
    QVERIFY(child.start(
        [what](int fd) {
            IsolatedProcess::writeAll(fd, "go", 2);
            switch (what) {
            case 0: crashBySegfault();
            case 1: std::abort();
            case 2:
                for (;;)
                    ::pause();
            case 3: {
                // Touches 1 GiB page by page: stopped by RLIMIT_AS (a failed allocation ends in
                // std::bad_alloc, status 3) or by the parent's resident-size watchdog.
                std::vector<char *> blocks;
                for (int k = 0; k < 1024; ++k) {
                    char *b = static_cast<char *>(std::malloc(std::size_t(1) << 20));
                    if (!b)
                        ::_exit(9);
                    std::memset(b, 1, std::size_t(1) << 20);
                    blocks.push_back(b);
                }
                ::pause();
                break;
            }
            case 4: ::_exit(7);
            case 5: throw std::runtime_error("thrown in the child");
            }
        },
        limits(1.0, 64)));
    char go[2];
    QVERIFY(child.read(go, 2));
    QCOMPARE(QByteArray(go, 2), QByteArray("go"));
    char more;
    QVERIFY(!child.read(&more, 1));
    const Outcome got = child.finish();
    if (what == 3 && got == Outcome::Failed) {
        // RLIMIT_AS stopped it first (malloc returned null: status 9): the limit at work too.
        QCOMPARE(QString::fromStdString(child.describe()), QStringLiteral("ended with status 9"));
    } else {
        QCOMPARE(got, outcome);
        QCOMPARE(QString::fromStdString(child.describe()), description);
    }
    QVERIFY2(timer.elapsed() < 20000, "the limits did not stop the child");
}

void TestIsolation::extendRaisesTheLimits()
{
    // 1.0 s would kill a child that sleeps 1.5 s; extended by 2 s, it finishes.
    IsolatedProcess child;
    QVERIFY(child.start(
        [](int fd) {
            IsolatedProcess::writeAll(fd, "a", 1);
            ::usleep(1500000);
            IsolatedProcess::writeAll(fd, "b", 1);
        },
        limits(1.0, 64)));
    char c;
    QVERIFY(child.read(&c, 1));
    child.extend(0, 2.0);
    QVERIFY(child.read(&c, 1));
    QCOMPARE(c, 'b');
    QCOMPARE(child.finish(), Outcome::Finished);
}

void TestIsolation::manyChildrenFromManyThreads()
{
    // The GUI may open files from several threads: each child answers its own parent.
    std::vector<std::thread> threads;
    std::vector<int> answers(8, -1);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([t, &answers] {
            IsolatedProcess child;
            if (!child.start([t](int fd) { IsolatedProcess::writeAll(fd, &t, sizeof t); }, limits(20, 64)))
                return;
            int got = -1;
            if (child.read(&got, sizeof got) && child.finish() == Outcome::Finished)
                answers[std::size_t(t)] = got;
        });
    for (std::thread &t : threads)
        t.join();
    for (int t = 0; t < 8; ++t)
        QCOMPARE(answers[std::size_t(t)], t);
}

QTEST_APPLESS_MAIN(TestIsolation)

#include "tst_isolation.moc"
