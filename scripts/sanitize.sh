#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The sanitized run (.ci/run calls it after ./test.sh): builds everything with Clang,
# AddressSanitizer and UndefinedBehaviorSanitizer (-fno-sanitize-recover=undefined: any UB is
# fatal) and the fuzz targets into build-asan/, runs the whole test suite there (LeakSanitizer
# included), then every fuzz target over its committed corpus for SECONDS (default 60) seconds.
# Fails on any test failure, sanitizer report or fuzzing finding.
#
#   scripts/sanitize.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
source scripts/deps.sh
ensure_packages sanitize
build="build-asan"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFACTORSCOPE_FUZZ=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)"

# LeakSanitizer on, with no suppressions: the suite leaks nothing (the compare panes, which did,
# are owned from creation).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Instrumented code runs several times slower (SSIM of a 12-megapixel photo in app_tst_slider):
# Qt Test's 5-minute limit per test function becomes ctest's 15 minutes per program.
export QTEST_FUNCTION_TIMEOUT=900000
(cd "$build" && ctest --output-on-failure --no-tests=error --parallel "$(nproc)")

tests/fuzz/run.sh "$build" --seconds "$seconds"
