// Installation of the rendezvous signal handler, the stop_the_world lock and the fork
// handlers.
#include <pthread.h>
#include <linux/futex.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

#include "futex.h"
#include "rendezvous_state.h"
#include "rvjit/runtime/fork.h"

namespace rvjit {
namespace detail {

void registry_after_fork_in_child() noexcept;  // thread_registry.cpp

namespace {

// The stop_the_world lock: a futex mutex (0 free, 1 locked, 2 locked with waiters;
// Drepper, "Futexes Are Tricky", mutex3). Its wait is an ordinary interruptible futex
// wait: a registered thread queued here still runs the rendezvous handler and answers
// the rendezvous of the thread that holds the lock. Acquire on lock / release on unlock
// order everything a holder did before everything the next holder does.
std::atomic<uint32_t> g_lock{0};
std::atomic<int> g_wanted_signo{0};  // set_rendezvous_signal before installation
std::mutex g_install_mutex;          // never taken in a signal handler
bool g_fork_prepare_locked = false;  // whether the prepare handler took g_lock

void lock_word() noexcept {
  uint32_t c = 0;
  if (g_lock.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
  if (c != 2) c = g_lock.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    futex_wait(&g_lock, 2, FUTEX_BITSET_MATCH_ANY, nullptr);
    c = g_lock.exchange(2, std::memory_order_acquire);
  }
}

void unlock_word() noexcept {
  if (g_lock.exchange(0, std::memory_order_release) == 2) {
    futex_wake(&g_lock, 1, FUTEX_BITSET_MATCH_ANY);
  }
}

}  // namespace

// The stop_the_world part of the runtime's fork handlers (fork_handlers.cpp).
void stw_fork_prepare() noexcept {
  // No fork in the middle of a rendezvous: the child would inherit a half-open one. A
  // fork from inside a stop_the_world callback already holds the lock.
  g_fork_prepare_locked = !t_in_stw;
  if (g_fork_prepare_locked) lock_word();
  g_install_mutex.lock();
}
void stw_fork_parent() noexcept {
  g_install_mutex.unlock();
  if (g_fork_prepare_locked) unlock_word();
}
void stw_fork_child() noexcept {
  RendezvousState& st = state();
  registry_after_fork_in_child();
  if (!t_in_stw) {
    st.word.store(word_gen(st.word.load(std::memory_order_relaxed)) << 16 | kReleased,
                  std::memory_order_relaxed);
    st.caller_tid.store(0, std::memory_order_relaxed);
  } else {
    st.caller_tid.store(current_tid(), std::memory_order_relaxed);
  }
  st.caller_sleeping.store(0, std::memory_order_relaxed);
  st.readers.store(0, std::memory_order_relaxed);
  // Locked by this (the only) thread in prepare; a default mutex has no owner check.
  g_install_mutex.unlock();
  if (g_fork_prepare_locked) g_lock.store(0, std::memory_order_relaxed);
}

void lock_stw() noexcept { lock_word(); }
void unlock_stw() noexcept { unlock_word(); }

Error ensure_rendezvous_installed() {
  RendezvousState& st = state();
  if (st.signo.load(std::memory_order_acquire) != 0) return ok();
  ensure_runtime_fork_handlers();  // before the handler: a fork child resets the state
  std::lock_guard<std::mutex> guard(g_install_mutex);
  if (st.signo.load(std::memory_order_relaxed) != 0) return ok();
  int signo = g_wanted_signo.load(std::memory_order_relaxed);
  if (signo == 0) signo = SIGRTMIN + 3;

  struct sigaction old {};
  if (sigaction(signo, nullptr, &old) != 0) {
    return Error(ErrorCode::kSystemError, std::string("rendezvous: sigaction: ") + strerror(errno));
  }
  const bool has_handler = (old.sa_flags & SA_SIGINFO)
                               ? old.sa_sigaction != nullptr
                               : (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN);
  if (has_handler) {
    return Error(ErrorCode::kBusy, "rendezvous: signal " + std::to_string(signo) +
                                       " already has a handler; choose another with "
                                       "set_rendezvous_signal");
  }
  struct sigaction sa {};
  sa.sa_sigaction = rendezvous_handler;
  // SA_RESTART: interrupted syscalls of the parked thread resume. All signals are masked
  // while parked: no other handler may run (and enter JIT code) on a parked thread.
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  if (sigaction(signo, &sa, nullptr) != 0) {
    return Error(ErrorCode::kSystemError, std::string("rendezvous: sigaction: ") + strerror(errno));
  }
  st.signo.store(signo, std::memory_order_release);
  return ok();
}

}  // namespace detail

Error set_rendezvous_signal(int signo) {
  if (signo < SIGRTMIN || signo > SIGRTMAX) {
    return Error(ErrorCode::kInvalidArgument,
                 "set_rendezvous_signal: " + std::to_string(signo) + " is not in [SIGRTMIN " +
                     std::to_string(SIGRTMIN) + ", SIGRTMAX " + std::to_string(SIGRTMAX) + "]");
  }
  std::lock_guard<std::mutex> guard(detail::g_install_mutex);
  const int cur = detail::state().signo.load(std::memory_order_relaxed);
  if (cur != 0 && cur != signo) {
    return Error(ErrorCode::kBusy, "set_rendezvous_signal: the handler is already installed on " +
                                       std::to_string(cur));
  }
  detail::g_wanted_signo.store(signo, std::memory_order_relaxed);
  return ok();
}

int rendezvous_signal() noexcept {
  const int cur = detail::state().signo.load(std::memory_order_acquire);
  if (cur != 0) return cur;
  const int wanted = detail::g_wanted_signo.load(std::memory_order_relaxed);
  return wanted != 0 ? wanted : SIGRTMIN + 3;
}

}  // namespace rvjit
