// rvprof's command line (parsed separately from main so the tests can check it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rvjit/error.h"
#include "rvprof/writers.h"

namespace rvprof {

struct Options {
  std::string program;                 // .data file; empty: the default sample (fib)
  std::string engine = "jit";          // "jit" | "interpreter"
  std::string sync = "auto";           // auto | stop_the_world | membarrier | flush_syscall
  std::string layout = "one_word";     // one_word | two_word
  std::string filter = "*";            // glob over JIT'd function names
  std::string clock = "auto";          // auto (time CSR where readable) | monotonic
  std::string out_dir;                 // empty: <build dir>/rvprof-out
  TableOptions table{SortKey::kSelf, 20};
  std::optional<uint64_t> attach_ms;   // hooks enabled this long after the run started
  std::optional<uint64_t> detach_ms;   // and disabled at this time
  std::optional<uint64_t> burst_on_ms; // bursty: on ON of every ON+OFF ms
  std::optional<uint64_t> burst_off_ms;
  std::optional<uint64_t> duration_ms; // run the program repeatedly for this long
  std::optional<uint64_t> repeat;      // run it this many times (at least)
  uint64_t threads = 1;                // threads running the program at once
  uint64_t budget = 1'000'000;         // eBPF instruction budget per run (RunOptions' default)
  uint64_t max_events = 262144;        // trace events kept per thread
  uint64_t log_events = 1u << 20;      // raw callback events logged per thread between drains
  bool quiet = false;                  // no table on stdout
  bool show_timeline = false;          // print every hook switch (time, cost)
  bool help = false;

  bool timed() const { return attach_ms || detach_ms || burst_on_ms; }
  // What the run loop uses when neither --duration nor --repeat was given: one run, or
  // when attach/detach/burst is set, long enough for the timeline to play out.
  uint64_t effective_duration_ms() const;
};

const char* usage();
// kInvalidArgument with a message naming the bad option.
rvjit::Result<Options> parse_options(const std::vector<std::string>& args);

}  // namespace rvprof
