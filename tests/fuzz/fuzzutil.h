// SPDX-License-Identifier: MIT
#pragma once

// Shared by the fuzz targets: the fuzzing budget, one private input file per process, and the
// promises every reader keeps, checked on each input (a broken one aborts: libFuzzer records it).

#include "core/io/matrixio.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace factorscope::fuzz {

/// The program's budget (core::LoadLimits::defaults()), capped at 2^23 values (64 MiB of
/// doubles): a valid input may legitimately declare a matrix of the whole budget (a 66-byte
/// Matrix Market file declares 16384 x 16384 zeros, 2 GiB), which would look like an
/// out-of-memory finding under the campaign's -rss_limit_mb=256. Every check is the same code;
/// only the number is smaller.
core::LoadLimits fuzzLimits();

/// Writes the input to <private dir>/input<extension> (the same path every time) and returns it.
const std::string &writeInput(const std::uint8_t *data, std::size_t size, const std::string &extension);

/// Aborts (a finding) unless @p message is one sentence naming @p path: "PATH: reason." (or
/// "PATH::NAME: reason." about one array of the file) on one line.
void checkMessage(const std::string &path, const std::string &message);

/// Aborts unless the channels are a loaded matrix: non-empty, one shape, finite, within the budget.
void checkMatrix(const std::vector<core::Matrix> &channels, std::size_t maxChannels, const core::LoadLimits &limits);

/// Counts an error message by kind for the end-of-run summary on stderr (FS_FUZZ_STATS=1).
void countOutcome(const std::string &what);

} // namespace factorscope::fuzz
