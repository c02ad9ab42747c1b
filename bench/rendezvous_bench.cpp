// rendezvous_bench: latency of one stop_the_world rendezvous (empty fn) with 1..16 busy
// registered threads, next to its peers measured in the same run and the same busy load:
//   membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)  (after its REGISTER command)
//   riscv_flush_icache(0, 0, 0)                              (syscall 259; RV64 only)
// Plain main (no Google Benchmark) so the same code runs natively on the host and under
// qemu-riscv64. Prints a Markdown table. Usage: rendezvous_bench [max_samples] [budget_ms]
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  bool available = false;
  double median_us = 0, p90_us = 0;
  size_t n = 0;
};

template <class Op>
Stats measure(Op op, size_t max_samples, int budget_ms) {
  std::vector<double> us;
  for (int i = 0; i < 3; ++i)
    if (!op()) return {};  // warm-up; also detects "not available"
  const auto until = Clock::now() + std::chrono::milliseconds(budget_ms);
  while (us.size() < max_samples && (us.size() < 15 || Clock::now() < until)) {
    const auto t0 = Clock::now();
    if (!op()) return {};
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  Stats s;
  s.available = true;
  s.n = us.size();
  s.median_us = us[us.size() / 2];
  s.p90_us = us[std::min(us.size() - 1, us.size() * 9 / 10)];
  return s;
}

struct Busy {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  explicit Busy(int n) {
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([this, i] {
        rvjit::ThreadRegistration reg(("busy-" + std::to_string(i)).c_str());
        if (!reg.ok()) std::fprintf(stderr, "register: %s\n", reg.error().to_string().c_str());
        ready.fetch_add(1);
        volatile uint64_t x = 0;
        while (!stop.load(std::memory_order_relaxed)) x = x + 1;
      });
    }
    while (ready.load() < n) std::this_thread::yield();
  }
  ~Busy() {
    stop.store(true);
    for (auto& t : threads) t.join();
  }
};

std::string cell(const Stats& s, double Stats::*field) {
  if (!s.available) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", s.*field);
  return b;
}

std::string ratio(const Stats& a, const Stats& b) {
  if (!a.available || !b.available || b.median_us <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", a.median_us / b.median_us);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t max_samples = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200;
  const int budget_ms = argc > 2 ? std::atoi(argv[2]) : 1500;

  const bool membarrier_ok =
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
  auto stw = [] {
    rvjit::StopOptions o;
    o.timeout = std::chrono::milliseconds(10000);
    rvjit::Error e = rvjit::stop_the_world([] { return rvjit::ok(); }, o);
    if (!e.ok()) std::fprintf(stderr, "stop_the_world: %s\n", e.to_string().c_str());
    return e.ok();
  };
  auto membarrier = [membarrier_ok] {
    return membarrier_ok &&
           syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
  };
  auto flush = [] {
#if defined(__riscv)
    return syscall(259 /* riscv_flush_icache */, 0L, 0L, 0L) == 0;
#else
    return false;  // no such system call on this architecture
#endif
  };

  std::printf("rendezvous_bench: %u CPUs, up to %zu samples / %d ms per cell, latency in us\n\n",
              std::thread::hardware_concurrency(), max_samples, budget_ms);
  std::printf("| busy threads | stop_the_world median | p90 | membarrier SYNC_CORE median | p90 "
              "| stw/membarrier | riscv_flush_icache median | p90 | stw/flush |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int n : {1, 2, 4, 8, 16}) {
    Busy busy(n);
    const Stats s = measure(stw, max_samples, budget_ms);
    const Stats m = measure(membarrier, max_samples, budget_ms);
    const Stats f = measure(flush, max_samples, budget_ms);
    std::printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
                cell(s, &Stats::median_us).c_str(), cell(s, &Stats::p90_us).c_str(),
                cell(m, &Stats::median_us).c_str(), cell(m, &Stats::p90_us).c_str(),
                ratio(s, m).c_str(), cell(f, &Stats::median_us).c_str(),
                cell(f, &Stats::p90_us).c_str(), ratio(s, f).c_str());
    std::fflush(stdout);
  }
  return 0;
}
