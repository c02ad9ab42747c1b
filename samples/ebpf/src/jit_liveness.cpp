// Which of r1..r5 the JIT must carry across calls: a liveness analysis of the whole
// program (jit_compiler.h explains what the masks mean and why).
//
// The interpreter's r1..r5 after a local call are the callee's values at its exit, and
// after a helper call they are unchanged. The JIT keeps r1..r5 in a0..a4, which the
// callee's code and the helper (psABI) clobber, so a value that is read later has to go
// through the run context. Compilers treat r1..r5 as dead after a call, so usually none
// is read: this analysis finds that out and the round-trip disappears. It is exact where
// it matters (a register counts as live when any path may read it before writing it) and
// conservative elsewhere (atomics never kill, helpers read all of r1..r5). A local call
// reads the arguments its callee reads (the callee's entry liveness), so a register is
// not kept alive only to be passed to a callee that ignores it.
#include <cstddef>
#include <vector>

#include "ebpf/isa.h"
#include "ebpf/jit_compiler.h"

namespace rvjit::ebpf::jit {
namespace {

constexpr uint16_t bit(unsigned r) { return static_cast<uint16_t>(1u << r); }
constexpr uint16_t kArgs = bit(1) | bit(2) | bit(3) | bit(4) | bit(5);

uint32_t next_pc(const Program& p, uint32_t pc) { return pc + (p[pc].opcode == op::kLddw ? 2 : 1); }

// Registers an instruction at `pc` reads (gen) and certainly overwrites (kill); `exit_live`
// is what the function's exit hands back to its callers.
void gen_kill(const Program& p, uint32_t pc, uint16_t exit_live, const CallLiveness& calls,
              uint16_t* gen, uint16_t* kill) {
  const Insn& i = p[pc];
  const uint8_t cls = insn_class(i.opcode);
  const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
  *gen = 0;
  *kill = 0;
  switch (cls) {
    case op::kAlu:
    case op::kAlu64: {
      const uint8_t code = i.opcode & op::kCodeMask;
      if (code != op::kMov) *gen |= bit(i.dst);
      if (x && code != op::kEnd && code != op::kNeg) *gen |= bit(i.src);
      *kill = bit(i.dst);
      return;
    }
    case op::kLd: *kill = bit(i.dst); return;
    case op::kLdx: *gen = bit(i.src); *kill = bit(i.dst); return;
    case op::kSt: *gen = bit(i.dst); return;
    case op::kStx: *gen = bit(i.dst) | bit(i.src) | bit(0); return;  // atomics: never kill
    default: break;
  }
  if (i.opcode == op::kExitInsn) { *gen = bit(0) | exit_live; return; }
  if (i.opcode == op::kCallInsn && i.src == op::kCallLocal) {
    const size_t callee = p.function_index(static_cast<uint32_t>(int64_t{pc} + 1 + i.imm));
    *gen = calls.entry_live[callee];
    // r1..r5 come back as the callee left them; r0 too, unless the callee may return the
    // caller's r0 unchanged: exit reads r0, so "r0 not live at the callee's entry" means
    // every path through it writes r0 first.
    *kill = static_cast<uint16_t>(kArgs | (calls.entry_reads_r0[callee] ? 0 : bit(0)));
    return;
  }
  if (i.opcode == op::kCallInsn) { *gen = kArgs; *kill = bit(0); return; }  // r1..r5 unchanged
  if (i.opcode == op::kCallxInsn) { *gen = kArgs | bit(i.dst); *kill = bit(0); return; }
  *gen = bit(i.dst) | (x ? bit(i.src) : 0);  // conditional jumps (ja reads x0's bits: none)
  if ((i.opcode & op::kCodeMask) == op::kJa) *gen = 0;
}

// Jump target of a (non-call, non-exit) jump, or -1.
int64_t jump_target(const Insn& i, uint32_t pc) {
  const uint8_t cls = insn_class(i.opcode);
  if (cls != op::kJmp && cls != op::kJmp32) return -1;
  if (i.opcode == op::kCallInsn || i.opcode == op::kCallxInsn || i.opcode == op::kExitInsn) return -1;
  return int64_t{pc} + 1 + (i.opcode == op::kJa32Insn ? int64_t{i.imm} : int64_t{i.off});
}

bool falls_through(const Insn& i) {
  if (i.opcode == op::kExitInsn || i.opcode == op::kJa32Insn) return false;
  return !(insn_class(i.opcode) == op::kJmp && (i.opcode & op::kCodeMask) == op::kJa);
}

// Live-after of every slot of function `index` (and its live-in at entry in *entry).
std::vector<uint16_t> solve(const Program& p, size_t index, const CallLiveness& calls, uint16_t* entry) {
  const Function& f = p.functions()[index];
  const uint16_t exit_live = calls.exit_live[index];
  const size_t n = f.end - f.start;
  std::vector<uint16_t> in(n + 1, 0), out(n, 0);
  std::vector<uint32_t> pcs;  // instruction starts (an lddw's second slot is not one)
  for (uint32_t pc = f.start; pc < f.end; pc = next_pc(p, pc)) pcs.push_back(pc);
  for (bool changed = true; changed;) {  // backward passes until nothing changes
    changed = false;
    for (auto it = pcs.rbegin(); it != pcs.rend(); ++it) {
      const uint32_t pc = *it;
      const Insn& i = p[pc];
      uint16_t o = 0;
      const uint32_t nx = next_pc(p, pc);
      if (falls_through(i) && nx < f.end) o |= in[nx - f.start];
      const int64_t t = jump_target(i, pc);
      if (t >= f.start && t < f.end) o |= in[t - f.start];
      uint16_t gen = 0, kill = 0;
      gen_kill(p, pc, exit_live, calls, &gen, &kill);
      const uint16_t live_in = gen | static_cast<uint16_t>(o & ~kill);
      if (o != out[pc - f.start] || live_in != in[pc - f.start]) changed = true;
      out[pc - f.start] = o;
      in[pc - f.start] = live_in;
    }
  }
  *entry = in[0];
  return out;
}

}  // namespace

std::vector<uint16_t> live_after(const Program& p, size_t index, const CallLiveness& calls) {
  uint16_t entry = 0;
  return solve(p, index, calls, &entry);
}

CallLiveness call_liveness(const Program& p) {
  const std::vector<Function>& fns = p.functions();
  // Least fixed point: start from nothing live, grow until stable (at most 5 bits per
  // mask, one flag per function: each only ever grows, as a callee's r0 flag only shrinks
  // what its calls kill). Main's callers read only r0.
  CallLiveness calls{std::vector<uint16_t>(fns.size(), 0), std::vector<uint16_t>(fns.size(), 0),
                     std::vector<uint8_t>(fns.size(), 0)};
  std::vector<uint16_t>& exit_live = calls.exit_live;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = 0; k < fns.size(); ++k) {
      uint16_t entry = 0;
      const std::vector<uint16_t> after = solve(p, k, calls, &entry);
      const uint8_t reads_r0 = (entry & bit(0)) != 0;
      if (reads_r0 != calls.entry_reads_r0[k]) { calls.entry_reads_r0[k] = reads_r0; changed = true; }
      entry &= kArgs;
      if (entry != calls.entry_live[k]) { calls.entry_live[k] = entry; changed = true; }
      for (uint32_t pc = fns[k].start; pc < fns[k].end; pc = next_pc(p, pc)) {
        const Insn& i = p[pc];
        if (i.opcode != op::kCallInsn || i.src != op::kCallLocal) continue;
        const size_t callee = p.function_index(static_cast<uint32_t>(int64_t{pc} + 1 + i.imm));
        const uint16_t need = static_cast<uint16_t>(exit_live[callee] | (after[pc - fns[k].start] & kArgs));
        if (need != exit_live[callee]) { exit_live[callee] = need; changed = true; }
      }
    }
  }
  return calls;
}

}  // namespace rvjit::ebpf::jit
