// Thin futex(2) wrappers for the rendezvous (private to rvjit_runtime). All are raw
// syscalls: async-signal-safe, no allocation, no locks. They may change errno; signal
// handlers save and restore it around them.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>

namespace rvjit::detail {

// FUTEX_WAIT_BITSET_PRIVATE: sleeps while *word == expected, until woken with a wake
// bitset that intersects `bitset`, or until the absolute CLOCK_MONOTONIC time `deadline`
// (null: no limit). Returns 0 when woken, else the errno (EAGAIN: word differed,
// ETIMEDOUT, EINTR). Callers always re-check their condition: wake-ups may be spurious.
int futex_wait(std::atomic<uint32_t>* word, uint32_t expected, uint32_t bitset,
               const timespec* deadline) noexcept;

// FUTEX_WAKE_BITSET_PRIVATE: wakes up to `count` waiters whose bitset intersects `bitset`.
void futex_wake(std::atomic<uint32_t>* word, int count, uint32_t bitset) noexcept;

// A CPU-relax hint for spin loops (RISC-V `pause`, a FENCE hint that every hart accepts;
// x86 `pause`).
inline void cpu_relax() noexcept {
#if defined(__riscv)
  __asm__ volatile(".4byte 0x0100000f" ::: "memory");  // pause (Zihintpause; a hint)
#elif defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  __asm__ volatile("" ::: "memory");
#endif
}

}  // namespace rvjit::detail
