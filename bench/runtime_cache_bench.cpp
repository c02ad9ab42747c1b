// runtime_cache_bench: install throughput and patch_insn_write cost per site.
//
//   qemu-riscv64 -L /usr/riscv64-linux-gnu build/<dir>/bench/runtime_cache_bench [reps]
//   build/<host dir>/bench/runtime_cache_bench [reps]     (x86_64: dual_map passes its probe)
//
// For each W^X policy:
//   * install N small functions (`addi a0, zero, k; ret`, 8 bytes; on the host a 9-byte
//     `mov eax, k; ret`) into a fresh cache,
//     N = 1k, 10k, 100k: functions per second and microseconds per install;
//   * patch one word per site (patch_insn_write, PatchFlags::kAtomicWord) over 10k sites:
//     microseconds per patch (no flush: flushing is the sync step's cost, measured by
//     rendezvous_bench);
//   * flip, patched while one registered thread runs JIT code: each patch then parks it.
// A policy the start-up probe refused (dual_map under qemu-user) cannot run patched code
// correctly; its write path is still timed (installs and patches write the same bytes,
// nothing is executed after a patch) and the line says "probe refused".
// Each figure is the median of `reps` runs (default 3).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/patch.h"
#include "rvjit/runtime/platform.h"
#include "rvjit/runtime/thread_registry.h"

using namespace rvjit;
using Clock = std::chrono::steady_clock;

namespace {

#if defined(__riscv)
// addi a0, zero, v; ret. The patch site is the addi (offset 0).
constexpr size_t kSiteOffset = 0;
uint32_t site_word(int v) { return 0x00000513u | (static_cast<uint32_t>(v & 0x7ff) << 20); }
AssembledCode ret_const(int v) {
  const uint32_t w[2] = {site_word(v), 0x00008067u};
  AssembledCode c;
  c.code.resize(8);
  std::memcpy(c.code.data(), w, 8);
  return c;
}
#else
// Host build (x86_64, where the dual_map probe passes): nop x3; mov eax, v; ret. The patch
// site is the 4-byte immediate (offset 4).
constexpr size_t kSiteOffset = 4;
uint32_t site_word(int v) { return static_cast<uint32_t>(v & 0x7ff); }
AssembledCode ret_const(int v) {
  AssembledCode c;
  c.code = {0x90, 0x90, 0x90, 0xB8, 0, 0, 0, 0, 0xC3};
  const uint32_t w = site_word(v);
  std::memcpy(&c.code[4], &w, 4);
  return c;
}
#endif

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::unique_ptr<CodeCache> make_cache(WxPolicy p) {
  CodeCacheOptions o;
  o.policy = p;
  auto c = CodeCache::create(o);
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(c.value());
}

// Seconds to install n functions into a fresh cache.
double time_install(WxPolicy p, int n, std::vector<InstalledCode>* keep = nullptr,
                    std::unique_ptr<CodeCache>* keep_cache = nullptr) {
  auto cache = make_cache(p);
  std::vector<AssembledCode> codes;
  codes.reserve(16);
  for (int i = 0; i < 16; ++i) codes.push_back(ret_const(i));
  std::vector<std::string> names(n);
  for (int i = 0; i < n; ++i) names[i] = "f" + std::to_string(i);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto f = cache->install(codes[i & 15], names[i]);
    if (!f.ok()) {
      std::fprintf(stderr, "install %d: %s\n", i, f.error().to_string().c_str());
      std::exit(1);
    }
    if (keep) keep->push_back(*f);
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (keep_cache) *keep_cache = std::move(cache);
  return s;
}

// Raw CodeMemory write path: n 8-byte installs (fresh bytes) and n 4-byte patches.
void time_raw(WxPolicy p, int n, double* install_s, double* patch_s) {
  const size_t size = (static_cast<size_t>(n) * 16 + 4095) / 4096 * 4096;
  auto mem = CodeMemory::create(size, p);
  if (!mem.ok()) {
    std::fprintf(stderr, "%s\n", mem.error().to_string().c_str());
    std::exit(1);
  }
  const AssembledCode c = ret_const(1);
  std::lock_guard<std::recursive_mutex> g(text_lock());
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto copy = [&](uint8_t* w, uintptr_t, size_t len) { std::memcpy(w, c.code.data(), len); };
    const uintptr_t a = (*mem)->begin() + static_cast<uintptr_t>(i) * 16;
    if (Error e = (*mem)->write(a, c.code.size(), i > 0, copy)) { std::fprintf(stderr, "%s\n", e.to_string().c_str()); std::exit(1); }
    local_fence_i();
  }
  *install_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const uint32_t word = site_word(2);
  t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto store = [&](uint8_t* w, uintptr_t, size_t) {
      __atomic_store_n(reinterpret_cast<uint32_t*>(w), word, __ATOMIC_RELAXED);
    };
    const uintptr_t a = (*mem)->begin() + static_cast<uintptr_t>(i) * 16 + kSiteOffset;
    if (Error e = (*mem)->write(a, 4, true, store)) { std::fprintf(stderr, "%s\n", e.to_string().c_str()); std::exit(1); }
  }
  *patch_s = std::chrono::duration<double>(Clock::now() - t0).count();
}

double time_patch(const std::vector<InstalledCode>& sites) {
  const auto t0 = Clock::now();
  for (size_t i = 0; i < sites.size(); ++i) {
    const uint32_t w = site_word(static_cast<int>(i + 1));
    Error e = patch_insn_write(reinterpret_cast<void*>(sites[i].entry + kSiteOffset), &w, 4,
                               PatchFlags::kAtomicWord);
    if (!e.ok()) {
      std::fprintf(stderr, "patch: %s\n", e.to_string().c_str());
      std::exit(1);
    }
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const PlatformReport report = platform_report();
  std::printf("probe: %s\n", report.wx.detail);
  std::printf("reps: %d (median shown)\n\n", reps);
  std::printf("%-9s %-30s %8s %12s %10s\n", "policy", "operation", "N", "per op (us)", "ops/s");
  for (WxPolicy p : {WxPolicy::kFlip, WxPolicy::kDualMap}) {
    const bool refused = p == WxPolicy::kDualMap && !report.wx.dual_map_coherent;
    const char* pn = wx_policy_name(p);
    if (!refused) {
      for (int n : {1000, 10000, 100000}) {
        std::vector<double> v;
        for (int r = 0; r < reps; ++r) v.push_back(time_install(p, n));
        const double s = median(v);
        std::printf("%-9s %-30s %8d %12.2f %10.0f\n", pn, "install (CodeCache)", n, s / n * 1e6, n / s);
      }
      std::vector<double> v;
      const int sites = 10000;
      for (int r = 0; r < reps; ++r) {
        std::vector<InstalledCode> fns;
        std::unique_ptr<CodeCache> cache;
        time_install(p, sites, &fns, &cache);
        v.push_back(time_patch(fns));
      }
      std::printf("%-9s %-30s %8d %12.2f %10.0f\n", pn, "patch_insn_write (1 word)", sites,
                  median(v) / sites * 1e6, sites / median(v));
      if (p == WxPolicy::kFlip) {
        // One registered thread running JIT code: every flip window parks it.
        std::vector<InstalledCode> fns;
        std::unique_ptr<CodeCache> cache;
        time_install(p, 1000, &fns, &cache);
        std::atomic<bool> stop{false}, ready{false};
        auto fn = fns[0].as<long (*)()>();
        std::thread busy([&] {
          ThreadRegistration reg("bench-busy");
          ready.store(true);
          while (!stop.load(std::memory_order_relaxed)) (void)fn();
        });
        while (!ready.load()) std::this_thread::yield();
        std::vector<double> w;
        for (int r = 0; r < reps; ++r) w.push_back(time_patch(fns));
        stop.store(true);
        busy.join();
        std::printf("%-9s %-30s %8d %12.2f %10.0f\n", pn, "patch, 1 busy registered thr", 1000,
                    median(w) / 1000 * 1e6, 1000 / median(w));
      }
    }
    for (int n : {1000, 10000, 100000}) {
      std::vector<double> vi, vp;
      for (int r = 0; r < reps; ++r) {
        double i_s, p_s;
        time_raw(p, n, &i_s, &p_s);
        vi.push_back(i_s);
        vp.push_back(p_s);
      }
      std::printf("%-9s %-30s %8d %12.2f %10.0f%s\n", pn, "raw install (CodeMemory)", n,
                  median(vi) / n * 1e6, n / median(vi), refused ? "  probe refused" : "");
      std::printf("%-9s %-30s %8d %12.2f %10.0f%s\n", pn, "raw 1-word patch (CodeMemory)", n,
                  median(vp) / n * 1e6, n / median(vp), refused ? "  probe refused" : "");
    }
  }
  return 0;
}
