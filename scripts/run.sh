#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds the rv64 preset and runs
# the main job under qemu-riscv64. Extra arguments go to the main program. Each step says
# what runs, how long it took and where its log is; long steps print a heartbeat.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. scripts/lib/progress.sh
t0=$(date +%s)
progress_step "[1/3] setup: packages and third-party libraries (a fresh machine: ~10 min)"
bash scripts/setup.sh
progress_step "[2/3] build the rv64 preset"
bash scripts/build.sh rv64
run_rv64() { qemu-riscv64 -L /usr/riscv64-linux-gnu "$@"; }
progress_step "[3/3] run the main job under qemu-riscv64 ($(progress_duration $(( $(date +%s) - t0 ))) so far)"
if [ -x build/rv64/samples/rvprof/rvprof ]; then
  run_rv64 build/rv64/samples/rvprof/rvprof "$@"
else
  run_rv64 build/rv64/samples/hello/rvjit-hello "$@"
fi
