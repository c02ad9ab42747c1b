// The dual_map policy end to end where its probe passes: the x86_64 host (fetch is
// coherent there, so a store through the RW view reaches execution). Under qemu-user the
// probe refuses dual_map, so the RV64 tests can only run flip; this covers the other half
// of the interface: install, patch through the RW view without any protection change,
// no W+X mapping while installing and patching, PC lookup.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/patch.h"

namespace {

using namespace rvjit;

// nop; nop; nop; mov eax, v; ret  -- the immediate sits 4-byte aligned at offset 4.
AssembledCode x86_ret_const(int32_t v) {
  AssembledCode c;
  c.code = {0x90, 0x90, 0x90, 0xB8, 0, 0, 0, 0, 0xC3};
  std::memcpy(&c.code[4], &v, 4);
  return c;
}

std::unique_ptr<CodeCache> dual_map_cache() {
  CodeCacheOptions o;
  o.policy = WxPolicy::kDualMap;
  auto c = CodeCache::create(o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c.ok() ? std::move(c.value()) : nullptr;
}

TEST(DualMapHost, ProbeChoosesDualMapOnACoherentHost) {
  EXPECT_TRUE(wx_probe().dual_map_coherent) << wx_probe().detail;
  EXPECT_EQ(wx_probe().chosen, WxPolicy::kDualMap);
}

TEST(DualMapHost, InstallPatchAndLookup) {
  auto cache = dual_map_cache();
  ASSERT_TRUE(cache);
  auto f = cache->install(x86_ret_const(41), "x86_41");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  auto fn = f->as<int (*)()>();
  EXPECT_EQ(fn(), 41);
  const int32_t v = 4242;
  ASSERT_TRUE(patch_insn_write(reinterpret_cast<void*>(f->entry + 4), &v, 4, PatchFlags::kAtomicWord).ok());
  local_fence_i();
  EXPECT_EQ(fn(), 4242);
  PcInfo info;
  ASSERT_TRUE(CodeCache::lookup_pc(f->entry + 5, &info));
  EXPECT_STREQ(info.name, "x86_41");
  EXPECT_EQ(patch_insn_write(reinterpret_cast<void*>(f->entry + 3), &v, 4).code(),
            ErrorCode::kMisalignedAddress);
}

TEST(DualMapHost, NoWritableAndExecutableMappingWhileInstallingAndPatching) {
  auto cache = dual_map_cache();
  ASSERT_TRUE(cache);
  std::atomic<bool> done{false};
  std::atomic<int> samples{0};
  std::string bad;
  std::thread sampler([&] {
    while (!done.load(std::memory_order_acquire)) {
      auto wx = test::wx_mappings();
      if (!wx.empty() && bad.empty()) bad = wx.front();
      samples.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (int i = 0; i < 20000 || samples.load() < 20; ++i) {
    auto f = cache->install(x86_ret_const(i), "h" + std::to_string(i));
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    const int32_t v = i + 1;
    ASSERT_TRUE(patch_insn_write(reinterpret_cast<void*>(f->entry + 4), &v, 4, PatchFlags::kAtomicWord).ok());
    local_fence_i();
    ASSERT_EQ(f->as<int (*)()>()(), i + 1);
    if (i % 2) ASSERT_TRUE(cache->release(f->handle).ok());
  }
  done.store(true, std::memory_order_release);
  sampler.join();
  EXPECT_GE(samples.load(), 20);
  EXPECT_TRUE(bad.empty()) << "W+X mapping seen: " << bad;
}

}  // namespace
