#!/usr/bin/env bash
# gdb_jit_backtrace_test: runs gdb_jit_demo under qemu-riscv64's gdbstub, drives
# gdb-multiarch in batch mode, and checks that gdb learned the JIT'd function through the
# GDB JIT interface: the backtrace from rvjit_gdb_break_here names rvjit_jit_answer, and
# after the release the address no longer resolves.
# Usage: gdb_jit_backtrace_test.sh <gdb_jit_demo> <qemu-riscv64> <gdb-multiarch>
# Never hangs: qemu and gdb each run under `timeout`, and qemu is killed on exit.
set -u
demo=$1 qemu=$2 gdb=$3
work=$(mktemp -d /tmp/rvjit-gdbjit.XXXXXX)
qpid=""
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill "$qpid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- gdb output"; cat "$work/gdb.out" 2>/dev/null
         echo "--- demo output"; cat "$work/demo.out" 2>/dev/null; exit 1; }

# A free port: ask the kernel for an unused one (bind to port 0), then let qemu bind it.
# Another process may take it in between, so a failed bind is retried with a new port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' \
    2>/dev/null || echo $((20000 + RANDOM % 30000))
}
# Whether qemu listens yet. Without ss, give qemu a moment; gdb retries the connect anyway.
if command -v ss >/dev/null 2>&1; then
  listening() { ss -ltn "sport = :$1" 2>/dev/null | grep -q ":$1"; }
else
  listening() { sleep 0.5; kill -0 "$qpid" 2>/dev/null; }
fi

port=""
for attempt in 1 2 3 4 5; do
  p=$(free_port)
  timeout 120 "$qemu" -g "$p" "$demo" >"$work/demo.out" 2>&1 &
  qpid=$!
  for _ in $(seq 1 100); do  # up to 10 s for qemu to listen (or to die on a bad port)
    if listening "$p"; then port=$p; break; fi
    kill -0 "$qpid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] && break
  wait "$qpid" 2>/dev/null; qpid=""
  echo "qemu could not listen on port $p (attempt $attempt): $(cat "$work/demo.out")"
done
[ -n "$port" ] || fail "no gdbstub port after 5 attempts"

cat >"$work/cmds.gdb" <<GDB
set pagination off
set confirm off
set architecture riscv:rv64
set sysroot /usr/riscv64-linux-gnu
set tcp connect-timeout 20
target remote 127.0.0.1:$port
break rvjit_gdb_break_here
break rvjit_gdb_after_release
continue
bt
info symbol rvjit_gdb_jit_addr
continue
info symbol rvjit_gdb_jit_addr
continue
GDB
timeout 120 "$gdb" -batch -nx -x "$work/cmds.gdb" "$demo" >"$work/gdb.out" 2>&1
gdb_status=$?
[ $gdb_status -eq 124 ] && fail "gdb timed out"
wait "$qpid"; demo_status=$?; qpid=""
[ $demo_status -eq 0 ] || fail "demo exited with $demo_status"

grep -Eq '^#0 .*rvjit_gdb_break_here' "$work/gdb.out" || fail "frame #0 is not rvjit_gdb_break_here"
grep -Eq '^#1 .* in rvjit_jit_answer ' "$work/gdb.out" || fail "frame #1 does not name rvjit_jit_answer"
grep -Eq '^#2 .* in main ' "$work/gdb.out" || fail "gdb did not unwind through the JIT frame to main"
# While registered the address resolves; after the release (breakpoint 2) it must not.
line_of() { grep -n -m1 -- "$1" "$work/gdb.out" | cut -d: -f1; }
resolved=$(line_of '^rvjit_jit_answer in section .text')
released=$(line_of '^Breakpoint 2, rvjit_gdb_after_release')
[ -n "$resolved" ] || fail "info symbol did not resolve the JIT address"
[ -n "$released" ] && [ "$resolved" -lt "$released" ] || fail "gdb did not reach the release"
tail -n +"$released" "$work/gdb.out" | grep -q '^No symbol matches rvjit_gdb_jit_addr' ||
  fail "the symbol survived the release"
echo "PASS"; sed -n '/^#0/,/^#2/p' "$work/gdb.out"
