// SPDX-License-Identifier: MIT
// Fuzz targets for the readers of several named arrays: FS_FUZZ_FORMAT picks .npz (libzip over the
// input held in memory) or .safetensors (the input as the mapped file). Each input is listed
// (core::listTensors' reader) and then loaded as the program loads it: without a name (the only
// loadable array, or the question which one), and each listed array by its name (at most 8).
// The *Bytes entry points are the file readers' own code without the open and the mmap, so no
// file is written.

#include "fuzzutil.h"

#include "core/io/matrixio_p.h"

#include <string>

using namespace factorscope;

namespace {

#define FS_FUZZ_NPZ 1
#define FS_FUZZ_SAFETENSORS 2

core::ListResult listBytes(const std::uint8_t *data, std::size_t size)
{
#if FS_FUZZ_FORMAT == FS_FUZZ_NPZ
    return core::detail::listNpzBytes(data, size);
#else
    return core::detail::listSafetensorsBytes(data, size);
#endif
}

core::LoadResult loadBytes(const std::uint8_t *data, std::size_t size, const std::string &name,
                           const core::LoadLimits &limits)
{
    core::detail::TensorRequest request;
    request.name = name;
    // With the checks loadTensor() makes after every reader (finite values, one shape).
#if FS_FUZZ_FORMAT == FS_FUZZ_NPZ
    return core::detail::checkLoaded(core::detail::loadNpzBytes(data, size, request, limits));
#else
    return core::detail::checkLoaded(core::detail::loadSafetensorsBytes(data, size, request, limits));
#endif
}

#if FS_FUZZ_FORMAT == FS_FUZZ_NPZ
const std::string inputPath = "input.npz";
#else
const std::string inputPath = "input.safetensors";
#endif

/// The stable part of a reason for the outcome counts: up to the first digit or quote (the
/// reason, not the message: array names from the file come before it there).
std::string outcomeKey(const std::string &reason)
{
    std::string key = reason;
    const std::size_t cut = key.find_first_of("0123456789\"'(");
    if (cut != std::string::npos)
        key.resize(cut);
    return key;
}

void check(const core::LoadResult &r, const core::LoadLimits &limits)
{
    if (r.ok()) {
        fuzz::checkMatrix(r.matrix->channels, 4, limits);
        fuzz::countOutcome("loaded");
        return;
    }
    const std::string message = core::describeLoadError(inputPath, r.error);
    fuzz::checkMessage(inputPath, message);
    fuzz::countOutcome(outcomeKey(r.error.reason));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const core::LoadLimits limits = fuzz::fuzzLimits();
    const core::ListResult listed = listBytes(data, size);
    if (!listed.ok()) {
        const std::string message = core::describeLoadError(inputPath, listed.error);
        fuzz::checkMessage(inputPath, message);
        fuzz::countOutcome("list: " + outcomeKey(listed.error.reason));
    }
    check(loadBytes(data, size, std::string(), limits), limits);
    if (listed.ok()) {
        std::size_t loaded = 0;
        for (const core::TensorInfo &t : listed.listing->tensors) {
            if (loaded++ == 8)
                break;
            check(loadBytes(data, size, t.name, limits), limits);
        }
    }
    return 0;
}
