// The rendezvous signal handler: the parked side of the seed's __ftrace_modify_code /
// patch_text_cb (Linux c97bf629963e), in user space.
//
// Async-signal-safe: atomics, FENCE.I and plain system calls (futex, sched_yield,
// clock_gettime) only; no allocation, no locks, no stdio. errno is preserved.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>

#include "futex.h"
#include "rendezvous_state.h"
#include "rvjit/runtime/icache.h"

namespace rvjit::detail {
namespace {

uintptr_t& interrupted_pc(void* ucontext) {
  auto* uc = static_cast<ucontext_t*>(ucontext);
#if defined(__riscv)
  return reinterpret_cast<uintptr_t&>(uc->uc_mcontext.__gregs[REG_PC]);
#elif defined(__x86_64__)
  return reinterpret_cast<uintptr_t&>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<uintptr_t&>(uc->uc_mcontext.pc);
#else
#error "rendezvous: interrupted PC not known for this architecture"
#endif
}

// Where a thread interrupted at `pc` must resume: the start of the fixup range that holds
// pc strictly inside, else pc. The table is the caller's copy; see
// RendezvousState::fixups for why reading it here is safe (we count as a reader).
uintptr_t fixed_pc(const RendezvousState& st, uintptr_t pc) {
  // Relaxed: published before the word that opened the generation, which we acquired.
  const FixupTable* t = st.fixups.load(std::memory_order_relaxed);
  if (!t) return pc;
  const PcFixupRange* r = t->ranges();
  for (size_t i = 0; i < t->count; ++i) {
    if (pc > r[i].start && pc < r[i].end) return r[i].start;
  }
  return pc;
}

// Stops counting as a reader of the fixup table. The last reader to leave a closed
// rendezvous wakes the caller, which may be waiting for readers == 0 (close_rendezvous).
// Release: our reads of the table happen before the caller's acquire of readers == 0.
void leave_reader(RendezvousState& st) {
  if (st.readers.fetch_sub(1, std::memory_order_release) == 1 &&
      (st.word.load(std::memory_order_relaxed) & kReleased)) {
    futex_wake(&st.readers, 1, kCallerBit);
  }
}

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe (POSIX)
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Oversubscribed release (the threads outnumber the CPUs): yield the CPU until the caller
// has left stop_the_world, at most kYieldToCallerNs.
//
// Why: the release wakes every parked thread at once. The scheduler lets such a wakee
// preempt the caller on the caller's CPU, and the wakee then runs its (busy) code; the
// caller, which has nothing left but a few stores and its FENCE.I, gets the CPU back only
// at a later tick, once per runnable thread in the worst case. Measured with 8 busy
// threads on 2 CPUs: 12 ms median per stop_the_world without this, 45 us with it
// (docs/benchmarks.md). sched_yield forfeits at most the rest of the yielder's current
// slice under EEVDF (only an eligible task is moved back), so the cost to a released
// thread is bounded by one slice, and by kYieldToCallerNs of wall time.
constexpr int64_t kYieldToCallerNs = 200'000;

void yield_to_caller(const RendezvousState& st, uint32_t gen) {
  const int64_t until = monotonic_ns() + kYieldToCallerNs;
  for (;;) {
    if (st.caller_done_gen.load(std::memory_order_relaxed) == gen) return;
    // A later generation is open: our caller is long gone.
    if (word_gen(st.word.load(std::memory_order_relaxed)) != gen) return;
    if (monotonic_ns() >= until) return;
    sched_yield();  // a plain system call: no library state, async-signal-safe in effect
  }
}

struct ErrnoSaver {
  int saved = errno;
  ~ErrnoSaver() { errno = saved; }
};

struct InHandler {
  std::atomic<uint32_t>& flag;
  explicit InHandler(std::atomic<uint32_t>& f) : flag(f) { flag.store(1, std::memory_order_relaxed); }
  ~InHandler() { flag.store(0, std::memory_order_relaxed); }
};

}  // namespace

void rendezvous_handler(int, siginfo_t*, void* ucontext) {
  ErrnoSaver errno_saver;
  RendezvousState& st = state();
  const int slot = t_slot;
  // Not registered (a signal that outlived the registration), or the caller itself (a
  // stale signal queued while it had blocked it): nothing to answer.
  if (slot < 0 || st.caller_tid.load(std::memory_order_relaxed) == t_tid) {
    local_fence_i();
    return;
  }
  Slot& me = st.slots[slot];
  InHandler in_handler(me.in_handler);  // diagnosis only (see Slot::in_handler)

  // Announce a reader before looking at the word. seq_cst pairs with the caller's seq_cst
  // close (RELEASED) followed by its readers == 0 check: either we see RELEASED, or the
  // caller waits until we are done with its fixup table.
  st.readers.fetch_add(1, std::memory_order_seq_cst);
  // Acquire pairs with the caller's release store that opened the generation: the fixup
  // table published before it is visible now.
  uint32_t w = st.word.load(std::memory_order_seq_cst);
  const uint32_t gen = word_gen(w);
  if ((w & kReleased) || me.answered.load(std::memory_order_relaxed) == gen) {
    leave_reader(st);
    local_fence_i();
    return;  // stale signal, or a second signal for a generation already answered
  }
  while (me.stall.load(std::memory_order_relaxed) == kStallAsReader) {
    // Testing only: a handler that lost its CPU while it counts as a reader.
    timespec ts{0, 1'000'000};
    nanosleep(&ts, nullptr);
  }
  if (me.stall.load(std::memory_order_relaxed) == kStallSilent) {
    // Testing only: behave like a thread that never gets to run until the caller gives
    // up; then leave like any late handler.
    leave_reader(st);
    while (word_gen(w) == gen && !(w & kReleased)) {
      futex_wait(&st.word, w, kParkedBit, nullptr);
      w = st.word.load(std::memory_order_acquire);
    }
    local_fence_i();
    return;
  }

  uintptr_t& pc = interrupted_pc(ucontext);
  const uintptr_t resume = fixed_pc(st, pc);

  // Arrive: count only while the generation we looked at is still open.
  for (;;) {
    if (word_gen(w) != gen || (w & kReleased)) {  // closed (aborted) under our feet
      leave_reader(st);
      local_fence_i();
      return;
    }
    // seq_cst: also orders against the caller_sleeping load below (Dekker with the
    // caller's sleeping store + its re-check of the word).
    if (st.word.compare_exchange_weak(w, w + 1, std::memory_order_seq_cst)) break;
  }
  // Only after the CAS: the caller treats answered == gen as "arrived" (release pairs
  // with its acquire load), so it must never see it before the arrival really counted;
  // otherwise it could close first, our CAS would fail and we would skip the fixup.
  // Also suppresses a second signal for this generation (it is delivered only after this
  // handler returns: the signal is masked while it runs).
  me.answered.store(gen, std::memory_order_release);
  // The table is not touched again: the caller may close and return from now on.
  leave_reader(st);
  w += 1;
  // caller_sleeping first: reading the caller's seq_cst store of 1 synchronises with it,
  // so the target it stored before is the one we compare with.
  if (st.caller_sleeping.load(std::memory_order_seq_cst) &&
      word_count(w) >= st.target.load(std::memory_order_relaxed)) {
    futex_wake(&st.word, 1, kCallerBit);  // the last arrival wakes the caller
  }

  // Park: spin briefly, then sleep on the word until the caller closes this generation.
  // Acquire pairs with the caller's release close (the seed's atomic_inc_return_release):
  // every store fn made (the patched instructions) happens-before what follows, in
  // particular the FENCE.I below, so this hart fetches the new code.
  // (Spin budget from the caller: zero when threads outnumber CPUs, platform-facts.md §4:
  // pure spinning collapses then.)
  const uint32_t spins = st.park_spins.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < spins; ++i) {
    w = st.word.load(std::memory_order_acquire);
    if (word_gen(w) != gen || (w & kReleased)) break;
    cpu_relax();
  }
  while (word_gen(w) == gen && !(w & kReleased)) {
    futex_wait(&st.word, w, kParkedBit, nullptr);
    w = st.word.load(std::memory_order_acquire);
  }

  if (spins == 0) yield_to_caller(st, gen);

  // Interrupted inside a multi-word site: resume at its start, so the thread runs the
  // site's words either all old or all new. Not after an abort (nothing was written;
  // sites are restartable, so moving back would be harmless too). If the word already
  // names a later generation, this one ended; whether it aborted is unknown and the move
  // is made (again harmless: every fixup range is restartable from its start).
  const bool aborted = word_gen(w) == gen && (w & kAborted);
  if (!aborted && resume != pc) pc = resume;

  // Every parked thread runs FENCE.I itself after observing the release and before
  // returning to (possibly patched) JIT code: the seed's local_flush_icache_all().
  local_fence_i();
}

}  // namespace rvjit::detail
