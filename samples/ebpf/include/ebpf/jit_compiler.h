// Internal to the JIT engine: the code generator's interface and the run-time context the
// generated code shares with the engine. Kept out of ebpf/jit.h because only the engine
// and the JIT's own tests need it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ebpf/helpers.h"
#include "ebpf/program.h"
#include "rvjit/hooks/site.h"
#include "rvjit/jit/assembled_code.h"

namespace rvjit::ebpf::jit {

// One run's state, owned by JitExecutable::run() and pointed to by s10 while JIT'd code
// runs. Offsets are part of the generated code (static_asserts in jit_compiler.cpp).
struct JitContext {
  uint64_t mem_lo = 0;      // in: the mem region [mem_lo, mem_hi); 0, 0 when empty
  uint64_t mem_hi = 0;
  uint64_t stack_base = 0;  // in: lowest byte of the kMaxCallDepth frames
  uint64_t stack_top = 0;   // in: r10 of main
  int64_t budget = 0;       // in: instruction budget; out: what is left
  uint64_t entry = 0;       // in: main's entry (its hook site)
  uint64_t result = 0;      // out: r0 at main's exit
  uint64_t status = 0;      // out: 0, or a Fault | access size << 8
  uint64_t fault_addr = 0;  // out: the address of a faulting access
  uint64_t fault_pc = 0;    // out: the eBPF pc of the failure
  uint64_t lowest_r10 = 0;  // in: main's r10; out: the lowest r10 of a function that
                            // stores (RunStack::done)
  uint64_t regs[5] = {};    // the live ones of r1..r5 handed from a callee's exit to its
                            // caller, and kept here across a helper call (helpers
                            // clobber a0..a4)
};

// What JitContext::status reports (low byte).
enum Fault : uint64_t {
  kFaultNone = 0,
  kFaultLoad = 1,
  kFaultStore = 2,
  kFaultAtomic = 3,
  kFaultMisaligned = 4,
  kFaultCallDepth = 5,
  kFaultBudget = 6,
  kFaultUnknownHelper = 7,  // callx: fault_addr holds the register's value
  kUnwound = 8,             // not a fault: a HelperExit::kEndsProgramOnZero helper returned
                            // 0, the run ends with r0 = 0
};

// What a callx calls (a0..a4 = r1..r5, a5 = the register naming the helper): finds the
// helper in `helpers`, calls it and returns its r0. An unknown number sets ctx->status to
// kFaultUnknownHelper (fault_addr = the value); a helper that ends the program sets
// kUnwound. The generated code tests ctx->status after the call.
uint64_t callx_dispatch(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                        uint64_t helper_number, const HelperRegistry* helpers, JitContext* ctx);

// Liveness of r1..r5 across calls (src/jit_liveness.cpp), as bit masks (bit r = eBPF
// register r), for the whole program:
//   exit_live[k]: the registers some caller of function k reads after calling it before
//     writing them, i.e. what k's exit must hand back (the interpreter's r1..r5 after a
//     local call are the callee's);
//   entry_live[k]: the arguments function k may read before writing them;
//   entry_reads_r0[k]: k may read r0 before writing it (the caller's r0: the interpreter
//     allows it, a verifier would not), counting its exit's read of r0: false means every
//     path through k writes r0, so a call of k kills the caller's r0. When true, r0's
//     register (a5) is live at k's entry, which a hook's declared signature must cover.
struct CallLiveness {
  std::vector<uint16_t> exit_live;
  std::vector<uint16_t> entry_live;
  std::vector<uint8_t> entry_reads_r0;
};
CallLiveness call_liveness(const Program& program);
// The registers live after each slot of function `index` (indexed by pc - start).
std::vector<uint16_t> live_after(const Program& program, size_t index, const CallLiveness& calls);

// What compile_function knows about the rest of the program.
struct CallTargets {
  // Entry (hook site) of function k, read at run time by calls that cannot be direct;
  // the engine fills it once every function is installed.
  const uint64_t* entry_table = nullptr;
  // Entry of function k when it is already installed (0 = not yet): calls to it are a
  // direct auipc+jalr (the site is still the target, so hooks see every call). Null: no
  // direct calls (the fallback when a callee is out of +-2 GiB reach).
  const uint64_t* installed = nullptr;
  // call_liveness() of the program.
  const CallLiveness* liveness = nullptr;
};

// Compiles function `index` of `program` into code with one hook prologue at its entry.
// Calls to itself are a `jal` to its own site, calls to installed functions a direct
// call, the others load the callee's entry from the table. Helpers must all be
// registered (check_helpers) and outlive the code.
Result<AssembledCode> compile_function(const Program& program, size_t index,
                                       const HelperRegistry& helpers,
                                       const CallTargets& targets, SiteLayout layout);

// The entry thunk, a C function `void enter(JitContext*)`: saves the C caller's
// callee-saved registers, sets up the JIT's fixed registers from the context, calls
// ctx->entry with the initial eBPF registers and stores result, status and budget back.
Result<AssembledCode> compile_enter_thunk();

}  // namespace rvjit::ebpf::jit
