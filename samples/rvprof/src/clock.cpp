#include "rvprof/clock.h"

#include <csetjmp>
#include <csignal>

namespace rvprof {

TickScale g_tick_scale;

#if defined(__riscv) && __riscv_xlen == 64
namespace {

// The kernel decides whether user mode may read `time` (scounteren.TM). Linux allows it
// (its vDSO needs it), but a hypervisor or another kernel may not: probe once, with a
// SIGILL handler, while rvprof is still single-threaded.
sigjmp_buf g_probe_jump;
void on_probe_sigill(int) { siglongjmp(g_probe_jump, 1); }

bool time_csr_readable() {
  struct sigaction trap {}, old {};
  trap.sa_handler = on_probe_sigill;
  sigemptyset(&trap.sa_mask);
  if (sigaction(SIGILL, &trap, &old) != 0) return false;
  volatile bool ok = false;
  if (sigsetjmp(g_probe_jump, 1) == 0) {
    (void)read_time_csr();
    ok = true;
  }
  sigaction(SIGILL, &old, nullptr);
  return ok;
}

// One (ns, tick) pair: the tick read between two clock reads, taken from the narrowest
// of a few brackets so that a preemption inside one does not skew the calibration.
struct Pair {
  uint64_t ns = 0, tick = 0;
};
Pair sample_pair() {
  Pair best;
  uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < 8; ++i) {
    const uint64_t a = monotonic_ns();
    const uint64_t t = read_time_csr();
    const uint64_t b = monotonic_ns();
    if (b - a < best_width) {
      best_width = b - a;
      best = Pair{a + (b - a) / 2, t};
    }
  }
  return best;
}

}  // namespace

ClockInfo calibrate_clock(bool allow_time_csr) {
  g_tick_scale = TickScale{};
  if (!allow_time_csr || !time_csr_readable()) return ClockInfo{};
  const Pair start = sample_pair();
  const timespec ten_ms{0, 10'000'000};
  nanosleep(&ten_ms, nullptr);
  const Pair end = sample_pair();
  const uint64_t dns = end.ns - start.ns, dticks = end.tick - start.tick;
  // A counter that did not move (or ran backwards) over 10 ms is no clock to use.
  if (end.tick <= start.tick || dns == 0 || dns >= (uint64_t{1} << 31) * 1000) return ClockInfo{};
  const unsigned __int128 mult = (static_cast<unsigned __int128>(dns) << 32) / dticks;
  if (mult == 0 || mult > UINT64_MAX) return ClockInfo{};
  g_tick_scale = TickScale{end.tick, end.ns, static_cast<uint64_t>(mult)};
  return ClockInfo{true, static_cast<double>(dticks) * 1000.0 / static_cast<double>(dns)};
}

#else  // no time CSR on this architecture: clock_gettime

ClockInfo calibrate_clock(bool) { return ClockInfo{}; }

#endif

}  // namespace rvprof
