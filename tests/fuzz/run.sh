#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the fuzz targets of a FACTORSCOPE_FUZZ build over their committed corpora, one target at a
# time, niced, with the limits of issue 13 (no input may take more than 5 s or 256 MB), and fails
# on any finding (a crash, a broken promise, a leak, a timeout or an out-of-memory) or on an
# artifact left behind.
#
#   tests/fuzz/run.sh BUILD_DIR [--seconds 60] [--runs N] [--work DIR] [-libfuzzer_flag=V...] [TARGET...]
#
# --seconds: per target (default 60: the CI smoke run); --runs: stop a target after N executions
# (a campaign: --runs 10000000 --seconds 7200); --work: keep each target's grown corpus in
# DIR/<target>, its log in DIR/<target>.log and its findings in DIR/findings-<target>/
# (default: a temporary directory, removed). TARGETs default to every fuzz_* binary.
# Each target reads corpus/<target>/ and regressions/<target>/ (the campaign's findings), and
# dict/<target>.dict when it exists. The committed corpus is never written to.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: tests/fuzz/run.sh BUILD_DIR [--seconds N] [--runs N] [--work DIR] [TARGET...]}"
shift
seconds=60
runs=-1
work=""
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -*) extra+=("$1"); shift ;;        # a libFuzzer flag, e.g. -max_len=1048576
    *) targets+=("$1"); shift ;;
  esac
done
bindir="$build/tests/fuzz"
if [ ${#targets[@]} -eq 0 ]; then
  for b in "$bindir"/fuzz_*; do
    [ -x "$b" ] && targets+=("$(basename "$b" | sed 's/^fuzz_//')")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $bindir (configure with -DFACTORSCOPE_FUZZ=ON)" >&2; exit 1; }

scratch="$(mktemp -d "${TMPDIR:-/tmp}/factorscope-fuzz-run-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
status=0
for t in "${targets[@]}"; do
  corpus="${work:-$scratch}/$t"
  artifacts="$scratch/artifacts-$t"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$here/corpus/$t"/* "$corpus/" 2>/dev/null || true
  inputs=("$corpus")
  [ -d "$here/regressions/$t" ] && inputs+=("$here/regressions/$t")
  flags=(-rss_limit_mb=256 -timeout=5 -max_total_time="$seconds" -runs="$runs" -print_final_stats=1
         -artifact_prefix="$artifacts/")
  [ -f "$here/dict/$t.dict" ] && flags+=(-dict="$here/dict/$t.dict")
  flags+=("${extra[@]}")
  echo "== fuzz_$t: ${seconds} s$([ "$runs" -ge 0 ] && echo ", at most $runs runs")" >&2
  log="${work:-$scratch}/$t.log" # kept with --work
  # ASan keeps 256 MB of freed memory in quarantine by default, which alone would reach the
  # 256 MB limit: 32 MB keeps use-after-free detection without false out-of-memory reports.
  # Appended, so it holds also under scripts/sanitize.sh's own ASAN_OPTIONS (the later value wins).
  if ! ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:quarantine_size_mb=32" nice -n 19 "$bindir/fuzz_$t" "${flags[@]}" "${inputs[@]}" \
      >"$log" 2>&1; then
    echo "fuzz_$t: FAILED" >&2
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$log" >&2 || true
  if [ -n "$(ls -A "$artifacts")" ]; then
    echo "fuzz_$t: findings:" >&2
    for a in "$artifacts"/*; do
      echo "  $(basename "$a") ($(stat -c %s "$a") bytes)" >&2
      mkdir -p "${work:-$scratch}/findings-$t" && cp "$a" "${work:-$scratch}/findings-$t/"
    done
    grep -E 'ERROR|SUMMARY|broken promise|runtime error' "$log" | head -20 >&2 || true
    status=1
  fi
  if [ "$status" -ne 0 ] && [ -z "$work" ]; then
    tail -40 "$log" >&2
  fi
done
exit $status
