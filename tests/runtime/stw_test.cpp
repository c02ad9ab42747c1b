// stop_the_world: parking, exactly-once fn on the caller, errors (blocked signal, timeout,
// nested call), concurrent callers, threads that come and go.
#include <gtest/gtest.h>

#include <stdexcept>

#include "rendezvous_state.h"  // set_stall_for_testing
#include "stw_workers.h"

namespace {

using namespace rvjit_test;
using Clock = std::chrono::steady_clock;

// Runs a rendezvous and checks, inside fn, that no worker makes progress.
void expect_parks_everyone(std::vector<std::unique_ptr<BusyWorker>>& workers) {
  int runs = 0;
  pid_t fn_tid = 0;
  bool frozen = true;
  rvjit::Error e = rvjit::stop_the_world([&] {
    ++runs;
    fn_tid = gettid_now();
    std::vector<uint64_t> before;
    for (auto& w : workers) before.push_back(w->count());
    sleep_ms(30);
    for (size_t i = 0; i < workers.size(); ++i) frozen &= workers[i]->count() == before[i];
    return rvjit::ok();
  }, with_timeout(10000));
  ASSERT_TRUE(e.ok()) << e.to_string();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(fn_tid, gettid_now());  // fn runs on the caller
  EXPECT_TRUE(frozen) << "a registered thread ran during fn";
  for (auto& w : workers) EXPECT_TRUE(w->progresses()) << "a thread was not released";
}

TEST(StopTheWorld, ParksEveryRegisteredThreadUnregisteredCaller) {
  auto workers = start_workers(4, "park-");
  for (auto& w : workers) ASSERT_TRUE(w->registered_ok());
  ASSERT_FALSE(rvjit::current_thread_registered());
  for (int i = 0; i < 3; ++i) expect_parks_everyone(workers);
}

TEST(StopTheWorld, ParksEveryRegisteredThreadRegisteredCaller) {
  auto workers = start_workers(3, "park-r-");
  rvjit::ThreadRegistration me("caller");
  ASSERT_TRUE(me.ok());
  for (int i = 0; i < 3; ++i) expect_parks_everyone(workers);
}

TEST(StopTheWorld, NoOtherThreadRunsFnDirectly) {
  int runs = 0;
  EXPECT_TRUE(rvjit::stop_the_world([&] { ++runs; return rvjit::ok(); }).ok());
  EXPECT_EQ(runs, 1);
}

TEST(StopTheWorld, ReturnsFnErrorAndReleasesEveryone) {
  auto workers = start_workers(2, "fnerr-");
  rvjit::Error e = rvjit::stop_the_world(
      [] { return rvjit::Error(rvjit::ErrorCode::kInvalidArgument, "from fn"); });
  EXPECT_EQ(e.code(), rvjit::ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "from fn");
  for (auto& w : workers) EXPECT_TRUE(w->progresses());
}

TEST(StopTheWorld, ThrowingFnReleasesEveryoneAndPropagates) {
  auto workers = start_workers(2, "throw-");
  bool caught = false;
  try {
    (void)rvjit::stop_the_world([]() -> rvjit::Error { throw std::runtime_error("boom"); });
  } catch (const std::runtime_error& e) {
    caught = std::string(e.what()) == "boom";
  }
  EXPECT_TRUE(caught);
  EXPECT_FALSE(rvjit::in_stop_the_world());
  for (auto& w : workers) EXPECT_TRUE(w->progresses());
  EXPECT_TRUE(rvjit::stop_the_world([] { return rvjit::ok(); }).ok());  // lock was released
}

TEST(StopTheWorld, NestedCallIsRefused) {
  auto workers = start_workers(1, "nested-");
  rvjit::Error inner;
  bool in_flag = false;
  rvjit::Error e = rvjit::stop_the_world([&] {
    in_flag = rvjit::in_stop_the_world();
    inner = rvjit::stop_the_world([] { return rvjit::ok(); });
    return rvjit::ok();
  });
  ASSERT_TRUE(e.ok()) << e.to_string();
  EXPECT_TRUE(in_flag);
  EXPECT_FALSE(rvjit::in_stop_the_world());
  EXPECT_EQ(inner.code(), rvjit::ErrorCode::kNestedCall);
  EXPECT_TRUE(workers[0]->progresses());
}

TEST(StopTheWorld, BlockedSignalAbortsNamingTheThreadAndReleasesTheOthers) {
  auto others = start_workers(2, "innocent-");
  std::atomic<bool> blocked{false}, unblock{false}, done{false};
  std::atomic<pid_t> tid{0};
  std::thread blocker([&] {
    rvjit::ThreadRegistration reg("blocker");
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, rvjit::rendezvous_signal());
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    tid.store(gettid_now());
    blocked.store(true);
    while (!unblock.load()) sleep_ms(1);
    // The pending stale signal is delivered now and must be ignored by the handler.
    pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
    done.store(true);
    while (unblock.load()) sleep_ms(1);  // stays registered until the test ends
  });
  ASSERT_TRUE(eventually([&] { return blocked.load(); }));
  bool ran = false;
  const auto t0 = Clock::now();
  rvjit::Error e = rvjit::stop_the_world([&] { ran = true; return rvjit::ok(); }, with_timeout(1000));
  const auto elapsed = Clock::now() - t0;
  EXPECT_EQ(e.code(), rvjit::ErrorCode::kSignalBlocked) << e.to_string();
  EXPECT_NE(e.message().find("\"blocker\""), std::string::npos) << e.message();
  EXPECT_NE(e.message().find(std::to_string(tid.load())), std::string::npos) << e.message();
  EXPECT_FALSE(ran);
  // Concluded at the deadline, not earlier: a thread inside a signal handler looks the
  // same in /proc and answers once its handler returns (stw_hostile_test.cpp).
  EXPECT_GE(elapsed, std::chrono::milliseconds(1000));
  EXPECT_LT(elapsed, std::chrono::milliseconds(20000));  // bounded: never a hang
  for (auto& w : others) EXPECT_TRUE(w->progresses());

  unblock.store(true);
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  int runs = 0;
  e = rvjit::stop_the_world([&] { ++runs; return rvjit::ok(); }, with_timeout(10000));
  EXPECT_TRUE(e.ok()) << e.to_string();
  EXPECT_EQ(runs, 1);
  unblock.store(false);
  blocker.join();
}

TEST(StopTheWorld, SilentThreadTimesOutNamingItAndReleasesTheOthers) {
  auto others = start_workers(2, "patient-");
  std::atomic<bool> stalled{false}, resume{false};
  std::atomic<pid_t> tid{0};
  std::thread silent([&] {
    rvjit::ThreadRegistration reg("silent");
    rvjit::detail::set_stall_for_testing(rvjit::detail::kStallSilent);  // its handler never arrives
    tid.store(gettid_now());
    stalled.store(true);
    while (!resume.load()) sleep_ms(1);
    rvjit::detail::set_stall_for_testing(rvjit::detail::kStallOff);
  });
  ASSERT_TRUE(eventually([&] { return stalled.load(); }));
  bool ran = false;
  const auto t0 = Clock::now();
  rvjit::Error e = rvjit::stop_the_world([&] { ran = true; return rvjit::ok(); }, with_timeout(200));
  const auto elapsed = Clock::now() - t0;
  EXPECT_EQ(e.code(), rvjit::ErrorCode::kRendezvousTimeout) << e.to_string();
  EXPECT_NE(e.message().find("\"silent\""), std::string::npos) << e.message();
  EXPECT_NE(e.message().find(std::to_string(tid.load())), std::string::npos) << e.message();
  EXPECT_FALSE(ran);
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::milliseconds(5000));  // bounded: never a hang
  for (auto& w : others) EXPECT_TRUE(w->progresses());
  resume.store(true);
  silent.join();
  EXPECT_TRUE(rvjit::stop_the_world([] { return rvjit::ok(); }, with_timeout(10000)).ok());
}

TEST(StopTheWorld, ConcurrentCallersAreSerialisedWithoutDeadlock) {
  auto bystanders = start_workers(2, "bystander-");
  constexpr int kCallers = 4, kCalls = 25;
  int inside = 0, max_inside = 0, total = 0;  // plain ints: fn runs alone
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      // Registered callers: while one waits for the lock it must answer the others.
      rvjit::ThreadRegistration reg(("caller-" + std::to_string(c)).c_str());
      for (int i = 0; i < kCalls; ++i) {
        rvjit::Error e = rvjit::stop_the_world([&] {
          max_inside = std::max(max_inside, ++inside);
          ++total;
          --inside;
          return rvjit::ok();
        }, with_timeout(20000));
        if (!e.ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(total, kCallers * kCalls);
  EXPECT_EQ(max_inside, 1);
}

TEST(StopTheWorld, ThreadsThatComeAndGoAreNotWaitedFor) {
  auto steady = start_workers(1, "steady-");
  std::atomic<bool> stop{false};
  std::atomic<int> churned{0};
  std::thread churn([&] {
    while (!stop.load()) {
      std::thread t([] {
        rvjit::ThreadRegistration reg("ephemeral");
        std::this_thread::yield();
      });
      t.join();
      churned.fetch_add(1);
    }
  });
  // Rendezvous back to back while threads register, run and exit (unregistering or
  // being signalled half-way), until enough of them came and went.
  int calls = 0, ok = 0;
  const auto until = Clock::now() + std::chrono::seconds(30);
  while ((calls < 40 || churned.load() < 20) && Clock::now() < until) {
    rvjit::Error e = rvjit::stop_the_world([] { return rvjit::ok(); }, with_timeout(5000));
    EXPECT_TRUE(e.ok()) << e.to_string();
    ok += e.ok();
    ++calls;
  }
  stop.store(true);
  churn.join();
  EXPECT_EQ(ok, calls);
  EXPECT_GE(churned.load(), 20);
  EXPECT_TRUE(steady[0]->progresses());
}

}  // namespace
