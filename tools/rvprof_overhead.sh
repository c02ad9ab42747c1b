#!/usr/bin/env bash
# rvprof overhead: the same program, the same --repeat, with the hooks attached for the
# whole run against detached (sites never enabled: --attach-ms far beyond the run, so the
# JIT'd functions run through their disabled nop sites). The two modes alternate run by
# run in one session, so machine noise hits both alike. Prints every run's wall time (the
# "in X ms" rvprof reports for the runs themselves, not start-up) and, per program, the
# medians and the attached/detached ratio, and the same for the fastest run of each mode.
# See docs/benchmarks.md, "samples: rvprof overhead".
#
#   tools/rvprof_overhead.sh [--rvprof PATH] [--base PATH] [--runs N] [--out DIR] [--native]
#                            [PROGRAM:REPEAT ...]
#
# --native runs rvprof directly (on RISC-V hardware) instead of under qemu-riscv64.
# --base PATH also measures a second rvprof (an earlier build) in the same session, its
# runs interleaved with the first one's, and prints per program how many times more each
# hooked call costs with it (base +us/call / new +us/call).
#
# Defaults: build/rv64/samples/rvprof/rvprof under qemu-riscv64 -L /usr/riscv64-linux-gnu,
# 7 runs per mode, fib:100 sort:2000 interp:2000 (samples/programs/<name>.data); the
# repeats keep every trace event of an attached run within rvprof's default --max-events.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rvprof="$repo/build/rv64/samples/rvprof/rvprof"
base=""
runs=7
out=$(mktemp -d /tmp/rvprof-overhead.XXXXXX)
emu=(qemu-riscv64 -L /usr/riscv64-linux-gnu)
specs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rvprof) rvprof=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --native) emu=(); shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    -*) echo "rvprof_overhead: unknown option $1" >&2; exit 2 ;;
    *) specs+=("$1"); shift ;;
  esac
done
[ ${#specs[@]} -gt 0 ] || specs=(fib:100 sort:2000 interp:2000)
[ -x "$rvprof" ] || { echo "rvprof_overhead: no rvprof at $rvprof (build the rvprof target)" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base" ] || { echo "rvprof_overhead: no rvprof at $base" >&2; exit 2; }
builds=(new) bins=("$rvprof")
[ -z "$base" ] || { builds+=(base); bins+=("$base"); }
# Far beyond any run here: the timeline thread waits for it and is stopped when the runs end.
never_ms=100000000

# One rvprof invocation; prints its wall time in ms. Fails if the run did not PASS or the
# hooks were not in the state the mode asks for.
one() {  # build-index mode program repeat
  local b=$1 mode=$2 prog=$3 repeat=$4 log
  local dir="$out/${builds[$b]}/$mode"
  local args=(--quiet --repeat "$repeat" --out "$dir")
  [ "$mode" = detached ] && args+=(--attach-ms "$never_ms")
  log=$("${emu[@]}" "${bins[$b]}" "${args[@]}" "$repo/samples/programs/$prog.data")
  grep -q 'PASS' <<<"$log" || { echo "rvprof_overhead: $prog $mode did not pass:" >&2; echo "$log" >&2; return 1; }
  if [ "$mode" = detached ]; then
    grep -q 'hooks: 0 batch(es), 0 sync(s), 0 site patch(es), 0 switch(es)' <<<"$log" ||
      { echo "rvprof_overhead: $prog detached but the hooks switched:" >&2; echo "$log" >&2; return 1; }
  else
    grep -q '# complete: hooks on for the whole run' "$dir/table.txt" ||
      { echo "rvprof_overhead: $prog attached but not for the whole run" >&2; return 1; }
    if grep -q '^# lost' "$dir/table.txt"; then
      echo "rvprof_overhead: $prog: events were dropped (lower the repeat):" >&2
      grep '^# lost' "$dir/table.txt" >&2
      return 1
    fi
  fi
  sed -n 's/^rvprof: \([0-9]*\) run(s) on 1 thread(s) in \([0-9.]*\) ms.*/\2/p' <<<"$log"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "# rvprof: $rvprof${base:+ (new); base: $base}"
echo "# emulator: ${emu[*]:-(native)}; $runs runs per mode, alternating; $(date -u +%FT%TZ)"
printf '%-5s %-8s %7s %-9s %s\n' build program repeat mode "run times (ms)"
summary=() ratios=()
for spec in "${specs[@]}"; do
  prog=${spec%%:*} repeat=${spec#*:}
  declare -A times=()
  for ((i = 0; i < runs; i++)); do
    for b in "${!builds[@]}"; do
      times[$b.attached]+="$(one "$b" attached "$prog" "$repeat") "
      times[$b.detached]+="$(one "$b" detached "$prog" "$repeat") "
    done
  done
  per_call=()
  for b in "${!builds[@]}"; do
    read -ra att <<<"${times[$b.attached]}"
    read -ra det <<<"${times[$b.detached]}"
    printf '%-5s %-8s %7s %-9s %s\n' "${builds[$b]}" "$prog" "$repeat" attached "${att[*]}"
    printf '%-5s %-8s %7s %-9s %s\n' "${builds[$b]}" "$prog" "$repeat" detached "${det[*]}"
    ma=$(printf '%s\n' "${att[@]}" | median)
    md=$(printf '%s\n' "${det[@]}" | median)
    # Hooked calls per program run, from the last attached run's full table (every function).
    calls=$(awk -v r="$repeat" '$1 != "#" && $1 != "function" && $2 ~ /^[0-9]+$/ {s += $2}
      END {printf "%.0f", s / r}' "$out/${builds[$b]}/attached/table.txt")
    na=$(printf '%s\n' "${att[@]}" | sort -g | head -1)
    nd=$(printf '%s\n' "${det[@]}" | sort -g | head -1)
    per_call+=("$(awk -v a="$ma" -v d="$md" -v r="$repeat" -v c="$calls" 'BEGIN {printf "%.4f", (a - d) * 1000 / r / c}')")
    summary+=("$(awk -v bl="${builds[$b]}" -v p="$prog" -v r="$repeat" -v a="$ma" -v d="$md" -v na="$na" -v nd="$nd" -v c="$calls" \
      'BEGIN {printf "%-5s %-8s %7s %12.3f %12.3f %8.2fx %10.2f %7d %9.3f %10.3f %10.3f %8.2fx", bl, p, r, a, d, a / d, (a - d) * 1000 / r, c, (a - d) * 1000 / r / c, na, nd, na / nd}')")
  done
  unset times
  [ ${#per_call[@]} -lt 2 ] ||
    ratios+=("$(awk -v p="$prog" -v n="${per_call[0]}" -v o="${per_call[1]}" 'BEGIN {printf "%-8s %10.3f %10.3f %8.2fx", p, o, n, o / n}')")
done
echo
echo "# medians of the runs above (ratio = attached / detached; +us/run = the hooks' added time"
echo "# per program run; calls = hooked calls per run; +us/call = +us/run / calls), then the"
echo "# fastest run of each mode and their ratio"
printf '%-5s %-8s %7s %12s %12s %9s %10s %7s %9s %10s %10s %9s\n' build program repeat "attached ms" \
  "detached ms" ratio "+us/run" calls "+us/call" "min att" "min det" "min ratio"
printf '%s\n' "${summary[@]}"
if [ ${#ratios[@]} -gt 0 ]; then
  echo
  echo "# per hooked call, base build against new (median +us/call; lower = cheaper)"
  printf '%-8s %10s %10s %9s\n' program "base us" "new us" "base/new"
  printf '%s\n' "${ratios[@]}"
fi
