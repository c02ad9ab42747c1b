// Instruction-cache coherence, the lowest layer. RISC-V does not keep instruction fetch
// coherent with stores: a hart sees new code only after it executes FENCE.I itself (or
// the kernel does it on its behalf: riscv_flush_icache with flags 0, membarrier
// SYNC_CORE). These are the primitives; choosing one is the sync step's job.
#pragma once

namespace rvjit {

// FENCE.I on the calling hart: its later instruction fetches see all stores this hart has
// observed. Orders nothing for other harts. Async-signal-safe. (Host builds: a compiler
// barrier plus the host's own serialisation; x86 fetch is coherent with stores.)
inline void local_fence_i() {
#if defined(__riscv)
  __asm__ volatile("fence.i" ::: "memory");
#else
  __asm__ volatile("" ::: "memory");
#endif
}

}  // namespace rvjit
