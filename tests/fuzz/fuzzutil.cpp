// SPDX-License-Identifier: MIT
#include "fuzzutil.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <unistd.h>

namespace factorscope::fuzz {

namespace {

[[noreturn]] void broken(const std::string &promise, const std::string &detail)
{
    std::fprintf(stderr, "factorscope fuzz: broken promise: %s: %s\n", promise.c_str(), detail.c_str());
    std::abort();
}

struct InputDirectory
{
    std::string dir;
    std::string path;
    std::string extension;
    InputDirectory()
    {
        // In memory when possible: rewriting a file on ext4 makes close() flush it to the disk
        // (auto_da_alloc), which cost 3 ms an input.
        const char *tmp = std::getenv("TMPDIR");
        std::string base = tmp && *tmp ? tmp : "/tmp";
        if (::access("/dev/shm", W_OK) == 0 && !(tmp && *tmp))
            base = "/dev/shm";
        std::string pattern = base + "/factorscope-fuzz-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            broken("set-up", "cannot create a temporary directory");
        dir = pattern;
    }
    ~InputDirectory()
    {
        if (!path.empty())
            ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

InputDirectory &inputDirectory()
{
    static InputDirectory d;
    return d;
}

std::map<std::string, long long> &outcomes()
{
    // Never destroyed: the summary is printed by an atexit handler, after static destructors
    // of objects constructed later would have run.
    static auto *counts = new std::map<std::string, long long>;
    return *counts;
}

void printOutcomes()
{
    std::fprintf(stderr, "factorscope fuzz: outcomes of this run:\n");
    for (const auto &[what, count] : outcomes())
        std::fprintf(stderr, "  %10lld  %s\n", count, what.c_str());
}

} // namespace

core::LoadLimits fuzzLimits()
{
    core::LoadLimits limits = core::LoadLimits::defaults();
    limits.maxElements = std::min<std::uint64_t>(limits.maxElements, std::uint64_t(1) << 23);
    return limits;
}

const std::string &writeInput(const std::uint8_t *data, std::size_t size, const std::string &extension)
{
    InputDirectory &d = inputDirectory();
    if (d.extension != extension || d.path.empty()) {
        d.extension = extension;
        d.path = d.dir + "/input" + extension;
    }
    std::FILE *f = std::fopen(d.path.c_str(), "wb");
    if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0)
        broken("set-up", "cannot write " + d.path);
    return d.path;
}

void checkMessage(const std::string &path, const std::string &message)
{
    // "PATH: reason." or, about one array of the file, "PATH::NAME: reason."
    bool namesFile = message.rfind(path + ": ", 0) == 0;
    if (!namesFile && message.rfind(path + "::", 0) == 0)
        namesFile = message.find(": ", path.size() + 2) != std::string::npos;
    if (!namesFile)
        broken("the message names the file first", message);
    // describeLoadError() adds a full stop unless the reason ends a sentence already ("did you mean
    // …?"); a reason may also end in an array name from the file that ends in '!' or '?'.
    if (message.size() <= path.size() + 2
        || (message.back() != '.' && message.back() != '!' && message.back() != '?'))
        broken("the message is one sentence ending in a full stop", message);
    if (message.find('\n') != std::string::npos)
        broken("the message is one line", message);
}

void checkMatrix(const std::vector<core::Matrix> &channels, std::size_t maxChannels, const core::LoadLimits &limits)
{
    if (channels.empty() || channels.size() > maxChannels)
        broken("a loaded matrix has 1 to " + std::to_string(maxChannels) + " channels",
               std::to_string(channels.size()));
    const auto rows = channels[0].rows(), cols = channels[0].cols();
    if (rows < 1 || cols < 1)
        broken("a loaded matrix is not empty", std::to_string(rows) + " x " + std::to_string(cols));
    std::uint64_t total = 0;
    for (const core::Matrix &m : channels) {
        if (m.rows() != rows || m.cols() != cols)
            broken("the channels have one shape", "");
        if (!m.allFinite())
            broken("the values are finite", "");
        total += std::uint64_t(m.size());
    }
    if (total > limits.maxElements)
        broken("the matrix fits the budget", std::to_string(total) + " values");
}

void countOutcome(const std::string &what)
{
    static const bool enabled = [] {
        const char *e = std::getenv("FS_FUZZ_STATS");
        if (e && *e == '1')
            std::atexit(printOutcomes);
        return e && *e == '1';
    }();
    if (enabled)
        ++outcomes()[what];
}

} // namespace factorscope::fuzz
