// The fast exit path (issue 15, docs/hooks.md "The fast exit path"): an ops with
// ENTRY_ARGS|EXIT_RET (or EXIT_RET alone), alone on a site with a declared signature,
// pushes its frame from a JIT'd exit stub and returns through a JIT'd fast return
// trampoline that calls exit_ret(a0, a1, info). Every guarantee of the general exit path
// is checked here for the fast one: return registers, recursion, a full shadow stack,
// tail calls, frames mixed with general ones, returns pending across unregister /
// disable / swap, hot swap under load with poisoned data, no tracing from inside an
// exit callback, fork, errno (general path), signal handlers that run hooked code, and
// the empty-stack report. Both layouts, under qemu-riscv64.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "hooked_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using namespace rvjit::testing;
using Fn1 = long (*)(long);

// JIT code has no ELF object: dladdr fails on it. The fast trampolines call the
// callbacks from JIT code, the general dispatchers from this executable.
bool called_from_jit(void* ra) {
  Dl_info info;
  return dladdr(ra, &info) == 0;
}

struct Pair {
  long a, b;
};
// struct {long, long} f(long x) { return {x + 1, x * 3}; }: returns in a0 and a1.
AssembledCode pair_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.li(reg::t1, 3);
  a.mul(reg::a1, reg::a0, reg::t1);
  a.addi(reg::a0, reg::a0, 1);
  a.ret();
  return a.finalize().value();
}
// double f(long x) { return (double)x * 2; }: an FP return from integer arguments.
AssembledCode twice_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.fcvt_d_l(reg::fa0, reg::a0);
  a.fadd_d(reg::fa0, reg::fa0, reg::fa0);
  a.ret();
  return a.finalize().value();
}
// long f(long x) { return (long)ra; }: the address the function returns to.
AssembledCode return_address_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.mv(reg::a0, reg::ra);
  a.ret();
  return a.finalize().value();
}

struct Trace {
  std::atomic<long> entries{0}, exits{0};
  std::atomic<long> fast_exits{0};  // exit callbacks called from JIT code
  uint64_t last_a0 = 0, last_a1 = 0;
  uintptr_t last_function = 0;
  std::string last_name;
  std::vector<uintptr_t> exit_order;
  bool record_order = false;
  int magic = 0x600d;
};
std::atomic<int> g_poisoned{0};

[[gnu::noinline]] double clobber_regs(long x) {
  asm volatile("" ::: "memory");
  return static_cast<double>(x) * 3.25 + 1.0;
}

void on_entry(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  auto* t = static_cast<Trace*>(info->user_data);
  if (t->magic != 0x600d) g_poisoned.fetch_add(1, std::memory_order_relaxed);
  t->entries.fetch_add(1, std::memory_order_relaxed);
}
void on_ret(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info) {
  auto* t = static_cast<Trace*>(info->user_data);
  if (t->magic != 0x600d) g_poisoned.fetch_add(1, std::memory_order_relaxed);
  t->exits.fetch_add(1, std::memory_order_relaxed);
  if (called_from_jit(__builtin_return_address(0))) t->fast_exits.fetch_add(1, std::memory_order_relaxed);
  t->last_a0 = a0;
  t->last_a1 = a1;
  t->last_function = info->function;
  t->last_name = info->name;
  if (t->record_order) t->exit_order.push_back(info->function);
  (void)clobber_regs(static_cast<long>(a0));  // a0, a1, fa0 clobbered: must be restored
}
void on_ret_light(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  auto* t = static_cast<Trace*>(info->user_data);
  if (t->magic != 0x600d) g_poisoned.fetch_add(1, std::memory_order_relaxed);
  t->exits.fetch_add(1, std::memory_order_relaxed);
}

rvjit_hook_ops ops_of(void* data, rvjit_hook_args_fn entry = on_entry, rvjit_hook_ret_fn ret = on_ret) {
  rvjit_hook_ops o{};
  o.entry_args = entry;
  o.exit_ret = ret;
  o.user_data = data;
  o.flags = (entry ? RVJIT_HOOK_ENTRY_ARGS : 0) | RVJIT_HOOK_EXIT_RET;
  return o;
}

class FastExit : public ::testing::TestWithParam<SiteLayout> {
 protected:
  void SetUp() override {
    cache = std::move(CodeCache::create().value());
    hm = std::move(HookManager::create(*cache).value());
    g_poisoned = 0;
  }
  void TearDown() override {
    hm.reset();
    cache.reset();
  }
  HookedFunction install(const AssembledCode& code, const std::string& name,
                         HookSignature sig = HookSignature::of(1, 0)) {
    auto f = hm->install(code, name, sig);
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? *f : HookedFunction{};
  }
  HookOpsId enabled(rvjit_hook_ops ops, HookFilter filter = HookFilter::all()) {
    auto id = hm->register_ops(ops, std::move(filter));
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    EXPECT_TRUE(hm->enable(*id).ok());
    return id.ok() ? *id : 0;
  }
  SiteLayout layout() const { return GetParam(); }

  ThreadRegistration me{"fast-exit-main"};
  std::unique_ptr<CodeCache> cache;
  std::unique_ptr<HookManager> hm;
};

TEST_P(FastExit, OpsFlagsAreChecked) {
  rvjit_hook_ops both{};
  both.exit_ret = on_ret;
  both.flags = RVJIT_HOOK_EXIT | RVJIT_HOOK_EXIT_RET;
  EXPECT_EQ(hm->register_ops(both, HookFilter::all()).error().code(), ErrorCode::kInvalidArgument);
  rvjit_hook_ops null_ret{};
  null_ret.flags = RVJIT_HOOK_EXIT_RET;
  EXPECT_EQ(hm->register_ops(null_ret, HookFilter::all()).error().code(), ErrorCode::kInvalidArgument);
  static_assert(sizeof(rvjit_hook_ops) == 4 * sizeof(void*), "layout kept");
}

TEST_P(FastExit, ExitRetSeesReturnRegistersAndCallerGetsThemBack) {
  HookedFunction pair = install(pair_function(layout()), "pair");
  HookedFunction half = install(twice_function(layout()), "twice");
  ASSERT_TRUE(pair.fast_entry && half.fast_entry);
  Trace t;
  enabled(ops_of(&t));
  // A thread's first hooked call takes the general path (it claims the thread's slot).
  (void)reinterpret_cast<Pair (*)(long)>(pair.entry)(0);
  t.entries = t.exits = t.fast_exits = 0;
  const Pair p = reinterpret_cast<Pair (*)(long)>(pair.entry)(7);
  EXPECT_EQ(p.a, 8);
  EXPECT_EQ(p.b, 21);
  EXPECT_EQ(t.last_a0, 8u);
  EXPECT_EQ(t.last_a1, 21u);
  EXPECT_EQ(t.last_function, pair.entry);
  EXPECT_EQ(t.last_name, "pair");
  EXPECT_EQ(reinterpret_cast<double (*)(long)>(half.entry)(9), 18.0);  // fa0 restored
  EXPECT_EQ(t.entries.load(), 2);
  EXPECT_EQ(t.exits.load(), 2);
  EXPECT_EQ(t.fast_exits.load(), 2);  // both from the fast return trampoline
}

TEST_P(FastExit, ExitRetAloneAndOnTheGeneralPathCalledTheSameWay) {
  HookedFunction fast = install(add_k_function(layout(), 1), "fast");
  HookedFunction general = install(add_k_function(layout(), 1), "general", HookSignature{});
  ASSERT_FALSE(general.fast_entry);
  Trace t;
  enabled(ops_of(&t, nullptr));  // EXIT_RET alone
  EXPECT_EQ(reinterpret_cast<Fn1>(fast.entry)(1), 2);
  EXPECT_EQ(t.fast_exits.load(), 1);
  EXPECT_EQ(reinterpret_cast<Fn1>(general.entry)(4), 5);
  EXPECT_EQ(t.exits.load(), 2);
  EXPECT_EQ(t.fast_exits.load(), 1);  // the general dispatcher called it
  EXPECT_EQ(t.last_a0, 5u);
  EXPECT_EQ(t.last_name, "general");
  EXPECT_EQ(t.entries.load(), 0);
  // Two ops on the fast site: the general path, exit_ret still called with a0/a1.
  Trace u;
  enabled(ops_of(&u), HookFilter::glob("fast"));
  EXPECT_EQ(reinterpret_cast<Fn1>(fast.entry)(10), 11);
  EXPECT_EQ(t.exits.load(), 3);
  EXPECT_EQ(u.exits.load(), 1);
  EXPECT_EQ(u.entries.load(), 1);
  EXPECT_EQ(u.fast_exits.load(), 0);
  EXPECT_EQ(u.last_a0, 11u);
}

TEST_P(FastExit, RecursionIsTracedFrameByFrame) {
  HookedFunction fib = install(fib_function(layout()), "fib");
  Trace t;
  enabled(ops_of(&t, on_entry, on_ret_light));
  EXPECT_EQ(reinterpret_cast<Fn1>(fib.entry)(15), 610);
  EXPECT_EQ(t.entries.load(), 1973);
  EXPECT_EQ(t.exits.load(), 1973);
}

// 300 frames deep, 256 shadow entries: the deepest 44 + 1 frames are not traced at exit
// (counted), every return still lands, and the stack is usable afterwards.
TEST_P(FastExit, AFullShadowStackLeavesFramesUntracedNeverCrashes) {
  HookedFunction depth = install(depth_function(layout()), "depth");
  Trace t;
  enabled(ops_of(&t, on_entry, on_ret_light));
  const uint64_t before = hm->stats().shadow_overflows;
  EXPECT_EQ(reinterpret_cast<Fn1>(depth.entry)(300), 300);
  EXPECT_EQ(t.entries.load(), 301);
  EXPECT_EQ(t.exits.load(), 256);
  EXPECT_EQ(hm->stats().shadow_overflows - before, 45u);
  EXPECT_EQ(reinterpret_cast<Fn1>(depth.entry)(10), 10);
  EXPECT_EQ(t.exits.load(), 256 + 11);
}

TEST_P(FastExit, TailCallsReturnThroughBothFramesInOrder) {
  HookedFunction g = install(add_k_function(layout(), 100), "g");
  HookedFunction f = install(tail_call_function(layout(), g.entry), "f");
  Trace t;
  t.record_order = true;
  enabled(ops_of(&t));
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(1), 102);
  EXPECT_EQ(t.entries.load(), 2);
  ASSERT_EQ(t.exit_order.size(), 2u);
  EXPECT_EQ(t.exit_order[0], g.entry);
  EXPECT_EQ(t.exit_order[1], f.entry);
  EXPECT_EQ(t.last_a0, 102u);  // both see the tail-called function's return value
}

// A fast frame and a general frame on one thread's stack: one shadow stack, one format.
HookedFunction* g_inner = nullptr;
long call_inner(long x) { return reinterpret_cast<Fn1>(g_inner->entry)(x) * 2; }
void on_exit_ctx(const rvjit_hook_ctx* ctx, void* data) {
  auto* t = static_cast<Trace*>(data);
  t->exits.fetch_add(1);
  t->last_a0 = ctx->return_value;
  if (t->record_order) t->exit_order.push_back(ctx->function);
}

TEST_P(FastExit, FastAndGeneralFramesMixOnOneStack) {
  HookedFunction inner = install(add_k_function(layout(), 1), "inner", HookSignature{});
  g_inner = &inner;
  HookedFunction outer =
      install(call_native_function(layout(), reinterpret_cast<uintptr_t>(&call_inner)), "outer");
  Trace fast, general;
  fast.record_order = general.record_order = true;
  enabled(ops_of(&fast), HookFilter::glob("outer"));
  enabled({nullptr, on_exit_ctx, &general, RVJIT_HOOK_EXIT}, HookFilter::glob("inner"));
  EXPECT_EQ(reinterpret_cast<Fn1>(outer.entry)(4), 11);  // (4 + 1) * 2 + 1
  EXPECT_EQ(general.exits.load(), 1);
  EXPECT_EQ(general.last_a0, 5u);
  EXPECT_EQ(fast.exits.load(), 1);
  EXPECT_EQ(fast.fast_exits.load(), 1);
  EXPECT_EQ(fast.last_a0, 11u);
}

// A frame that entered through the fast path is still running when its ops is
// unregistered (or the site disabled, or the ops swapped): the return lands correctly,
// and calls the callbacks attached at return (none, or the new ones), never old data.
struct Gate {
  std::atomic<int> state{0};  // 1: inside, 2: may return
};
Gate g_gate;
long wait_at_gate(long x) {
  g_gate.state.store(1);
  while (g_gate.state.load() != 2) std::this_thread::yield();
  return x + 1;
}

TEST_P(FastExit, ReturnPendingAcrossUnregisterDisableAndSwapLandsCorrectly) {
  HookedFunction f =
      install(call_native_function(layout(), reinterpret_cast<uintptr_t>(&wait_at_gate)), "gated");
  for (int mode = 0; mode < 3; ++mode) {
    SCOPED_TRACE(mode);
    auto old_t = std::make_unique<Trace>();
    Trace fresh;
    HookOpsId id = enabled(ops_of(old_t.get()));
    g_gate.state = 0;
    long result = 0;
    std::thread worker([&] {
      ThreadRegistration reg("gated-worker");
      result = reinterpret_cast<Fn1>(f.entry)(5);
    });
    while (g_gate.state.load() != 1) std::this_thread::yield();
    if (mode == 0) ASSERT_TRUE(hm->unregister(id).ok());
    if (mode == 1) ASSERT_TRUE(hm->disable(id).ok());
    if (mode == 2) ASSERT_TRUE(hm->swap(id, ops_of(&fresh)).ok());
    old_t->magic = 0xdead;  // the call returned: nobody may enter the old data again
    g_gate.state = 2;
    worker.join();
    EXPECT_EQ(result, 7);  // (5 + 1) + 1
    EXPECT_EQ(old_t->exits.load(), 0);
    EXPECT_EQ(fresh.exits.load(), mode == 2 ? 1 : 0);
    if (mode == 2) EXPECT_EQ(fresh.last_a0, 7u);
    if (mode != 0) ASSERT_TRUE(hm->unregister(id).ok());
  }
  EXPECT_EQ(g_poisoned.load(), 0);
}

// Hot swap and unregister while 3 threads call through the fast entry and return: once
// the control call returns the old data is poisoned and must never be seen again.
TEST_P(FastExit, HotSwapAndUnregisterUnderLoadNeverEnterOldData) {
  HookedFunction f = install(add_k_function(layout(), 1), "hot");
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([&] {
      ThreadRegistration reg("fast-exit-worker");
      while (!stop.load(std::memory_order_relaxed))
        if (reinterpret_cast<Fn1>(f.entry)(1) != 2) std::abort();
    });
  std::vector<std::unique_ptr<Trace>> data;
  data.push_back(std::make_unique<Trace>());
  HookOpsId id = enabled(ops_of(data.back().get(), on_entry, on_ret_light));
  for (int i = 0; i < 40; ++i) {
    data.push_back(std::make_unique<Trace>());
    ASSERT_TRUE(hm->swap(id, ops_of(data.back().get(), on_entry, on_ret_light)).ok());
    data[data.size() - 2]->magic = 0xdead;
    if (i % 10 == 9) {
      ASSERT_TRUE(hm->unregister(id).ok());
      data.back()->magic = 0xdead;
      data.push_back(std::make_unique<Trace>());
      id = enabled(ops_of(data.back().get(), on_entry, on_ret_light));
    }
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_EQ(g_poisoned.load(), 0);
  long exits = 0;
  for (auto& d : data) exits += d->exits.load();
  EXPECT_GT(exits, 0);
}

struct Reentry {
  Trace t;
  HookedFunction* f;
};
void ret_calls_hooked(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  auto* r = static_cast<Reentry*>(info->user_data);
  r->t.exits.fetch_add(1);
  EXPECT_EQ(reinterpret_cast<Fn1>(r->f->entry)(0), 1);  // not traced: no recursion
}
void entry_counts(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  static_cast<Reentry*>(info->user_data)->t.entries.fetch_add(1);
}

TEST_P(FastExit, HookedCallsFromInsideAnExitCallbackAreNotTraced) {
  HookedFunction f = install(add_k_function(layout(), 1), "re");
  Reentry r{{}, &f};
  enabled(ops_of(&r, entry_counts, ret_calls_hooked));
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(41), 42);
  EXPECT_EQ(r.t.entries.load(), 1);
  EXPECT_EQ(r.t.exits.load(), 1);
}

// fork() inside a traced fast frame: the child returns through the fast return
// trampoline (its copy of the shadow stack) and keeps tracing.
pid_t g_forked = -1;
long fork_here(long x) {
  g_forked = fork();
  return x + 1;
}

TEST_P(FastExit, ForkChildReturnsThroughTheFrameAndKeepsTracing) {
  HookedFunction f =
      install(call_native_function(layout(), reinterpret_cast<uintptr_t>(&fork_here)), "forking");
  HookedFunction g = install(add_k_function(layout(), 1), "after");
  Trace t;
  enabled(ops_of(&t, on_entry, on_ret_light));
  const long r = reinterpret_cast<Fn1>(f.entry)(1);
  if (g_forked == 0) {
    bool ok = r == 3 && t.exits.load() == 1;
    for (int i = 0; i < 5; ++i) ok = ok && reinterpret_cast<Fn1>(g.entry)(i) == i + 1;
    ok = ok && t.entries.load() == 6 && t.exits.load() == 6;
    _exit(ok ? 0 : 1);
  }
  ASSERT_GT(g_forked, 0);
  int status = 0;
  ASSERT_EQ(waitpid(g_forked, &status, 0), g_forked);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(r, 3);
  EXPECT_EQ(t.exits.load(), 1);
}

// errno: the general exit dispatcher restores it around every exit callback, exit_ret
// included; the fast return leaves it to the callback (its documented contract).
long set_edom(long x) {
  errno = EDOM;
  return x;
}
void ret_clobbers_errno(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  static_cast<Trace*>(info->user_data)->exits.fetch_add(1);
  errno = ENOENT;
}

TEST_P(FastExit, GeneralPathKeepsErrnoAroundExitRet) {
  HookedFunction f = install(call_native_function(layout(), reinterpret_cast<uintptr_t>(&set_edom)),
                             "errno", HookSignature{});
  Trace t;
  enabled(ops_of(&t, nullptr, ret_clobbers_errno));
  errno = 0;
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(1), 2);
  EXPECT_EQ(errno, EDOM);
  EXPECT_EQ(t.exits.load(), 1);
}

// Signal handlers that run the same traced function on top of any point of it (entry,
// exit stub, body, fast return): the shadow stack must stay consistent.
HookedFunction* g_sig_fn = nullptr;
std::atomic<long> g_sig_bad{0}, g_sig_calls{0};
void on_usr1(int) {
  const int saved = errno;
  if (reinterpret_cast<Fn1>(g_sig_fn->entry)(6) != 8) g_sig_bad.fetch_add(1);
  g_sig_calls.fetch_add(1);
  errno = saved;
}

TEST_P(FastExit, SignalHandlersRunningTracedCodeDoNotCorruptTheShadowStack) {
  HookedFunction fib = install(fib_function(layout()), "sigfib");
  g_sig_fn = &fib;
  g_sig_bad = 0;
  g_sig_calls = 0;
  Trace t;
  enabled(ops_of(&t, on_entry, on_ret_light));
  struct sigaction sa{}, old{};
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  const pthread_t main_thread = pthread_self();
  std::atomic<bool> done{false};
  std::thread killer([&] {
    for (int i = 0; i < 400 && !done.load(); ++i) {
      pthread_kill(main_thread, SIGUSR1);
      std::this_thread::yield();
    }
  });
  long bad = 0;
  for (int i = 0; i < 300; ++i)
    if (reinterpret_cast<Fn1>(fib.entry)(12) != 144) ++bad;
  done = true;
  killer.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(g_sig_bad.load(), 0);
  EXPECT_GT(g_sig_calls.load(), 0);
  // Every traced entry returned through its own frame (a handler inside the recursion
  // guard is not traced at all, at entry or exit).
  EXPECT_EQ(t.entries.load(), t.exits.load());
  EXPECT_EQ(reinterpret_cast<Fn1>(fib.entry)(10), 55);
}

// A return through the fast return trampoline with an empty shadow stack (a traced frame
// left by longjmp) is reported like the general path's, not a wild jump.
TEST_P(FastExit, EmptyShadowStackIsReported) {
  HookedFunction f = install(return_address_function(layout()), "ra");
  Trace t;
  enabled(ops_of(&t));
  const uintptr_t fast_return = static_cast<uintptr_t>(reinterpret_cast<Fn1>(f.entry)(0));
  ASSERT_TRUE(called_from_jit(reinterpret_cast<void*>(fast_return)));
  EXPECT_DEATH(reinterpret_cast<Fn1>(fast_return)(0), "empty shadow stack");
}

INSTANTIATE_TEST_SUITE_P(Layouts, FastExit,
                         ::testing::Values(SiteLayout::kOneWord, SiteLayout::kTwoWord),
                         [](const ::testing::TestParamInfo<SiteLayout>& i) {
                           return std::string(site_layout_name(i.param));
                         });

}  // namespace
