// The fast path (issue 15, docs/hooks.md "The fast path"): functions installed with a
// declared signature link to a JIT'd fast entry that calls an entry_args callback
// directly while one such ops is attached, and falls back to the general path otherwise.
// Both layouts; under qemu-riscv64 (membarrier PRIVATE_EXPEDITED is passed to the host).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "hooked_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using rvjit::testing::add_k_function;
using Fn1 = long (*)(long);
using Fn2 = long (*)(long, long);

// long f(long x, long y) { return x * 1000 + y; }: uses both argument registers.
AssembledCode mix2_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.li(reg::t1, 1000);
  a.mul(reg::a0, reg::a0, reg::t1);
  a.add(reg::a0, reg::a0, reg::a1);
  a.ret();
  return a.finalize().value();
}

struct Seen {
  std::atomic<int> calls{0};
  uint64_t a0 = 0, a1 = 0;
  uintptr_t function = 0;
  std::string name;
  int magic = 0x600d;
};
std::atomic<int> g_poisoned_entries{0};

// Clobbers the argument registers on purpose: the trampoline must restore them.
[[gnu::noinline]] long clobber(long x, long y, long z) {
  asm volatile("" ::: "memory");
  return x ^ y ^ z;
}

void on_args(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info) {
  auto* s = static_cast<Seen*>(info->user_data);
  if (s->magic != 0x600d) g_poisoned_entries.fetch_add(1, std::memory_order_relaxed);
  s->a0 = a0;
  s->a1 = a1;
  s->function = info->function;
  s->name = info->name;
  s->calls.fetch_add(1, std::memory_order_relaxed);
  (void)clobber(0x1111, 0x2222, 0x3333);
}
void on_args_light(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  auto* s = static_cast<Seen*>(info->user_data);
  if (s->magic != 0x600d) g_poisoned_entries.fetch_add(1, std::memory_order_relaxed);
  s->calls.fetch_add(1, std::memory_order_relaxed);
}
void on_entry_ctx(const rvjit_hook_ctx*, void* data) {
  static_cast<Seen*>(data)->calls.fetch_add(1, std::memory_order_relaxed);
}
void on_exit_ctx(const rvjit_hook_ctx* ctx, void* data) {
  auto* s = static_cast<Seen*>(data);
  s->a1 = ctx->return_value;
  s->calls.fetch_add(100, std::memory_order_relaxed);
}
void double_first(const rvjit_hook_ctx* ctx, void*) { ctx->args[0] *= 2; }

rvjit_hook_ops args_ops(rvjit_hook_args_fn fn, void* data, rvjit_hook_fn exit = nullptr) {
  rvjit_hook_ops o{};
  o.entry_args = fn;
  o.exit = exit;
  o.user_data = data;
  o.flags = RVJIT_HOOK_ENTRY_ARGS | (exit ? RVJIT_HOOK_EXIT : 0);
  return o;
}

class FastPath : public ::testing::TestWithParam<SiteLayout> {
 protected:
  void SetUp() override {
    cache = std::move(CodeCache::create().value());
    hm = std::move(HookManager::create(*cache).value());
    g_poisoned_entries = 0;
  }
  void TearDown() override {
    hm.reset();
    cache.reset();
  }
  HookedFunction install(const AssembledCode& code, const std::string& name, HookSignature sig) {
    auto f = hm->install(code, name, sig);
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? *f : HookedFunction{};
  }
  HookOpsId reg(rvjit_hook_ops ops, HookFilter filter = HookFilter::all()) {
    auto id = hm->register_ops(ops, std::move(filter));
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    return id.ok() ? *id : 0;
  }
  SiteLayout layout() const { return GetParam(); }

  ThreadRegistration me{"fast-main"};
  std::unique_ptr<CodeCache> cache;
  std::unique_ptr<HookManager> hm;
};

TEST_P(FastPath, DeclaredSignatureLinksToAFastEntryAndUnknownDoesNot) {
  EXPECT_TRUE(install(add_k_function(layout(), 1), "one", HookSignature::of(1, 0)).fast_entry);
  EXPECT_TRUE(install(mix2_function(layout()), "two", HookSignature::of(2, 0)).fast_entry);
  EXPECT_FALSE(install(add_k_function(layout(), 1), "unknown", {}).fast_entry);
  EXPECT_FALSE(install(add_k_function(layout(), 1), "three", HookSignature::of(3, 0)).fast_entry);
  EXPECT_FALSE(install(add_k_function(layout(), 1), "fp", HookSignature::of(1, 1)).fast_entry);
}

TEST_P(FastPath, EntryArgsSeesArgumentsAndCallKeepsItsRegisters) {
  HookedFunction f = install(mix2_function(layout()), "mix2", HookSignature::of(2, 0));
  ASSERT_TRUE(f.fast_entry);
  Seen s;
  HookOpsId id = reg(args_ops(on_args, &s));
  EXPECT_EQ(reinterpret_cast<Fn2>(f.entry)(7, 8), 7008);
  EXPECT_EQ(s.calls.load(), 0);  // registered, not enabled
  ASSERT_TRUE(hm->enable(id).ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(reinterpret_cast<Fn2>(f.entry)(i, 9), i * 1000 + 9);
  EXPECT_EQ(s.calls.load(), 5);
  EXPECT_EQ(s.a0, 4u);
  EXPECT_EQ(s.a1, 9u);
  EXPECT_EQ(s.function, f.entry);
  EXPECT_EQ(s.name, "mix2");
  ASSERT_TRUE(hm->disable(id).ok());
  EXPECT_EQ(reinterpret_cast<Fn2>(f.entry)(1, 2), 1002);
  EXPECT_EQ(s.calls.load(), 5);
}

// Several ops, a ctx callback, MODIFY_REGS and exit hooks all take the general path from
// the same fast entry, and the fast path comes back when only the entry_args ops is left.
TEST_P(FastPath, OtherConfigurationsFallBackToTheGeneralPath) {
  HookedFunction f = install(add_k_function(layout(), 1), "f", HookSignature::of(1, 0));
  ASSERT_TRUE(f.fast_entry);
  auto call = [&](long x) { return reinterpret_cast<Fn1>(f.entry)(x); };
  Seen fast, ctx, ex;
  HookOpsId a = reg(args_ops(on_args, &fast));
  HookOpsId b = reg({on_entry_ctx, nullptr, &ctx, RVJIT_HOOK_ENTRY});
  HookOpsId m = reg({double_first, nullptr, nullptr, RVJIT_HOOK_ENTRY | RVJIT_HOOK_MODIFY_REGS});
  HookOpsId e = reg({nullptr, on_exit_ctx, &ex, RVJIT_HOOK_EXIT});
  ASSERT_TRUE(hm->enable(a).ok());
  ASSERT_TRUE(hm->enable(b).ok());
  EXPECT_EQ(call(10), 11);
  EXPECT_EQ(fast.calls.load(), 1);
  EXPECT_EQ(fast.a0, 10u);
  EXPECT_EQ(ctx.calls.load(), 1);
  ASSERT_TRUE(hm->enable(m).ok());
  EXPECT_EQ(call(10), 21);  // MODIFY_REGS doubled a0 before the body
  ASSERT_TRUE(hm->disable(m).ok());
  ASSERT_TRUE(hm->disable(b).ok());
  ASSERT_TRUE(hm->enable(e).ok());
  EXPECT_EQ(call(5), 6);
  EXPECT_EQ(ex.calls.load(), 100);
  EXPECT_EQ(ex.a1, 6u);
  ASSERT_TRUE(hm->unregister(e).ok());
  const int before = fast.calls.load();
  EXPECT_EQ(call(3), 4);  // fast again
  EXPECT_EQ(fast.calls.load(), before + 1);
  EXPECT_EQ(fast.a0, 3u);
  // entry_args together with exit on one ops: the general path runs both.
  ASSERT_TRUE(hm->unregister(a).ok());
  Seen both;
  HookOpsId ab = reg(args_ops(on_args, &both, on_exit_ctx));
  ASSERT_TRUE(hm->enable(ab).ok());
  EXPECT_EQ(call(1), 2);
  EXPECT_EQ(both.calls.load(), 101);
}

struct Reentry {
  Seen seen;
  HookedFunction* f;
};
void call_hooked_from_args(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  auto* r = static_cast<Reentry*>(info->user_data);
  r->seen.calls.fetch_add(1, std::memory_order_relaxed);
  reinterpret_cast<Fn1>(r->f->entry)(0);  // would recurse forever if it were traced
}

TEST_P(FastPath, HookedCallsFromInsideAFastCallbackAreNotTraced) {
  HookedFunction f = install(add_k_function(layout(), 1), "g", HookSignature::of(1, 0));
  Reentry r{{}, &f};
  HookOpsId id = reg(args_ops(call_hooked_from_args, &r));
  ASSERT_TRUE(hm->enable(id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(41), 42);
  EXPECT_EQ(r.seen.calls.load(), 1);
  // A control call from inside a fast callback would wait for itself.
}

// Hot swap and unregister while 3 threads call through the fast entry: once the call
// returns, the old user data is poisoned and must never be seen again.
TEST_P(FastPath, HotSwapAndUnregisterUnderLoadNeverEnterOldData) {
  HookedFunction f = install(add_k_function(layout(), 1), "hot", HookSignature::of(1, 0));
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([&] {
      ThreadRegistration reg_me("fast-worker");
      while (!stop.load(std::memory_order_relaxed))
        if (reinterpret_cast<Fn1>(f.entry)(1) != 2) std::abort();
    });
  constexpr int kRounds = 40;
  std::vector<std::unique_ptr<Seen>> data;
  data.push_back(std::make_unique<Seen>());
  HookOpsId id = reg(args_ops(on_args_light, data.back().get()));
  ASSERT_TRUE(hm->enable(id).ok());
  for (int i = 0; i < kRounds; ++i) {
    data.push_back(std::make_unique<Seen>());
    ASSERT_TRUE(hm->swap(id, args_ops(on_args_light, data.back().get())).ok());
    data[data.size() - 2]->magic = 0xdead;  // swap returned: nobody is inside it any more
    if (i % 10 == 9) {  // and a full unregister / register cycle
      ASSERT_TRUE(hm->unregister(id).ok());
      data.back()->magic = 0xdead;
      data.push_back(std::make_unique<Seen>());
      id = reg(args_ops(on_args_light, data.back().get()));
      ASSERT_TRUE(hm->enable(id).ok());
    }
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_EQ(g_poisoned_entries.load(), 0);
  int total = 0;
  for (auto& d : data) total += d->calls.load();
  EXPECT_GT(total, 0);
}

INSTANTIATE_TEST_SUITE_P(Layouts, FastPath,
                         ::testing::Values(SiteLayout::kOneWord, SiteLayout::kTwoWord),
                         [](const ::testing::TestParamInfo<SiteLayout>& i) {
                           return std::string(site_layout_name(i.param));
                         });

}  // namespace
