// hooks_toggle_bench: latency of HookManager::enable() / disable() of one ops whose filter
// selects every one of N hooked functions (N sites patched per operation), with 1 and 4
// busy registered worker threads calling hooked functions the whole time, for each sync
// strategy (HookManager::set_sync_strategy). Per cell: median and min over `rounds`
// enable/disable pairs (after one warm-up pair), and from HookStats the syncs, sites
// patched and grace periods per operation and the strategy the batch really used
// (HookStats::last_sync: under the flip W^X policy, e.g. qemu-user, always stop_the_world).
//
//   qemu-riscv64 -L /usr/riscv64-linux-gnu build/<dir>/bench/hooks_toggle_bench
//       [max_n=100000] [rounds=5] [layout=one_word|two_word] [strategies=all|auto,...]
//
// Environment: HOOKS_BENCH_THREADS=<n> runs only that worker count (instead of 1 and 4);
// HOOKS_BENCH_VERBOSE=1 traces worker start/stop on stderr.
//
// Plain main (no Google Benchmark for RV64). Prints a markdown table.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "hooks_bench_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

using namespace rvjit;
using Clock = std::chrono::steady_clock;

namespace {

template <class T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(r.value());
}
void must(Error e, const char* what) {
  if (e) {
    std::fprintf(stderr, "%s: %s\n", what, e.to_string().c_str());
    std::exit(1);
  }
}

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

std::atomic<uint64_t> g_callbacks{0};
// Counts in a thread-local and publishes every 1024 calls: the workers do not contend.
thread_local uint64_t t_callbacks = 0;
void on_entry(const rvjit_hook_ctx*, void*) {
  if ((++t_callbacks & 1023) == 0) g_callbacks.fetch_add(1024, std::memory_order_relaxed);
}

struct Workers {
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<uint64_t> calls{0};
  std::vector<std::thread> threads;

  void start(int n, const std::vector<uintptr_t>& fns) {
    stop = false;
    ready = 0;
    for (int w = 0; w < n; ++w)
      threads.emplace_back([this, w, &fns] {
        ThreadRegistration reg("hooks-worker");
        must(reg.error(), "register worker");
        if (std::getenv("HOOKS_BENCH_VERBOSE")) std::fprintf(stderr, "worker %d registered\n", w);
        ready.fetch_add(1);
        uint64_t local = 0;
        size_t i = static_cast<size_t>(w) * 7 % fns.size();
        long acc = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          for (int k = 0; k < 64; ++k) {
            acc = reinterpret_cast<long (*)(long)>(fns[i])(acc);
            if (++i == fns.size()) i = 0;
          }
          local += 64;
        }
        calls.fetch_add(local);
        if (acc == 42) std::fprintf(stderr, " ");  // keep acc alive
      });
    while (ready.load() < n) std::this_thread::yield();
  }
  void join() {
    stop = true;
    for (std::thread& t : threads) t.join();
    threads.clear();
  }
};

struct Sample {
  double us;
  uint64_t syncs, sites, graces;
  SyncStrategy used;
};

Sample timed(HookManager& hm, HookOpsId id, bool enable) {
  const HookStats before = hm.stats();
  const auto t0 = Clock::now();
  must(enable ? hm.enable(id) : hm.disable(id), enable ? "enable" : "disable");
  const double us = us_since(t0);
  const HookStats after = hm.stats();
  return {us, after.syncs - before.syncs, after.sites_patched - before.sites_patched,
          after.grace_periods - before.grace_periods, after.last_sync};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string fmt(double us) {
  char b[32];
  if (us >= 100) std::snprintf(b, sizeof b, "%.0f", us);
  else std::snprintf(b, sizeof b, "%.1f", us);
  // thousands separators for the integer part
  std::string s = b, frac;
  if (us == static_cast<double>(static_cast<uint64_t>(us)) && us >= 1) s = std::to_string(static_cast<uint64_t>(us));
  if (auto dot = s.find('.'); dot != std::string::npos) frac = s.substr(dot), s = s.substr(0, dot);
  for (int p = static_cast<int>(s.size()) - 3; p > 0; p -= 3) s.insert(static_cast<size_t>(p), ",");
  return s + frac;
}

// Per-op figure: the same value in every round, or "a..b" when not.
std::string per_op(const std::vector<Sample>& s, uint64_t Sample::*f) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const Sample& x : s) lo = std::min(lo, x.*f), hi = std::max(hi, x.*f);
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
}

std::string used_of(const std::vector<Sample>& s) {
  std::string out;
  for (const Sample& x : s) {
    const std::string n = sync_strategy_name(x.used);
    if (out.find(n) == std::string::npos) out += (out.empty() ? "" : "+") + n;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t max_n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const SiteLayout layout = argc > 3 && std::strcmp(argv[3], "two_word") == 0 ? SiteLayout::kTwoWord
                                                                             : SiteLayout::kOneWord;
  std::vector<SyncStrategy> strategies = {SyncStrategy::kStopTheWorld, SyncStrategy::kMembarrier,
                                          SyncStrategy::kFlushSyscall, SyncStrategy::kAuto};
  if (argc > 4 && std::strcmp(argv[4], "all") != 0) {
    strategies.clear();
    std::string list = argv[4];
    for (size_t p = 0; p <= list.size();) {
      size_t q = list.find(',', p);
      if (q == std::string::npos) q = list.size();
      strategies.push_back(must(parse_sync_strategy(list.substr(p, q - p)), "strategy"));
      p = q + 1;
    }
  }

  ThreadRegistration me("hooks-bench-main");
  must(me.error(), "register main");
  const auto start = Clock::now();
  std::printf("hooks_toggle_bench: layout %s, %d rounds (median/min of enable and disable), "
              "hardware threads %u\n",
              site_layout_name(layout), rounds, std::thread::hardware_concurrency());

  std::vector<std::string> rows, sync_rows;
  for (size_t n : {size_t{1}, size_t{100}, size_t{10000}, size_t{100000}}) {
    if (n > max_n) break;
    CodeCacheOptions copt;
    // ~24 bytes per function (hook word, site, body, alignment), regions of ~1 MiB.
    copt.max_regions = n * 32 / ((size_t{1} << 20) - copt.trampoline_area) + 8;
    auto cache = must(CodeCache::create(copt), "CodeCache::create");
    auto hm = must(HookManager::create(*cache), "HookManager::create");
    const AssembledCode code = hooks_bench::add_k(layout, 1);
    std::vector<uintptr_t> entries;
    entries.reserve(n);
    const auto t_install = Clock::now();
    for (size_t i = 0; i < n; ++i)
      entries.push_back(must(hm->install(code, "f" + std::to_string(i)), "install").entry);
    const double install_us = us_since(t_install);
    std::printf("N=%zu: installed in %.0f ms (%.1f us per function), %zu regions, policy %s\n", n,
                install_us / 1000, install_us / static_cast<double>(n), cache->stats().regions,
                cache->policy() == WxPolicy::kFlip ? "flip" : "dual_map");
    std::fflush(stdout);
    // The functions the workers call: up to 1024, spread over all N (every region).
    std::vector<uintptr_t> called;
    const size_t k = std::min<size_t>(n, 1024);
    for (size_t j = 0; j < k; ++j) called.push_back(entries[j * n / k]);

    rvjit_hook_ops ops{on_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
    const HookOpsId id = must(hm->register_ops(ops, HookFilter::all()), "register_ops");
    std::vector<int> thread_counts = {1, 4};
    if (const char* t = std::getenv("HOOKS_BENCH_THREADS")) thread_counts = {std::atoi(t)};
    for (int threads : thread_counts) {
      Workers workers;
      if (std::getenv("HOOKS_BENCH_VERBOSE")) std::fprintf(stderr, "starting %d workers\n", threads);
      workers.start(threads, called);
      if (std::getenv("HOOKS_BENCH_VERBOSE")) std::fprintf(stderr, "started\n");
      for (SyncStrategy s : strategies) {
        must(hm->set_sync_strategy(s), "set_sync_strategy");
        timed(*hm, id, true);  // warm-up pair: first-touch of the dispatch lists, TBs
        timed(*hm, id, false);
        std::vector<Sample> en, dis;
        for (int r = 0; r < rounds; ++r) {
          en.push_back(timed(*hm, id, true));
          dis.push_back(timed(*hm, id, false));
        }
        std::vector<double> eu, du;
        for (const Sample& x : en) eu.push_back(x.us);
        for (const Sample& x : dis) du.push_back(x.us);
        std::vector<Sample> all = en;
        all.insert(all.end(), dis.begin(), dis.end());
        char row[512];
        std::snprintf(row, sizeof row, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
                      fmt(static_cast<double>(n)).c_str(), threads, sync_strategy_name(s),
                      used_of(all).c_str(), fmt(median(eu)).c_str(),
                      fmt(*std::min_element(eu.begin(), eu.end())).c_str(),
                      fmt(median(du)).c_str(), fmt(*std::min_element(du.begin(), du.end())).c_str(),
                      per_op(all, &Sample::syncs).c_str(), per_op(all, &Sample::sites).c_str(),
                      (per_op(en, &Sample::graces) + " / " + per_op(dis, &Sample::graces)).c_str());
        rows.push_back(row);
        std::printf("%s\n", row);
        std::fflush(stdout);
      }
      // The sync step alone under the same load (what one batch adds besides its writes):
      // medians of `sync_rounds` calls, N-independent by construction.
      if (n == 1) {
        const int sync_rounds = std::max(rounds, 9);
        auto measure = [&](const char* name, auto&& fn) {
          std::vector<double> t;
          for (int r = 0; r < sync_rounds + 1; ++r) {
            const auto t0 = Clock::now();
            const Error e = fn();
            if (e) {
              sync_rows.push_back(std::string("| ") + name + " | " + std::to_string(threads) +
                                  " | " + e.to_string() + " | |");
              return;
            }
            if (r > 0) t.push_back(us_since(t0));  // the first is a warm-up
          }
          sync_rows.push_back(std::string("| ") + name + " | " + std::to_string(threads) + " | " +
                              fmt(median(t)) + " | " + fmt(*std::min_element(t.begin(), t.end())) + " |");
        };
        measure("stop_the_world (empty fn)", [] { return stop_the_world([] { return Error(); }); });
        measure("membarrier_sync_core()", [] { return membarrier_sync_core(); });
        measure("flush_icache_all_threads()", [] { return flush_icache_all_threads(); });
      }
      if (std::getenv("HOOKS_BENCH_VERBOSE")) std::fprintf(stderr, "joining %d workers\n", threads);
      workers.join();
      std::printf("N=%zu threads=%d: workers made %lu calls, %lu hooked callbacks counted (per-thread batches of 1024)\n", n,
                  threads, static_cast<unsigned long>(workers.calls.load()),
                  static_cast<unsigned long>(g_callbacks.exchange(0)));
    }
    must(hm->unregister(id), "unregister");
    hm.reset();
    cache.reset();
  }
  std::printf("\n| N sites | busy threads | requested | used (last_sync) | enable median us | "
              "enable min us | disable median us | disable min us | syncs/op | sites patched/op | "
              "grace periods/op (enable / disable) |\n|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& r : rows) std::printf("%s\n", r.c_str());
  std::printf("\nThe sync step alone, same busy workers (N=1 phase), median/min of %d calls:\n\n"
              "| sync | busy threads | median us | min us |\n|---|---:|---:|---:|\n",
              std::max(rounds, 9));
  for (const std::string& r : sync_rows) std::printf("%s\n", r.c_str());
  std::printf("\ntotal run time %.1f s\n", us_since(start) / 1e6);
  return 0;
}
