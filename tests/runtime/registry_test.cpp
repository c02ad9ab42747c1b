// Thread registry: RAII and C API registration, nesting, unregistration at thread exit,
// registration waiting for a rendezvous in progress, capacity errors, fork.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include "fork_child.h"
#include "rvjit/runtime/thread_registry_c.h"
#include "stw_workers.h"

namespace {

using namespace rvjit_test;

TEST(Registry, RaiiScopeRegistersAndUnregisters) {
  const size_t base = rvjit::registered_thread_count();
  std::thread t([&] {
    EXPECT_FALSE(rvjit::current_thread_registered());
    {
      rvjit::ThreadRegistration reg("raii");
      ASSERT_TRUE(reg.ok()) << reg.error().to_string();
      EXPECT_TRUE(rvjit::current_thread_registered());
      EXPECT_EQ(rvjit::registered_thread_count(), base + 1);
      {
        rvjit::ThreadRegistration inner("inner");  // nests: still one slot
        EXPECT_TRUE(inner.ok());
        EXPECT_EQ(rvjit::registered_thread_count(), base + 1);
      }
      EXPECT_TRUE(rvjit::current_thread_registered());  // outer scope still holds it
    }
    EXPECT_FALSE(rvjit::current_thread_registered());
    EXPECT_EQ(rvjit::registered_thread_count(), base);
  });
  t.join();
}

TEST(Registry, CApiRegistersAndThreadExitUnregisters) {
  const size_t base = rvjit::registered_thread_count();
  std::thread t([&] {
    ASSERT_EQ(rvjit_thread_register("c-api"), 0) << rvjit_thread_last_error();
    EXPECT_EQ(rvjit::registered_thread_count(), base + 1);
    ASSERT_EQ(rvjit_thread_register(nullptr), 0);  // nested
    rvjit_thread_unregister();
    EXPECT_TRUE(rvjit::current_thread_registered());
    // Exits still registered: the thread_local guard unregisters it.
  });
  t.join();
  EXPECT_EQ(rvjit::registered_thread_count(), base);
  // The slot is reusable and a rendezvous does not wait for the exited thread.
  rvjit::StopOptions o;
  o.timeout = std::chrono::milliseconds(2000);
  EXPECT_TRUE(rvjit::stop_the_world([] { return rvjit::ok(); }, o).ok());
}

TEST(Registry, RegistrationWaitsUntilTheRendezvousEnds) {
  auto workers = start_workers(2, "reg-wait-");
  std::atomic<bool> registered{false};
  std::thread late;
  bool registered_during_fn = true;
  rvjit::Error e = rvjit::stop_the_world([&] {
    late = std::thread([&] {
      rvjit::ThreadRegistration reg("late");
      registered.store(reg.ok());
    });
    sleep_ms(100);  // plenty of time for an unsynchronised registration to complete
    registered_during_fn = registered.load();
    return rvjit::ok();
  });
  ASSERT_TRUE(e.ok()) << e.to_string();
  late.join();
  EXPECT_FALSE(registered_during_fn);
  EXPECT_TRUE(registered.load());
}

TEST(Registry, RegisteringInsideTheCallbackIsANestedCall) {
  rvjit::Error inner;
  rvjit::Error e = rvjit::stop_the_world([&] {
    inner = rvjit::register_current_thread("inside");
    return rvjit::ok();
  });
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(inner.code(), rvjit::ErrorCode::kNestedCall);
  EXPECT_FALSE(rvjit::current_thread_registered());
}

// The child's checks; its exit code says which failed (0: all passed).
int fork_child_checks() {
  // Child: only this thread exists and only it is registered.
  if (rvjit::registered_thread_count() != 1) return 10;
  if (!rvjit::current_thread_registered()) return 11;
  // A rendezvous works in the child, with a new registered thread.
  BusyWorker w("fork-child");
  if (!w.registered_ok()) return 12;
  int runs = 0;
  rvjit::StopOptions o;
  o.timeout = std::chrono::milliseconds(5000);
  rvjit::Error e = rvjit::stop_the_world([&] { ++runs; return rvjit::ok(); }, o);
  if (!e.ok() || runs != 1) return 13;
  if (!w.progresses()) return 14;
  w.join();
  return 0;
}

TEST(Registry, ForkChildHoldsOnlyTheForkingThread) {
  auto workers = start_workers(3, "fork-parent-");
  rvjit::ThreadRegistration me("forker");
  ASSERT_TRUE(me.ok());
  ASSERT_GE(rvjit::registered_thread_count(), 4u);
  const rvjit::test::ChildResult child = rvjit::test::run_in_child(fork_child_checks);
  ASSERT_TRUE(child.finished) << "the child never finished (3 attempts)";
  const int status = child.status;
  ASSERT_TRUE(WIFEXITED(status)) << "child died, status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's registry is untouched.
  EXPECT_GE(rvjit::registered_thread_count(), 4u);
  EXPECT_TRUE(rvjit::stop_the_world([] { return rvjit::ok(); }).ok());
}

TEST(Registry, RendezvousSignalIsConfigurableOnlyBeforeInstallation) {
  EXPECT_EQ(rvjit::set_rendezvous_signal(SIGUSR1).code(), rvjit::ErrorCode::kInvalidArgument);
  rvjit::ThreadRegistration reg("installs");  // installs the handler
  ASSERT_TRUE(reg.ok());
  const int sig = rvjit::rendezvous_signal();
  EXPECT_GE(sig, SIGRTMIN);
  EXPECT_LE(sig, SIGRTMAX);
  EXPECT_TRUE(rvjit::set_rendezvous_signal(sig).ok());  // unchanged: fine
  const int other = sig == SIGRTMAX ? sig - 1 : sig + 1;
  EXPECT_EQ(rvjit::set_rendezvous_signal(other).code(), rvjit::ErrorCode::kBusy);
}

}  // namespace
