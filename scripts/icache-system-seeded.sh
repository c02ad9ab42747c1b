#!/usr/bin/env bash
# The system-mode seeded bug of rvjit-icache-check (docs/icache-check.md): boots
# tests/icache/seeded_migration_guest.cpp as /init twice under the system-mode plugin, the
# bug (a thread migrates to another hart after its own fence.i, without the icache-flush
# prctl) must be reported as "fresh", the twin (prctl first) must be clean.
#   scripts/icache-system-seeded.sh [rv64-build-dir]
# Ends with `icache-system-seeded: N passed, M failed`; exit 0 only when M is 0.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/rv64}
cmake --build "$build" --target icache_seeded_migration_guest >/dev/null ||
  { echo "icache-system-seeded: building the guest failed"; exit 1; }
guest=$build/tests/icache/icache_seeded_migration_guest
passed=0 failed=0
for variant in bug twin; do
  expect=""
  [ "$variant" = bug ] && expect=fresh
  if RVJIT_SYSTEM_PLUGIN=1 RVJIT_SYSTEM_GUEST=$guest RVJIT_SYSTEM_ARGS="variant=$variant" \
     RVJIT_SYSTEM_EXPECT_HAZARDS=$expect RVJIT_SYSTEM_TIMEOUT=${RVJIT_SYSTEM_TIMEOUT:-900} \
     RVJIT_SYSTEM_WORKDIR=$build/system-test-seeded-$variant \
     bash "$repo/scripts/system-test.sh" "$build"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "icache-system-seeded: $variant FAILED"
  fi
done
echo "icache-system-seeded: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
