// stop_the_world: the caller side of the rendezvous, as four steps: open a generation
// and signal (rendezvous_wait.cpp), wait for the arrivals (same file), on failure
// diagnose with raw facts (rendezvous_diagnose.cpp), and after the release report. See
// rvjit/runtime/stop_the_world.h for the contract, rendezvous_state.h for the counter word
// and rendezvous_caller.h for what may run while threads are parked.
#include "rvjit/runtime/stop_the_world.h"

#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "futex.h"
#include "rendezvous_caller.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/icache.h"

namespace rvjit {

using namespace detail;

namespace {

// Spin iterations of a parked thread before it sleeps, used only while the threads fit
// the CPUs.
constexpr uint32_t kParkSpins = 4000;
// How long close_rendezvous waits for handlers that still count as readers of the fixup
// table (a handful of instructions each, unless one lost its CPU there). After that the
// table is leaked rather than freed under them.
constexpr int64_t kReadersWaitNs = 200'000'000;

unsigned online_cpus() {
  static const unsigned n = [] {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? static_cast<unsigned>(c) : 1u;
  }();
  return n;
}

struct FreeTable {
  void operator()(FixupTable* t) const { std::free(t); }
};
using TablePtr = std::unique_ptr<FixupTable, FreeTable>;

// The caller's copy of the fixup ranges (see RendezvousState::fixups). nullptr when there
// are none; *oom when the copy could not be made.
TablePtr copy_fixups(const StopOptions& options, bool* oom) {
  *oom = false;
  if (!options.pc_fixup_enabled || options.fixups.empty()) return nullptr;
  const size_t n = options.fixups.size();
  void* p = std::malloc(sizeof(FixupTable) + n * sizeof(PcFixupRange));
  if (!p) {
    *oom = true;
    return nullptr;
  }
  auto* t = new (p) FixupTable{n};
  std::memcpy(const_cast<PcFixupRange*>(t->ranges()), options.fixups.data(), n * sizeof(PcFixupRange));
  return TablePtr(t);
}

// Under the stw lock: the registered threads other than the caller. May allocate: no
// thread is parked yet.
void snapshot_registered(std::vector<Awaited>& out, pid_t me) {
  RendezvousState& st = state();
  const uint32_t hwm = st.slot_hwm.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < hwm; ++i) {
    const pid_t tid = st.slots[i].tid.load(std::memory_order_acquire);
    if (tid != 0 && tid != me) out.push_back(Awaited{i, tid});
  }
}

// Opens a new generation (never 0) for `awaited`, publishing the fixup table.
uint32_t open_generation(size_t awaited, const FixupTable* table, bool may_spin) {
  RendezvousState& st = state();
  const uint32_t prev_gen = word_gen(st.word.load(std::memory_order_relaxed));
  const uint32_t gen = (prev_gen + 1) & 0xffff ? (prev_gen + 1) & 0xffff : 1;
  st.fixups.store(table, std::memory_order_relaxed);
  st.target.store(static_cast<uint32_t>(awaited), std::memory_order_relaxed);
  st.park_spins.store(may_spin ? kParkSpins : 0, std::memory_order_relaxed);
  // Release: the table and the fields above are published by this store; handlers
  // acquire-load the word before they read them.
  st.word.store(gen << 16, std::memory_order_release);
  return gen;
}

// Waits, bounded, until no handler counts as a reader of the fixup table. False when
// one still does after kReadersWaitNs.
bool wait_for_readers() noexcept {
  RendezvousState& st = state();
  const int64_t deadline = monotonic_now_ns() + kReadersWaitNs;
  for (int round = 0;; ++round) {
    // Acquire pairs with leave_reader's release decrement: their reads are done.
    const uint32_t r = st.readers.load(std::memory_order_acquire);
    if (r == 0) return true;
    const int64_t now = monotonic_now_ns();
    if (now >= deadline) return false;
    if (round < 16) {
      sched_yield();  // usually a few instructions away
      continue;
    }
    const int64_t until_ns = std::min(deadline, now + 1'000'000);
    const timespec until{static_cast<time_t>(until_ns / 1'000'000'000),
                         static_cast<long>(until_ns % 1'000'000'000)};
    futex_wait(&st.readers, r, kCallerBit, &until);
  }
}

// Closes the open generation (`how`: kReleased, plus kAborted on failure), frees the
// parked threads, disposes of the fixup table and unlocks.
void close_rendezvous(uint32_t how, TablePtr& table) noexcept {
  RendezvousState& st = state();
  // Close the generation and free the parked threads. Release: every store of fn (the
  // patched instructions) happens-before the parked threads' acquire loads of the word,
  // after which each runs FENCE.I (the seed's atomic_inc_return_release, which "pairs with
  // the call to local_flush_icache_all() on the waiting CPU"). seq_cst also orders it
  // before the readers load in wait_for_readers: a handler that incremented readers after
  // that load sees RELEASED (its own seq_cst load) and leaves without reading the table.
  st.word.fetch_or(how, std::memory_order_seq_cst);
  futex_wake(&st.word, INT32_MAX, kParkedBit);
  st.fixups.store(nullptr, std::memory_order_relaxed);
  if (!wait_for_readers()) (void)table.release();  // leaked: a stuck reader may hold it
  table.reset();
  st.caller_tid.store(0, std::memory_order_relaxed);
  t_in_stw = false;
  unlock_stw();
}

}  // namespace

bool in_stop_the_world() noexcept { return t_in_stw; }

Error stop_the_world(const std::function<Error()>& fn, const StopOptions& options) {
  if (t_in_stw) {
    return Error(ErrorCode::kNestedCall, "stop_the_world: called from inside its own callback");
  }
  if (Error e = ensure_rendezvous_installed(); !e.ok()) return e;
  coherence_init();  // the migration cover is chosen before anyone parks
  RendezvousState& st = state();
  bool oom = false;
  TablePtr table = copy_fixups(options, &oom);
  if (oom) return Error(ErrorCode::kOutOfMemory, "stop_the_world: no memory for the fixup table");
  std::vector<Awaited> awaited;
  awaited.reserve(st.slot_hwm.load(std::memory_order_relaxed) + 1);

  // Serialises callers and registrations. A registered thread waiting here keeps
  // answering the current holder's signal (the wait is an interruptible futex wait).
  lock_stw();
  t_in_stw = true;
  CallerRendezvous r;
  r.signo = st.signo.load(std::memory_order_acquire);
  r.pid = getpid();
  st.caller_tid.store(current_tid(), std::memory_order_relaxed);
  snapshot_registered(awaited, current_tid());
  prepare_blocked_signal_diagnosis(r.signo);  // once; reads /proc before anyone parks
  r.awaited = awaited;
  r.may_spin = awaited.size() + 1 <= online_cpus();
  r.gen = open_generation(awaited.size(), table.get(), r.may_spin);

  // From the first signal to the release: no locks, no allocation (rendezvous_caller.h).
  Failure failure;
  if (!awaited.empty()) {
    r.start_ns = monotonic_now_ns();
    r.deadline_ns = r.start_ns + options.timeout.count() * 1'000'000;
    failure = signal_awaited(r);
    if (!failure.failed()) failure = wait_for_arrivals(r);
  }

  // fn runs here, on the caller, exactly once. In the seed the last CPU to arrive runs it
  // because stop_machine's CPUs are symmetric; here the caller is the one thread that is
  // not inside a signal handler, so fn may take the text lock and make system calls
  // (mprotect for the W^X flip). It is also the only thread that knows the outcome.
  Error result;
  if (!failure.failed()) {
    try {
      result = fn();
    } catch (...) {
      // Never leave the world stopped: release everybody (aborted: nothing is known to
      // have been written consistently), then let the exception go on.
      close_rendezvous(kReleased | kAborted, table);
      st.caller_done_gen.store(r.gen, std::memory_order_relaxed);
      throw;
    }
    // Without PR_RISCV_SET_ICACHE_FLUSH_CTX, the parked threads' own FENCE.I may be lost
    // when they migrate: mark every hart stale before anyone runs the new code.
    cover_local_fences_for_migration();
    close_rendezvous(kReleased, table);
  } else {
    close_rendezvous(kReleased | kAborted, table);
    result = report_failure(failure, r.signo, options.timeout);
  }
  // The caller returns to JIT code too: its own FENCE.I after fn's stores.
  local_fence_i();
  // Released threads that yield their CPU to us may return to their code now.
  st.caller_done_gen.store(r.gen, std::memory_order_relaxed);
  return result;
}

}  // namespace rvjit
