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
// not replace the FENCE.I: it only keeps it from being lost. Where the kernel refuses it,
// the runtime compensates (cover_local_fences_for_migration below), and the W^X probe
// runs after the prctl (code_memory.h), so its own FENCE.I's benefit from it.
//
// Ordering: all of these order instruction fetch after stores that the flushing side has
// observed. The writer's stores must be visible first: patch_insn_write's text lock
// release, or a release store the other side acquires (see code_cache.h), provides that.
#pragma once

#include <cstdint>

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

// What keeps a thread's own FENCE.I valid when the kernel migrates it to another hart.
enum class MigrationCover : uint8_t {
  kNotNeeded,     // host build: instruction fetch is coherent with stores
  kIcacheFlushCtx,// the prctl was accepted: the kernel keeps it valid (Linux 6.10+)
  kFlushSyscall,  // prctl refused: riscv_flush_icache(.., 0) after each such sync
  kMembarrier,    // prctl and the flush syscall refused: membarrier SYNC_CORE instead
  kNone,          // nothing available: a migrated thread may run stale code (reported)
};
const char* migration_cover_name(MigrationCover c) noexcept;

struct CoherenceProbe {
  PrimitiveProbe fence_i;             // local FENCE.I (always available on riscv)
  PrimitiveProbe flush_syscall;       // riscv_flush_icache(..., 0)
  PrimitiveProbe membarrier_sync_core;// REGISTER_PRIVATE_EXPEDITED_SYNC_CORE succeeded
  PrimitiveProbe icache_flush_ctx;    // prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX, ON, PROCESS)
  MigrationCover migration_cover = MigrationCover::kNotNeeded;
};

// Probes and sets up every primitive once (thread-safe, idempotent); returns the result.
// The runtime calls it itself before the first publication; calling it early is cheap.
const CoherenceProbe& coherence_init();

// The fallback for a refused PR_RISCV_SET_ICACHE_FLUSH_CTX (kernels before 6.10,
// qemu-user). A sync that relies on each thread running FENCE.I itself -- the
// stop_the_world release (every parked thread and the caller run it) and install (the
// installer runs it; others run it in find() or at registration) -- is only as good as
// that FENCE.I, and without the prctl a thread that migrates afterwards to a hart with a
// stale icache fetches old code. Such syncs call this after their stores and before any
// thread may run the new code: with migration_cover kFlushSyscall it runs
// riscv_flush_icache(0, 0, 0), which flushes every hart running the process now and
// marks every other hart stale (the kernel flushes it before it next runs the process);
// kMembarrier does the same through membarrier SYNC_CORE. A no-op with the prctl (or on
// the host). Raw system call: no lock, no allocation (it runs while threads are parked).
// A failure of the call is counted (migration_cover_failures) and otherwise ignored: the
// local FENCE.I's still ran, and the sync cannot be undone.
void cover_local_fences_for_migration() noexcept;

// How often cover_local_fences_for_migration() issued its system call, and how often
// that call failed, in this process (for tests and the platform report).
unsigned long long migration_cover_syncs() noexcept;
unsigned long long migration_cover_failures() noexcept;

// riscv_flush_icache(0, 0, 0): every hart of the process (see above). kUnavailable ->
// kPolicyUnavailable; a failed call -> kSystemError. A plain syscall: async-signal-safe
// once coherence_init() has run (the error path allocates its message).
Error flush_icache_all_threads();

// membarrier(PRIVATE_EXPEDITED_SYNC_CORE). kPolicyUnavailable when registration failed.
Error membarrier_sync_core();

}  // namespace rvjit
