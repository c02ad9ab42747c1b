// stop_the_world: the seed's stop_machine() carried into user space (Linux commit
// c97bf629963e). Every registered thread (rvjit/runtime/thread_registry.h) is signalled
// and parks in its handler; once all have arrived, `fn` runs exactly once (on the
// caller); a release update of the counter word
// frees the parked threads; every thread, the caller included, executes
// FENCE.I locally before it runs JIT code again.
//
// How it runs (runtime/src/stop_the_world.cpp, rendezvous_handler.cpp):
//  * Calls are serialised by one global lock. Waiting for it is an ordinary blocking wait,
//    so a registered thread queued behind another caller still answers that caller's
//    signal (no deadlock between concurrent callers).
//  * Each registered thread except the caller gets the rendezvous signal (tgkill). Its
//    handler records its arrival in one counter word, then spins briefly and futex-waits.
//  * The caller waits for every arrival the same way (spin only while the threads fit the
//    CPUs, then futex). A thread that unregisters or exits meanwhile is not waited for.
//  * fn runs on the caller, exactly once. A release store on the counter word frees the
//    parked threads; each applies its PC fixup and executes FENCE.I before it returns
//    from the handler; the caller executes FENCE.I before stop_the_world returns. Where
//    the kernel refused PR_RISCV_SET_ICACHE_FLUSH_CTX, the caller also runs
//    cover_local_fences_for_migration() (coherence.h) before the release.
//  * When the threads outnumber the CPUs, nobody spins, and each released thread yields
//    its CPU (for at most 200 us) until the caller has returned: otherwise the woken
//    threads preempt the caller and it waits ticks for a CPU (docs/benchmarks.md).
//  * Failure (a thread does not answer within options.timeout): fn does not run, every
//    parked thread is released, the error names the thread (tid, name). It is
//    kSignalBlocked when, at the deadline, the thread's mask holds the signal outside the
//    rendezvous handler, else kRendezvousTimeout. There is no earlier verdict: a thread
//    inside another signal handler that masks the signal (a profiler's SIGPROF, a GC
//    safepoint) looks blocked in /proc too, and it answers once that handler returns.
//  * Between the first signal and the release the caller takes no lock and allocates
//    nothing (parked threads may hold stdio's or malloc's locks); messages are built after
//    the release. fn itself runs in that window: it must not take a lock a registered
//    thread may hold either (no stdio, no fopen; the text lock only as patch.h says).
//  * The close waits for handlers still reading the fixup table for at most 200 ms, then
//    leaks the table's copy rather than free it under them (never an unbounded spin).
//  * The handler masks every other signal while parked, so no other handler can run JIT
//    code on a parked thread.
// The caller may be a registered thread or not. Threads must not block the rendezvous
// signal while they are registered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>

#include "rvjit/error.h"

namespace rvjit {

// A multi-word patch site rewritten by this rendezvous. A parked thread whose interrupted
// PC lies strictly inside (start, end) is moved back to `start` before it resumes.
struct PcFixupRange {
  uintptr_t start;
  uintptr_t end;  // one past the last byte of the site
};

struct StopOptions {
  // How long to wait for every registered thread to arrive before aborting (nothing is
  // written then; fn does not run; every parked thread is released).
  std::chrono::milliseconds timeout{1000};
  std::span<const PcFixupRange> fixups{};
  bool pc_fixup_enabled = true;  // tests switch it off to show why it is needed
};

// Runs fn with every other registered thread parked. Returns fn's error, or the
// rendezvous' own (kRendezvousTimeout / kSignalBlocked naming the thread, kNestedCall).
// Errors of its own: kNestedCall (called from inside fn), kRendezvousTimeout,
// kSignalBlocked, kSystemError (tgkill / sigaction failed), kBusy (the signal is owned by
// another handler).
Error stop_the_world(const std::function<Error()>& fn, const StopOptions& options = {});

// True on the thread that is running a stop_the_world callback (the others are parked).
bool in_stop_the_world() noexcept;

// The real-time signal used for the rendezvous. Default SIGRTMIN+3. May be changed only
// before the handler is installed (first registration or first stop_the_world); later
// calls return kBusy. signo must lie in [SIGRTMIN, SIGRTMAX] (kInvalidArgument).
Error set_rendezvous_signal(int signo);
int rendezvous_signal() noexcept;

}  // namespace rvjit
