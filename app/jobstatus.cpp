// SPDX-License-Identifier: MIT
#include "jobstatus.h"

#include "jobrunner.h"

#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>

namespace factorscope::app {

JobStatus::JobStatus(JobRunner *runner, QStatusBar *bar) : QObject(bar), m_runner(runner)
{
    m_label = new QLabel;
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(false);
    m_cancel = new QToolButton;
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop every running computation"));
    bar->addPermanentWidget(m_label);
    bar->addPermanentWidget(m_progress);
    bar->addPermanentWidget(m_cancel);
    setShown(false);
    m_delay = new QTimer(this);
    m_delay->setSingleShot(true);
    m_delay->setInterval(300);
    connect(m_delay, &QTimer::timeout, this, [this] { setShown(m_runner->activeCount() > 0); });
    connect(runner, &JobRunner::progressChanged, this, [this](double fraction, const QString &label) {
        m_progress->setValue(int(fraction * 1000));
        m_label->setText(label);
    });
    connect(runner, &JobRunner::busyChanged, this, [this](bool busy) {
        if (busy) {
            m_delay->start();
        } else {
            m_delay->stop();
            setShown(false);
        }
    });
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        m_runner->cancelAll();
        emit cancelled();
    });
}

void JobStatus::setShown(bool shown)
{
    m_label->setVisible(shown);
    m_progress->setVisible(shown);
    m_cancel->setVisible(shown);
}

} // namespace factorscope::app
