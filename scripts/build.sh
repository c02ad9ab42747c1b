#!/usr/bin/env bash
# Configures and builds the given presets (default: host rv64). Used by test.sh and run.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(host rv64)
mkdir -p build
for p in "${presets[@]}"; do
  echo "== build: $p"
  cmake --preset "$p" >"build/$p.configure.log" 2>&1 || { cat "build/$p.configure.log"; exit 1; }
  rm -f "build/$p.configure.log"
  if ! cmake --build --preset "$p" -j"$(nproc)" >"build/$p.build.log" 2>&1; then
    grep -E 'error|Error|FAILED' "build/$p.build.log" | head -40
    tail -20 "build/$p.build.log"
    echo "build: preset $p failed (full log: build/$p.build.log)"
    exit 1
  fi
  echo "build: $p ok ($(grep -c '^\[' "build/$p.build.log") steps; log build/$p.build.log)"
done
