// SPDX-License-Identifier: MIT
#pragma once

// Internal to the .mat reader: a short-lived child process for code that cannot be trusted with
// hostile input (matio, HDF5). Not installed, not part of the public API. POSIX only.

#include <cstdint>
#include <functional>
#include <string>

namespace factorscope::core::detail {

/// What the child may use beyond what the parent had when it forked.
struct IsolationLimits
{
    std::uint64_t memoryBytes = std::uint64_t(64) << 20; ///< resident memory (and address space)
    double seconds = 3.0;                                ///< wall-clock time from the start
};

/// One child process (fork, no exec) that runs a function and streams its answer back through a
/// pipe, killed when it exceeds its time or memory limit. The limits:
/// - memory: a watchdog in the parent reads the child's resident size (/proc/PID/statm) whenever
///   it waits (at least every 5 ms) and kills it above the parent's size at the fork plus the
///   limit; outside AddressSanitizer the child also sets RLIMIT_AS to its address-space size plus
///   the limit, so a large allocation fails at once. Under AddressSanitizer RLIMIT_AS is not used:
///   ASan reserves terabytes of shadow address space, which RLIMIT_AS counts.
/// - time: wall clock, measured by the parent, which kills the child at the deadline.
/// The child resets the crash signals to their default action, disables core dumps and ends with
/// _exit(), so a crash inside it is a quiet signal to the parent, never a report, a core file or
/// a run of the parent's atexit handlers.
class IsolatedProcess
{
public:
    enum class Outcome { Running, Finished, Crashed, Failed, TimedOut, OverMemory, NotStarted };

    IsolatedProcess() = default;
    IsolatedProcess(const IsolatedProcess &) = delete;
    IsolatedProcess &operator=(const IsolatedProcess &) = delete;
    /// Kills and reaps a child that is still running.
    ~IsolatedProcess();

    /// Forks; the child runs work(fd) with fd the write end of the pipe, then _exit(0) (3 if work
    /// throws). False if the process could not be started (see describe()).
    bool start(const std::function<void(int fd)> &work, const IsolationLimits &limits);
    /// Reads exactly n bytes from the child. False when the child ended first, or was killed for
    /// its limits.
    bool read(void *data, std::size_t n);
    /// Raises the limits by the given amounts (the child announced a larger read).
    void extend(std::uint64_t memoryBytes, double seconds);
    /// Waits for the child to end (killing it at the deadline) and returns how it ended.
    Outcome finish();
    Outcome outcome() const { return m_outcome; }
    /// "crashed (Segmentation fault)", "took longer than 3.0 s", "needed more than 64.0 MiB of
    /// memory", "ended with status 3", "could not be started (Resource temporarily unavailable)".
    std::string describe() const;

    /// In the child: sets its own address-space limit to its present size plus @p bytes (does
    /// nothing under ASan).
    static void raiseChildMemoryLimit(std::uint64_t bytes);
    /// In the child: writes all of @p data to the pipe; false if the parent went away.
    static bool writeAll(int fd, const void *data, std::size_t n);

private:
    bool watch();
    void kill(Outcome why);
    void reap(bool block);

    int m_pid = -1;
    int m_fd = -1;
    Outcome m_outcome = Outcome::NotStarted;
    int m_signal = 0;
    int m_status = 0;
    int m_startErrno = 0;
    std::uint64_t m_memoryLimit = 0;  ///< resident bytes
    std::uint64_t m_memoryAllowed = 0; ///< what the limit adds to the parent's size
    double m_seconds = 0;
    double m_deadline = 0;             ///< monotonic seconds
    double m_lastWatch = 0;
};

} // namespace factorscope::core::detail
