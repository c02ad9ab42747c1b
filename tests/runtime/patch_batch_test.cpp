// PatchBatch: under flip, the writes of one sync step share one write window per page
// range; pages are never writable and executable at once, and are RX again after close.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/patch.h"
#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using namespace rvjit::test;

// The permission string ("r-xp", "rw-p", ...) of the mapping holding addr.
std::string perms_of(uintptr_t addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi)
      return perms;
  }
  return "";
}

TEST(PatchBatch, OneWindowForManyWritesUnderFlipAndRxAfterClose) {
  ThreadRegistration me("batch-test");
  CodeCacheOptions opt;
  opt.policy = WxPolicy::kFlip;
  auto cache = CodeCache::create(opt);
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  std::vector<InstalledCode> fns;
  for (int i = 0; i < 50; ++i) {
    auto f = (*cache)->install(ret_const(i), "f" + std::to_string(i));
    ASSERT_TRUE(f.ok());
    fns.push_back(*f);
  }
  std::string inside_perms;
  std::vector<std::string> inside_wx;
  std::lock_guard<std::recursive_mutex> text(text_lock());
  Error e = stop_the_world([&]() -> Error {
    PatchBatch batch;
    for (int i = 0; i < 50; ++i) {
      const uint32_t w = addi_a0(100 + i);
      if (Error err = patch_insn_write(reinterpret_cast<void*>(fns[i].entry), &w, 4)) return err;
    }
    inside_perms = perms_of(fns[0].entry);  // still open: writable, not executable
    inside_wx = wx_mappings();
    return batch.close();
  });
  ASSERT_TRUE(e.ok()) << e.to_string();
  EXPECT_EQ(inside_perms.substr(0, 3), "rw-");
  EXPECT_TRUE(inside_wx.empty()) << inside_wx.front();
  EXPECT_EQ(perms_of(fns[0].entry).substr(0, 3), "r-x");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(fns[i].as<long (*)()>()(), 100 + i);
}

TEST(PatchBatch, WithoutABatchEveryWriteClosesItsOwnWindow) {
  ThreadRegistration me("batch-test-2");
  CodeCacheOptions opt;
  opt.policy = WxPolicy::kFlip;
  auto cache = CodeCache::create(opt);
  ASSERT_TRUE(cache.ok());
  auto f = (*cache)->install(ret_const(1), "g");
  ASSERT_TRUE(f.ok());
  std::string after_write;
  std::lock_guard<std::recursive_mutex> text(text_lock());
  Error e = stop_the_world([&]() -> Error {
    const uint32_t w = addi_a0(2);
    Error err = patch_insn_write(reinterpret_cast<void*>(f->entry), &w, 4);
    after_write = perms_of(f->entry);
    return err;
  });
  ASSERT_TRUE(e.ok()) << e.to_string();
  EXPECT_EQ(after_write.substr(0, 3), "r-x");
  EXPECT_EQ(f->as<long (*)()>()(), 2);
}

}  // namespace
