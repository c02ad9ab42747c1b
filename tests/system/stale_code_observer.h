// The reader half of the cross-hart patching tests: thread B, pinned to hart 1, calls a
// function that the writer (hart 0) patches round by round. The writer stores round r's
// code, runs its sync step, then publishes r. A call B starts after reading "r published"
// must return value_of(r) or value_of(r + 1) (the next patch may already be in), never an
// older round's value: that would be stale instruction fetch after the sync.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <chrono>
#include <functional>
#include <thread>

namespace rvjit::system_test {

// Who judges instruction-fetch coherence. Under QEMU's multi-threaded TCG a vCPU can keep
// running its translation of code another vCPU has rewritten and synced (docs/testing.md,
// "Multi-threaded TCG"): the stale calls such a run observes are QEMU's. There the icache
// checker's model, which sees every store and every fence.i of both harts, is the verdict
// instead (rvjit.coherence_judge=checker, set by scripts/system-test.sh when the plugin runs
// under thread=multi; any hazard fails that run). Otherwise the observed calls are.
inline bool stale_calls_are_the_verdict() {
  const char* judge = std::getenv("RVJIT_COHERENCE_JUDGE");
  return !(judge && std::string(judge) == "checker");
}

using PatchedFn = long (*)();

// Values cycle through 1..2000 (an addi immediate is 12-bit signed), so every round's code
// differs from its neighbours'.
inline int value_of(long round) { return 1 + static_cast<int>(round % 2000); }

inline bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

class StaleCodeObserver {
 public:
  // `setup` runs on B after pinning (e.g. registration + CodeCache::find) and returns the
  // function to call, or nullptr to give up. B stops by itself after `deadline`.
  StaleCodeObserver(std::function<PatchedFn()> setup, std::chrono::seconds deadline)
      : b_([this, setup = std::move(setup), deadline] { run(setup, deadline); }) {}
  ~StaleCodeObserver() { stop(); }
  StaleCodeObserver(const StaleCodeObserver&) = delete;
  StaleCodeObserver& operator=(const StaleCodeObserver&) = delete;

  // Waits until B has made `n` more calls; false if it stalls for 120 s (never hangs; a
  // hang guard sized for a loaded machine under TCG, not a speed check).
  bool wait_calls(long n) {
    const long target = calls_.load() + n;
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (calls_.load() < target) {
      if (std::chrono::steady_clock::now() > limit) return false;
      std::this_thread::yield();
    }
    return true;
  }
  // Release: B's acquire of the round also sees the writer's patch and sync before it.
  void publish(long round) { published_.store(round, std::memory_order_release); }
  void stop() {
    stop_.store(true, std::memory_order_release);
    if (b_.joinable()) b_.join();
  }

  long calls() const { return calls_.load(); }
  long checked() const { return checked_.load(); }
  long stale() const { return stale_.load(); }
  long first_stale_round() const { return first_stale_round_.load(); }
  long first_stale_value() const { return first_stale_value_.load(); }
  bool pinned() const { return pinned_.load(); }

 private:
  void run(const std::function<PatchedFn()>& setup, std::chrono::seconds deadline) {
    pinned_ = pin_to_cpu(1);
    const PatchedFn fn = setup();
    if (fn == nullptr) return;
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!stop_.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < end) {
      const long r = published_.load(std::memory_order_acquire);
      const long v = fn();
      calls_.fetch_add(1, std::memory_order_relaxed);
      if (r == 0) continue;  // nothing published yet
      checked_.fetch_add(1, std::memory_order_relaxed);
      if (v != value_of(r) && v != value_of(r + 1) && stale_.fetch_add(1) == 0) {
        first_stale_round_ = r;
        first_stale_value_ = v;
      }
    }
  }

  std::atomic<long> published_{0}, calls_{0}, checked_{0}, stale_{0};
  std::atomic<long> first_stale_round_{-1}, first_stale_value_{0};
  std::atomic<bool> stop_{false}, pinned_{false};
  std::thread b_;  // last: starts after every member above is constructed
};

}  // namespace rvjit::system_test
