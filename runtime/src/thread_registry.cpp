// The thread registry: fixed slots, RAII registration, automatic unregistration at thread
// exit, and the child side of fork(). See rvjit/runtime/thread_registry.h.
#include "rvjit/runtime/thread_registry.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "futex.h"
#include "rendezvous_state.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/thread_registry_c.h"

namespace rvjit {
namespace detail {

constinit thread_local int t_slot __attribute__((tls_model("initial-exec"))) = -1;
constinit thread_local pid_t t_tid __attribute__((tls_model("initial-exec"))) = 0;
constinit thread_local bool t_in_stw __attribute__((tls_model("initial-exec"))) = false;

namespace {
thread_local int t_depth = 0;  // nesting of registrations of this thread

// Unregisters a thread that exits while registered (C API users who forget, threads that
// call pthread_exit inside a scope). thread_local destructors run at thread exit before
// the thread's signals are blocked, so a rendezvous in progress is still answered.
struct ExitGuard {
  bool armed = false;
  ~ExitGuard() {
    if (t_slot >= 0) {
      t_depth = 1;
      unregister_current_thread();
    }
  }
};
thread_local ExitGuard t_exit_guard;
}  // namespace

pid_t current_tid() noexcept {
  if (t_tid == 0) t_tid = static_cast<pid_t>(syscall(SYS_gettid));
  return t_tid;
}

namespace {
// constinit: initialised at load time, so the signal handler never runs a guard or a
// constructor, and no thread can see it half-built.
constinit RendezvousState g_state{};
}  // namespace

RendezvousState& state() noexcept { return g_state; }

}  // namespace detail

using namespace detail;

Error register_current_thread(const char* name) {
  if (t_in_stw) {
    return Error(ErrorCode::kNestedCall,
                 "register_current_thread: called from inside a stop_the_world callback");
  }
  if (t_slot >= 0) {  // nested registration: only count it
    ++t_depth;
    return ok();
  }
  if (Error e = ensure_rendezvous_installed(); !e.ok()) return e;

  char buf[kThreadNameCapacity] = {};
  if (name) {
    std::strncpy(buf, name, sizeof buf - 1);
  } else if (pthread_getname_np(pthread_self(), buf, sizeof buf) != 0) {
    buf[0] = '\0';
  }
  const pid_t tid = current_tid();
  RendezvousState& st = state();

  // Waits while a rendezvous is in progress: a thread that appeared after the caller took
  // its snapshot would not be parked. Waiting here is harmless for the rendezvous: this
  // thread is not registered yet, so nobody waits for it.
  lock_stw();
  int found = -1;
  for (size_t i = 0; i < kMaxRegisteredThreads; ++i) {
    // Slots are claimed only under the lock; unregistration only frees (tid -> 0).
    if (st.slots[i].tid.load(std::memory_order_acquire) == 0) {
      found = static_cast<int>(i);
      break;
    }
  }
  if (found < 0) {
    unlock_stw();
    return Error(ErrorCode::kBusy, "register_current_thread: all " +
                                       std::to_string(kMaxRegisteredThreads) +
                                       " registry slots are taken");
  }
  Slot& s = st.slots[found];
  std::memcpy(s.name, buf, sizeof buf);
  s.answered.store(0, std::memory_order_relaxed);
  s.stall.store(0, std::memory_order_relaxed);
  t_slot = found;  // before the tid is published: a signal from now on finds the slot
  // Release: a rendezvous caller that acquires tid != 0 also sees name and answered.
  s.tid.store(tid, std::memory_order_release);
  if (static_cast<uint32_t>(found) >= st.slot_hwm.load(std::memory_order_relaxed)) {
    st.slot_hwm.store(static_cast<uint32_t>(found) + 1, std::memory_order_release);
  }
  unlock_stw();
  t_depth = 1;
  t_exit_guard.armed = true;  // odr-use: constructs the guard, registers its destructor
  // From here on this thread may run JIT code, possibly installed or patched by another
  // thread before it registered (that thread's stores reach us through whatever handed us
  // the entry: thread creation, a release/acquire pair, the lock above). Instruction fetch
  // is not coherent with those stores until this hart executes FENCE.I itself (the ISA
  // manual's recipe; with PR_RISCV_SET_ICACHE_FLUSH_CTX it survives migration). Code
  // published after this point needs the receiver's own FENCE.I again (code_cache.h).
  local_fence_i();
  return ok();
}

void unregister_current_thread() noexcept {
  if (t_slot < 0) return;
  if (--t_depth > 0) return;
  RendezvousState& st = state();
  Slot& s = st.slots[t_slot];
  // First make this thread's handler ignore further signals, then free the slot. A handler
  // that interrupts us before the next line arrives normally (and is counted); after it,
  // the handler returns at once and the caller sees tid == 0 and stops waiting for us.
  t_slot = -1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  // Release: the slot's fields are done with before another thread may claim it.
  s.tid.store(0, std::memory_order_release);
  // Wake a caller that sleeps for arrivals, so it re-evaluates whom it waits for. The
  // fence orders our tid store before the caller_sleeping load. This is a latency hint,
  // not a handshake: a caller about to sleep re-checks the counter word, not our slot, so
  // if it stores caller_sleeping just after our load it sleeps until its slice ends
  // (kSliceNs, rendezvous_wait.cpp) and then sees tid == 0. Bounded either way.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (st.caller_sleeping.load(std::memory_order_relaxed)) {
    futex_wake(&st.word, 1, kCallerBit);
  }
}

bool current_thread_registered() noexcept { return t_slot >= 0; }

size_t registered_thread_count() noexcept {
  RendezvousState& st = state();
  size_t n = 0;
  const uint32_t hwm = st.slot_hwm.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < hwm; ++i) n += st.slots[i].tid.load(std::memory_order_relaxed) != 0;
  return n;
}

namespace detail {

void set_stall_for_testing(uint32_t mode) noexcept {
  if (t_slot >= 0) state().slots[t_slot].stall.store(mode, std::memory_order_relaxed);
}

void release_stalled_for_testing() noexcept {
  RendezvousState& st = state();
  for (uint32_t i = 0; i < st.slot_hwm.load(std::memory_order_acquire); ++i) {
    uint32_t want = kStallAsReader;
    st.slots[i].stall.compare_exchange_strong(want, kStallOff, std::memory_order_relaxed);
  }
}

// Child side of fork(): only the forking thread exists. Called from the atfork child
// handler with the stw lock held by this thread in the parent (prepare handler).
void registry_after_fork_in_child() noexcept {
  RendezvousState& st = state();
  t_tid = 0;
  const pid_t me = current_tid();
  const uint32_t hwm = st.slot_hwm.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < hwm; ++i) {
    if (static_cast<int>(i) == t_slot) {
      st.slots[i].tid.store(me, std::memory_order_relaxed);
      st.slots[i].answered.store(0, std::memory_order_relaxed);
    } else {
      st.slots[i].tid.store(0, std::memory_order_relaxed);
    }
  }
}

}  // namespace detail
}  // namespace rvjit

// ---- C API -----------------------------------------------------------------------------
namespace {
thread_local std::string t_last_error;
}

extern "C" int rvjit_thread_register(const char* name) {
  rvjit::Error e = rvjit::register_current_thread(name);
  if (e.ok()) return 0;
  t_last_error = e.to_string();
  return static_cast<int>(e.code());
}

extern "C" void rvjit_thread_unregister(void) { rvjit::unregister_current_thread(); }

extern "C" const char* rvjit_thread_last_error(void) { return t_last_error.c_str(); }
