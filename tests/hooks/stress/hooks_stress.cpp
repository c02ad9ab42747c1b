#include "hooks_stress.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "hooked_code.h"
#include "rvjit/runtime/thread_registry.h"

namespace rvjit::stress {
namespace {

constexpr int kSlots = 3;
constexpr int kMaxWorkers = 32;
constexpr uint32_t kLive = 0x11fe, kDead = 0xdead;

// Callback data. Each counter has one writer, the worker whose index it is.
struct OpsData {
  std::atomic<uint32_t> magic{kLive};
  std::atomic<uint64_t> entries[kMaxWorkers] = {};
  std::atomic<uint64_t> exits[kMaxWorkers] = {};
  uint64_t total() const {
    uint64_t t = 0;
    for (int i = 0; i < kMaxWorkers; ++i) t += entries[i].load() + exits[i].load();
    return t;
  }
};

thread_local int t_worker = -1;
std::atomic<uint64_t> g_poisoned{0};

void on_entry(const rvjit_hook_ctx*, void* p) {
  auto* d = static_cast<OpsData*>(p);
  if (d->magic.load(std::memory_order_acquire) != kLive) g_poisoned.fetch_add(1);
  if (t_worker >= 0) d->entries[t_worker].fetch_add(1, std::memory_order_relaxed);
}
void on_exit(const rvjit_hook_ctx*, void* p) {
  auto* d = static_cast<OpsData*>(p);
  if (d->magic.load(std::memory_order_acquire) != kLive) g_poisoned.fetch_add(1);
  if (t_worker >= 0) d->exits[t_worker].fetch_add(1, std::memory_order_relaxed);
}

// Who should be hooked between two operations. Immutable once published.
struct Snapshot {
  OpsData* data[kSlots] = {};  // nullptr: slot not registered
  bool enabled[kSlots] = {};
  bool exit[kSlots] = {};
  std::vector<uint8_t> member[kSlots];
};

struct Slot {
  HookOpsId id = 0;
  OpsData* data = nullptr;
  bool enabled = false;
  bool exit = false;
  int filter = 0;
};

HookFilter make_filter(int kind, const std::vector<std::string>& names, std::mt19937_64& rng) {
  switch (kind) {
    case 0: return HookFilter::all();
    case 1: return HookFilter::glob("f1*");
    case 2: return HookFilter::glob("f*7");
    default: {
      std::vector<std::string> pick;
      for (int i = 0; i < 50; ++i) pick.push_back(names[rng() % names.size()]);
      return HookFilter::list(std::move(pick));
    }
  }
}

struct Shared {
  std::atomic<uint64_t> epoch{0};
  std::atomic<const Snapshot*> snap{nullptr};
  std::atomic<bool> stop{false};
  std::vector<uintptr_t> entries;
  std::vector<int> addend;
  std::atomic<uint64_t> calls{0}, exact{0}, window{0}, mismatches{0}, doubled{0}, wrong{0};
  std::atomic<uint64_t> threads{0};
  // Per worker: the last even epoch in which it completed an exactly checked call.
  std::atomic<uint64_t> checked_epoch[kMaxWorkers] = {};
  std::atomic<uint64_t> stable_waits_timed_out{0};
  std::atomic<bool> problem_taken{false};
  char problem[256] = {};
  void report(const char* what, int fn, int slot, uint64_t got, uint64_t want) {
    if (!problem_taken.exchange(true))
      std::snprintf(problem, sizeof problem, "%s: function f%d ops slot %d got %llu want %llu",
                    what, fn, slot, static_cast<unsigned long long>(got),
                    static_cast<unsigned long long>(want));
  }
};

void worker(Shared& sh, int index, uint64_t seed, uint64_t max_calls) {
  t_worker = index;
  ThreadRegistration reg("stress-worker");
  if (!reg.ok()) {
    sh.report(reg.error().to_string().c_str(), -1, -1, 0, 0);
    return;
  }
  sh.threads.fetch_add(1);
  std::mt19937_64 rng(seed);
  const int n = static_cast<int>(sh.entries.size());
  for (uint64_t c = 0; c < max_calls && !sh.stop.load(std::memory_order_relaxed); ++c) {
    const int i = static_cast<int>(rng() % n);
    // seq_cst: the epoch reads and the controller's epoch stores are in one total order,
    // so equal even reads mean the call ran between two operations.
    const uint64_t e1 = sh.epoch.load(std::memory_order_seq_cst);
    const Snapshot* s = sh.snap.load(std::memory_order_seq_cst);
    uint64_t be[kSlots] = {}, bx[kSlots] = {};
    for (int k = 0; k < kSlots; ++k)
      if (s->data[k]) {
        be[k] = s->data[k]->entries[index].load(std::memory_order_relaxed);
        bx[k] = s->data[k]->exits[index].load(std::memory_order_relaxed);
      }
    const long x = static_cast<long>(c);
    const long r = reinterpret_cast<long (*)(long)>(sh.entries[i])(x);
    const uint64_t e2 = sh.epoch.load(std::memory_order_seq_cst);
    sh.calls.fetch_add(1, std::memory_order_relaxed);
    if (r != x + sh.addend[i]) {
      sh.wrong.fetch_add(1);
      sh.report("wrong result", i, -1, static_cast<uint64_t>(r), static_cast<uint64_t>(x + sh.addend[i]));
    }
    const bool stable = e1 == e2 && (e1 & 1) == 0;
    (stable ? sh.exact : sh.window).fetch_add(1, std::memory_order_relaxed);
    if (stable) sh.checked_epoch[index].store(e1, std::memory_order_release);
    for (int k = 0; k < kSlots; ++k) {
      if (!s->data[k]) continue;
      const uint64_t de = s->data[k]->entries[index].load(std::memory_order_relaxed) - be[k];
      const uint64_t dx = s->data[k]->exits[index].load(std::memory_order_relaxed) - bx[k];
      if (stable) {
        const uint64_t want = (s->enabled[k] && s->member[k][i]) ? 1 : 0;
        const uint64_t want_x = s->exit[k] ? want : 0;
        if (de != want || dx != want_x) {
          sh.mismatches.fetch_add(1);
          sh.report(de != want ? "entry count" : "exit count", i, k, de != want ? de : dx,
                    de != want ? want : want_x);
        }
      } else if (de > 1 || dx > 1) {
        sh.doubled.fetch_add(1);
        sh.report("counted twice", i, k, de > 1 ? de : dx, 1);
      }
    }
  }
}

}  // namespace

std::string StressReport::summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "ops=%llu calls=%llu exact=%llu window=%llu mismatches=%llu doubled=%llu "
                "poisoned=%llu wrong=%llu threads=%llu waits_timed_out=%llu sync=%s%s%s%s%s",
                (unsigned long long)operations, (unsigned long long)calls,
                (unsigned long long)exact_checks, (unsigned long long)window_calls,
                (unsigned long long)count_mismatches, (unsigned long long)doubled,
                (unsigned long long)poisoned_entries, (unsigned long long)wrong_results,
                (unsigned long long)threads_started,
                (unsigned long long)stable_waits_timed_out, sync_strategy_name(last_sync),
                first_problem.empty() ? "" : " first: ", first_problem.c_str(),
                error.ok() ? "" : " error: ", error.ok() ? "" : error.to_string().c_str());
  return buf;
}

std::vector<std::string> report_problems(const StressConfig& cfg, const StressReport& r,
                                         bool counts_judge_coherence) {
  std::vector<std::string> out;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) out.push_back(what + " (" + r.summary() + ")");
  };
  need(r.error.ok(), "a control call failed");
  need(r.operations == static_cast<uint64_t>(cfg.operations), "not every operation ran");
  need(r.count_mismatches == 0 || !counts_judge_coherence, "exact counts mismatched");
  need(r.doubled == 0, "a call was counted twice");
  need(r.poisoned_entries == 0, "a removed callback or its data was entered");
  need(r.wrong_results == 0, "a hooked function returned a wrong value");
  // The accounting must really have been exercised, not vacuously true.
  need(r.exact_checks + r.stable_waits_timed_out >=
           static_cast<uint64_t>(cfg.operations) * static_cast<uint64_t>(cfg.workers),
       "too few exactly checked calls");
  need(r.stable_waits_timed_out < static_cast<uint64_t>(cfg.operations),
       "workers missed most stable epochs");
  need(r.window_calls > 0, "no call overlapped an operation");
  return out;
}

StressReport run_hooks_stress(const StressConfig& cfg) {
  StressReport rep;
  g_poisoned.store(0);
  CodeCacheOptions copt;
  copt.max_regions = 64;
  auto cache = CodeCache::create(copt);
  if (!cache.ok()) { rep.error = cache.error(); return rep; }
  HookManagerOptions hopt;
  hopt.sync = cfg.sync;
  // Under the icache checker (tests/icache) a parked worker answers the rendezvous signal
  // several times slower; its entries raise the limit instead of failing for load.
  if (const char* ms = std::getenv("RVJIT_STRESS_RENDEZVOUS_MS"); ms && std::atol(ms) > 0)
    hopt.rendezvous_timeout = std::chrono::milliseconds(std::atol(ms));
  auto hm = HookManager::create(**cache, hopt);
  if (!hm.ok()) { rep.error = hm.error(); return rep; }

  Shared sh;
  std::vector<std::string> names;
  for (int i = 0; i < cfg.functions; ++i) {
    names.push_back("f" + std::to_string(i));
    const int k = i % 7 + 1;
    auto f = (*hm)->install(testing::add_k_function(cfg.layout, k), names.back());
    if (!f.ok()) { rep.error = f.error(); return rep; }
    sh.entries.push_back(f->entry);
    sh.addend.push_back(k);
  }

  std::mt19937_64 rng(cfg.seed);
  Slot slots[kSlots];
  std::vector<std::unique_ptr<OpsData>> all_data;
  std::vector<std::unique_ptr<Snapshot>> snaps;
  std::vector<std::pair<OpsData*, uint64_t>> poisoned;  // data, its total when poisoned

  auto publish = [&] {
    auto s = std::make_unique<Snapshot>();
    for (int k = 0; k < kSlots; ++k) {
      s->data[k] = slots[k].data;
      s->enabled[k] = slots[k].enabled;
      s->exit[k] = slots[k].exit;
    }
    snaps.push_back(std::move(s));
    return snaps.back().get();
  };
  HookFilter filters_of[kSlots] = {HookFilter::all(), HookFilter::all(), HookFilter::all()};
  std::vector<uint8_t> members_of[kSlots];  // recomputed only when a filter changes
  auto refresh_members = [&](int k) {
    members_of[k].resize(cfg.functions);
    for (int i = 0; i < cfg.functions; ++i) members_of[k][i] = filters_of[k].matches(names[i]);
  };
  for (int k = 0; k < kSlots; ++k) refresh_members(k);
  auto fill_members = [&](Snapshot* s) {
    for (int k = 0; k < kSlots; ++k) s->member[k] = members_of[k];
  };
  auto poison = [&](OpsData* d) {
    d->magic.store(kDead, std::memory_order_release);
    poisoned.emplace_back(d, d->total());
  };
  {
    Snapshot* s = publish();
    fill_members(s);
    sh.snap.store(s);
  }

  std::vector<std::thread> threads;
  const int workers = std::min(cfg.workers, kMaxWorkers);
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      uint64_t round = 0;
      do {
        // Churn: each thread lives for a few thousand calls, then a new one takes its place.
        std::thread t(worker, std::ref(sh), w, cfg.seed * 7919 + w * 31 + round,
                      cfg.churn_threads ? 2000 : UINT64_MAX);
        t.join();
        ++round;
      } while (cfg.churn_threads && !sh.stop.load());
    });

  Error err;
  for (int op = 0; op < cfg.operations && err.ok(); ++op) {
    const int k = static_cast<int>(rng() % kSlots);
    Slot& sl = slots[k];
    sh.epoch.fetch_add(1, std::memory_order_seq_cst);  // odd: an operation is under way
    if (sl.id == 0) {
      auto d = std::make_unique<OpsData>();
      sl.exit = rng() % 2;
      sl.filter = static_cast<int>(rng() % 4);
      filters_of[k] = make_filter(sl.filter, names, rng);
      refresh_members(k);
      rvjit_hook_ops ops{on_entry, on_exit, d.get(),
                         RVJIT_HOOK_ENTRY | (sl.exit ? RVJIT_HOOK_EXIT : 0u)};
      auto id = (*hm)->register_ops(ops, filters_of[k]);
      if (!id.ok()) { err = id.error(); break; }
      sl.id = *id;
      sl.data = d.get();
      sl.enabled = false;
      all_data.push_back(std::move(d));
    } else {
      switch (rng() % 6) {
        case 0:
        case 1:  // toggle
          err = sl.enabled ? (*hm)->disable(sl.id) : (*hm)->enable(sl.id);
          if (err.ok()) sl.enabled = !sl.enabled;
          break;
        case 2:  // refilter
          sl.filter = static_cast<int>(rng() % 4);
          filters_of[k] = make_filter(sl.filter, names, rng);
          refresh_members(k);
          err = (*hm)->set_filter(sl.id, filters_of[k]);
          break;
        case 3:
        case 4: {  // hot swap to fresh data
          auto d = std::make_unique<OpsData>();
          OpsData* old = sl.data;
          err = (*hm)->swap(sl.id, on_entry, on_exit, d.get());
          if (err.ok()) {
            poison(old);  // swap returned: nobody may enter the old callbacks/data again
            sl.data = d.get();
            all_data.push_back(std::move(d));
          }
          break;
        }
        default:  // unregister
          err = (*hm)->unregister(sl.id);
          if (err.ok()) {
            poison(sl.data);
            sl = Slot{};
          }
          break;
      }
    }
    Snapshot* s = publish();
    fill_members(s);
    sh.snap.store(s, std::memory_order_seq_cst);
    const uint64_t stable_epoch = sh.epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
    ++rep.operations;
    // Let every worker make at least one call inside this stable epoch, so that every
    // operation's outcome is checked exactly (bounded: a descheduled worker only costs time).
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    for (int w = 0; w < workers; ++w)
      while (sh.checked_epoch[w].load(std::memory_order_acquire) < stable_epoch) {
        if (std::chrono::steady_clock::now() > until) {
          sh.stable_waits_timed_out.fetch_add(1);
          break;
        }
        std::this_thread::yield();
      }
  }
  sh.stop.store(true);
  for (auto& t : threads) t.join();

  rep.error = err;
  rep.calls = sh.calls.load();
  rep.exact_checks = sh.exact.load();
  rep.window_calls = sh.window.load();
  rep.count_mismatches = sh.mismatches.load();
  rep.doubled = sh.doubled.load();
  rep.wrong_results = sh.wrong.load();
  rep.threads_started = sh.threads.load();
  rep.stable_waits_timed_out = sh.stable_waits_timed_out.load();
  rep.poisoned_entries = g_poisoned.load();
  // Poisoned data must not have been counted on after the call that removed it returned.
  for (auto& [d, total] : poisoned)
    if (d->total() != total) rep.poisoned_entries += d->total() - total;
  rep.last_sync = (*hm)->stats().last_sync;
  if (sh.problem_taken.load()) rep.first_problem = sh.problem;
  return rep;
}

}  // namespace rvjit::stress
