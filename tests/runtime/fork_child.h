// Runs a test body in a forked child with a bounded wait.
//
// Why the retry: under qemu-user, a child forked from a process that has had threads can
// hang inside its first clone() (pthread_create): the syscall never returns, an emulator
// lock inherited in the locked state (seen with QEMU_STRACE; the guest code never runs
// again). A real bug in the code under test fails every attempt the same way; an emulator
// hang is retried. Each attempt is bounded, so the test can fail but never hang.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace rvjit::test {

struct ChildResult {
  bool finished = false;  // false: every attempt timed out
  int status = 0;         // waitpid status of the finished attempt
  int hung_attempts = 0;
};

// body runs in the child and returns its exit code.
template <class Body>
ChildResult run_in_child(Body body, std::chrono::seconds per_attempt = std::chrono::seconds(20),
                         int attempts = 3) {
  ChildResult r;
  for (int i = 0; i < attempts; ++i) {
    // Let threads that just exited finish tearing down: the hang was seen when a parent
    // thread was still exiting at fork time.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const pid_t pid = fork();
    if (pid < 0) return r;
    if (pid == 0) _exit(body());
    const auto deadline = std::chrono::steady_clock::now() + per_attempt;
    pid_t got = 0;
    while ((got = waitpid(pid, &r.status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (got == pid) {
      r.finished = true;
      return r;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &r.status, 0);
    ++r.hung_attempts;
    std::fprintf(stderr, "fork child attempt %d hung for %lld s; killed\n", i + 1,
                 static_cast<long long>(per_attempt.count()));
  }
  return r;
}

}  // namespace rvjit::test
