// Internal to the JIT engine: the register map and the JitContext offsets that the
// function code (src/jit_compiler.cpp) and the entry thunk (src/jit_thunk.cpp) share.
// src/jit_compiler.cpp's header comment explains the choices.
#pragma once

#include <cstddef>

#include "ebpf/isa.h"
#include "ebpf/jit_compiler.h"
#include "rvjit/jit/registers.h"

namespace rvjit::ebpf::jit {

// Byte offsets of JitContext fields, as the generated loads and stores use them.
static_assert(offsetof(JitContext, mem_lo) == 0 && offsetof(JitContext, mem_hi) == 8 &&
              offsetof(JitContext, stack_base) == 16 && offsetof(JitContext, stack_top) == 24 &&
              offsetof(JitContext, budget) == 32 && offsetof(JitContext, entry) == 40 &&
              offsetof(JitContext, result) == 48 && offsetof(JitContext, status) == 56 &&
              offsetof(JitContext, fault_addr) == 64 && offsetof(JitContext, fault_pc) == 72 &&
              offsetof(JitContext, lowest_r10) == 80 && offsetof(JitContext, regs) == 88);
inline constexpr int kCtxMemLo = 0, kCtxMemHi = 8, kCtxStackBase = 16, kCtxStackTop = 24,
                     kCtxBudget = 32, kCtxEntry = 40, kCtxResult = 48, kCtxStatus = 56,
                     kCtxFaultAddr = 64, kCtxFaultPc = 72, kCtxLowestR10 = 80, kCtxRegs = 88;

// eBPF r0..r10 -> RV64.
inline constexpr Gp kMap[kNumRegs] = {reg::a5, reg::a0, reg::a1, reg::a2, reg::a3, reg::a4,
                                      reg::s1, reg::s2, reg::s3, reg::s4, reg::s5};
// Registers fixed for a whole run (set by the entry thunk). kDepthLimit = stack base +
// 2 frames: a call made with r10 below it would need a frame under the stack base.
inline constexpr Gp kDepthLimit = reg::s0, kBudget = reg::s6, kMemLo = reg::s7,
                    kMemHi = reg::s8, kStackTop = reg::s9, kCtx = reg::s10, kStatus = reg::s11;

}  // namespace rvjit::ebpf::jit
