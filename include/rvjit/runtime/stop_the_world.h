// stop_the_world: the seed's stop_machine() carried into user space (Linux commit
// c97bf629963e). Every registered thread (rvjit/runtime/thread_registry.h) is signalled
// and parks in its handler; once all have arrived, `fn` runs exactly once; a release
// increment frees the parked threads; every thread, the caller included, executes
// FENCE.I locally before it runs JIT code again.
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
Error stop_the_world(const std::function<Error()>& fn, const StopOptions& options = {});

}  // namespace rvjit
