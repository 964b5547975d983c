// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

class QLabel;
class QProgressBar;
class QStatusBar;
class QTimer;
class QToolButton;

namespace factorscope::app {

class JobRunner;

/// The status bar's job read-out: what runs, a progress bar and Cancel, shown only when a job
/// has run for a moment (quick jobs, such as a view at a new rank, finish before it would flash).
///
/// Owns those three widgets; Cancel stops every job of the runner and says so (cancelled()).
class JobStatus : public QObject
{
    Q_OBJECT

public:
    JobStatus(JobRunner *runner, QStatusBar *bar);

signals:
    /// The person pressed Cancel (every job has been cancelled).
    void cancelled();

private:
    void setShown(bool shown);

    JobRunner *m_runner;
    QLabel *m_label = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_cancel = nullptr;
    QTimer *m_delay = nullptr;
};

} // namespace factorscope::app
