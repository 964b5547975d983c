#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds Factorscope and opens it (on the embedded default image, or on the files given).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
ensure_packages run
configure_and_build
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "No display found: starting Factorscope under Xvfb." >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" ./build/app/factorscope "$@"
fi
exec ./build/app/factorscope "$@"
