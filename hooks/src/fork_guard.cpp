#include "fork_guard.h"

#include <pthread.h>

#include <algorithm>
#include <vector>

#include "rvjit/runtime/fork.h"

namespace rvjit::hooks_internal {
namespace {

std::mutex g_registry_mu;
std::vector<std::mutex*>& managers() {
  static auto* v = new std::vector<std::mutex*>();  // never destroyed: handlers outlive main
  return *v;
}

void prepare() {
  g_registry_mu.lock();
  for (std::mutex* mu : managers()) mu->lock();
}
void release_all() {
  for (auto it = managers().rbegin(); it != managers().rend(); ++it) (*it)->unlock();
  g_registry_mu.unlock();
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Prepare handlers run in reverse order of registration: register the runtime's
    // (text lock, rendezvous, code memory) first, so ours run before them and take the
    // managers' mutexes before the runtime takes the text lock -- the control calls' order.
    ensure_runtime_fork_handlers();
    pthread_atfork(prepare, release_all, release_all);
  });
}

}  // namespace

void track_manager_mutex(std::mutex* mu) {
  install_handlers();
  std::lock_guard<std::mutex> lock(g_registry_mu);
  managers().push_back(mu);
}

void untrack_manager_mutex(std::mutex* mu) {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  auto& v = managers();
  v.erase(std::remove(v.begin(), v.end(), mu), v.end());
}

}  // namespace rvjit::hooks_internal
