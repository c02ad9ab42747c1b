// HookManager behaviour on RV64 (qemu-riscv64): sites, callbacks, exit hooks, filters,
// hot swap, unregister, batching and bad input, for both site layouts.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "hooked_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using rvjit::testing::add_k_function;
using rvjit::testing::depth_function;
using rvjit::testing::fib_function;
using rvjit::testing::fp_function;

struct Record {
  std::atomic<int> entries{0};
  std::atomic<int> exits{0};
  std::string last_name;
  uint64_t last_arg0 = 0;
  uint64_t last_ret = 0;
  uintptr_t last_function = 0;
  int magic = 0x600d;
};

void on_entry(const rvjit_hook_ctx* ctx, void* data) {
  auto* r = static_cast<Record*>(data);
  r->entries.fetch_add(1, std::memory_order_relaxed);
  r->last_name = ctx->name;
  r->last_arg0 = ctx->args[0];
  r->last_function = ctx->function;
}
void on_exit(const rvjit_hook_ctx* ctx, void* data) {
  auto* r = static_cast<Record*>(data);
  r->exits.fetch_add(1, std::memory_order_relaxed);
  r->last_ret = ctx->return_value;
}

class Hooks : public ::testing::TestWithParam<SiteLayout> {
 protected:
  void SetUp() override {
    auto c = CodeCache::create();
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cache = std::move(c.value());
    auto m = HookManager::create(*cache);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    hm = std::move(m.value());
  }
  void TearDown() override {
    hm.reset();
    cache.reset();
  }
  HookedFunction install(const AssembledCode& code, const std::string& name) {
    auto f = hm->install(code, name);
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? *f : HookedFunction{};
  }
  HookOpsId reg(Record* r, uint32_t flags, HookFilter filter = HookFilter::all()) {
    rvjit_hook_ops ops{on_entry, on_exit, r, flags};
    auto id = hm->register_ops(ops, std::move(filter));
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    return id.ok() ? *id : 0;
  }
  SiteLayout layout() const { return GetParam(); }

  ThreadRegistration me{"test-main"};
  std::unique_ptr<CodeCache> cache;
  std::unique_ptr<HookManager> hm;
};

using Fn1 = long (*)(long);

TEST_P(Hooks, DisabledSiteIsNopsAndCallsNothing) {
  HookedFunction f = install(add_k_function(layout(), 5), "add5");
  auto* words = reinterpret_cast<const uint32_t*>(f.entry);
  if (layout() == SiteLayout::kOneWord) {
    EXPECT_EQ(words[0], 0x00000013u);  // nop
  } else {
    EXPECT_EQ(words[0], 0x0080006fu);  // j .+8: one instruction when disabled
    EXPECT_EQ(words[1], 0x00000013u);  // nop until the site is first enabled
  }
  Record r;
  reg(&r, RVJIT_HOOK_ENTRY);  // registered, not enabled
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(10), 15);
  EXPECT_EQ(r.entries.load(), 0);
  EXPECT_FALSE(*hm->site_enabled("add5"));
}

TEST_P(Hooks, EntryHookSeesNameArgsAndFunctionAndKeepsResult) {
  HookedFunction f = install(add_k_function(layout(), 5), "add5");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY);
  ASSERT_TRUE(hm->enable(id).ok());
  EXPECT_TRUE(*hm->site_enabled("add5"));
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(10), 15);
  EXPECT_EQ(r.entries.load(), 1);
  EXPECT_EQ(r.last_name, "add5");
  EXPECT_EQ(r.last_arg0, 10u);
  EXPECT_EQ(r.last_function, f.entry);
  ASSERT_TRUE(hm->disable(id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(1), 6);
  EXPECT_EQ(r.entries.load(), 1);
  auto* words = reinterpret_cast<const uint32_t*>(f.entry);
  EXPECT_EQ(words[0], layout() == SiteLayout::kOneWord ? 0x00000013u : 0x0080006fu)
      << "disable must restore the disabled word 0";
  if (layout() == SiteLayout::kTwoWord)
    EXPECT_EQ(words[1] & 0x707fu, 0x67u) << "word 1 keeps its jalr: only word 0 toggles";
}

TEST_P(Hooks, ExitHookSeesReturnValueAndCallerStillGetsIt) {
  HookedFunction f = install(add_k_function(layout(), 7), "add7");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  for (long i = 0; i < 100; ++i) ASSERT_EQ(reinterpret_cast<Fn1>(f.entry)(i), i + 7);
  EXPECT_EQ(r.entries.load(), 100);
  EXPECT_EQ(r.exits.load(), 100);
  EXPECT_EQ(r.last_ret, 99u + 7u);
}

TEST_P(Hooks, RecursionIsTracedFrameByFrame) {
  HookedFunction f = install(fib_function(layout()), "fib");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(15), 610);
  // fib(15) makes 1973 calls in all (calls(n) = 2*fib(n+1) - 1).
  EXPECT_EQ(r.entries.load(), 1973);
  EXPECT_EQ(r.exits.load(), 1973);
  EXPECT_EQ(r.last_ret, 610u) << "the outermost frame returns last";
}

TEST_P(Hooks, ShadowStackOverflowLeavesDeepFramesUntracedButCorrect) {
  HookedFunction f = install(depth_function(layout()), "depth");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  const uint64_t before = hm->stats().shadow_overflows;
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(400), 400);
  EXPECT_EQ(r.entries.load(), 401);
  EXPECT_EQ(r.exits.load(), 256) << "only frames that fit the shadow stack are traced at exit";
  EXPECT_EQ(hm->stats().shadow_overflows - before, 401u - 256u);
}

void double_first_arg(const rvjit_hook_ctx* ctx, void*) { ctx->args[0] *= 2; }

TEST_P(Hooks, ModifyRegsFlagDecidesWhetherArgumentChangesStick) {
  HookedFunction f = install(add_k_function(layout(), 1), "inc");
  rvjit_hook_ops readonly{double_first_arg, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto id = hm->register_ops(readonly, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(hm->enable(*id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(10), 11) << "without MODIFY_REGS the change is not seen";
  ASSERT_TRUE(hm->unregister(*id).ok());
  rvjit_hook_ops modifying{double_first_arg, nullptr, nullptr,
                           RVJIT_HOOK_ENTRY | RVJIT_HOOK_MODIFY_REGS};
  id = hm->register_ops(modifying, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(hm->enable(*id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(10), 21);
}

TEST_P(Hooks, FloatingPointArgumentsAndResultSurviveTheTrampolines) {
  HookedFunction f = install(fp_function(layout()), "fp");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  auto fn = reinterpret_cast<double (*)(double, long)>(f.entry);
  EXPECT_DOUBLE_EQ(fn(1.25, 3), 5.5);
  EXPECT_EQ(r.entries.load(), 1);
  EXPECT_EQ(r.exits.load(), 1);
}

TEST_P(Hooks, SeveralOpsOnOneSiteAllRunInRegistrationOrder) {
  HookedFunction f = install(add_k_function(layout(), 0), "id");
  static std::vector<int> order;
  order.clear();
  rvjit_hook_ops a{[](const rvjit_hook_ctx*, void*) { order.push_back(1); }, nullptr, nullptr,
                   RVJIT_HOOK_ENTRY};
  rvjit_hook_ops b{[](const rvjit_hook_ctx*, void*) { order.push_back(2); }, nullptr, nullptr,
                   RVJIT_HOOK_ENTRY};
  auto ia = hm->register_ops(a, HookFilter::all());
  auto ib = hm->register_ops(b, HookFilter::all());
  ASSERT_TRUE(ia.ok() && ib.ok());
  ASSERT_TRUE(hm->enable(*ib).ok());
  ASSERT_TRUE(hm->enable(*ia).ok());
  reinterpret_cast<Fn1>(f.entry)(0);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  ASSERT_TRUE(hm->disable(*ia).ok());
  reinterpret_cast<Fn1>(f.entry)(0);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 2}));
  EXPECT_TRUE(*hm->site_enabled("id")) << "b still needs the site";
}

TEST_P(Hooks, FiltersSelectFunctionsAndCanChangeWhileEnabled) {
  std::vector<HookedFunction> fs;
  for (const char* n : {"vm_add", "vm_sub", "gc_mark"})
    fs.push_back(install(add_k_function(layout(), 1), n));
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY, HookFilter::glob("vm_*"));
  ASSERT_TRUE(hm->enable(id).ok());
  for (auto& f : fs) reinterpret_cast<Fn1>(f.entry)(0);
  EXPECT_EQ(r.entries.load(), 2);
  EXPECT_FALSE(*hm->site_enabled("gc_mark"));
  ASSERT_TRUE(hm->set_filter(id, HookFilter::list({"gc_mark"})).ok());
  for (auto& f : fs) reinterpret_cast<Fn1>(f.entry)(0);
  EXPECT_EQ(r.entries.load(), 3);
  EXPECT_EQ(r.last_name, "gc_mark");
  EXPECT_FALSE(*hm->site_enabled("vm_add"));
  // A function installed later joins an enabled ops whose filter matches it.
  HookedFunction late = install(add_k_function(layout(), 1), "gc_mark2");
  ASSERT_TRUE(hm->set_filter(id, HookFilter::glob("gc_*")).ok());
  reinterpret_cast<Fn1>(late.entry)(0);
  EXPECT_EQ(r.entries.load(), 4);
  HookedFunction later = install(add_k_function(layout(), 1), "gc_sweep");
  EXPECT_TRUE(*hm->site_enabled("gc_sweep"));
  reinterpret_cast<Fn1>(later.entry)(0);
  EXPECT_EQ(r.entries.load(), 5);
}

TEST_P(Hooks, HotSwapAndUnregisterNeverEnterOldCallbacks) {
  HookedFunction f = install(add_k_function(layout(), 1), "f");
  Record first, second;
  HookOpsId id = reg(&first, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  reinterpret_cast<Fn1>(f.entry)(1);
  ASSERT_TRUE(hm->swap(id, on_entry, on_exit, &second).ok());
  first.magic = 0xdead;  // poisoned: entering the old callback would count on `first`
  const HookStats s0 = hm->stats();
  for (int i = 0; i < 10; ++i) reinterpret_cast<Fn1>(f.entry)(1);
  EXPECT_EQ(first.entries.load(), 1);
  EXPECT_EQ(second.entries.load(), 10);
  EXPECT_EQ(hm->stats().sites_patched, s0.sites_patched) << "a swap writes data, not code";
  ASSERT_TRUE(hm->unregister(id).ok());
  for (int i = 0; i < 10; ++i) reinterpret_cast<Fn1>(f.entry)(1);
  EXPECT_EQ(second.entries.load(), 10);
  EXPECT_FALSE(*hm->site_enabled("f"));
}

TEST_P(Hooks, EnablingManySitesIsOneBatchWithOneSync) {
  constexpr int kN = 200;
  std::vector<HookedFunction> fs;
  for (int i = 0; i < kN; ++i) fs.push_back(install(add_k_function(layout(), i), "f" + std::to_string(i)));
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY);
  const HookStats before = hm->stats();
  ASSERT_TRUE(hm->enable(id).ok());
  const HookStats after = hm->stats();
  EXPECT_EQ(after.syncs - before.syncs, 1u);
  EXPECT_EQ(after.sites_patched - before.sites_patched, static_cast<uint64_t>(kN));
  EXPECT_EQ(after.enabled_sites, static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(reinterpret_cast<Fn1>(fs[i].entry)(1), 1 + i);
  EXPECT_EQ(r.entries.load(), kN);
  ASSERT_TRUE(hm->disable(id).ok());
  EXPECT_EQ(hm->stats().syncs - after.syncs, 1u);
  EXPECT_EQ(hm->stats().enabled_sites, 0u);
}

void call_hooked_from_callback(const rvjit_hook_ctx*, void* data) {
  auto* f = static_cast<HookedFunction*>(data);
  reinterpret_cast<Fn1>(f->entry)(0);  // would recurse forever if it were traced
}

TEST_P(Hooks, HookedCallsFromInsideACallbackAreNotTraced) {
  HookedFunction f = install(add_k_function(layout(), 1), "g");
  rvjit_hook_ops ops{call_hooked_from_callback, nullptr, &f, RVJIT_HOOK_ENTRY};
  auto id = hm->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(hm->enable(*id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(41), 42);
}

TEST_P(Hooks, BadInputIsAClearError) {
  Assembler a;
  a.li(reg::a0, 1);
  a.ret();
  auto no_site = hm->install(a.finalize().value(), "plain");
  ASSERT_FALSE(no_site.ok());
  EXPECT_EQ(no_site.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(no_site.error().message().find("no hook site"), std::string::npos);

  rvjit_hook_ops null_cb{nullptr, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  EXPECT_EQ(hm->register_ops(null_cb, HookFilter::all()).error().code(), ErrorCode::kInvalidArgument);
  rvjit_hook_ops no_flags{on_entry, nullptr, nullptr, 0};
  EXPECT_EQ(hm->register_ops(no_flags, HookFilter::all()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(hm->enable(12345).code(), ErrorCode::kNotFound);
  EXPECT_EQ(hm->unregister(12345).code(), ErrorCode::kNotFound);
  EXPECT_EQ(hm->site_enabled("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(parse_sync_strategy("fast").ok());
}

TEST_P(Hooks, TailCallsReturnThroughBothFramesInOrder) {
  HookedFunction callee = install(add_k_function(layout(), 10), "callee");
  HookedFunction caller =
      install(rvjit::testing::tail_call_function(layout(), callee.entry), "caller");
  static std::vector<std::string> exits;
  exits.clear();
  rvjit_hook_ops ops{on_entry,
                     [](const rvjit_hook_ctx* ctx, void*) { exits.push_back(ctx->name); },
                     nullptr, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
  Record r;
  ops.user_data = &r;
  auto id = hm->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(hm->enable(*id).ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(caller.entry)(1), 12);
  EXPECT_EQ(r.entries.load(), 2);
  // The callee returns through the trampoline first, then the caller's frame pops.
  EXPECT_EQ(exits, (std::vector<std::string>{"callee", "caller"}));
}

long unregister_then_double(long x) {
  rvjit::unregister_current_thread();
  return 2 * x;
}

TEST_P(Hooks, ThreadUnregisteringInsideTracedFrameStillReturnsAndIsCounted) {
  HookedFunction f = install(rvjit::testing::call_native_function(
                                 layout(), reinterpret_cast<uintptr_t>(&unregister_then_double)),
                             "calls_native");
  Record r;
  HookOpsId id = reg(&r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT);
  ASSERT_TRUE(hm->enable(id).ok());
  std::thread t([&] {
    ASSERT_TRUE(rvjit::register_current_thread("leaves-inside").ok());
    EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(20), 41);
    EXPECT_FALSE(rvjit::current_thread_registered());
  });
  t.join();
  EXPECT_EQ(r.entries.load(), 1);
  EXPECT_EQ(r.exits.load(), 1);
  EXPECT_EQ(r.last_ret, 41u);
}

INSTANTIATE_TEST_SUITE_P(Layouts, Hooks,
                         ::testing::Values(SiteLayout::kOneWord, SiteLayout::kTwoWord),
                         [](const auto& info) { return std::string(site_layout_name(info.param)); });

// Regression: the return trampoline once was process-global, set by the first manager and
// left dangling when that manager's cache was destroyed; exit hooks of every later manager
// then returned into unmapped memory.
TEST(HookLifetime, ExitHooksWorkAfterAnEarlierManagerAndCacheAreGone) {
  ThreadRegistration me("lifetime");
  for (int round = 0; round < 3; ++round) {
    auto cache = CodeCache::create();
    ASSERT_TRUE(cache.ok());
    auto hm = HookManager::create(**cache);
    ASSERT_TRUE(hm.ok());
    auto f = (*hm)->install(add_k_function(SiteLayout::kOneWord, round), "f");
    ASSERT_TRUE(f.ok());
    Record r;
    rvjit_hook_ops ops{on_entry, on_exit, &r, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
    auto id = (*hm)->register_ops(ops, HookFilter::all());
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE((*hm)->enable(*id).ok());
    EXPECT_EQ(reinterpret_cast<Fn1>(f->entry)(100), 100 + round);
    EXPECT_EQ(r.exits.load(), 1);
  }
}

std::atomic<bool> g_in_parked_callback{false};
std::atomic<bool> g_leave_parked_callback{false};
void parked_entry(const rvjit_hook_ctx*, void*) {
  g_in_parked_callback = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!g_leave_parked_callback && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
}

// A thread inside a callback at fork() does not exist in the child: the child's control
// calls must not wait for it (they did, until grace_timeout, before the fork handler).
TEST(HookFork, ChildTogglesWhileAParentThreadIsInsideACallback) {
  ThreadRegistration me("fork-main");
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  HookManagerOptions opt;
  opt.grace_timeout = std::chrono::milliseconds(2000);
  auto hm = HookManager::create(**cache, opt);
  ASSERT_TRUE(hm.ok());
  auto f = (*hm)->install(add_k_function(SiteLayout::kOneWord, 1), "parked");
  ASSERT_TRUE(f.ok());
  rvjit_hook_ops ops{parked_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto id = (*hm)->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*hm)->enable(*id).ok());
  std::thread t([&] {
    ThreadRegistration w("parked-worker");
    reinterpret_cast<Fn1>(f->entry)(1);
  });
  while (!g_in_parked_callback) std::this_thread::yield();
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    const Error e = (*hm)->disable(*id);
    _exit(e.ok() && reinterpret_cast<Fn1>(f->entry)(1) == 2 ? 0 : 1);
  }
  g_leave_parked_callback = true;
  t.join();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(HookSync, EffectiveStrategyIsReportedAndTwoWordAlwaysStops) {
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  auto hm = HookManager::create(**cache);
  ASSERT_TRUE(hm.ok());
  EXPECT_EQ((*hm)->effective_sync(SiteLayout::kTwoWord), SyncStrategy::kStopTheWorld);
  ASSERT_TRUE((*hm)->set_sync_strategy(SyncStrategy::kStopTheWorld).ok());
  EXPECT_EQ((*hm)->effective_sync(SiteLayout::kOneWord), SyncStrategy::kStopTheWorld);
  ASSERT_TRUE((*hm)->set_sync_strategy(SyncStrategy::kAuto).ok());
  const SyncStrategy one = (*hm)->effective_sync(SiteLayout::kOneWord);
  if ((*cache)->policy() == WxPolicy::kFlip)
    EXPECT_EQ(one, SyncStrategy::kStopTheWorld) << "flip parks every thread to write anyway";
  else
    EXPECT_NE(one, SyncStrategy::kAuto);
}

}  // namespace
