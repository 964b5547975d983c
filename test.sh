#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds Factorscope and runs every test (core, widgets, app, headless command).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
ensure_packages test
configure_and_build
cd build
ctest --output-on-failure --no-tests=error --parallel "$(nproc)" "$@"
