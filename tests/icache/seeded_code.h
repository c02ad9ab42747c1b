// Helpers for the seeded-bug programs of rvjit-icache-check (docs/icache-check.md): raw
// RV64 encodings, an executable buffer, and the kernel's icache interfaces. Each program
// takes "bug" or "twin": the bug variant has exactly one known icache hazard, the twin does
// the same work correctly. Both must compute the right results (under QEMU, which never
// models a stale icache, they do); the checker must flag the bug and pass the twin.
#pragma once

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace seeded {

constexpr uint32_t kRet = 0x00008067;   // jalr x0, 0(ra)
constexpr uint32_t kNop = 0x00000013;   // addi x0, x0, 0
inline uint32_t li_a0(int imm) {        // addi a0, zero, imm (imm in [-2048, 2047])
  return (static_cast<uint32_t>(imm) << 20) | (10u << 7) | 0x13;
}
inline uint32_t jal_x0(int64_t off) {   // jal x0, off (tail jump, keeps ra)
  const uint32_t o = static_cast<uint32_t>(off);
  return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) |
         (((o >> 12) & 0xff) << 12) | 0x6f;
}

using Fn = int (*)();
inline Fn as_fn(const void* p) { return reinterpret_cast<Fn>(const_cast<void*>(p)); }

// One aligned 4-byte store: the only way a live instruction may change (Ziccif).
inline void store_word(void* at, uint32_t w) {
  __atomic_store_n(static_cast<uint32_t*>(at), w, __ATOMIC_RELEASE);
}

inline void fence_i() { asm volatile("fence.i" ::: "memory"); }

constexpr long kSysFlushIcache = 259;
constexpr long kFlushLocal = 1;
inline void flush_icache(long flags) {
  if (syscall(kSysFlushIcache, 0L, 0L, flags) != 0) {
    std::perror("riscv_flush_icache");
    std::exit(2);
  }
}

constexpr int kMembarrierSyncCore = 1 << 5, kMembarrierRegisterSyncCore = 1 << 6;
inline void membarrier_sync_core() {
  static const bool registered = syscall(SYS_membarrier, kMembarrierRegisterSyncCore, 0, 0) == 0;
  if (!registered || syscall(SYS_membarrier, kMembarrierSyncCore, 0, 0) != 0) {
    std::perror("membarrier SYNC_CORE");
    std::exit(2);
  }
}

inline void* map_rwx(size_t len) {
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap rwx");
    std::exit(2);
  }
  return p;
}

// argv[1]: "bug" or "twin"; anything else is a usage error.
inline bool is_bug(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "bug") return true;
  if (argc == 2 && std::string(argv[1]) == "twin") return false;
  std::fprintf(stderr, "usage: %s bug|twin\n", argv[0]);
  std::exit(2);
}

inline void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "seeded: %s\n", what);
    std::exit(1);
  }
}

// Waits (bounded, generous for a loaded machine) until pred() holds.
template <class Pred>
void wait_for(Pred pred, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!pred()) {
    expect(std::chrono::steady_clock::now() < deadline, what);
    std::this_thread::yield();
  }
}

}  // namespace seeded
