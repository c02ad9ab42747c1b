// The profiler's one clock: nanoseconds on CLOCK_MONOTONIC's scale. Called first thing in
// every hook callback, so it must be cheap: no syscall, no lock, no allocation.
//
// On RV64 Linux the `time` CSR is readable from user mode (`rdtime`): it is the counter
// the vDSO's clock_gettime itself reads, so it has the same resolution, and reading it
// directly skips the vDSO's sequence-lock loop and its conversion. calibrate_clock()
// measures the counter against CLOCK_MONOTONIC once; after that now_ns() is rdtime, a
// subtraction and a 64x64->128 multiply. Elsewhere (x86_64 host builds, or a kernel that
// traps rdtime) it stays clock_gettime(CLOCK_MONOTONIC). Measured cost: docs/rvprof.md.
#pragma once

#include <cstdint>
#include <ctime>

namespace rvprof {

// now_ns() = ns0 + (ticks - tick0) * mult / 2^32. mult == 0: not calibrated, use
// clock_gettime. Written only by calibrate_clock(), before any thread that reads it exists
// (pthread_create orders the writes before the new threads' reads).
struct TickScale {
  uint64_t tick0 = 0;
  uint64_t ns0 = 0;
  uint64_t mult = 0;  // nanoseconds per tick, 32.32 fixed point
};
extern TickScale g_tick_scale;

// Out of line: a call the hook callbacks make only without the time CSR.
[[gnu::noinline]] inline uint64_t monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

#if defined(__riscv) && __riscv_xlen == 64
inline uint64_t read_time_csr() noexcept {
  uint64_t t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}
#endif

// now_ns() without a call: false (and *t untouched) when the time CSR is not in use. The
// hook callbacks use it so that their common case needs no stack frame.
inline bool now_ns_from_time_csr(uint64_t* t) noexcept {
#if defined(__riscv) && __riscv_xlen == 64
  const TickScale& s = g_tick_scale;
  if (s.mult != 0) {
    const unsigned __int128 scaled =
        static_cast<unsigned __int128>(read_time_csr() - s.tick0) * s.mult;
    *t = s.ns0 + static_cast<uint64_t>(scaled >> 32);
    return true;
  }
#endif
  (void)t;
  return false;
}

inline uint64_t now_ns() noexcept {
  uint64_t t;
  return now_ns_from_time_csr(&t) ? t : monotonic_ns();
}

// What calibrate_clock() found.
struct ClockInfo {
  bool time_csr = false;      // now_ns() reads the time CSR
  double ticks_per_us = 0;    // its measured rate (time_csr only)
  const char* name() const { return time_csr ? "rdtime" : "clock_gettime"; }
};

// Decides the clock once. Call before starting any thread that takes timestamps (main
// does, first thing). `allow_time_csr` false keeps clock_gettime (rvprof --clock
// monotonic). Takes ~10 ms: it measures the counter over a sleep.
ClockInfo calibrate_clock(bool allow_time_csr = true);

}  // namespace rvprof
