#include "rvprof/timeline.h"

#include <chrono>

#include "rvprof/clock.h"

namespace rvprof {

uint64_t Timeline::rel_now() const { return now_ns() - t0_; }

// Only the controller thread (or start/stop around it) calls set(): no lock needed for
// the accounting fields; stop() joins the thread before touching them.
bool Timeline::set(bool on) {
  if (on == is_on_) return true;
  const uint64_t a = rel_now();
  rvjit::Error e = on ? sw_.on() : sw_.off();
  const uint64_t b = rel_now();
  const uint64_t mid = a + (b - a) / 2;
  Transition tr{mid, a, on, b - a, e.ok() ? std::string() : e.to_string()};
  log_.push_back(tr);
  if (!e.ok()) {
    if (error_.empty()) error_ = tr.error;
    return false;
  }
  if (on) {
    on_since_ = mid;
  } else {
    on_ns_ += mid - on_since_;
  }
  is_on_ = on;
  return true;
}

bool Timeline::wait_until_ms(uint64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::nanoseconds(static_cast<int64_t>(ms * 1'000'000) -
                                                 static_cast<int64_t>(rel_now()));
  return !cv_.wait_until(lock, deadline, [&] { return stopping_; });
}

void Timeline::run() {
  const uint64_t begin = plan_.attach_ms.value_or(0);
  if (plan_.attach_ms) {
    if (!wait_until_ms(begin) || !set(true)) return;
  }
  if (plan_.burst_on_ms) {
    const uint64_t on = *plan_.burst_on_ms, off = *plan_.burst_off_ms;
    for (uint64_t t = begin;; t += on + off) {
      if (t != begin && (!wait_until_ms(t) || !set(true))) return;
      const uint64_t t_off = t + on;
      if (plan_.detach_ms && *plan_.detach_ms <= t_off) break;
      if (!wait_until_ms(t_off) || !set(false)) return;
      if (plan_.detach_ms && *plan_.detach_ms <= t + on + off) return;  // stays off
    }
  }
  if (plan_.detach_ms) {
    if (!wait_until_ms(*plan_.detach_ms)) return;
    set(false);
  }
}

rvjit::Error Timeline::start() {
  if (started_) return rvjit::Error(rvjit::ErrorCode::kBusy, "timeline already started");
  started_ = true;
  t0_ = now_ns();
  if (!plan_.attach_ms) {
    if (!set(true)) return rvjit::Error(rvjit::ErrorCode::kSystemError, error_);
    // The run starts after the hooks are on: count from here.
  }
  if (plan_.timed()) thread_ = std::thread([this] { run(); });
  return {};
}

void Timeline::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  wall_ns_ = rel_now();
  if (is_on_) {
    // Hooks stay on until the program ended: count up to now, then switch off.
    on_ns_ += wall_ns_ - on_since_;
    const uint64_t a = rel_now();
    rvjit::Error e = sw_.off();
    const uint64_t b = rel_now();
    // Logged at wall_ns_, the time the on-interval was closed at (the accounting above).
    log_.push_back(Transition{wall_ns_, a, false, b - a, e.ok() ? "" : e.to_string()});
    is_on_ = false;
  }
}

}  // namespace rvprof
