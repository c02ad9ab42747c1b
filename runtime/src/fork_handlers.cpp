// The runtime's fork handlers: every lock a fork child may need, in one documented order
// (rvjit/runtime/fork.h).
//
//   prepare: text lock -> dual_map snapshot list lock (+ snapshots) -> env-listener lock
//            -> stop_the_world lock -> signal-handler installation lock
//   parent:  the reverse, releasing
//   child:   the reverse, re-initialising (only the forking thread exists)
//
// The text lock comes first because holders of the others never take it, while text-lock
// holders do call stop_the_world (with_world_parked) and install code memory. A thread of
// the parent blocked in one of these waits still answers a rendezvous (futex and
// pthread mutex waits are interruptible by the rendezvous signal).
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

#include "code_memory_fork.h"
#include "rendezvous_state.h"
#include "rvjit/runtime/fork.h"
#include "rvjit/runtime/patch.h"

namespace rvjit {
namespace detail {
std::mutex& env_listeners_mutex() noexcept;  // code_cache_listeners.cpp
}

namespace {

void prepare() {
  text_lock().lock();
  internal::CodeMemoryFork::prepare();
  detail::env_listeners_mutex().lock();
  detail::stw_fork_prepare();
}

void parent() {
  detail::stw_fork_parent();
  detail::env_listeners_mutex().unlock();
  internal::CodeMemoryFork::parent();
  text_lock().unlock();
}

void child() {
  detail::stw_fork_child();
  detail::env_listeners_mutex().unlock();  // a default mutex: no owner check
  internal::CodeMemoryFork::child();
  // The text lock is recursive: glibc checks its owner (the parent's tid of this thread)
  // on unlock. Make the child's tid the owner, keeping the depth, then drop prepare's
  // level: a fork from inside a text-lock section still holds it as deeply as before.
  static_assert(__GLIBC__ >= 2, "the owner fix below relies on glibc's pthread_mutex_t");
  text_lock().native_handle()->__data.__owner = static_cast<int>(syscall(SYS_gettid));
  text_lock().unlock();
}

}  // namespace

void ensure_runtime_fork_handlers() noexcept {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(prepare, parent, child); });
}

}  // namespace rvjit
