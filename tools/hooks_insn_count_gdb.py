# gdb side of tools/hooks_insn_count.py (run inside gdb-multiarch: `-x` this file).
# Stops at every call of hooks_insn_count_call() in bench/hooks_insn_count.cpp, single-
# steps (stepi, qemu-riscv64's gdbstub) into the function it calls and counts every
# instruction executed until control is back at the return address the call set, i.e. from
# the function's first instruction (inclusive) to its final return (inclusive); the
# jalr of the call itself is not counted. Each executed pc is attributed to:
#   site              the function's hook site (nop / jal t0 / auipc+jalr)
#   body              the rest of the function's installed bytes
#   entry trampoline  JIT code outside the function, before the body ran
#   return trampoline JIT code outside the function, after the body ran
#   <symbol>          anything with an ELF symbol (dispatchers, callbacks, libc/ld.so)
#   in <library>      code of a shared library that has no symbol for it
# Writes a JSON list to $HOOKS_INSN_OUT. Environment: HOOKS_INSN_PORT (gdbstub port),
# HOOKS_INSN_MAX_STEPS (per call, default 20000).
import json
import os
import re

import gdb

OUT = os.environ["HOOKS_INSN_OUT"]
PORT = os.environ["HOOKS_INSN_PORT"]
MAX_STEPS = int(os.environ.get("HOOKS_INSN_MAX_STEPS", "20000"))

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set width 0")
gdb.execute("set sysroot /usr/riscv64-linux-gnu")
gdb.execute("set tcp connect-timeout 30")
gdb.execute("target remote 127.0.0.1:" + PORT)

_sym_cache = {}


def symbol(pc):
    if pc in _sym_cache:
        return _sym_cache[pc]
    name = None
    try:
        text = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
        if not text.startswith("No symbol"):
            # "rvjit_hooks_entry_dispatch + 12 in section .text [of /path/lib.so]"
            # C++ names contain spaces ("ns::(anonymous namespace)::f(int, long)").
            m = re.match(r"(.+?)(?: \+ \d+)? in section", text)
            name = m.group(1) if m else text.split()[0]
    except gdb.error:
        pass
    if name is None:
        # Code of a shared library without a symbol for it (a stripped libc's local
        # functions, e.g. the body memcpy's ifunc selected): never JIT code.
        so = gdb.solib_name(pc)
        if so:
            name = "in " + os.path.basename(so)
    _sym_cache[pc] = name
    return name


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFFFFFFFFFF


def pc():
    return reg("pc")


results = []
bp = gdb.Breakpoint("*hooks_insn_count_call", internal=False)
MARKER = int(gdb.parse_and_eval("(unsigned long)&hooks_insn_count_call"))
try:
    while True:
        try:
            gdb.execute("continue")
        except gdb.error as e:
            print("hooks_insn_count_gdb: continue:", e)
            break
        th = gdb.selected_thread()
        if th is None or not th.is_valid():
            break
        if pc() != MARKER:
            raise RuntimeError("stopped outside the marker at 0x%x" % pc())
        label = gdb.parse_and_eval("(const char*)$a0").string()
        fn, begin, end, sbeg, send = (reg(r) for r in ("a1", "a2", "a3", "a4", "a5"))
        # Into the callee: through the marker's own code up to the call.
        pre = 0
        while pc() != fn:
            gdb.execute("stepi", to_string=True)
            pre += 1
            if pre > 500:
                raise RuntimeError("did not reach the callee of " + label)
        ret = reg("ra")
        count = 0
        body_ran = False
        parts = {}
        trace = []
        while True:
            p = pc()
            if p == ret:
                break
            if begin <= p < end:
                if sbeg <= p < send:
                    part = "site"
                else:
                    part = "body"
                    body_ran = True
            else:
                part = symbol(p) or ("return trampoline" if body_ran else "entry trampoline")
            parts[part] = parts.get(part, 0) + 1
            trace.append("0x%x %s" % (p, part))
            gdb.execute("stepi", to_string=True)
            count += 1
            if count > MAX_STEPS:
                raise RuntimeError("more than %d steps in %s" % (MAX_STEPS, label))
        results.append({"label": label, "instructions": count, "parts": parts, "trace": trace})
        print("hooks_insn_count_gdb: %-50s %5d instructions" % (label, count))
finally:
    with open(OUT, "w") as f:
        json.dump(results, f, indent=1)
    try:
        gdb.execute("kill")
    except gdb.error:
        pass
