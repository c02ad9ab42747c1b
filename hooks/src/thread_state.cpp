#include "thread_state.h"

#include "hook_slot.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>

namespace rvjit::hooks_internal {
namespace {

HookThreadState g_states[kMaxHookThreads];
// MEMBARRIER_CMD_PRIVATE_EXPEDITED and its registration (linux/membarrier.h; spelled out
// so older headers build). Registered once by init_thread_states().
constexpr int kMembarrierPrivateExpedited = 1 << 3;
constexpr int kMembarrierRegisterPrivateExpedited = 1 << 4;

std::atomic<uint64_t> g_untraced_threads{0};

// A plain pointer (no destructor, so reaching it never allocates); the slot is given back
// at thread exit by a pthread key destructor.
// initial-exec: reached without __tls_get_addr (the library is built -fPIC); in a
// dlopen'ed library it takes glibc's spare static TLS.
[[gnu::tls_model("initial-exec")]] thread_local HookThreadState* t_state = nullptr;
}  // namespace
[[gnu::tls_model("initial-exec")]] constinit thread_local HotTls t_hot;
namespace {
pthread_key_t g_exit_key;
// Set only when pthread_setspecific on the key never allocates: glibc keeps the values of
// its first 32 keys (PTHREAD_KEY_2NDLEVEL_SIZE) in the thread descriptor and allocates a
// second-level block for later ones; musl keeps every value in place. The key is created
// by a load-time constructor, before the program's own keys, so it is early in practice;
// if it is not, slots are not given back at thread exit (counted, see leaked_slots()).
std::atomic<bool> g_exit_key_ready{false};
std::atomic<uint64_t> g_leaked_slots{0};

bool setspecific_never_allocates(pthread_key_t key) {
#ifdef __GLIBC__
  return key < 32;
#else
  return true;
#endif
}

void release_slot(void* p) {
  auto* s = static_cast<HookThreadState*>(p);
  // A thread that exits inside a callback (pthread_exit) leaves its seq negative. Its TLS
  // goes away after this destructor: unpublish the pointer, then wait until no grace
  // period still reads through it (seq_cst store / seq_cst load, a Dekker pair with
  // read_seq's readers++ / seq_ptr load). A grace period that finds it null stops waiting.
  s->seq_ptr.store(nullptr, std::memory_order_seq_cst);
  while (s->readers.load(std::memory_order_seq_cst) != 0) sched_yield();
  // From now on this thread is not traced (a hooked call from a later TLS destructor
  // would run outside every grace period): -1 sends it to the general path, which sees a
  // negative seq and returns.
  t_hot.seq.store(-1, std::memory_order_relaxed);
  t_hot.shadow_top = t_hot.shadow_end = nullptr;  // the slot may go to another thread
  // release: the next owner's acquire CAS sees this thread's last writes.
  s->owner.store(0, std::memory_order_release);
}

void create_exit_key() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pthread_key_create(&g_exit_key, release_slot) == 0 && setspecific_never_allocates(g_exit_key))
      g_exit_key_ready.store(true, std::memory_order_release);
  });
}

// Before main and before most libraries create keys: keeps the key among the early ones.
[[gnu::constructor]] void create_exit_key_at_load() { create_exit_key(); }

[[gnu::noinline]] HookThreadState* claim_state() noexcept {
  // The sequence word lives in this thread's TLS: a slot that is not given back at exit
  // would leave grace periods reading freed memory, so without an early exit key the
  // thread is not traced at all (counted in leaked_slots()).
  if (!g_exit_key_ready.load(std::memory_order_acquire)) {
    g_leaked_slots.fetch_add(1, std::memory_order_relaxed);
    g_untraced_threads.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const int tid = static_cast<int>(syscall(SYS_gettid));
  for (HookThreadState& s : g_states) {
    int expected = 0;
    // acquire: see the previous owner's last writes (its seq) before reusing the slot.
    if (s.owner.load(std::memory_order_relaxed) == 0 &&
        s.owner.compare_exchange_strong(expected, tid, std::memory_order_acquire)) {
      s.shadow[0] = ShadowEntry{0, &kEmptyShadowSlot};
      t_hot.shadow_top = &s.shadow[1];
      t_hot.shadow_end = &s.shadow[kShadowDepth + 1];
      s.errno_location = &errno;
      t_state = &s;
      // Outside, then published: release pairs with read_seq's acquire load of the pointer.
      t_hot.seq.store(0, std::memory_order_relaxed);
      s.seq_ptr.store(&t_hot.seq, std::memory_order_release);
      pthread_setspecific(g_exit_key, &s);  // no allocation: an early key (see above)
      return &s;
    }
  }
  g_untraced_threads.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void pause_briefly(int round) {
  if (round < 64) {
    sched_yield();
  } else {
    timespec ts{0, 50 * 1000};  // 50 us
    nanosleep(&ts, nullptr);
  }
}

}  // namespace

// In a fork child only the forking thread exists. Every other slot is freed (its thread
// is gone: a grace period must not wait for a callback that will never return), with its
// seq made even but never smaller, so it still only grows. The forking thread keeps its
// slot (and its shadow stack: its traced frames continue in the child) under its new tid.
void reset_after_fork() {
  const int tid = static_cast<int>(syscall(SYS_gettid));
  for (HookThreadState& s : g_states) {
    if (&s == t_state) {
      s.owner.store(tid, std::memory_order_relaxed);
      continue;
    }
    if (s.owner.load(std::memory_order_relaxed) == 0) continue;
    // The thread's TLS copy is unreachable in the child: forget it.
    s.seq_ptr.store(nullptr, std::memory_order_relaxed);
    s.readers.store(0, std::memory_order_relaxed);
    s.owner.store(0, std::memory_order_release);
  }
}

void init_thread_states() {
  static std::once_flag once;
  create_exit_key();
  std::call_once(once, [] {
    pthread_atfork(nullptr, nullptr, reset_after_fork);
    // The asymmetric fence (liburcu's "memb" flavour): readers enter and leave with plain
    // stores, a grace period runs membarrier around its scan. Without it the fast
    // trampolines are not used and the general path keeps its seq_cst fence.
    if (syscall(SYS_membarrier, kMembarrierRegisterPrivateExpedited, 0, 0) == 0)
      g_asymmetric_fence.store(true, std::memory_order_relaxed);  // before any manager exists
  });
}

std::atomic<bool> g_asymmetric_fence{false};
std::atomic<uint64_t> g_shadow_overflows{0};
constinit const HookSlot kEmptyShadowSlot{};

intptr_t hot_tls_offset() noexcept {
  uintptr_t tp;
  asm("mv %0, tp" : "=r"(tp));
  return static_cast<intptr_t>(reinterpret_cast<uintptr_t>(&t_hot) - tp);
}

HookThreadState* current_thread_state() noexcept {
  if (HookThreadState* s = t_state) [[likely]] return s;
  return claim_state();
}

namespace {
// The full barrier the grace period runs before and after its scan. With membarrier
// every running thread of the process executes one too (the readers have none of their
// own); without it, readers keep their seq_cst fence (dispatch.cpp).
Error heavy_barrier() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (!asymmetric_fence()) return Error();
  if (syscall(SYS_membarrier, kMembarrierPrivateExpedited, 0, 0) != 0)
    return Error(ErrorCode::kSystemError, "hooks: membarrier(PRIVATE_EXPEDITED) failed");
  return Error();
}

struct SeqSeen {
  std::atomic<int64_t>* ptr;
  int64_t value;
};
// One read of a slot's sequence word through its TLS pointer; readers++ keeps the owner's
// exit (release_slot) from freeing the TLS while we read it.
SeqSeen read_seq(HookThreadState& s) {
  s.readers.fetch_add(1, std::memory_order_seq_cst);
  // acquire pairs with claim_state's release store of the pointer.
  std::atomic<int64_t>* p = s.seq_ptr.load(std::memory_order_seq_cst);
  // acquire pairs with the general path's release leave: the callback's accesses happen
  // before our free (the fast path's plain leave is covered by the closing membarrier).
  const int64_t v = p ? p->load(std::memory_order_acquire) : 0;
  s.readers.fetch_sub(1, std::memory_order_release);
  return SeqSeen{p, v};
}
}  // namespace

// The grace period is the writer half of a Dekker pair with the dispatchers:
//   dispatcher: seq = ~n (plain store); [fence(seq_cst) on the general path without
//               membarrier]; load SiteDispatch/Callbacks/fast record ... seq = n + 1
//   writer:     store new pointer (release); heavy_barrier; load every seq; wait while
//               negative and unchanged; heavy_barrier; free
// heavy_barrier is membarrier(PRIVATE_EXPEDITED) (liburcu memb): every thread of the
// process runs a full barrier between the writer's store and its loads, which orders
// the reader's plain store before its load as a fence of its own would. So either the
// reader's load sees the new pointer, or the writer sees the negative seq and waits for
// it to change. The closing barrier orders the callback's accesses (before the plain
// leave store the writer saw) before the writer's free.
Error grace_period(std::chrono::milliseconds timeout) {
  if (t_state && t_hot.seq.load(std::memory_order_relaxed) < 0)
    return Error(ErrorCode::kNestedCall,
                 "hooks: a hook control call from inside a hook callback would wait for itself");
  if (Error e = heavy_barrier()) return e;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (HookThreadState& s : g_states) {
    if (s.owner.load(std::memory_order_acquire) == 0) continue;
    const SeqSeen seen = read_seq(s);
    if (seen.ptr == nullptr || seen.value >= 0) continue;
    for (int round = 0;; ++round) {
      const SeqSeen now = read_seq(s);
      if (now.ptr != seen.ptr || now.value != seen.value) break;
      if (std::chrono::steady_clock::now() > deadline)
        return Error(ErrorCode::kBusy,
                     "hooks: thread " + std::to_string(s.owner.load()) +
                         " stayed inside a hook callback for more than " +
                         std::to_string(timeout.count()) + " ms");
      pause_briefly(round);
    }
  }
  return heavy_barrier();
}

uint64_t shadow_overflows() noexcept { return g_shadow_overflows.load(std::memory_order_relaxed); }
void count_shadow_overflow() noexcept { g_shadow_overflows.fetch_add(1, std::memory_order_relaxed); }
uint64_t untraced_threads() noexcept { return g_untraced_threads.load(std::memory_order_relaxed); }
uint64_t leaked_slots() noexcept { return g_leaked_slots.load(std::memory_order_relaxed); }

}  // namespace rvjit::hooks_internal
