// The entry thunk: the one piece of JIT code the engine calls from C++, as
// `void enter(JitContext*)`. It saves the C caller's callee-saved registers, loads the
// JIT's fixed registers from the context (src/jit_compiler.cpp's register map), sets the
// initial eBPF registers (r1 = mem, r2 = its length, r10 = stack top, the rest 0), calls
// main through its hook site and stores r0, the status and the budget left back.
#include "ebpf/jit_abi.h"
#include "ebpf/jit_compiler.h"
#include "rvjit/jit/assembler.h"

namespace rvjit::ebpf::jit {

Result<AssembledCode> compile_enter_thunk() {
  Assembler a;
  constexpr int kFrame = 112;  // ra + s0..s11, 16-byte aligned
  a.addi(reg::sp, reg::sp, -kFrame);
  a.sd(reg::ra, reg::sp, 0);
  for (unsigned k = 0; k < 12; ++k) a.sd(k < 2 ? Gp{8 + k} : Gp{16 + k}, reg::sp, 8 + 8 * k);
  a.mv(kCtx, reg::a0);
  a.ld(kMemLo, kCtx, kCtxMemLo);
  a.ld(kMemHi, kCtx, kCtxMemHi);
  a.ld(kDepthLimit, kCtx, kCtxStackBase);
  a.addi(kDepthLimit, kDepthLimit, 2 * static_cast<int64_t>(kStackPerFrame));
  a.ld(kStackTop, kCtx, kCtxStackTop);
  a.ld(kBudget, kCtx, kCtxBudget);
  a.li(kStatus, 0);
  for (int r = 6; r <= 9; ++r) a.li(kMap[r], 0);
  a.mv(kMap[kFramePointer], kStackTop);
  a.mv(kMap[1], kMemLo);            // r1 = mem
  a.sub(kMap[2], kMemHi, kMemLo);   // r2 = its length
  for (int r = 3; r <= 5; ++r) a.li(kMap[r], 0);
  a.li(kMap[0], 0);
  a.ld(reg::t1, kCtx, kCtxEntry);
  a.jalr(reg::ra, reg::t1, 0);
  a.sd(reg::a0, kCtx, kCtxResult);
  a.sd(kStatus, kCtx, kCtxStatus);
  a.sd(kBudget, kCtx, kCtxBudget);
  for (unsigned k = 0; k < 12; ++k) a.ld(k < 2 ? Gp{8 + k} : Gp{16 + k}, reg::sp, 8 + 8 * k);
  a.ld(reg::ra, reg::sp, 0);
  a.addi(reg::sp, reg::sp, kFrame);
  a.ret();
  return a.finalize();
}

}  // namespace rvjit::ebpf::jit
