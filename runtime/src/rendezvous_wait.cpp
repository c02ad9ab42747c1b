// The caller's signal and wait phases (rendezvous_caller.h). Runs while registered
// threads are parked: raw system calls and atomics only, no locks, no allocation.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "futex.h"
#include "rendezvous_caller.h"

namespace rvjit::detail {
namespace {

// Sleep slice of the caller while it waits for arrivals: the granularity at which it
// notices threads that exited without unregistering and re-sends signals that could not
// be queued.
constexpr int64_t kSliceNs = 5'000'000;
// Spin budget of the caller before it sleeps, used only while the parked threads and the
// caller fit the CPUs (otherwise spinning takes the CPU a signalled thread needs). A
// signalled thread that is running on another CPU answers in about one IPI (~10 us on
// the project's machines, like membarrier); one that did not answer by then most likely
// waits for the caller's own CPU, and spinning longer would only delay it.
constexpr int64_t kSpinNs = 20'000;

timespec to_timespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// Re-evaluates who is still awaited; returns how many have arrived or are gone, and in
// *live how many are not gone (the arrival target). probe_exited: also ask the kernel
// whether the thread still exists (tgkill with signal 0).
size_t settled(CallerRendezvous& r, bool probe_exited, uint32_t* live) noexcept {
  RendezvousState& st = state();
  size_t done = 0;
  uint32_t not_gone = 0;
  for (Awaited& a : r.awaited) {
    if (!a.gone) {
      const Slot& s = st.slots[a.slot];
      // acquire pairs with the handler's release store of answered (after its CAS).
      if (s.answered.load(std::memory_order_acquire) == r.gen) {
        ++done;
        ++not_gone;
        continue;
      }
      // Unregistered meanwhile (slots are not reclaimed while we hold the lock), or
      // exited without unregistering.
      if (s.tid.load(std::memory_order_acquire) != a.tid ||
          (probe_exited && syscall(SYS_tgkill, r.pid, a.tid, 0) != 0 && errno == ESRCH)) {
        a.gone = true;
      } else {
        ++not_gone;
      }
    }
    if (a.gone) ++done;
  }
  *live = not_gone;
  return done;
}

// Sleeps until the last arrival (or an unregistration) wakes the caller, or until the
// end of a slice. Returns futex_wait's result (ETIMEDOUT: the slice passed).
int sleep_for_arrivals(const CallerRendezvous& r, uint32_t live, int64_t now) noexcept {
  RendezvousState& st = state();
  st.target.store(live, std::memory_order_relaxed);
  // seq_cst store, then re-check the word inside futex_wait (it compares w): pairs with
  // the handler's seq_cst CAS + caller_sleeping load, and with unregister_current_thread's
  // fence + caller_sleeping load, so a wake is never lost.
  st.caller_sleeping.store(1, std::memory_order_seq_cst);
  const uint32_t w = st.word.load(std::memory_order_seq_cst);
  int rc = 0;
  if (word_count(w) < live) {
    const timespec until = to_timespec(std::min(r.deadline_ns, now + kSliceNs));
    rc = futex_wait(&st.word, w, kCallerBit, &until);
  }
  st.caller_sleeping.store(0, std::memory_order_relaxed);
  return rc;
}

}  // namespace

int64_t monotonic_now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO or syscall: no lock
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

Failure signal_awaited(CallerRendezvous& r) noexcept {
  for (Awaited& a : r.awaited) {
    if (a.signalled || a.gone) continue;
    if (syscall(SYS_tgkill, r.pid, a.tid, r.signo) == 0) {
      a.signalled = true;
    } else if (errno == ESRCH) {
      a.gone = true;
    } else if (errno != EAGAIN) {  // EAGAIN: the RT queue is full; retried next slice
      Failure f;
      f.kind = Failure::Kind::kTgkill;
      f.error_number = errno;
      f.tid = a.tid;
      return f;
    }
  }
  return {};
}

Failure wait_for_arrivals(CallerRendezvous& r) noexcept {
  const size_t n = r.awaited.size();
  uint32_t live = static_cast<uint32_t>(n);
  for (;;) {
    if (settled(r, false, &live) == n) return {};
    const int64_t now = monotonic_now_ns();
    if (r.may_spin && now - r.start_ns < kSpinNs) {
      cpu_relax();
      continue;
    }
    if (now >= r.deadline_ns) {
      // Last look, exited threads included, before failing. A thread that shows the
      // signal blocked is not given up on earlier than this: a thread inside a signal
      // handler (another one, or ours of an earlier generation) looks exactly the same
      // and answers once the handler returns (issue 13, item 10).
      if (settled(r, true, &live) == n) return {};
      for (const Awaited& a : r.awaited)
        if (!a.gone && state().slots[a.slot].answered.load(std::memory_order_acquire) != r.gen)
          return diagnose_no_answer(a);
      return {};
    }
    if (sleep_for_arrivals(r, live, now) == ETIMEDOUT) {
      // A slice passed without the last arrival: threads that exited without
      // unregistering, signals that could not be queued.
      settled(r, true, &live);
      if (Failure f = signal_awaited(r); f.failed()) return f;
    }
  }
}

}  // namespace rvjit::detail
