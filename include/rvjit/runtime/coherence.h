// Instruction-cache coherence primitives for code that other threads may run, each probed
// once at start-up (coherence_init) with its outcome kept for the platform report.
//
// RISC-V fetch is not coherent with stores. After new code is stored, a hart runs it only
// once FENCE.I has executed on that hart after it observed the store. Three ways:
//   * local_fence_i() (icache.h): the calling hart only. Always available.
//   * flush_icache_all_threads(): riscv_flush_icache(start, end, 0), syscall 259. Flags 0:
//     the kernel makes every hart that runs this process flush (IPI/SBI) and marks the
//     others stale. The LOCAL flag (1) flushes the calling hart only and is a known JIT
//     bug when used "for everyone"; this API cannot pass it: there is no flags parameter.
//   * membarrier_sync_core(): MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE. Every running
//     thread of the process executes a core-serialising instruction (FENCE.I on riscv)
//     before it returns to user mode. Registered once by coherence_init().
// coherence_init() also asks for PR_RISCV_SET_ICACHE_FLUSH_CTX (per process), so a
// thread's own FENCE.I stays valid when the kernel migrates it to another hart. That does
// not replace the FENCE.I: it only keeps it from being lost.
//
// Ordering: all of these order instruction fetch after stores that the flushing side has
// observed. The writer's stores must be visible first: patch_insn_write's text lock
// release, or a release store the other side acquires (see code_cache.h), provides that.
#pragma once

#include "rvjit/error.h"
#include "rvjit/runtime/icache.h"

namespace rvjit {

// Outcome of one probed primitive.
enum class ProbeStatus : uint8_t {
  kNotProbed,
  kAvailable,    // the call succeeded
  kUnavailable,  // the kernel/emulator refused it (errno kept)
};
const char* probe_status_name(ProbeStatus s) noexcept;

struct PrimitiveProbe {
  ProbeStatus status = ProbeStatus::kNotProbed;
  int error_number = 0;  // errno of the failed call, 0 when available
};

struct CoherenceProbe {
  PrimitiveProbe fence_i;             // local FENCE.I (always available on riscv)
  PrimitiveProbe flush_syscall;       // riscv_flush_icache(..., 0)
  PrimitiveProbe membarrier_sync_core;// REGISTER_PRIVATE_EXPEDITED_SYNC_CORE succeeded
  PrimitiveProbe icache_flush_ctx;    // prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX, ON, PROCESS)
};

// Probes and sets up every primitive once (thread-safe, idempotent); returns the result.
// The runtime calls it itself before the first publication; calling it early is cheap.
const CoherenceProbe& coherence_init();

// riscv_flush_icache(0, 0, 0): every hart of the process (see above). kUnavailable ->
// kPolicyUnavailable; a failed call -> kSystemError. A plain syscall: async-signal-safe
// once coherence_init() has run (the error path allocates its message).
Error flush_icache_all_threads();

// membarrier(PRIVATE_EXPEDITED_SYNC_CORE). kPolicyUnavailable when registration failed.
Error membarrier_sync_core();

}  // namespace rvjit
