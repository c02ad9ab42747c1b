// W^X: no W+X mapping ever (sampled from another thread during heavy install and patch
// activity), the probe's verdict, and refusal of a forced policy the probe ruled out.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/patch.h"

namespace {

using namespace rvjit;
using namespace rvjit::test;

void churn(WxPolicy policy, int functions) {
  CodeCacheOptions o;
  o.policy = policy;
  o.region_size = 256 * 1024;
  auto cache = CodeCache::create(o);
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  std::atomic<bool> done{false};
  std::atomic<int> samples{0};
  std::vector<std::string> bad;
  std::thread sampler([&] {
    while (!done.load(std::memory_order_acquire)) {
      auto wx = wx_mappings();
      if (!wx.empty() && bad.empty()) bad = wx;
      samples.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (int i = 0; i < functions; ++i) {
    auto f = (*cache)->install(ret_const(i % 1000), "w" + std::to_string(i));
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    const uint32_t w = addi_a0((i + 1) % 1000);
    ASSERT_TRUE(patch_insn_write(reinterpret_cast<void*>(f->entry), &w, 4).ok());
    local_fence_i();
    ASSERT_EQ(f->as<long (*)()>()(), (i + 1) % 1000);
    if (i % 3 == 0) ASSERT_TRUE((*cache)->release(f->handle).ok());
  }
  // Keep going until the sampler looked often enough.
  while (samples.load() < 20) {
    auto f = (*cache)->install(ret_const(1), "extra" + std::to_string(samples.load()) + "_" +
                                               std::to_string(functions));
    if (f.ok()) (void)(*cache)->release(f->handle);
  }
  done.store(true, std::memory_order_release);
  sampler.join();
  EXPECT_GE(samples.load(), 20);
  EXPECT_TRUE(bad.empty()) << "W+X mapping seen: " << bad.front();
}

TEST(WxPolicy, NoWritableAndExecutableMappingUnderFlip) { churn(WxPolicy::kFlip, 4000); }

TEST(WxPolicy, NoWritableAndExecutableMappingUnderDualMap) {
  if (!wx_probe().dual_map_coherent)
    GTEST_SKIP() << "dual_map refused on this platform (" << wx_probe().detail
                 << "); the same scan under dual_map runs on the real kernel in "
                    "tests/system/runtime_kernel_test.cpp";
  churn(WxPolicy::kDualMap, 4000);
}

TEST(WxPolicy, ProbeVerdictIsConsistent) {
  const WxProbe& p = wx_probe();
  EXPECT_NE(p.detail[0], '\0');
  EXPECT_EQ(p.chosen, p.dual_map_coherent ? WxPolicy::kDualMap : WxPolicy::kFlip);
  if (p.dual_map_coherent) EXPECT_TRUE(p.dual_map_mappable);
  auto chosen = choose_wx_policy();
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, p.chosen);
}

TEST(WxPolicy, ForcingDualMapWhereTheProbeFailedIsRefused) {
  const WxProbe& p = wx_probe();
  CodeCacheOptions o;
  o.policy = WxPolicy::kDualMap;
  auto by_api = CodeCache::create(o);
  ::setenv("RVJIT_WX_POLICY", "dual_map", 1);
  auto by_env = CodeCache::create();
  ::unsetenv("RVJIT_WX_POLICY");
  if (p.dual_map_coherent) {
    EXPECT_TRUE(by_api.ok());
    EXPECT_TRUE(by_env.ok());
    return;
  }
  ASSERT_FALSE(by_api.ok());
  EXPECT_EQ(by_api.error().code(), ErrorCode::kPolicyUnavailable);
  EXPECT_NE(by_api.error().message().find("dual_map"), std::string::npos);
  EXPECT_NE(by_api.error().message().find("flip"), std::string::npos);
  ASSERT_FALSE(by_env.ok());
  EXPECT_EQ(by_env.error().code(), ErrorCode::kPolicyUnavailable);
  EXPECT_NE(by_env.error().message().find("RVJIT_WX_POLICY"), std::string::npos);
}

TEST(WxPolicy, EnvironmentForcesFlipAndRejectsNonsense) {
  ::setenv("RVJIT_WX_POLICY", "flip", 1);
  auto flip = CodeCache::create();
  ::setenv("RVJIT_WX_POLICY", "rwx_please", 1);
  auto nonsense = CodeCache::create();
  ::unsetenv("RVJIT_WX_POLICY");
  ASSERT_TRUE(flip.ok());
  EXPECT_EQ((*flip)->policy(), WxPolicy::kFlip);
  ASSERT_FALSE(nonsense.ok());
  EXPECT_EQ(nonsense.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(nonsense.error().message().find("rwx_please"), std::string::npos);
  // An explicit request wins over the environment.
  ::setenv("RVJIT_WX_POLICY", "rwx_please", 1);
  CodeCacheOptions o;
  o.policy = WxPolicy::kFlip;
  auto api = CodeCache::create(o);
  ::unsetenv("RVJIT_WX_POLICY");
  EXPECT_TRUE(api.ok());
}

TEST(WxPolicy, CodeMemoryRejectsBadSizes) {
  auto m = CodeMemory::create(100, WxPolicy::kFlip);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_wx_policy("dual_map").value(), WxPolicy::kDualMap);
  EXPECT_EQ(parse_wx_policy("DUAL").error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
