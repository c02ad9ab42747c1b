#!/usr/bin/env bash
# Configures and builds the given presets (default: host rv64). Used by test.sh and run.sh.
# Prints one step per preset, a heartbeat with ninja's [N/M] every 30 s while it builds,
# and where the log is (build/<preset>.build.log).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. scripts/lib/progress.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(host rv64)
mkdir -p build
for p in "${presets[@]}"; do
  progress_step "build: $p preset"
  progress_run "configure $p" "build/$p.configure.log" "" cmake --preset "$p" || exit 1
  if ! progress_run "build $p" "build/$p.build.log" progress_ninja_probe \
       cmake --build --preset "$p" -j"$(nproc)"; then
    echo "    errors:"
    grep -E 'error|Error|FAILED' "build/$p.build.log" | head -40 | sed 's/^/    | /'
    echo "build: preset $p failed (full log: build/$p.build.log)"
    exit 1
  fi
  echo "build: $p ok ($(grep -c '^\[' "build/$p.build.log") steps; log build/$p.build.log)"
done
