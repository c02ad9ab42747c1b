#include "thread_state.h"

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
std::atomic<uint64_t> g_shadow_overflows{0};
std::atomic<uint64_t> g_untraced_threads{0};

// A plain pointer (no destructor, so reaching it never allocates); the slot is given back
// at thread exit by a pthread key destructor.
// initial-exec: reached without __tls_get_addr (the library is built -fPIC); in a
// dlopen'ed library it takes glibc's spare static TLS.
[[gnu::tls_model("initial-exec")]] thread_local HookThreadState* t_state = nullptr;
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
  // A thread that exits inside a callback (pthread_exit) leaves seq odd; the next owner
  // would then read as "outside" while inside and a grace period would not wait for it.
  // Make it even (never smaller: seq only grows). Only this thread writes it.
  const uint64_t seq = s->seq.load(std::memory_order_relaxed);
  s->seq.store(seq + (seq & 1), std::memory_order_relaxed);
  // release: the next owner's acquire CAS sees this thread's last writes (seq included).
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
  const int tid = static_cast<int>(syscall(SYS_gettid));
  for (HookThreadState& s : g_states) {
    int expected = 0;
    // acquire: see the previous owner's last writes (its seq) before reusing the slot.
    if (s.owner.load(std::memory_order_relaxed) == 0 &&
        s.owner.compare_exchange_strong(expected, tid, std::memory_order_acquire)) {
      s.in_callback = false;
      s.shadow_top = 0;
      s.errno_location = &errno;
      t_state = &s;
      if (g_exit_key_ready.load(std::memory_order_acquire))
        pthread_setspecific(g_exit_key, &s);  // no allocation: an early key (see above)
      else
        g_leaked_slots.fetch_add(1, std::memory_order_relaxed);
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
    const uint64_t seq = s.seq.load(std::memory_order_relaxed);
    s.seq.store(seq + (seq & 1), std::memory_order_relaxed);  // odd -> next even
    s.in_callback = false;
    s.shadow_top = 0;
    s.owner.store(0, std::memory_order_release);
  }
}

void init_thread_states() {
  static std::once_flag once;
  create_exit_key();
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, reset_after_fork); });
}

HookThreadState* current_thread_state() noexcept {
  if (HookThreadState* s = t_state) [[likely]] return s;
  return claim_state();
}

// The grace period is the writer half of a Dekker pair with the dispatchers:
//   dispatcher: seq = odd (relaxed); fence(seq_cst); load SiteDispatch/Callbacks (acquire)
//   writer:     store new pointer (release); fence(seq_cst); load every seq (acquire)
// The two seq_cst fences order each side's store before its load, so either the
// dispatcher's load sees the new pointer, or the writer's load sees the odd seq and waits
// for it to change. The dispatcher's leaving store of seq is a release that pairs with
// the writer's acquire load here: everything the callback did with the old data happens
// before the writer frees it.
Error grace_period(std::chrono::milliseconds timeout) {
  if (t_state && (t_state->seq.load(std::memory_order_relaxed) & 1))
    return Error(ErrorCode::kNestedCall,
                 "hooks: a hook control call from inside a hook callback would wait for itself");
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (HookThreadState& s : g_states) {
    if (s.owner.load(std::memory_order_acquire) == 0) continue;
    const uint64_t seen = s.seq.load(std::memory_order_acquire);
    if ((seen & 1) == 0) continue;
    for (int round = 0; s.seq.load(std::memory_order_acquire) == seen; ++round) {
      if (std::chrono::steady_clock::now() > deadline)
        return Error(ErrorCode::kBusy,
                     "hooks: thread " + std::to_string(s.owner.load()) +
                         " stayed inside a hook callback for more than " +
                         std::to_string(timeout.count()) + " ms");
      pause_briefly(round);
    }
  }
  return Error();
}

uint64_t shadow_overflows() noexcept { return g_shadow_overflows.load(std::memory_order_relaxed); }
void count_shadow_overflow() noexcept { g_shadow_overflows.fetch_add(1, std::memory_order_relaxed); }
uint64_t untraced_threads() noexcept { return g_untraced_threads.load(std::memory_order_relaxed); }
uint64_t leaked_slots() noexcept { return g_leaked_slots.load(std::memory_order_relaxed); }

}  // namespace rvjit::hooks_internal
