// Timeline: turns the hooks on and off while the program runs (hot attach/detach and
// bursty tracing), from a controller thread, and accounts for how long they were on.
//
// The switch is an interface so the timeline is testable without JIT code; rvprof's
// implementation calls HookManager::enable / disable (one batch and one sync each).
//
// Plan (times from start(), the moment the program starts running):
//   * nothing set:        on before the program starts, off after it ends (complete);
//   * attach A:           on at A;   detach D: off at D (on from the start if no A);
//   * burst ON:OFF:       inside [A or 0, D or end]: on for ON ms, off for OFF ms, ...
// On-time counts from the middle of each enable call to the middle of the disable call
// that ends it (a call overlapping either operation may or may not have been hooked).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/error.h"

namespace rvprof {

class HookSwitch {
 public:
  virtual ~HookSwitch() = default;
  virtual rvjit::Error on() = 0;
  virtual rvjit::Error off() = 0;
};

struct TimelinePlan {
  std::optional<uint64_t> attach_ms;
  std::optional<uint64_t> detach_ms;
  std::optional<uint64_t> burst_on_ms;
  std::optional<uint64_t> burst_off_ms;
  bool timed() const { return attach_ms || detach_ms || burst_on_ms; }
};

struct Transition {
  uint64_t t_ns = 0;     // middle of the call, relative to start()
  uint64_t begin_ns = 0; // when enable/disable was called, relative to start()
  bool on = false;
  uint64_t call_ns = 0;  // how long enable/disable took (the sync)
  std::string error;     // empty on success
};

class Timeline {
 public:
  Timeline(const TimelinePlan& plan, HookSwitch& sw) : plan_(plan), sw_(sw) {}
  ~Timeline() { stop(); }

  // Switches on at once when the plan starts "on" (so the first call is hooked), then
  // starts the controller thread when something happens later.
  rvjit::Error start();
  // The program is done: stops the controller, switches off if on. Idempotent.
  void stop();

  bool sampled() const { return plan_.timed(); }
  // Hooks-on time inside [start(), stop()].
  uint64_t on_ns() const { return on_ns_; }
  uint64_t wall_ns() const { return wall_ns_; }
  const std::vector<Transition>& transitions() const { return log_; }
  // Absolute CLOCK_MONOTONIC time of start(): transitions are relative to it.
  uint64_t origin_ns() const { return t0_; }
  // The first switch error (the controller stops at it).
  const std::string& error() const { return error_; }

 private:
  bool set(bool on);
  void run();
  bool wait_until_ms(uint64_t ms);  // false when stopped first
  uint64_t rel_now() const;

  TimelinePlan plan_;
  HookSwitch& sw_;
  uint64_t t0_ = 0;
  bool is_on_ = false;
  uint64_t on_since_ = 0;
  uint64_t on_ns_ = 0;
  uint64_t wall_ns_ = 0;
  std::vector<Transition> log_;
  std::string error_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace rvprof
