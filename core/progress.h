// SPDX-License-Identifier: MIT
#pragma once

#include <exception>

namespace factorscope::core {

/// What a long core routine reports to, and asks whether it should stop.
/// Implementations must be callable from the worker thread. The default does nothing.
class Progress
{
public:
    virtual ~Progress() = default;
    /// Fraction of the whole job done, in [0, 1].
    virtual void setFraction(double fraction) { (void)fraction; }
    /// True once the owner no longer wants the result.
    virtual bool isCancelled() const { return false; }
};

/// Thrown by checkpoint() when the job was cancelled; caught by whoever started the job.
struct Cancelled : std::exception
{
    const char *what() const noexcept override { return "cancelled"; }
};

/// Maps a sub-task's [0,1] onto [begin, end] of a parent's progress, so nested routines
/// report a single monotone fraction.
class SubProgress final : public Progress
{
public:
    SubProgress(Progress *parent, double begin, double end)
        : m_parent(parent), m_begin(begin), m_end(end) {}
    void setFraction(double f) override
    {
        if (m_parent)
            m_parent->setFraction(m_begin + (m_end - m_begin) * f);
    }
    bool isCancelled() const override { return m_parent && m_parent->isCancelled(); }

private:
    Progress *m_parent;
    double m_begin;
    double m_end;
};

/// Reports progress and throws Cancelled if the owner asked to stop. Call at natural
/// checkpoints (per block, per sweep), not in inner loops.
inline void checkpoint(Progress *progress, double fraction)
{
    if (!progress)
        return;
    if (progress->isCancelled())
        throw Cancelled();
    progress->setFraction(fraction);
}

} // namespace factorscope::core
