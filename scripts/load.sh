#!/usr/bin/env bash
# A bounded, self-stopping CPU hog, for running tests on a loaded machine
# (docs/testing.md, "Under load").
#
#   scripts/load.sh N SECONDS      N busy processes for at most SECONDS seconds
#
# Each hog spins in a shell loop and exits by itself when SECONDS have passed, when the
# process that started load.sh has exited, or when load.sh is interrupted or killed
# (SIGINT/SIGTERM/SIGHUP). It never outlives its caller: nothing to clean up afterwards.
# Typical use, beside a test run:
#   scripts/load.sh 8 900 & ctest --preset rv64 -R stw_; wait
set -euo pipefail

n=${1:-}
secs=${2:-}
case "$n$secs" in *[!0-9]*|'') echo "usage: $0 N SECONDS  (positive integers)" >&2; exit 2 ;; esac
[ "$n" -gt 0 ] && [ "$secs" -gt 0 ] || { echo "usage: $0 N SECONDS  (positive integers)" >&2; exit 2; }

owner=$PPID   # whoever started us; the hogs stop when it is gone
pids=()

hog() {
  local end=$((SECONDS + secs)) i
  while [ "$SECONDS" -lt "$end" ] && kill -0 "$owner" 2>/dev/null && kill -0 "$$" 2>/dev/null; do
    for ((i = 0; i < 20000; i++)); do :; done   # ~10-50 ms of pure CPU between checks
  done
}

stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap 'stop; exit 0' INT TERM HUP
trap stop EXIT

for ((k = 0; k < n; k++)); do
  hog &
  pids+=($!)
done
echo "load.sh: $n hogs for at most $secs s (pids ${pids[*]}), stopping with pid $owner" >&2
wait
