// The hooks hot-swap stress run, shared by the qemu-riscv64 test (tests/hooks) and the
// system tests on a real kernel (tests/system).
//
// W worker threads call F hooked functions in loops while a controller performs OPS
// random operations on 3 ops slots: enable/disable, refilter (all / glob / list), hot swap
// of the callbacks to fresh data, and unregister + re-register.
//
// Exact accounting without guessing: the controller makes a global epoch odd before each
// operation and even (with a new snapshot of who should be hooked) after it returned. A
// worker reads the epoch before and after each call; only its own thread runs its
// callbacks, so it reads its own counters before and after too. When both epoch reads
// are the same even value, the call ran entirely after the previous operation returned
// and before the next began: each ops must have counted it exactly once if the snapshot
// says the function was hooked by it, else zero times. Calls that overlap an operation
// may go either way but never count twice. Swapped-out and unregistered data is poisoned
// the moment the call that removed it returns; a callback that finds poisoned data is a
// violation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rvjit/hooks/hook_manager.h"

namespace rvjit::stress {

struct StressConfig {
  SiteLayout layout = SiteLayout::kOneWord;
  SyncStrategy sync = SyncStrategy::kAuto;
  int workers = 4;
  int functions = 1000;
  int operations = 10000;
  uint64_t seed = 1;
  bool churn_threads = false;  // workers exit and new ones start during the run
};

struct StressReport {
  Error error;                     // a control call failed (the run stops there)
  uint64_t operations = 0;         // control operations performed
  uint64_t calls = 0;              // hooked calls made by workers
  uint64_t exact_checks = 0;       // calls checked for exact counts
  uint64_t window_calls = 0;       // calls that overlapped an operation
  uint64_t count_mismatches = 0;   // exact checks that failed (must be 0)
  uint64_t doubled = 0;            // a call counted twice by one ops (must be 0)
  uint64_t poisoned_entries = 0;   // callbacks that found poisoned data (must be 0)
  uint64_t wrong_results = 0;      // hooked functions that returned a wrong value (must be 0)
  uint64_t threads_started = 0;
  uint64_t stable_waits_timed_out = 0;  // stable epochs a worker made no checked call in
  SyncStrategy last_sync = SyncStrategy::kAuto;
  std::string first_problem;       // description of the first failure, if any
  std::string summary() const;
};

StressReport run_hooks_stress(const StressConfig& config);

// Everything a clean run must satisfy (no error, every operation done, no mismatch, no
// double count, no poisoned entry, no wrong result, exact checks really happened); one
// line per violated rule, empty when the run is clean. `counts_judge_coherence` false:
// an exact-count mismatch (a call that ran a site's old state after the sync) is not a
// problem here, because the icache checker judges coherence instead (the system tests
// under QEMU's multi-threaded TCG, docs/testing.md); every other rule still holds.
std::vector<std::string> report_problems(const StressConfig& config, const StressReport& report,
                                         bool counts_judge_coherence = true);

}  // namespace rvjit::stress
