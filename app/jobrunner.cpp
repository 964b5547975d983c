// SPDX-License-Identifier: MIT
#include "jobrunner.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFutureWatcher>
#include <QPromise>
#include <QThread>
#include <QtConcurrent>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <new>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace factorscope::app {

/// What a worker hands to the GUI thread through the promise: a value or an error.
struct JobRunner::Outcome
{
    JobValuePtr value;
    QString error;
    bool partial = false;
    bool failed = false;
};

namespace {

constexpr int progressSteps = 1000;

/// Raises the calling pool thread's nice value to `increment` (once per thread: Linux lets an
/// unprivileged thread raise its nice value but never lower it again). Threads it starts
/// inherit it. No-op for 0 and off Linux.
void lowerThisThreadsPriority(int increment)
{
#ifdef __linux__
    thread_local int applied = 0;
    if (increment > applied) {
        const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
        errno = 0;
        const int current = ::getpriority(PRIO_PROCESS, tid);
        if (errno == 0)
            ::setpriority(PRIO_PROCESS, tid, current + (increment - applied));
        applied = increment;
    }
#else
    Q_UNUSED(increment);
#endif
}

/// The adapter from core::Progress to the promise: fractions become progress values (only when
/// they move by a step, so a fine-grained core loop does not flood the GUI thread), and
/// isCancelled() asks the promise.
template <typename T>
class PromiseProgress final : public core::Progress
{
public:
    explicit PromiseProgress(QPromise<T> &promise) : m_promise(promise) {}
    void setFraction(double fraction) override
    {
        // Atomic: a job may report from two threads (channels side by side); the promise is
        // thread-safe and ignores values below its current one.
        const int value = int(std::clamp(fraction, 0.0, 1.0) * progressSteps);
        if (m_last.exchange(value) != value)
            m_promise.setProgressValue(value);
    }
    bool isCancelled() const override { return m_promise.isCanceled(); }

private:
    QPromise<T> &m_promise;
    std::atomic<int> m_last{-1};
};

template <typename T>
class PromiseContext final : public JobContext
{
public:
    PromiseContext(QPromise<T> &promise) : m_promise(promise), m_progress(promise) {}
    core::Progress &progress() override { return m_progress; }
    void publish(JobValuePtr partial) override
    {
        if (m_promise.isCanceled())
            return;
        T outcome;
        outcome.value = std::move(partial);
        outcome.partial = true;
        m_promise.addResult(std::move(outcome));
    }

private:
    QPromise<T> &m_promise;
    PromiseProgress<T> m_progress;
};

} // namespace

JobRunner::JobRunner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<JobValuePtr>("factorscope::app::JobValuePtr");
    m_pool.setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
    m_pool.setObjectName(QStringLiteral("FactorscopeJobs"));
}

JobRunner::~JobRunner()
{
    // Owners cancel and wait: no worker may outlive what it was given.
    for (auto &entry : m_jobs)
        entry.second.cancelFuture();
    m_pool.waitForDone();
    for (auto &entry : m_jobs)
        QObject::disconnect(entry.second.watcher, nullptr, this, nullptr);
}

quint64 JobRunner::submit(const QString &slot, const QString &label, Work work)
{
    cancel(slot);
    const quint64 generation = m_nextGeneration++;
    m_latest.insert(slot, generation);

    auto *watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcherBase::resultsReadyAt, this,
            [this, generation](int begin, int end) { onResults(generation, begin, end); });
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this,
            [this, generation](int value) { onProgress(generation, value); });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, generation] { onFinished(generation); });

    QFuture<Outcome> future = QtConcurrent::run(&m_pool, [work = std::move(work), nice = m_niceIncrement](QPromise<Outcome> &promise) {
        lowerThisThreadsPriority(nice);
        promise.setProgressRange(0, progressSteps);
        if (promise.isCanceled())
            return;
        PromiseContext<Outcome> context(promise);
        Outcome outcome;
        try {
            outcome.value = work(context);
        } catch (const core::Cancelled &) {
            return;
        } catch (const std::bad_alloc &) {
            outcome.failed = true;
            outcome.error = QCoreApplication::translate("JobRunner", "not enough memory");
        } catch (const std::exception &e) {
            outcome.failed = true;
            outcome.error = QString::fromUtf8(e.what());
        }
        if (!promise.isCanceled()) {
            promise.setProgressValue(progressSteps);
            promise.addResult(std::move(outcome));
        }
    });

    Job job;
    job.slot = slot;
    job.label = label;
    job.watcher = watcher;
    job.cancelFuture = [future]() mutable { future.cancel(); };
    job.isFinished = [future] { return future.isFinished(); };
    m_jobs.emplace(generation, std::move(job));
    watcher->setFuture(future);
    updateBusy();
    emitProgress();
    return generation;
}

void JobRunner::cancelJob(Job &job)
{
    if (job.cancelled)
        return;
    job.cancelled = true;
    job.cancelFuture();
}

void JobRunner::cancel(const QString &slot)
{
    bool any = false;
    for (auto &entry : m_jobs)
        if (entry.second.slot == slot && !entry.second.cancelled) {
            cancelJob(entry.second);
            any = true;
        }
    if (any) {
        updateBusy();
        emitProgress();
    }
}

void JobRunner::cancelAll()
{
    for (auto &entry : m_jobs)
        cancelJob(entry.second);
    updateBusy();
    emitProgress();
}

bool JobRunner::isActive(const QString &slot) const
{
    for (const auto &entry : m_jobs)
        if (entry.second.slot == slot && !entry.second.cancelled)
            return true;
    return false;
}

int JobRunner::activeCount() const
{
    int count = 0;
    for (const auto &entry : m_jobs)
        count += entry.second.cancelled ? 0 : 1;
    return count;
}

double JobRunner::progress() const
{
    for (const auto &entry : m_jobs)
        if (!entry.second.cancelled)
            return entry.second.fraction;
    return 0.0;
}

QString JobRunner::progressLabel() const
{
    QString label;
    int others = 0;
    for (const auto &entry : m_jobs) {
        if (entry.second.cancelled)
            continue;
        if (label.isEmpty())
            label = entry.second.label;
        else
            ++others;
    }
    if (others > 0)
        label = tr("%1 (+%n more)", nullptr, others).arg(label);
    return label;
}

bool JobRunner::waitForIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!m_jobs.empty()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

bool JobRunner::delivers(quint64 generation) const
{
    const auto it = m_jobs.find(generation);
    return it != m_jobs.end() && !it->second.cancelled && m_latest.value(it->second.slot) == generation;
}

void JobRunner::onResults(quint64 generation, int begin, int end)
{
    const auto it = m_jobs.find(generation);
    if (it == m_jobs.end())
        return;
    auto *watcher = static_cast<QFutureWatcher<Outcome> *>(it->second.watcher);
    const QString slot = it->second.slot;
    for (int i = begin; i < end; ++i) {
        // Checked again for every result: a slot connected to partialResult may have submitted a
        // newer request or cancelled this one.
        if (!delivers(generation))
            return;
        const Outcome outcome = watcher->future().resultAt(i);
        if (outcome.failed)
            emit failed(slot, generation, outcome.error);
        else if (outcome.partial)
            emit partialResult(slot, generation, outcome.value);
        else
            emit finished(slot, generation, outcome.value);
    }
}

void JobRunner::onProgress(quint64 generation, int value)
{
    const auto it = m_jobs.find(generation);
    if (it == m_jobs.end() || it->second.cancelled)
        return;
    it->second.fraction = double(value) / progressSteps;
    emitProgress();
}

void JobRunner::onFinished(quint64 generation)
{
    const auto it = m_jobs.find(generation);
    if (it == m_jobs.end())
        return;
    const bool wasCancelled = it->second.cancelled;
    const QString slot = it->second.slot;
    it->second.watcher->deleteLater();
    m_jobs.erase(it);
    if (wasCancelled)
        emit cancelled(slot, generation);
    updateBusy();
    emitProgress();
}

void JobRunner::updateBusy()
{
    const bool busy = activeCount() > 0;
    if (busy != m_busy) {
        m_busy = busy;
        emit busyChanged(busy);
    }
}

void JobRunner::emitProgress()
{
    emit progressChanged(progress(), progressLabel());
}

} // namespace factorscope::app
