// SPDX-License-Identifier: MIT
// One fuzz target per matrix reader: FS_FUZZ_EXTENSION (".npy", ".csv", ".mtx", ".mat" …) picks the
// reader, through core::loadMatrixFile, the function the program's every open path calls.

#include "fuzzutil.h"

#include <cstdlib>
#include <string>

using namespace factorscope;

namespace {

/// The stable part of a message for the outcome counts: the text up to the first digit or quote.
std::string outcomeKey(const std::string &message, std::size_t skip)
{
    std::string key = message.substr(skip);
    const std::size_t cut = key.find_first_of("0123456789\"'(");
    if (cut != std::string::npos)
        key.resize(cut);
    return key;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const core::LoadLimits limits = fuzz::fuzzLimits();
    const std::string &path = fuzz::writeInput(data, size, FS_FUZZ_EXTENSION);
    const core::LoadResult r = core::loadMatrixFile(path, limits);
    if (r.ok()) {
        fuzz::checkMatrix(r.matrix->channels, 4, limits);
        fuzz::countOutcome("loaded");
        return 0;
    }
    const std::string message = core::describeLoadError(path, r.error);
    fuzz::checkMessage(path, message);
    fuzz::countOutcome(outcomeKey(message, path.size() + 2));
    // FS_FUZZ_STRICT_MAT=1: a .mat file that passed the layout check but made matio crash or run
    // out of its limits is a finding too (to tighten the layout check; the program contains it).
    static const bool strictMat = [] {
        const char *e = std::getenv("FS_FUZZ_STRICT_MAT");
        return e && *e == '1';
    }();
    if (strictMat && message.find("the MATLAB reader (matio)") != std::string::npos)
        std::abort();
    return 0;
}
