// PC -> function lookup from a signal handler: SIGPROF arrives while the thread spins in
// JIT code; the handler identifies the function from the interrupted PC (no locks, no
// allocation) while another thread installs and releases code (PC tables grow and are
// swapped RCU-style), then steers the PC out of the spin loop.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "code_test_util.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using namespace rvjit::test;

std::atomic<uintptr_t> g_spin_start{0};
std::atomic<uintptr_t> g_stable_pc{0};
std::atomic<int> g_hits{0};        // lookups that named the spinning function
std::atomic<int> g_misses{0};      // lookups of a live function that failed
std::atomic<int> g_wanted{1};      // hits before the handler lets the spinner return
char g_seen_name[96];

void on_sigprof(int, siginfo_t*, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  const uintptr_t pc = uc->uc_mcontext.__gregs[REG_PC];
  PcInfo info;
  const uintptr_t start = g_spin_start.load(std::memory_order_acquire);
  if (start == 0 || pc < start || pc >= start + 12) return;  // not in the spinner (yet)
  if (!CodeCache::lookup_pc(pc, &info) || info.start != start) {
    g_misses.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  PcInfo other;
  if (const uintptr_t s = g_stable_pc.load(std::memory_order_acquire); s && !CodeCache::lookup_pc(s, &other))
    g_misses.fetch_add(1, std::memory_order_relaxed);
  std::memcpy(g_seen_name, info.name, sizeof g_seen_name);
  const bool enough = g_hits.fetch_add(1, std::memory_order_relaxed) + 1 >= g_wanted.load();
  // Steer only from the spin (start + 4): a signal taken at `start` has not run the
  // `addi a0, zero, 7` yet, and skipping it would return a stale a0. A slow emulator
  // (the icache checker) delivers signals at the start of the spinner's block often.
  if (enough && pc == start + 4)
    uc->uc_mcontext.__gregs[REG_PC] = info.start + 8;  // jump past `jal zero, 0` to `ret`
}

struct SigprofScope {
  struct sigaction old{};
  SigprofScope() {
    struct sigaction sa{};
    sa.sa_sigaction = on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, &old);
  }
  ~SigprofScope() { sigaction(SIGPROF, &old, nullptr); }
};

void run_spinner(CodeCache& cache, int wanted, bool churn) {
  auto spinner = cache.install(from_words({addi_a0(7), kJalSelf, kRet}), "spinner");
  ASSERT_TRUE(spinner.ok()) << spinner.error().to_string();
  auto stable = cache.install(ret_const(1), "stable");
  ASSERT_TRUE(stable.ok());
  g_hits = 0;
  g_misses = 0;
  g_wanted = wanted;
  g_stable_pc.store(stable->entry, std::memory_order_release);
  g_spin_start.store(spinner->entry, std::memory_order_release);
  SigprofScope scope;
  // Under flip, the installer's write windows make the spinner's page non-executable for
  // a moment: the thread running JIT code must be registered so the window parks it.
  ThreadRegistration reg("spinner");
  ASSERT_TRUE(reg.ok()) << reg.error().to_string();
  std::atomic<bool> done{false};
  const pthread_t target = pthread_self();
  std::thread sender([&] {
    while (!done.load(std::memory_order_acquire)) {
      pthread_kill(target, SIGPROF);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::thread installer;
  if (churn) {
    installer = std::thread([&] {
      for (int i = 0; i < 6000 && !done.load(std::memory_order_acquire); ++i) {
        auto f = cache.install(ret_const(2), "churn" + std::to_string(i));
        ASSERT_TRUE(f.ok()) << f.error().to_string();
        if (i % 2) ASSERT_TRUE(cache.release(f->handle).ok());
      }
    });
  }
  const long v = spinner->as<long (*)()>()();  // returns only once the handler steered it
  done.store(true, std::memory_order_release);
  sender.join();
  if (installer.joinable()) installer.join();
  g_spin_start.store(0);
  EXPECT_EQ(v, 7);
  EXPECT_GE(g_hits.load(), wanted);
  EXPECT_EQ(g_misses.load(), 0);
  EXPECT_STREQ(g_seen_name, "spinner");
}

TEST(CodeSignal, SigprofHandlerNamesTheRunningFunction) {
  CodeCacheOptions o;
  o.policy = WxPolicy::kFlip;
  auto cache = CodeCache::create(o);
  ASSERT_TRUE(cache.ok());
  run_spinner(**cache, 1, false);
}

TEST(CodeSignal, LookupStaysCorrectWhileAnotherThreadInstallsAndReleases) {
  CodeCacheOptions o;
  o.policy = WxPolicy::kFlip;
  auto cache = CodeCache::create(o);
  ASSERT_TRUE(cache.ok());
  run_spinner(**cache, 200, true);
}

}  // namespace
