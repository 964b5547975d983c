// SPDX-License-Identifier: MIT
#include "isolation.h"
#include "matrixio_p.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FS_UNDER_ASAN 1
#endif

// A sanitizer runtime (when linked) calls its death callback before it exits on an error; in the
// child that must not be libFuzzer's, which would write a crash file for the parent's input.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace factorscope::core::detail {

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Resident bytes of a process (second field of /proc/PID/statm), 0 if unknown.
std::uint64_t residentBytes(int pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/statm", pid);
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buffer[128];
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0)
        return 0;
    buffer[n] = '\0';
    unsigned long long size = 0, resident = 0;
    if (std::sscanf(buffer, "%llu %llu", &size, &resident) != 2)
        return 0;
    return std::uint64_t(resident) * std::uint64_t(::sysconf(_SC_PAGESIZE));
}

#if !defined(FS_UNDER_ASAN)
/// Address-space size of this process (first field of /proc/self/statm).
std::uint64_t ownAddressSpace()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0;
    const int got = std::fscanf(f, "%llu", &size);
    std::fclose(f);
    return got == 1 ? std::uint64_t(size) * std::uint64_t(::sysconf(_SC_PAGESIZE)) : 0;
}
#endif

[[noreturn]] void childDeath()
{
    ::_exit(70);
}

void prepareChild(std::uint64_t memoryBytes)
{
    // Crashes end the child by their signal (no handler of the parent's, no sanitizer report
    // turned into a fuzzer crash file, no core dump).
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ, SIGPIPE})
        std::signal(sig, SIG_DFL);
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback([] { childDeath(); });
    const struct rlimit noCore = {0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);
    IsolatedProcess::raiseChildMemoryLimit(memoryBytes);
}

} // namespace

void IsolatedProcess::raiseChildMemoryLimit(std::uint64_t bytes)
{
#if defined(FS_UNDER_ASAN)
    (void)bytes; // the parent's resident-size watchdog is the limit
#else
    const std::uint64_t base = ownAddressSpace();
    if (base == 0)
        return;
    struct rlimit current;
    if (::getrlimit(RLIMIT_AS, &current) != 0)
        return;
    rlim_t wanted = rlim_t(base + bytes);
    if (current.rlim_max != RLIM_INFINITY && wanted > current.rlim_max)
        wanted = current.rlim_max;
    const struct rlimit limit = {wanted, current.rlim_max};
    ::setrlimit(RLIMIT_AS, &limit);
#endif
}

bool IsolatedProcess::writeAll(int fd, const void *data, std::size_t n)
{
    const auto *p = static_cast<const char *>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

IsolatedProcess::~IsolatedProcess()
{
    if (m_outcome == Outcome::Running)
        kill(Outcome::Failed);
    if (m_fd >= 0)
        ::close(m_fd);
}

bool IsolatedProcess::start(const std::function<void(int fd)> &work, const IsolationLimits &limits)
{
    int fds[2];
    // Close-on-exec: a program another thread starts meanwhile must not hold the write end open.
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        m_startErrno = errno;
        return false;
    }
    const std::uint64_t parentResident = residentBytes(int(::getpid()));
    const pid_t pid = ::fork();
    if (pid < 0) {
        m_startErrno = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    if (pid == 0) {
        ::close(fds[0]);
        prepareChild(limits.memoryBytes);
        int code = 0;
        try {
            work(fds[1]);
        } catch (...) {
            code = 3;
        }
        ::_exit(code);
    }
    ::close(fds[1]);
    m_pid = pid;
    m_fd = fds[0];
    m_outcome = Outcome::Running;
    m_memoryAllowed = limits.memoryBytes;
    m_memoryLimit = parentResident + limits.memoryBytes;
    m_seconds = limits.seconds;
    m_deadline = now() + limits.seconds;
    return true;
}

void IsolatedProcess::extend(std::uint64_t memoryBytes, double seconds)
{
    m_memoryAllowed += memoryBytes;
    m_memoryLimit += memoryBytes;
    m_seconds += seconds;
    m_deadline += seconds;
}

void IsolatedProcess::kill(Outcome why)
{
    if (m_pid > 0 && m_outcome == Outcome::Running) {
        ::kill(m_pid, SIGKILL);
        m_outcome = why;
        reap(true);
    }
}

void IsolatedProcess::reap(bool block)
{
    if (m_pid <= 0)
        return;
    int status = 0;
    pid_t r;
    do
        r = ::waitpid(m_pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return; // still running
    m_pid = -1;
    if (r < 0) { // reaped elsewhere (SIGCHLD ignored): the protocol alone tells success
        if (m_outcome == Outcome::Running)
            m_outcome = Outcome::Finished;
        return;
    }
    if (m_outcome != Outcome::Running)
        return; // killed for a limit: that is the outcome
    if (WIFSIGNALED(status)) {
        m_outcome = Outcome::Crashed;
        m_signal = WTERMSIG(status);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        m_outcome = Outcome::Failed;
        m_status = WEXITSTATUS(status);
    } else {
        m_outcome = Outcome::Finished;
    }
}

/// Checks the child's limits; false (and the child killed) when one is exceeded.
bool IsolatedProcess::watch()
{
    if (m_outcome != Outcome::Running)
        return false;
    if (now() > m_deadline) {
        kill(Outcome::TimedOut);
        return false;
    }
    if (m_pid > 0 && residentBytes(m_pid) > m_memoryLimit) {
        kill(Outcome::OverMemory);
        return false;
    }
    return true;
}

bool IsolatedProcess::read(void *data, std::size_t n)
{
    auto *p = static_cast<char *>(data);
    while (n > 0) {
        if (m_fd < 0)
            return false;
        const double t = now();
        if (t - m_lastWatch > 0.005) {
            if (!watch())
                return false;
            m_lastWatch = t;
        }
        struct pollfd pfd = {m_fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, 5);
        if (ready < 0 && errno != EINTR)
            return false;
        if (ready <= 0)
            continue;
        const ssize_t got = ::read(m_fd, p, n);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        if (got == 0) { // the child closed the pipe (ended)
            ::close(m_fd);
            m_fd = -1;
            return false;
        }
        p += got;
        n -= std::size_t(got);
    }
    return true;
}

IsolatedProcess::Outcome IsolatedProcess::finish()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    // The child is usually exiting already: look again soon, then less often.
    useconds_t pause = 50;
    while (m_outcome == Outcome::Running) {
        reap(false);
        if (m_outcome != Outcome::Running || !watch())
            break;
        ::usleep(pause);
        pause = std::min<useconds_t>(pause * 2, 5000);
    }
    return m_outcome;
}

std::string IsolatedProcess::describe() const
{
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f s", m_seconds);
    switch (m_outcome) {
    case Outcome::Crashed: {
        const char *name = ::strsignal(m_signal);
        return std::string("crashed (") + (name ? name : "signal " + std::to_string(m_signal)) + ")";
    }
    case Outcome::Failed: return "ended with status " + std::to_string(m_status);
    case Outcome::TimedOut: return std::string("took longer than ") + seconds;
    case Outcome::OverMemory: return "needed more than " + bytesText(m_memoryAllowed) + " of memory";
    case Outcome::NotStarted: return "could not be started (" + errnoText(m_startErrno) + ")";
    case Outcome::Running: return "is still running";
    case Outcome::Finished: return "ended";
    }
    return {};
}

} // namespace factorscope::core::detail
