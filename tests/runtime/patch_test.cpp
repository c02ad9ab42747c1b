// patch_insn_write: changes behaviour under each usable policy, splits at page
// boundaries, works inside a rendezvous, and rejects every bad input without writing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/patch.h"
#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using namespace rvjit::test;

std::vector<WxPolicy> usable_policies() {
  std::vector<WxPolicy> v{WxPolicy::kFlip};
  if (wx_probe().dual_map_coherent) v.push_back(WxPolicy::kDualMap);
  return v;
}

std::unique_ptr<CodeCache> make_cache(WxPolicy p) {
  CodeCacheOptions o;
  o.policy = p;
  auto c = CodeCache::create(o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return std::move(c.value());
}

void* at(uintptr_t a) { return reinterpret_cast<void*>(a); }

TEST(Patch, ChangesBehaviourUnderEveryUsablePolicy) {
  for (WxPolicy p : usable_policies()) {
    SCOPED_TRACE(wx_policy_name(p));
    auto cache = make_cache(p);
    auto f = cache->install(ret_const(1), "f");
    ASSERT_TRUE(f.ok());
    auto fn = f->as<long (*)()>();
    ASSERT_EQ(fn(), 1);
    const uint32_t two = addi_a0(2);
    ASSERT_TRUE(patch_insn_write(at(f->entry), &two, 4).ok());
    local_fence_i();  // the sync step for the only thread that runs it
    EXPECT_EQ(fn(), 2);
    const uint32_t three = addi_a0(3);
    ASSERT_TRUE(patch_insn_write(at(f->entry), &three, 4, PatchFlags::kAtomicWord).ok());
    local_fence_i();
    EXPECT_EQ(fn(), 3);
    EXPECT_EQ(read_word(f->entry), three);
  }
}

TEST(Patch, SplitsAtPageBoundaries) {
  const size_t ps = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (WxPolicy p : usable_policies()) {
    SCOPED_TRACE(wx_policy_name(p));
    auto cache = make_cache(p);
    std::vector<uint32_t> words(2 * ps / 4, kNop);
    words.front() = addi_a0(0);
    words.back() = kRet;
    auto f = cache->install(from_words(words), "two_pages");
    ASSERT_TRUE(f.ok());
    const uintptr_t boundary = (f->entry + 4 + ps - 1) / ps * ps;
    ASSERT_LT(boundary + 4, f->entry + f->size);
    const uint32_t pair[2] = {addi_a0_a0(10), addi_a0_a0(20)};
    ASSERT_TRUE(patch_insn_write(at(boundary - 4), pair, 8).ok());
    local_fence_i();
    EXPECT_EQ(read_word(boundary - 4), pair[0]);
    EXPECT_EQ(read_word(boundary), pair[1]);
    EXPECT_EQ(f->as<long (*)()>()(), 30);
  }
}

TEST(Patch, RejectsEveryBadInputAndWritesNothing) {
  auto cache = make_cache(WxPolicy::kFlip);
  auto f = cache->install(ret_const(1), "f");
  auto g = cache->install(ret_const(2), "g");
  ASSERT_TRUE(f.ok() && g.ok());
  const uint32_t w = addi_a0(5);
  const uint32_t f0 = read_word(f->entry), g0 = read_word(g->entry);
  auto code = [](Error e) { return e.code(); };

  EXPECT_EQ(code(patch_insn_write(at(f->entry), nullptr, 4)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(patch_insn_write(at(f->entry), &w, 0)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(patch_insn_write(at(f->entry), &w, 3)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(patch_insn_write(at(f->entry + 1), &w, 4)), ErrorCode::kMisalignedAddress);
  EXPECT_EQ(code(patch_insn_write(at(f->entry + 2), &w, 4, PatchFlags::kAtomicWord)),
            ErrorCode::kMisalignedAddress);
  EXPECT_EQ(code(patch_insn_write(at(f->entry), &w, 2, PatchFlags::kAtomicWord)),
            ErrorCode::kInvalidArgument);
  int local = 0;
  EXPECT_EQ(code(patch_insn_write(&local, &w, 4)), ErrorCode::kForeignAddress);
  EXPECT_EQ(code(patch_insn_write(at(g->entry + g->size), &w, 4)), ErrorCode::kForeignAddress);
  // g follows f directly: a range starting in f and ending in g spans two functions.
  ASSERT_EQ(g->entry, f->entry + f->size);
  EXPECT_EQ(code(patch_insn_write(at(f->entry + 4), &w, 8)), ErrorCode::kForeignAddress);
  // Unreserved trampoline area: foreign; a reserved slot: published.
  auto slot = cache->reserve_trampoline(f->handle, 8);
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(code(patch_insn_write(at(*slot + 8), &w, 4)), ErrorCode::kForeignAddress);
  EXPECT_TRUE(patch_insn_write(at(*slot), &w, 4).ok());
  // Released code is no longer published.
  ASSERT_TRUE(cache->release(g->handle).ok());
  EXPECT_EQ(code(patch_insn_write(at(g->entry), &w, 4)), ErrorCode::kForeignAddress);

  EXPECT_EQ(read_word(f->entry), f0);
  EXPECT_EQ(read_word(g->entry), g0);
  EXPECT_EQ(f->as<long (*)()>()(), 1);
  // The message names the address.
  Error e = patch_insn_write(at(f->entry + 1), &w, 4);
  EXPECT_NE(e.message().find("0x"), std::string::npos) << e.to_string();
}

TEST(Patch, InsideARendezvousWithTheTextLockHeld) {
  auto cache = make_cache(WxPolicy::kFlip);
  auto f = cache->install(ret_const(1), "f");
  ASSERT_TRUE(f.ok());
  const uint32_t seven = addi_a0(7);
  std::lock_guard<std::recursive_mutex> g(text_lock());  // as ftrace holds text_mutex
  Error e = stop_the_world([&]() -> Error { return patch_insn_write(at(f->entry), &seven, 4); });
  ASSERT_TRUE(e.ok()) << e.to_string();
  EXPECT_EQ(f->as<long (*)()>()(), 7);  // stop_the_world ran FENCE.I on this thread
}

// Flip: a registered thread keeps calling the function while another patches it; the
// write window parks it, so it never faults, and after the rendezvous it runs the new code.
TEST(Patch, FlipParksRunningThreadsForTheWindow) {
  auto cache = make_cache(WxPolicy::kFlip);
  auto f = cache->install(ret_const(1), "hot");
  ASSERT_TRUE(f.ok());
  auto fn = f->as<long (*)()>();
  std::atomic<bool> started{false}, stop{false};
  std::atomic<long> last{0};
  std::atomic<long> calls{0};
  std::thread worker([&] {
    ThreadRegistration reg("hot-caller");
    ASSERT_TRUE(reg.ok());
    started.store(true, std::memory_order_release);
    while (!stop.load(std::memory_order_acquire)) {
      last.store(fn(), std::memory_order_relaxed);
      calls.fetch_add(1, std::memory_order_relaxed);
    }
  });
  while (!started.load(std::memory_order_acquire)) std::this_thread::yield();
  for (int v = 2; v <= 20; ++v) {
    const uint32_t w = addi_a0(v);
    Error e = patch_insn_write(at(f->entry), &w, 4);
    ASSERT_TRUE(e.ok()) << e.to_string();
    // The rendezvous of the window made the worker run FENCE.I before it resumed.
    const long before = calls.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (calls.load() < before + 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    EXPECT_EQ(last.load(), v);
  }
  stop.store(true, std::memory_order_release);
  worker.join();
}

}  // namespace
