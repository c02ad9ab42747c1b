#!/usr/bin/env bash
# System tests: boot a real RISC-V Linux 6.12 under qemu-system-riscv64 with the guest test
# program (tests/system) as /init, and decide pass/fail from what the guest prints.
#
#   scripts/system-test.sh [rv64-build-dir]        (default: <repo>/build/rv64)
#
# Environment (all optional):
#   RVJIT_SYSTEM_FILTER    GoogleTest filter for the guest, e.g. 'Membarrier.*' (no spaces)
#   RVJIT_SYSTEM_TIMEOUT   hard limit in seconds for the boot + tests (default 1500: a hang
#                          guard sized for a loaded machine, not a speed check)
#   RVJIT_SYSTEM_ARGS      extra guest parameters, space separated key=value; each becomes
#                          rvjit.key=value on the kernel command line and RVJIT_KEY=value
#                          in the guest tests' environment (e.g. "soak=30")
#   RVJIT_SYSTEM_SMP       number of harts (default 2)
#   RVJIT_SYSTEM_ACCEL     QEMU accelerator (default: tcg,thread=multi under the icache
#                          checker, tcg,thread=single without it; see below)
#   RVJIT_SYSTEM_QEMU_ARGS extra qemu-system-riscv64 arguments, space separated
#   RVJIT_SYSTEM_QEMU      the qemu-system-riscv64 to run (default: Debian's; with the plugin, the
#                          fixed build of scripts/qemu-plugin-system.sh)
#   RVJIT_SYSTEM_WORKDIR   where the boot's files and logs go (default <build>/system-test;
#                          emptied first)
#   RVJIT_KERNEL_DIR       where kernels are cached (default $RVJIT_CACHE/kernel, that is
#                          ~/.cache/rvjit/kernel: shared by every clone, like third-party)
#   RVJIT_SYSTEM_GUEST     a static RV64 program to boot as /init instead of building
#                          rvjit_system_tests (to test the harness itself)
#   RVJIT_SYSTEM_PLUGIN    1: run under the icache checker (tools/icache-check, system-mode
#                          plugin); any hazard fails the run with its report
#   RVJIT_SYSTEM_EXPECT_HAZARDS  with the plugin: a rule name (fresh, ...) for a seeded bug's
#                          boot: hazards are required, all by that rule (default: none allowed)
#   RVJIT_ICACHE_PLUGIN    the plugin (default <build>/tools/icache-check/libicache-check.so,
#                          built here when missing); RVJIT_ICACHE_REPORT keeps its report
#
# The kernel is built once per (fragment, linux-source version, cross gcc version) and
# cached as $RVJIT_KERNEL_DIR/<key>/Image. QEMU's exit code says nothing (it exits 0 even
# after a kernel panic): only the guest's RVJIT-TEST lines and its end marker count.
# Always ends with the line `system: N passed, M failed`; exit 0 only when M is 0.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/rv64}
case "$build" in /*) ;; *) build=$PWD/$build ;; esac
kdir=${RVJIT_KERNEL_DIR:-${RVJIT_CACHE:-$HOME/.cache/rvjit}/kernel}
fragment=$repo/tests/system/kernel.config
tarball=/usr/src/linux-source-6.12.tar.xz
timeout_s=${RVJIT_SYSTEM_TIMEOUT:-1500}
smp=${RVJIT_SYSTEM_SMP:-2}
jobs=$(nproc)
. "$repo/scripts/lib/progress.sh"

say() { echo "system-test: $*"; }
# Every way out before the guest ran still prints the closing line, so a caller that
# greps for it sees a failure rather than nothing.
die() {
  echo "system-test: ERROR: $*" >&2
  echo "system: 0 passed, 1 failed"
  exit 1
}

for tool in riscv64-linux-gnu-gcc qemu-system-riscv64 make cpio flex bison bc timeout flock cmake; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
[ -f "$tarball" ] || die "$tarball missing: run scripts/setup.sh (package linux-source-6.12)"

# ---- 1. Kernel: unpack once, build once per key --------------------------------------------
src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
              stat -c '%s-%Y' "$tarball")
gcc_version=$(riscv64-linux-gnu-gcc -dumpfullversion)
key=$( { cat "$fragment"; echo "linux-source-6.12 $src_version"; echo "gcc $gcc_version"; } |
       sha256sum | cut -c1-16)
image=$kdir/$key/Image
mkdir -p "$kdir"

build_kernel() {
  local src=$kdir/src-$src_version obj=$kdir/$key/obj
  if [ ! -f "$src/.unpacked" ]; then
    say "unpacking $tarball (once)"
    rm -rf "$src" "$src.tmp"
    mkdir -p "$src.tmp"
    progress_run "unpacking the kernel source" "$kdir/unpack.log" "" \
      tar -xJf "$tarball" -C "$src.tmp" --strip-components=1 || die "unpacking $tarball failed"
    touch "$src.tmp/.unpacked"
    mv "$src.tmp" "$src"
  fi
  say "building kernel $key (make -j$jobs Image; 3 to 15 minutes, a heartbeat every 30 s)"
  rm -rf "$obj"
  mkdir -p "$obj"
  local kmake=(make -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- -s)
  KCONFIG_ALLCONFIG=$fragment "${kmake[@]}" allnoconfig >"$kdir/$key/config.log" 2>&1 ||
    { tail -n 30 "$kdir/$key/config.log"; die "kernel allnoconfig failed"; }
  # A fragment option that depends on something missing is silently dropped: check each.
  local missing=()
  while IFS= read -r line; do
    grep -qxF "$line" "$obj/.config" || missing+=("$line")
  done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$fragment")
  [ ${#missing[@]} -eq 0 ] || die "kernel options did not stick in .config: ${missing[*]}"
  # Heartbeat: objects built so far out of the last build's count (same fragment, so
  # close; recorded in $kdir/objects-count), every 30 s.
  kernel_objects_probe() {
    local n total
    n=$(find "$obj" -name '*.o' 2>/dev/null | wc -l)
    total=$(cat "$kdir/objects-count" 2>/dev/null || true)
    if [ -n "$total" ]; then printf '%s/%s objects' "$n" "$total"
    else printf '%s objects (no earlier build to compare with)' "$n"; fi
  }
  progress_run "kernel build (make -j$jobs Image)" "$kdir/$key/build.log" kernel_objects_probe \
    "${kmake[@]}" -j"$jobs" Image || die "kernel build failed (log: $kdir/$key/build.log)"
  find "$obj" -name '*.o' | wc -l >"$kdir/objects-count"
  cp "$obj/arch/riscv/boot/Image" "$image.tmp"
  mv "$image.tmp" "$image"
  # The object tree is only needed to build; the Image is the cache.
  rm -rf "$obj"
}

# One kernel build at a time, even if two runs start together.
exec 9>"$kdir/.lock"
flock -w 1800 9 || die "timed out waiting for another kernel build ($kdir/.lock)"
if [ -f "$image" ]; then
  say "kernel cached: $image"
else
  t0=$(date +%s)
  build_kernel
  say "kernel built in $(( $(date +%s) - t0 )) s: $image"
fi
flock -u 9

# ---- 2. Guest program: build rvjit_system_tests, pack it as /init ---------------------------
t0=$(date +%s)
if [ -n "${RVJIT_SYSTEM_GUEST:-}" ]; then
  guest=$RVJIT_SYSTEM_GUEST
  mkdir -p "$build"
else
  if [ ! -f "$build/CMakeCache.txt" ]; then
    say "configuring $build (rv64 preset)"
    (cd "$repo" && cmake --preset rv64 -B "$build" >/dev/null) || die "cmake configure of $build failed"
  fi
  cmake --build "$build" --target rvjit_system_tests -j"$jobs" >"$build/system-test-build.log" 2>&1 ||
    { tail -n 40 "$build/system-test-build.log"; die "building rvjit_system_tests failed"; }
  guest=$build/tests/system/rvjit_system_tests
fi
[ -x "$guest" ] || die "$guest not found after the build"
say "guest program ready in $(( $(date +%s) - t0 )) s"

work=${RVJIT_SYSTEM_WORKDIR:-$build/system-test}
rm -rf "$work"
mkdir -p "$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/tmp"
cp "$guest" "$work/root/init"
(cd "$work/root" && printf '%s\n' init proc sys dev tmp |
   cpio -o -H newc --owner=0:0 --quiet >"$work/init.cpio") || die "cpio failed"

# ---- icache checker (optional): the system-mode plugin judges every fetch -----------------
icache_report=""
icache_plugin_args() {
  [ "${RVJIT_SYSTEM_PLUGIN:-0}" = 1 ] || return 0
  local so=${RVJIT_ICACHE_PLUGIN:-$build/tools/icache-check/libicache-check.so}
  if [ ! -f "$so" ]; then
    cmake --build "$build" --target rvjit_icache_check >>"$build/system-test-build.log" 2>&1 ||
      die "building the icache-check plugin failed (see $build/system-test-build.log)"
  fi
  [ -f "$so" ] || die "no icache-check plugin at $so"
  icache_report=${RVJIT_ICACHE_REPORT:-$work/icache-check.txt}
  : >"$icache_report"
  # ram_size matches -m 1G. Zicboz off: QEMU's cbo.zero (the kernel's clear_page) writes
  # memory without plugin memory callbacks, so the model would miss those stores.
  plugin_args=(-cpu rv64,zicboz=false -plugin "$so,out=$icache_report,ram_size=1024")
  # Debian's qemu-system-riscv64 gives plugins the wrong vCPU index under thread=single
  # (scripts/lib/qemu-source.sh): the checker runs under the fixed build, with Debian's
  # firmware. RVJIT_SYSTEM_QEMU overrides it (e.g. to reproduce the misattribution).
  if [ -z "${RVJIT_SYSTEM_QEMU:-}" ]; then
    bash "$repo/scripts/qemu-plugin-system.sh" || die "building qemu-system-riscv64 for the checker failed"
    qemu=${RVJIT_CACHE:-$HOME/.cache/rvjit}/qemu-plugin/bin/qemu-system-riscv64
  fi
  plugin_args+=(-L /usr/share/qemu)
  say "icache checker on: report $icache_report (qemu: $qemu)"
}
# A seeded bug's boot: hazards must be reported, every one by the expected rule.
expect_hazards() {
  local kinds
  kinds=$(grep -oE '^icache-check: HAZARD [a-z-]+' "$icache_report" | awk '{print $3}' | sort -u | xargs)
  grep -q ' unseen-stores=0 ' <<<"$1" || problems+=("the checker missed stores (unseen-stores)")
  if [ -z "$kinds" ]; then
    problems+=("expected '$RVJIT_SYSTEM_EXPECT_HAZARDS' hazards, the checker reported none")
  elif [ "$kinds" != "$RVJIT_SYSTEM_EXPECT_HAZARDS" ]; then
    problems+=("expected only '$RVJIT_SYSTEM_EXPECT_HAZARDS' hazards, got: $kinds")
  else
    say "hazards reported as expected: $kinds"
  fi
}
icache_verdict() {
  [ -n "$icache_report" ] || return 0
  local summary
  summary=$(grep -E '^icache-check: summary ' "$icache_report" | tail -n 1 || true)
  if [ -z "$summary" ]; then
    problems+=("icache checker printed no summary")
    return 0
  fi
  say "${summary#icache-check: }"
  if [ -n "${RVJIT_SYSTEM_EXPECT_HAZARDS:-}" ]; then
    expect_hazards "$summary"
  elif ! grep -q ' hazards=0 .* unseen-stores=0 ' <<<"$summary"; then
    grep -E '^icache-check: HAZARD' "$icache_report" | head -n 20 >&2
    problems+=("icache hazards (report: $icache_report)")
  fi
}

# ---- 3. Boot ------------------------------------------------------------------------------
# Guest parameters travel on the kernel command line; the guest reads /proc/cmdline.
guest_timeout=$(( timeout_s > 60 ? timeout_s - 30 : timeout_s * 3 / 4 ))
append="console=ttyS0 earlycon panic=-1 rvjit.timeout=$guest_timeout"
[ -n "${RVJIT_SYSTEM_FILTER:-}" ] && append+=" rvjit.filter=$RVJIT_SYSTEM_FILTER"
for kv in ${RVJIT_SYSTEM_ARGS:-}; do append+=" rvjit.$kv"; done
# Multi-threaded TCG (both harts at the same instant) under the icache checker, one TCG
# thread for all harts without it. Under multi-threaded TCG QEMU 10.0.2 sometimes runs a
# vCPU's translation of code that another vCPU rewrote and the program synced: the
# checker proves it (its EMULATOR-STALE lines and emulator-stale count: the bytes a hart
# ran differ from memory although that hart ran fence.i after the store), so there the
# checker, which sees every store and fence.i, is the coherence verdict and the guest is
# told so (rvjit.coherence_judge=checker: stale calls and exact-count mismatches printed
# as QEMU's; any hazard fails the run). Without the checker the guest's own stale-call
# and exact-count checks are the verdict, which needs thread=single (docs/testing.md,
# "Multi-threaded TCG").
qemu=${RVJIT_SYSTEM_QEMU:-qemu-system-riscv64}
log=$work/console.log
plugin_args=()
icache_plugin_args   # fills plugin_args when RVJIT_SYSTEM_PLUGIN=1
default_accel=tcg,thread=single
[ ${#plugin_args[@]} -gt 0 ] && default_accel=tcg,thread=multi
accel=${RVJIT_SYSTEM_ACCEL:-$default_accel}
if [ ${#plugin_args[@]} -gt 0 ]; then
  case "$accel" in *thread=multi*) append+=" rvjit.coherence_judge=checker" ;; esac
fi
say "booting (smp $smp, accel $accel, timeout ${timeout_s} s): $append"
t0=$EPOCHREALTIME
set +e
timeout -k 10 "$timeout_s" "$qemu" -machine virt -accel "$accel" -smp "$smp" -m 1G -nographic \
  -bios default -no-reboot -kernel "$image" -initrd "$work/init.cpio" -append "$append" \
  ${RVJIT_SYSTEM_QEMU_ARGS:-} "${plugin_args[@]}" \
  </dev/null >"$log" 2>&1
qemu_rc=$?
set -e
boot_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# ---- 4. Verdict from the guest's own words ---------------------------------------------------
clean=$work/console.txt
tr -d '\r' <"$log" >"$clean"
# Result lines may follow kernel output on the same line: match anywhere, not at column 0.
passed=$(grep -cE 'RVJIT-TEST [^ ]+ PASS$' "$clean" || true)
failed=$(grep -cE 'RVJIT-TEST [^ ]+ FAIL$' "$clean" || true)
end=$(grep -oE 'RVJIT-SYSTEM-END passed=[0-9]+ failed=[0-9]+' "$clean" | tail -n 1 || true)
problems=()
[ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ] && problems+=("timeout after ${timeout_s} s")
grep -q 'Kernel panic' "$clean" && problems+=("kernel panic")
if [ -z "$end" ]; then
  problems+=("no RVJIT-SYSTEM-END marker")
else
  end_passed=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$end")
  end_failed=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$end")
  # The guest's failed count may exceed its FAIL lines: a harness error (the test process
  # exited badly without a failing test) is counted but has only an RVJIT-SYSTEM-ERROR line.
  [ "$end_passed" -eq "$passed" ] || problems+=("end marker says passed=$end_passed, saw $passed PASS lines")
  [ "$end_failed" -ge "$failed" ] || problems+=("end marker says failed=$end_failed, saw $failed FAIL lines")
  failed=$end_failed
  [ $(( passed + failed )) -gt 0 ] || problems+=("no test ran (filter '${RVJIT_SYSTEM_FILTER:-}')")
fi

icache_verdict   # adds a problem when the checker found hazards or printed no summary

grep -E 'RVJIT-TEST [^ ]+ FAIL$|RVJIT-SYSTEM-ERROR' "$clean" |
  sed -E 's/^.*RVJIT-TEST ([^ ]+) FAIL$/  FAIL: \1/; s/^.*RVJIT-SYSTEM-ERROR/  ERROR:/' || true
say "boot + tests took ${boot_s} s, total ${SECONDS} s; console log: $log"
if [ ${#problems[@]} -gt 0 ]; then
  echo "system-test: RUN BROKEN: $(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')" >&2
  echo "---- last 40 console lines ----" >&2
  tail -n 40 "$clean" >&2
  echo "-------------------------------" >&2
  failed=$(( failed + 1 ))
fi
echo "system: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
