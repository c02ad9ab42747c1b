// stop_the_world: the caller side of the rendezvous. See rvjit/runtime/stop_the_world.h
// for the contract and rendezvous_state.h for the counter word.
#include "rvjit/runtime/stop_the_world.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "futex.h"
#include "rendezvous_state.h"
#include "rvjit/runtime/icache.h"

namespace rvjit {
namespace detail {
bool thread_blocks_signal(pid_t tid, int signo);  // rendezvous_diagnose.cpp
}

using namespace detail;

namespace {

// Sleep slice of the caller while it waits for arrivals: the granularity at which it
// notices threads that exited without unregistering, and blocked signals.
constexpr long kSliceNs = 5'000'000;
// Spin budget of the caller before it sleeps, used only while the parked threads and the
// caller fit the CPUs (otherwise spinning takes the CPU a signalled thread needs). A
// signalled thread that is running on another CPU answers in about one IPI (~10 us on
// the project's machines, like membarrier); one that did not answer by then most likely
// waits for the caller's own CPU, and spinning longer would only delay it.
constexpr long kSpinNs = 20'000;
// Spin iterations of a parked thread before it sleeps, under the same condition.
constexpr uint32_t kParkSpins = 4000;
// A thread is reported as blocking the signal once /proc has shown it blocked (outside
// the handler) for this long, without waiting for the whole timeout. Not at the first
// sight: a thread released from the previous rendezvous shows the signal blocked until
// its sigreturn, which a preempted thread may reach only a scheduler period later.
constexpr int64_t kBlockedConfirmNs = 50'000'000;

struct Entry {
  uint32_t slot;
  pid_t tid;
  bool signalled = false;
  bool gone = false;  // unregistered or exited: not waited for
  int64_t blocked_since = 0;  // first time seen blocking the signal (0: not seen)
};

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

timespec to_timespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

unsigned online_cpus() {
  static const unsigned n = [] {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? static_cast<unsigned>(c) : 1u;
  }();
  return n;
}

// Whether the thread of `e` blocks the signal right now, outside the handler.
bool blocks_now(const Entry& e, int signo) {
  const Slot& s = state().slots[e.slot];
  return s.in_handler.load(std::memory_order_relaxed) == 0 && thread_blocks_signal(e.tid, signo);
}

std::string describe(const Slot& s, pid_t tid) {
  return "thread " + std::to_string(tid) + " \"" + std::string(s.name) + "\"";
}

// Sends the signal to every entry not signalled yet. ESRCH: the thread has exited.
Error signal_all(std::vector<Entry>& entries, int signo, pid_t pid) {
  for (Entry& e : entries) {
    if (e.signalled || e.gone) continue;
    if (syscall(SYS_tgkill, pid, e.tid, signo) == 0) {
      e.signalled = true;
    } else if (errno == ESRCH) {
      e.gone = true;
    } else if (errno != EAGAIN) {  // EAGAIN: the RT queue is full; retried next slice
      return Error(ErrorCode::kSystemError, "stop_the_world: tgkill(" + std::to_string(e.tid) +
                                                "): " + std::string(strerror(errno)));
    }
  }
  return ok();
}

// Re-evaluates who is still awaited; returns how many entries have arrived or are gone
// (the arrival target for the counter is entries that are not gone).
size_t settled(std::vector<Entry>& entries, uint32_t gen, bool probe_exited, pid_t pid,
               uint32_t* not_gone) {
  RendezvousState& st = state();
  size_t done = 0;
  uint32_t live = 0;
  for (Entry& e : entries) {
    if (!e.gone) {
      const Slot& s = st.slots[e.slot];
      if (s.answered.load(std::memory_order_acquire) == gen) {
        ++done;
        ++live;
        continue;
      }
      // Unregistered meanwhile (slots are not reclaimed while we hold the lock), or
      // exited without unregistering (tgkill with signal 0 probes the tid).
      if (s.tid.load(std::memory_order_acquire) != e.tid ||
          (probe_exited && syscall(SYS_tgkill, pid, e.tid, 0) != 0 && errno == ESRCH)) {
        e.gone = true;
      } else {
        ++live;
      }
    }
    if (e.gone) ++done;
  }
  *not_gone = live;
  return done;
}

// Closes the open generation (`how`: kReleased, plus kAborted on failure), frees the
// parked threads and unlocks.
void close_rendezvous(uint32_t how) noexcept;

}  // namespace

bool in_stop_the_world() noexcept { return t_in_stw; }

Error stop_the_world(const std::function<Error()>& fn, const StopOptions& options) {
  if (t_in_stw) {
    return Error(ErrorCode::kNestedCall, "stop_the_world: called from inside its own callback");
  }
  if (Error e = ensure_rendezvous_installed(); !e.ok()) return e;
  RendezvousState& st = state();
  const int signo = st.signo.load(std::memory_order_acquire);
  const pid_t pid = getpid();
  const pid_t me = current_tid();

  // Snapshot before taking the lock (allocation outside it); refreshed under it.
  std::vector<Entry> entries;
  entries.reserve(st.slot_hwm.load(std::memory_order_relaxed) + 1);

  // Serialises callers and registrations. A registered thread waiting here keeps
  // answering the current holder's signal (the wait is an interruptible futex wait).
  lock_stw();
  t_in_stw = true;
  st.caller_tid.store(me, std::memory_order_relaxed);

  const uint32_t hwm = st.slot_hwm.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < hwm; ++i) {
    const pid_t tid = st.slots[i].tid.load(std::memory_order_acquire);
    if (tid != 0 && tid != me) entries.push_back(Entry{i, tid});
  }

  // Open a new generation (never 0). The fixup table is published by the release store
  // of the word; handlers acquire-load the word before they read the table.
  const uint32_t prev_gen = word_gen(st.word.load(std::memory_order_relaxed));
  const uint32_t gen = (prev_gen + 1) & 0xffff ? (prev_gen + 1) & 0xffff : 1;
  st.fixups.store(options.fixups.data(), std::memory_order_relaxed);
  st.fixup_count.store(options.pc_fixup_enabled ? options.fixups.size() : 0,
                       std::memory_order_relaxed);
  st.target.store(static_cast<uint32_t>(entries.size()), std::memory_order_relaxed);
  const bool may_spin = entries.size() + 1 <= online_cpus();
  st.park_spins.store(may_spin ? kParkSpins : 0, std::memory_order_relaxed);
  st.word.store(gen << 16, std::memory_order_release);

  Error failure;
  if (!entries.empty()) {
    failure = signal_all(entries, signo, pid);
    const int64_t start = now_ns();
    const int64_t deadline = start + options.timeout.count() * 1'000'000;
    uint32_t live = static_cast<uint32_t>(entries.size());
    while (failure.ok()) {
      // Everybody arrived or is gone (unregistered meanwhile)? Also refreshes `live`.
      if (settled(entries, gen, false, pid, &live) == entries.size()) break;
      uint32_t w;
      const int64_t now = now_ns();
      if (may_spin && now - start < kSpinNs) {
        detail::cpu_relax();
        continue;
      }
      if (now >= deadline) {
        // Last look (exited threads included) before failing.
        if (settled(entries, gen, true, pid, &live) == entries.size()) break;
        for (const Entry& e : entries) {
          const Slot& s = st.slots[e.slot];
          if (e.gone || s.answered.load(std::memory_order_acquire) == gen) continue;
          const bool blocked = blocks_now(e, signo);
          failure = Error(blocked ? ErrorCode::kSignalBlocked : ErrorCode::kRendezvousTimeout,
                          "stop_the_world: " + describe(s, e.tid) +
                              (blocked ? " blocks the rendezvous signal " + std::to_string(signo)
                                       : " did not answer within " +
                                             std::to_string(options.timeout.count()) + " ms"));
          break;
        }
        break;
      }
      // Sleep until the last arrival (or an unregistration) wakes us, or a slice passes.
      // seq_cst store, then re-check the word inside futex_wait (it compares w): pairs
      // with the handler's seq_cst CAS + caller_sleeping load, so a wake is never lost.
      st.target.store(live, std::memory_order_relaxed);
      st.caller_sleeping.store(1, std::memory_order_seq_cst);
      w = st.word.load(std::memory_order_seq_cst);
      if (word_count(w) < live) {
        const timespec until = to_timespec(std::min(deadline, now + kSliceNs));
        if (futex_wait(&st.word, w, kCallerBit, &until) == ETIMEDOUT) {
          // A slice passed without progress: threads that exited, blocked signals,
          // signals that could not be queued.
          st.caller_sleeping.store(0, std::memory_order_relaxed);
          settled(entries, gen, true, pid, &live);
          if (Error e = signal_all(entries, signo, pid); !e.ok()) failure = std::move(e);
          const int64_t t = now_ns();
          for (Entry& e : entries) {
            const Slot& s = st.slots[e.slot];
            if (e.gone || s.answered.load(std::memory_order_acquire) == gen) continue;
            if (!blocks_now(e, signo)) {
              e.blocked_since = 0;
            } else if (e.blocked_since == 0) {
              e.blocked_since = t;
            } else if (t - e.blocked_since >= kBlockedConfirmNs) {
              failure = Error(ErrorCode::kSignalBlocked,
                              "stop_the_world: " + describe(s, e.tid) +
                                  " blocks the rendezvous signal " + std::to_string(signo));
              break;
            }
          }
        }
      }
      st.caller_sleeping.store(0, std::memory_order_relaxed);
    }
  }

  // fn runs here, on the caller, exactly once. In the seed the last CPU to arrive runs it
  // because stop_machine's CPUs are symmetric; here the caller is the one thread that is
  // not inside a signal handler, so fn may take the text lock, allocate and make system
  // calls (mprotect for the W^X flip). It is also the only thread that knows the outcome.
  Error result;
  if (failure.ok()) {
    try {
      result = fn();
    } catch (...) {
      // Never leave the world stopped: release everybody (aborted: nothing is known to
      // have been written consistently), then let the exception go on.
      close_rendezvous(kReleased | kAborted);
      st.caller_done_gen.store(gen, std::memory_order_relaxed);
      throw;
    }
    close_rendezvous(kReleased);
  } else {
    result = std::move(failure);
    close_rendezvous(kReleased | kAborted);
  }
  // The caller returns to JIT code too: its own FENCE.I after fn's stores.
  local_fence_i();
  // Released threads that yield their CPU to us may return to their code now.
  st.caller_done_gen.store(gen, std::memory_order_relaxed);
  return result;
}

namespace {

void close_rendezvous(uint32_t how) noexcept {
  RendezvousState& st = state();
  // Close the generation and free the parked threads. Release: every store of fn (the
  // patched instructions) happens-before the parked threads' acquire loads of the word,
  // after which each runs FENCE.I (the seed's atomic_inc_return_release, which "pairs with
  // the call to local_flush_icache_all() on the waiting CPU"). seq_cst also orders it
  // before the readers check below.
  st.word.fetch_or(how, std::memory_order_seq_cst);
  futex_wake(&st.word, INT32_MAX, kParkedBit);
  // Handlers that looked at the word before the close may still read options.fixups,
  // which dies with this call: wait until they are past it (a handful of loads).
  while (st.readers.load(std::memory_order_seq_cst) != 0) sched_yield();

  st.fixups.store(nullptr, std::memory_order_relaxed);
  st.fixup_count.store(0, std::memory_order_relaxed);
  st.caller_tid.store(0, std::memory_order_relaxed);
  t_in_stw = false;
  unlock_stw();
}

}  // namespace

}  // namespace rvjit
