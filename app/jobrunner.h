// SPDX-License-Identifier: MIT
#pragma once

#include "core/progress.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

namespace factorscope::app {

/// Base of every value a job hands back. Results cross threads as immutable
/// std::shared_ptr<const JobValue>; receivers downcast with std::dynamic_pointer_cast.
class JobValue
{
public:
    virtual ~JobValue() = default;
};
using JobValuePtr = std::shared_ptr<const JobValue>;

/// What a job's work function sees on its worker thread: a core::Progress to pass to core
/// routines (fraction → the promise's progress value, isCancelled() → the promise's isCanceled())
/// and publish() for an intermediate result (e.g. a randomized preview before the exact answer).
class JobContext
{
public:
    virtual ~JobContext() = default;
    virtual core::Progress &progress() = 0;
    bool isCancelled() const { return const_cast<JobContext *>(this)->progress().isCancelled(); }
    /// Throws core::Cancelled when the owner no longer wants the result.
    void checkpoint(double fraction) { core::checkpoint(&progress(), fraction); }
    /// Delivers `partial` to the GUI thread now (JobRunner::partialResult), unless cancelled.
    virtual void publish(JobValuePtr partial) = 0;
};

/// The one way Factorscope runs work off the GUI thread (style.md, Threading).
///
/// Each job runs through QtConcurrent::run in run-with-promise mode on the runner's own thread
/// pool, watched by a QFutureWatcher that lives on the GUI thread. Jobs are grouped in named
/// slots ("svd", "view:id" …): a new request for a slot cancels the slot's previous job, and
/// only the newest request of a slot ever delivers (every request has a generation number; a
/// result whose generation is no longer the slot's newest, or whose job was cancelled, is
/// dropped, including results already queued when cancel() was called). The destructor cancels
/// every job and waits for the workers, so a work function may use anything that outlives the
/// runner; everything else it must capture by value (shared_ptr to immutable data).
class JobRunner : public QObject
{
    Q_OBJECT

public:
    /// Runs on a worker thread. Returns the final value (may be null); may throw core::Cancelled
    /// (the job then ends quietly) or any std::exception (reported by failed()).
    using Work = std::function<JobValuePtr(JobContext &context)>;

    explicit JobRunner(QObject *parent = nullptr);
    ~JobRunner() override;

    /// Starts `work` in `slot`, cancelling whatever that slot was running. `label` is shown next
    /// to the progress bar ("SVD of 512 × 512"). Returns the request's generation (> 0, unique
    /// over the runner's life).
    quint64 submit(const QString &slot, const QString &label, Work work);
    /// Cancels the slot's job: it will not deliver. No-op for an idle slot.
    void cancel(const QString &slot);
    /// Cancels every job (the status bar's Cancel button).
    void cancelAll();

    /// The newest generation submitted to `slot` (0 if none).
    quint64 latestGeneration(const QString &slot) const { return m_latest.value(slot, 0); }
    /// True while `slot` has a job that may still deliver.
    bool isActive(const QString &slot) const;
    /// Jobs that may still deliver (cancelled ones winding down are not counted).
    int activeCount() const;
    /// Progress of the oldest active job in [0, 1] and its label (empty when idle).
    double progress() const;
    QString progressLabel() const;

    /// Blocks (processing events) until no job is running, including cancelled ones still
    /// winding down, or until `timeoutMs` passes. For tests and the screenshot mode.
    bool waitForIdle(int timeoutMs);
    /// Worker threads of the pool (default: the ideal thread count, at least 2).
    void setMaxThreads(int threads) { m_pool.setMaxThreadCount(threads); }
    /// Runs the jobs `increment` nice levels below the GUI (Linux; 0, the default, leaves them
    /// alone): long factorisations then yield the cores to the GUI thread and to a runner whose
    /// short jobs the screen waits for.
    void setNiceIncrement(int increment) { m_niceIncrement = std::max(0, increment); }

signals:
    /// An intermediate value published by a job that is still its slot's newest.
    void partialResult(const QString &slot, quint64 generation, factorscope::app::JobValuePtr value);
    /// The final value of a job that is still its slot's newest and was not cancelled.
    void finished(const QString &slot, quint64 generation, factorscope::app::JobValuePtr value);
    /// The work threw: `message` is the exception's text.
    void failed(const QString &slot, quint64 generation, const QString &message);
    /// A cancelled job has stopped (its results were dropped).
    void cancelled(const QString &slot, quint64 generation);
    /// Progress of the oldest active job changed (see progress()).
    void progressChanged(double fraction, const QString &label);
    /// Emitted when the runner goes from idle to busy and back (active jobs only).
    void busyChanged(bool busy);

private:
    struct Outcome;
    struct Job
    {
        QString slot;
        QString label;
        double fraction = 0.0;
        bool cancelled = false;
        QObject *watcher = nullptr;
        std::function<void()> cancelFuture;
        std::function<bool()> isFinished;
    };

    void onResults(quint64 generation, int begin, int end);
    void onFinished(quint64 generation);
    void onProgress(quint64 generation, int value);
    bool delivers(quint64 generation) const;
    void cancelJob(Job &job);
    void updateBusy();
    void emitProgress();

    QThreadPool m_pool;
    std::map<quint64, Job> m_jobs;     ///< running jobs, ordered by generation
    QHash<QString, quint64> m_latest;  ///< newest generation per slot
    quint64 m_nextGeneration = 1;
    int m_niceIncrement = 0;
    bool m_busy = false;
};

} // namespace factorscope::app

Q_DECLARE_METATYPE(factorscope::app::JobValuePtr)
