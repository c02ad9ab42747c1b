// The caller side of the rendezvous, in phases (private to rvjit_runtime):
//
//   stop_the_world.cpp     open a generation, run fn, close, build the result
//   rendezvous_wait.cpp    signal the registered threads, wait for their arrivals
//   rendezvous_diagnose.cpp  raw facts about a thread that did not answer; the Error
//
// Between the first signal and the release, parked threads may hold any lock of the
// process (stdio's list lock, a malloc arena, a lock of the program's own). Nothing the
// caller runs in that window may take a lock or allocate: it only makes raw system calls
// (tgkill, futex, clock_gettime, open/read/close on /proc into stack buffers) and
// records what went wrong as plain facts (Failure). Messages are built after the release.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rendezvous_state.h"
#include "rvjit/error.h"

namespace rvjit::detail {

// One registered thread the caller waits for.
struct Awaited {
  uint32_t slot;
  pid_t tid;
  bool signalled = false;
  bool gone = false;  // unregistered or exited: not waited for
};

// What went wrong, as facts gathered while threads are parked (no allocation).
struct Failure {
  enum class Kind : uint8_t { kNone, kTgkill, kNoAnswer };
  Kind kind = Kind::kNone;
  int error_number = 0;        // kTgkill: errno
  pid_t tid = 0;               // the thread concerned
  bool blocks_signal = false;  // kNoAnswer: it blocks the signal outside the rendezvous handler
  char name[kThreadNameCapacity] = {};

  bool failed() const { return kind != Kind::kNone; }
};

// One stop_the_world call, as the phases see it.
struct CallerRendezvous {
  std::span<Awaited> awaited;
  uint32_t gen = 0;
  int signo = 0;
  pid_t pid = 0;
  bool may_spin = false;  // the parked threads and the caller fit the CPUs
  int64_t start_ns = 0;
  int64_t deadline_ns = 0;
};

int64_t monotonic_now_ns() noexcept;

// rendezvous_wait.cpp. Sends the signal to every awaited thread not signalled yet.
Failure signal_awaited(CallerRendezvous& r) noexcept;
// Waits until every awaited thread arrived or is gone, or the deadline passed (then the
// first thread that did not answer is diagnosed).
Failure wait_for_arrivals(CallerRendezvous& r) noexcept;

// rendezvous_diagnose.cpp. Once per process, before the first signal (under the stw
// lock): which SigBlk bit stands for `signo` (see the file for why it is probed).
void prepare_blocked_signal_diagnosis(int signo) noexcept;
// Facts about an awaited thread that did not answer.
Failure diagnose_no_answer(const Awaited& a) noexcept;
// The Error for a failure; runs after the release (allocates).
Error report_failure(const Failure& f, int signo, std::chrono::milliseconds timeout);

}  // namespace rvjit::detail
