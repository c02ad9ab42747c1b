// CodeCache: install + call, find, relocations, trampolines within jal reach, full cache,
// release and region reuse, bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/code_events.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using namespace rvjit::test;

std::unique_ptr<CodeCache> make_cache(WxPolicy policy, CodeCacheOptions o = {}) {
  o.policy = policy;
  auto c = CodeCache::create(o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c.ok() ? std::move(c.value()) : nullptr;
}

// Every policy the platform can run (dual_map only where the probe says it works).
std::vector<WxPolicy> usable_policies() {
  std::vector<WxPolicy> v{WxPolicy::kFlip};
  if (wx_probe().dual_map_coherent) v.push_back(WxPolicy::kDualMap);
  return v;
}

TEST(CodeCache, InstallsAndCallsUnderEveryUsablePolicy) {
  for (WxPolicy p : usable_policies()) {
    SCOPED_TRACE(wx_policy_name(p));
    auto cache = make_cache(p);
    ASSERT_TRUE(cache);
    EXPECT_EQ(cache->policy(), p);
    auto f = cache->install(ret_const(42), "answer");
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_EQ(f->as<long (*)()>()(), 42);
    auto g = cache->install(ret_const(-7), "minus_seven");
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->as<long (*)()>()(), -7);
    EXPECT_EQ(f->as<long (*)()>()(), 42);  // the neighbour on the same page still runs
    auto found = cache->find("minus_seven");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->entry, g->entry);
    EXPECT_EQ(found->handle, g->handle);
    EXPECT_EQ(cache->stats().live_functions, 2u);
  }
}

TEST(CodeCache, ManyFunctionsAllReturnTheirOwnValue) {
  auto cache = make_cache(WxPolicy::kFlip);
  std::vector<InstalledCode> fns;
  for (int i = 0; i < 3000; ++i) {
    auto f = cache->install(ret_const(i % 2000), "f" + std::to_string(i));
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    fns.push_back(*f);
  }
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(fns[i].as<long (*)()>()(), i % 2000) << i;
}

TEST(CodeCache, AppliesRelocationsForTheFinalAddress) {
  auto cache = make_cache(WxPolicy::kFlip);
  AssembledCode c = ret_const(1);
  c.alignment = 8;
  c.code.resize(16, 0);  // an 8-byte data slot at offset 8
  c.relocations.push_back(Relocation{8, RelocKind::kAbs64Internal, 4});
  auto f = cache->install(c, "with_slot");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(f->entry % 8, 0u);
  uint64_t slot;
  std::memcpy(&slot, reinterpret_cast<const void*>(f->entry + 8), 8);
  EXPECT_EQ(slot, f->entry + 4);
  EXPECT_EQ(f->as<long (*)()>()(), 1);
}

TEST(CodeCache, RejectsBadInputAndStaysUsable) {
  auto cache = make_cache(WxPolicy::kFlip);
  AssembledCode empty;
  auto r1 = cache->install(empty, "e");
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code(), ErrorCode::kInvalidArgument);
  auto r2 = cache->install(ret_const(1), "");
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kInvalidArgument);
  AssembledCode odd = ret_const(1);
  odd.alignment = 3;
  auto r3 = cache->install(odd, "odd");
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(cache->install(ret_const(5), "dup").ok());
  auto r4 = cache->install(ret_const(6), "dup");
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r4.error().message().find("dup"), std::string::npos);
  // A relocation that cannot be applied: nothing published.
  AssembledCode bad = ret_const(1);
  bad.relocations.push_back(Relocation{100, RelocKind::kAbs64Internal, 0});
  auto r5 = cache->install(bad, "bad_reloc");
  ASSERT_FALSE(r5.ok());
  EXPECT_FALSE(cache->find("bad_reloc").ok());
  auto nf = cache->find("nope");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code(), ErrorCode::kNotFound);
  // The survivor is intact.
  auto dup = cache->find("dup");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->as<long (*)()>()(), 5);
  EXPECT_EQ(cache->stats().live_functions, 1u);
  // Inconsistent options.
  CodeCacheOptions o;
  o.region_size = (size_t{1} << 20) * 2;
  auto c2 = CodeCache::create(o);
  ASSERT_FALSE(c2.ok());
  EXPECT_EQ(c2.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CodeCache, FullCacheIsAnErrorNotACrash) {
  CodeCacheOptions o;
  o.region_size = 64 * 1024;
  o.trampoline_area = 4096;
  o.max_regions = 2;
  auto cache = make_cache(WxPolicy::kFlip, o);
  AssembledCode big = from_words(std::vector<uint32_t>(4096, kNop));  // 16 KiB
  big.code.resize(big.code.size() - 4);
  const uint32_t ret = kRet;
  big.code.insert(big.code.end(), reinterpret_cast<const uint8_t*>(&ret),
                  reinterpret_cast<const uint8_t*>(&ret) + 4);
  int installed = 0;
  Error last;
  for (int i = 0; i < 100; ++i) {
    auto f = cache->install(big, "big" + std::to_string(i));
    if (!f.ok()) {
      last = f.error();
      break;
    }
    ++installed;
  }
  // 60 KiB of code per region: 3 functions each, 2 regions.
  EXPECT_EQ(installed, 6);
  EXPECT_EQ(last.code(), ErrorCode::kCodeCacheFull) << last.to_string();
  // Larger than any region.
  AssembledCode huge;
  huge.code.assign(128 * 1024, 0);
  auto h = cache->install(huge, "huge");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code(), ErrorCode::kCodeCacheFull);
  // Everything installed still runs.
  auto f0 = cache->find("big0");
  ASSERT_TRUE(f0.ok());
  f0->as<void (*)()>()();
}

TEST(CodeCache, ReleasedRegionsAreReusedAfterARendezvous) {
  CodeCacheOptions o;
  o.region_size = 64 * 1024;
  o.trampoline_area = 4096;
  o.max_regions = 1;
  auto cache = make_cache(WxPolicy::kFlip, o);
  std::vector<InstalledCode> fns;
  Error full;
  for (int i = 0;; ++i) {
    auto f = cache->install(ret_const(3), "r" + std::to_string(i));
    if (!f.ok()) {
      full = f.error();
      break;
    }
    fns.push_back(*f);
  }
  EXPECT_EQ(full.code(), ErrorCode::kCodeCacheFull);
  ASSERT_GT(fns.size(), 1000u);
  // Releasing some is not enough: the region is not reused while any function lives.
  ASSERT_TRUE(cache->release(fns[0].handle).ok());
  EXPECT_FALSE(cache->find("r0").ok());
  PcInfo info;
  EXPECT_FALSE(CodeCache::lookup_pc(fns[0].entry, &info));
  auto again = cache->release(fns[0].handle);
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache->install(ret_const(4), "more").error().code(), ErrorCode::kCodeCacheFull);
  for (size_t i = 1; i < fns.size(); ++i) ASSERT_TRUE(cache->release(fns[i].handle).ok());
  EXPECT_EQ(cache->stats().live_functions, 0u);
  auto reused = cache->install(ret_const(9), "reused");
  ASSERT_TRUE(reused.ok()) << reused.error().to_string();
  EXPECT_EQ(reused->entry, fns[0].entry);  // the region was reset
  EXPECT_EQ(reused->as<long (*)()>()(), 9);
  ASSERT_TRUE(CodeCache::lookup_pc(reused->entry, &info));
  EXPECT_STREQ(info.name, "reused");
}

TEST(CodeCache, TrampolinesAreWithinJalReachOfEveryFunction) {
  auto cache = make_cache(WxPolicy::kFlip);
  std::vector<InstalledCode> fns;
  AssembledCode chunk = from_words(std::vector<uint32_t>(2048, kNop));  // 8 KiB each
  for (int i = 0; i < 300; ++i) {  // 2.4 MiB: several regions
    auto f = cache->install(chunk, "t" + std::to_string(i));
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    fns.push_back(*f);
  }
  EXPECT_GE(cache->stats().regions, 3u);
  for (const InstalledCode& f : fns) {
    auto slot = cache->reserve_trampoline(f.handle, 16);
    ASSERT_TRUE(slot.ok()) << slot.error().to_string();
    for (uintptr_t site : {f.entry, f.entry + f.size - 4}) {
      const int64_t d = static_cast<int64_t>(*slot) - static_cast<int64_t>(site);
      EXPECT_GE(d, -(int64_t{1} << 20));
      EXPECT_LE(d, (int64_t{1} << 20) - 2);
    }
  }
  auto bad = cache->reserve_trampoline(fns[0].handle, 6);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  auto unknown = cache->reserve_trampoline(CodeHandle{0}, 8);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  // The area is bounded: 16 KiB per region.
  Error full;
  for (int i = 0; i < 2000; ++i) {
    auto s = cache->reserve_trampoline(fns[0].handle, 16);
    if (!s.ok()) {
      full = s.error();
      break;
    }
  }
  EXPECT_EQ(full.code(), ErrorCode::kCodeCacheFull);
}

struct Recorder : CodeEventListener {
  std::vector<std::string> loads, releases;
  void on_code_load(const CodeLoadEvent& e) override { loads.push_back(e.name); }
  void on_code_release(const CodeReleaseEvent& e) override { releases.push_back(e.name); }
};

TEST(CodeCache, ListenersSeeLoadsAndReleases) {
  auto cache = make_cache(WxPolicy::kFlip);
  Recorder rec;
  cache->add_listener(&rec);
  auto f = cache->install(ret_const(1), "observed");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(cache->release(f->handle).ok());
  cache->remove_listener(&rec);
  ASSERT_TRUE(cache->install(ret_const(1), "unobserved").ok());
  EXPECT_EQ(rec.loads, std::vector<std::string>{"observed"});
  EXPECT_EQ(rec.releases, std::vector<std::string>{"observed"});
}

TEST(CodeCache, LookupPcFindsTheFunctionAndNothingElse) {
  auto cache = make_cache(WxPolicy::kFlip);
  auto a = cache->install(ret_const(1), "alpha");
  auto b = cache->install(ret_const(2), "beta");
  ASSERT_TRUE(a.ok() && b.ok());
  PcInfo info;
  ASSERT_TRUE(CodeCache::lookup_pc(a->entry + 4, &info));
  EXPECT_STREQ(info.name, "alpha");
  EXPECT_EQ(info.start, a->entry);
  EXPECT_EQ(info.code_index, a->handle.id);
  ASSERT_TRUE(CodeCache::lookup_pc(b->entry, &info));
  EXPECT_STREQ(info.name, "beta");
  EXPECT_FALSE(CodeCache::lookup_pc(b->entry + b->size, &info));
  EXPECT_FALSE(CodeCache::lookup_pc(reinterpret_cast<uintptr_t>(&info), &info));
}

// The documented handoff: the installer publishes the entry with a release store; the
// other thread acquires it, runs FENCE.I itself, then calls. Several installers at once
// (each allocates metadata from its own heap), releases from a thread that did not
// install. Threads that run JIT code are registered: under flip, other threads' installs
// open write windows on pages they may be executing.
TEST(CodeCache, ConcurrentInstallersAndCrossThreadHandoff) {
  auto cache = make_cache(WxPolicy::kFlip);
  constexpr int kThreads = 3, kPerThread = 400;
  std::atomic<uintptr_t> mailbox[kThreads][kPerThread] = {};
  std::atomic<uint64_t> handles[kThreads][kPerThread] = {};
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      ThreadRegistration reg("installer");
      if (!reg.ok()) { failures++; return; }
      for (int i = 0; i < kPerThread; ++i) {
        auto f = cache->install(ret_const(t * 500 + i), "c" + std::to_string(t) + "_" + std::to_string(i));
        if (!f.ok()) { failures++; continue; }
        handles[t][i].store(f->handle.id, std::memory_order_relaxed);
        mailbox[t][i].store(f->entry, std::memory_order_release);  // pairs with the acquire below
        // Call a neighbour's function once it is there.
        const int u = (t + 1) % kThreads;
        const uintptr_t e = mailbox[u][i].load(std::memory_order_acquire);
        if (e) {
          local_fence_i();
          if (reinterpret_cast<long (*)()>(e)() != u * 500 + i) failures++;
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(cache->stats().live_functions, static_cast<size_t>(kThreads * kPerThread));
  // This thread installed none of them: it checks, then releases them all.
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) {
      const uintptr_t e = mailbox[t][i].load(std::memory_order_acquire);
      ASSERT_NE(e, 0u);
      local_fence_i();
      ASSERT_EQ(reinterpret_cast<long (*)()>(e)(), t * 500 + i);
      PcInfo info;
      ASSERT_TRUE(CodeCache::lookup_pc(e, &info));
      ASSERT_EQ(std::string(info.name), "c" + std::to_string(t) + "_" + std::to_string(i));
      ASSERT_TRUE(cache->release(CodeHandle{handles[t][i].load()}).ok());
    }
  EXPECT_EQ(cache->stats().live_functions, 0u);
}

}  // namespace
