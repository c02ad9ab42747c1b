// Cross-modifying code on the real kernel: thread B, pinned to hart 1, calls a function in
// a loop while the writer, pinned to hart 0, patches it through the RW view of a memfd
// dual mapping and then runs one of the kernel's "every thread now sees new code" calls.
// After the writer publishes that the call returned, B must never run the older code.
//
// Each patch is one aligned 32-bit store of `addi a0, zero, k` (Ziccif: fetched whole, old
// or new). The value k climbs by one per round, so when B has read "k is published" a
// call may return k or k+1 (the next patch may already be stored), never anything older.
//
// Rounds: 50 by default; RVJIT_SOAK=<seconds> (RVJIT_SYSTEM_ARGS="soak=60") keeps
// patching for that long instead. This is run with one TCG thread (see docs/testing.md):
// multi-threaded TCG misses cross-vCPU code stores, and QEMU models no icache either way.
#include <gtest/gtest.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "dual_map.h"
#include "guest_syscalls.h"
#include "stale_code_observer.h"
#include "rvjit/runtime/icache.h"

namespace {

using namespace rvjit::system;
using namespace rvjit::system_test;
using Fn = long (*)();
using Clock = std::chrono::steady_clock;

struct PatchRun {
  long rounds = 0;        // patches published
  long checked = 0;       // B's calls made after some round was published
  long stale = 0;         // of those, calls that ran code older than the published round
  long b_before = 0;      // B's calls before the first patch
  bool b_pinned = false;  // B ran on hart 1 (the writer on hart 0)
  bool stalled = false;   // B stopped making progress within the deadline
  long first_stale_round = -1;
  long first_stale_value = 0;
};

// Patches the function `min_rounds` times, or for `soak_s` seconds if that is longer,
// syncing with `sync` after each store. Never waits more than a few seconds for B.
PatchRun patch_while_running(const std::function<long()>& sync, long min_rounds,
                             double soak_s) {
  PatchRun out;
  DualMap m;
  if (!m.create(4096).empty()) return out;
  m.rw()[0] = addi_a0_zero(value_of(0));
  m.rw()[1] = kRet;
  rvjit::local_fence_i();
  Fn fn = m.rx_as<Fn>();

  StaleCodeObserver b([fn] { return fn; },
                      std::chrono::seconds(static_cast<long>(soak_s) + 60));

  // Let B run the old code first, so every patch hits code live on its hart.
  out.stalled = !b.wait_calls(1000);
  out.b_before = b.calls();
  const auto soak_end = Clock::now() + std::chrono::duration<double>(soak_s);
  for (long round = 1; !out.stalled && (round <= min_rounds || Clock::now() < soak_end);
       ++round) {
    __atomic_store_n(&m.rw()[0], addi_a0_zero(value_of(round)), __ATOMIC_RELEASE);
    if (sync() != 0) break;
    b.publish(round);
    out.rounds = round;
    out.stalled = !b.wait_calls(200);
  }
  b.stop();
  out.checked = b.checked();
  out.stale = b.stale();
  out.b_pinned = b.pinned();
  out.first_stale_round = b.first_stale_round();
  out.first_stale_value = b.first_stale_value();
  return out;
}

double soak_seconds() {
  const char* s = std::getenv("RVJIT_SOAK");
  return s ? std::atof(s) : 0.0;
}

void check_run(const std::function<long()>& sync) {
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "needs two harts (boot with -smp 2)";
  cpu_set_t saved;
  ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof saved, &saved), 0);
  ASSERT_TRUE(pin_to_cpu(0));
  constexpr long kRounds = 50;
  PatchRun r = patch_while_running(sync, kRounds, soak_seconds());
  pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);

  std::printf("cross-thread patch: %ld rounds, %ld checked calls, %ld stale\n", r.rounds,
              r.checked, r.stale);
  EXPECT_TRUE(r.b_pinned) << "could not pin thread B to hart 1";
  ASSERT_FALSE(r.stalled) << "thread B stopped making calls (after " << r.rounds << " rounds)";
  ASSERT_GE(r.rounds, kRounds) << "the sync call failed: " << strerror(errno);
  EXPECT_GE(r.checked, r.rounds * 200);
  if (!stale_calls_are_the_verdict()) {
    if (r.stale)
      std::printf("%ld stale calls are QEMU's (multi-threaded TCG); the icache checker judges\n",
                  r.stale);
    return;
  }
  EXPECT_EQ(r.stale, 0) << "first stale call: round " << r.first_stale_round
                        << " published, so " << value_of(r.first_stale_round) << " or "
                        << value_of(r.first_stale_round + 1) << " expected, but the code returned "
                        << r.first_stale_value;
}

TEST(CrossThreadPatch, MembarrierSyncCoreMakesPatchVisibleToAnotherThread) {
  ASSERT_EQ(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE), 0)
      << strerror(errno);
  check_run([] { return membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE); });
}

TEST(CrossThreadPatch, FlushIcacheAllHartsMakesPatchVisibleToAnotherThread) {
  check_run([] { return riscv_flush_icache(0, 0, 0); });
}

}  // namespace
