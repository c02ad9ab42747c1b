#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds the rv64 preset and runs
# the main job under qemu-riscv64. Extra arguments go to the main program.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/setup.sh >/dev/null
bash scripts/build.sh rv64 >/dev/null
run_rv64() { qemu-riscv64 -L /usr/riscv64-linux-gnu "$@"; }
if [ -x build/rv64/samples/rvprof/rvprof ]; then
  run_rv64 build/rv64/samples/rvprof/rvprof "$@"
else
  run_rv64 build/rv64/samples/hello/rvjit-hello "$@"
fi
