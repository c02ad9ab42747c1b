#!/usr/bin/env bash
# expect_hazards.sh EXPECT WRAPPER PROGRAM ARGS...: runs PROGRAM under rvjit-icache-check.
# EXPECT "clean": the program must succeed with 0 hazards. EXPECT a rule name (fresh,
# stale-after-sync, mixed): the program must succeed and the checker must report hazards,
# every one of them by that rule (a seeded bug has exactly one kind of defect).
set -uo pipefail
expect=$1 wrapper=$2; shift 2
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$wrapper" -- "$@" 2>"$out"; status=$?
cat "$out"
summary=$(grep -E '^icache-check: summary ' "$out" | tail -n1)
[ -n "$summary" ] || { echo "FAIL: no checker summary (status $status)"; exit 1; }
if [ "$expect" = clean ]; then
  [ "$status" = 0 ] && { echo "PASS: clean"; exit 0; }
  echo "FAIL: expected no hazard and success, got status $status"; exit 1
fi
[ "$status" = 3 ] || { echo "FAIL: expected hazards (status 3), got status $status"; exit 1; }
kinds=$(grep -oE '^icache-check: HAZARD [a-z-]+' "$out" | awk '{print $3}' | sort -u)
if [ "$kinds" != "$expect" ]; then
  echo "FAIL: expected only '$expect' hazards, got: $(echo $kinds)"; exit 1
fi
echo "PASS: reported as $expect"
