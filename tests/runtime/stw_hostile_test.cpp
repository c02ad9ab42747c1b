// stop_the_world under hostile interleavings (issue 13, items 3, 10 and 11). Each test
// names the scenario it pins; each failed on the code before the fix (hang or wrong
// error), and each is bounded: a watchdog ends the process instead of letting it hang.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "rendezvous_state.h"  // set_stall_for_testing
#include "stw_workers.h"

namespace {

using namespace rvjit_test;
using Clock = std::chrono::steady_clock;

// Ends the whole test process (a failure) if the test it guards has not finished within
// `seconds`: a deadlocked rendezvous caller cannot be unstuck from inside, and a ctest
// timeout would hide which test hung.
class Watchdog {
 public:
  Watchdog(const char* what, int seconds) : what_(what) {
    thread_ = std::thread([this, seconds] {
      const auto until = Clock::now() + std::chrono::seconds(seconds);
      while (!done_.load() && Clock::now() < until) sleep_ms(10);
      if (done_.load()) return;
      std::fprintf(stderr, "WATCHDOG: %s did not finish within %d s: hang\n", what_, seconds);
      std::fflush(stderr);
      _exit(3);
    });
  }
  ~Watchdog() {
    done_.store(true);
    thread_.join();
  }

 private:
  const char* what_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Item 3. One registered thread loops fflush(NULL) and malloc/free, so it is often parked
// holding the stdio list lock or a malloc arena lock; another registered thread answers
// late (it blocks the signal for a few ms at a time). The caller's slow path (slices,
// blocked-signal diagnosis) used fopen/fgets and std::string while the first was parked:
// it deadlocked on the lock the parked thread held (old code: the watchdog fires in the
// first rounds). Now nothing between the first signal and the release takes a lock.
TEST(StopTheWorldHostile, SlowPathTakesNoLockAParkedThreadMayHold) {
  Watchdog dog("SlowPathTakesNoLockAParkedThreadMayHold", 240);
  // A long stdio list: fflush(NULL) holds the list lock for most of its time.
  std::vector<FILE*> files;
  for (int i = 0; i < 32; ++i)
    if (FILE* f = std::fopen("/dev/null", "w")) files.push_back(f);
  std::atomic<bool> stop{false}, late_blocked{false};
  std::atomic<long> flushes{0};
  std::thread flusher([&] {
    rvjit::ThreadRegistration reg("flusher");
    while (!stop.load(std::memory_order_relaxed)) {
      std::fflush(nullptr);
      void* p = std::malloc(64 + (flushes.load(std::memory_order_relaxed) % 512));
      std::free(p);
      flushes.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::thread late([&] {
    rvjit::ThreadRegistration reg("late");
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, rvjit::rendezvous_signal());
    while (!stop.load(std::memory_order_relaxed)) {
      pthread_sigmask(SIG_BLOCK, &s, nullptr);
      late_blocked.store(true);
      sleep_ms(30);  // the caller waits for us through several of its slices
      late_blocked.store(false);
      pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
      sleep_ms(2);
    }
  });
  ASSERT_TRUE(eventually([&] { return flushes.load() > 10; }));
  int ok = 0;
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(eventually([&] { return late_blocked.load(); }));
    rvjit::Error e = rvjit::stop_the_world([] { return rvjit::ok(); }, with_timeout(20000));
    EXPECT_TRUE(e.ok()) << e.to_string();
    ok += e.ok();
  }
  stop.store(true);
  flusher.join();
  late.join();
  for (FILE* f : files) std::fclose(f);
  EXPECT_EQ(ok, kRounds);
}

// Item 10. A registered thread that is inside another signal handler (one that masks
// every signal, like a profiler's SIGPROF handler or a GC safepoint handler) shows the
// rendezvous signal in SigBlk, exactly like a thread that blocks it. The old code called
// that kSignalBlocked after 50 ms; the thread is correct and answers as soon as its
// handler returns (here after 400 ms), so the rendezvous must succeed. The same holds
// for a thread still inside the rendezvous handler of an earlier generation that waits
// for a CPU (the load failure of hooks_stress_one_word_stop_the_world).
std::atomic<bool> g_hold_in_handler{false};
std::atomic<bool> g_in_other_handler{false};
void holding_handler(int) {
  g_in_other_handler.store(true);
  while (g_hold_in_handler.load()) {
    struct timespec ts{0, 1'000'000};
    nanosleep(&ts, nullptr);  // async-signal-safe
  }
  g_in_other_handler.store(false);
}

TEST(StopTheWorldHostile, ThreadInsideAnotherHandlerIsNotReportedAsBlocking) {
  Watchdog dog("ThreadInsideAnotherHandlerIsNotReportedAsBlocking", 240);
  struct sigaction sa {}, old {};
  sa.sa_handler = holding_handler;
  sigfillset(&sa.sa_mask);  // masks the rendezvous signal while it runs
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);

  BusyWorker w("in-handler");
  ASSERT_TRUE(w.registered_ok());
  for (int round = 0; round < 3; ++round) {
    g_hold_in_handler.store(true);
    ASSERT_EQ(syscall(SYS_tgkill, getpid(), w.tid(), SIGUSR1), 0);
    ASSERT_TRUE(eventually([] { return g_in_other_handler.load(); }));
    std::thread releaser([] {
      sleep_ms(400);  // far longer than the old 50 ms "confirmed blocked"
      g_hold_in_handler.store(false);
    });
    int runs = 0;
    rvjit::Error e = rvjit::stop_the_world([&] { ++runs; return rvjit::ok(); }, with_timeout(20000));
    releaser.join();
    EXPECT_TRUE(e.ok()) << "round " << round << ": " << e.to_string();
    EXPECT_EQ(runs, e.ok() ? 1 : 0);
  }
  EXPECT_TRUE(w.progresses());
  w.join();
  sigaction(SIGUSR1, &old, nullptr);
}

// Item 11. A handler counted as a reader of the caller's fixup table (between its first
// look at the word and its arrival) that does not get a CPU again: the old
// close_rendezvous spun on readers == 0 for as long as that lasted (here: until the test
// lets it go, i.e. forever). Now the wait is bounded and the table outlives the call.
TEST(StopTheWorldHostile, CloseDoesNotWaitUnboundedForAStuckReader) {
  Watchdog dog("CloseDoesNotWaitUnboundedForAStuckReader", 240);
  std::atomic<bool> stuck{false}, resume{false};
  std::thread reader([&] {
    rvjit::ThreadRegistration reg("stuck-reader");
    rvjit::detail::set_stall_for_testing(rvjit::detail::kStallAsReader);
    stuck.store(true);
    while (!resume.load()) sleep_ms(1);
    rvjit::detail::set_stall_for_testing(rvjit::detail::kStallOff);
  });
  ASSERT_TRUE(eventually([&] { return stuck.load(); }));
  const rvjit::PcFixupRange fixups[] = {{0x1000, 0x1008}};
  rvjit::StopOptions o = with_timeout(200);
  o.fixups = fixups;
  const auto t0 = Clock::now();
  rvjit::Error e = rvjit::stop_the_world([] { return rvjit::ok(); }, o);
  const auto elapsed = Clock::now() - t0;
  EXPECT_EQ(e.code(), rvjit::ErrorCode::kRendezvousTimeout) << e.to_string();
  EXPECT_LT(elapsed, std::chrono::seconds(60)) << "bounded, not a hang";
  resume.store(true);
  rvjit::detail::release_stalled_for_testing();
  reader.join();
  EXPECT_TRUE(rvjit::stop_the_world([] { return rvjit::ok(); }, with_timeout(20000)).ok());
}

}  // namespace
