// Test helpers for the registry and rendezvous tests: registered busy threads whose
// progress counters show whether they are parked.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace rvjit_test {

inline pid_t gettid_now() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// Stop options with only the rendezvous timeout set.
inline rvjit::StopOptions with_timeout(int ms) {
  rvjit::StopOptions o;
  o.timeout = std::chrono::milliseconds(ms);
  return o;
}

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Waits (bounded, 20 s) until pred() holds; returns whether it did.
template <class P>
bool eventually(P pred) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A registered thread that counts as fast as it can until stopped.
class BusyWorker {
 public:
  explicit BusyWorker(std::string name) : name_(std::move(name)) {
    thread_ = std::thread([this] {
      rvjit::ThreadRegistration reg(name_.c_str());
      registered_ok_.store(reg.ok());
      tid_.store(gettid_now());
      ready_.store(true, std::memory_order_release);
      while (!stop_.load(std::memory_order_relaxed)) {
        counter_.fetch_add(1, std::memory_order_relaxed);
      }
    });
    while (!ready_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  ~BusyWorker() { join(); }
  void join() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  uint64_t count() const { return counter_.load(std::memory_order_relaxed); }
  bool registered_ok() const { return registered_ok_.load(); }
  pid_t tid() const { return tid_.load(); }
  // Whether the counter still moves (waits up to 20 s for one step).
  bool progresses() const {
    const uint64_t c = count();
    return eventually([&] { return count() != c; });
  }

 private:
  std::string name_;
  std::atomic<uint64_t> counter_{0};
  std::atomic<bool> stop_{false}, ready_{false}, registered_ok_{false};
  std::atomic<pid_t> tid_{0};
  std::thread thread_;
};

inline std::vector<std::unique_ptr<BusyWorker>> start_workers(int n, const char* prefix) {
  std::vector<std::unique_ptr<BusyWorker>> v;
  for (int i = 0; i < n; ++i) v.push_back(std::make_unique<BusyWorker>(prefix + std::to_string(i)));
  return v;
}

}  // namespace rvjit_test
