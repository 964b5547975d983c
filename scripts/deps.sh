#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages Factorscope needs, only when some are missing.
# Sourced by run.sh, test.sh and scripts/sanitize.sh: `ensure_packages build|test|run|sanitize`.
set -euo pipefail

FS_BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-image-formats-plugins qt6-qpa-plugins
  libqcustomplot-dev libeigen3-dev libopenblas-dev liblapacke-dev libmatio-dev libfast-float-dev
  libzip-dev nlohmann-json3-dev zlib1g-dev
)
# Tests render offscreen and compare with numpy/scipy; the GUI needs an X server when there is none.
FS_TEST_PACKAGES=(python3-numpy python3-scipy)
FS_RUN_PACKAGES=(xvfb xauth)
# The sanitized build and the fuzz targets (scripts/sanitize.sh, .ci/run): Clang and libFuzzer.
FS_SANITIZE_PACKAGES=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)

ensure_packages() {
  local wanted=("${FS_BUILD_PACKAGES[@]}")
  case "${1:-build}" in
    test) wanted+=("${FS_TEST_PACKAGES[@]}") ;;
    sanitize) wanted+=("${FS_TEST_PACKAGES[@]}" "${FS_SANITIZE_PACKAGES[@]}") ;;
    run) wanted+=("${FS_RUN_PACKAGES[@]}") ;;
  esac
  local missing=()
  local p
  for p in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Factorscope needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get update && sudo $cmd" >&2
    exit 1
  fi
  echo "Installing missing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $cmd
}

configure_and_build() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build" --parallel "$(nproc)"
}
