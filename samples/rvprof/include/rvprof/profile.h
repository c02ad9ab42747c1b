// Profile: what the writers print, built from a Collector once the run is over.
// Per-thread data is merged by function name (a function JIT'd once has one name).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rvprof/collector.h"

namespace rvprof {

struct FunctionStats {
  std::string name;
  uint64_t calls = 0;
  uint64_t self_ns = 0;
  uint64_t total_ns = 0;   // outermost activations only (recursion is not double counted)
  double mean_ns() const { return calls ? static_cast<double>(total_ns) / calls : 0.0; }
};

// One calling-context path, "main;fib;fib", with the time spent in its last frame.
struct StackStats {
  std::vector<std::string> frames;  // outermost first
  uint64_t calls = 0;
  uint64_t self_ns = 0;
  uint64_t total_ns = 0;
  std::string folded() const;       // frames joined with ';'
};

struct TraceRecord {
  uint64_t start_ns = 0;   // absolute CLOCK_MONOTONIC
  uint64_t duration_ns = 0;
  uint32_t function = 0;   // index into Profile::functions
  uint32_t depth = 0;
};

struct ThreadTrace {
  int tid = 0;
  std::vector<TraceRecord> events;  // sorted by start time
};

// How much of the run was observed (bursty tracing or attach/detach).
//
// Scaling by the fraction of wall time the hooks were on is biased low: hooked code runs
// slower, so less of the program's work happens in an "on" millisecond than in an "off"
// one. When rvprof has runs that ran entirely with the hooks on and others entirely with
// them off, it measures that slowdown s and estimates the fraction of the work observed
// as (on/s) / (on/s + off), with on and off the time the hooks were surely on and surely
// off (switch calls excluded); otherwise it falls back to on/wall and says so.
struct Sampling {
  bool sampled = false;        // hooks were not on for the whole run
  uint64_t wall_ns = 0;        // the program's run time
  uint64_t on_ns = 0;          // time the hooks were enabled during it
  double slowdown = 1.0;       // mean hooked run time / mean unhooked run time
  bool slowdown_measured = false;
  uint64_t runs_on = 0;        // runs entirely inside an "on" interval
  uint64_t runs_off = 0;       // runs entirely outside
  uint64_t surely_on_ns = 0;   // time surely on / surely off while runs ran: a switch
  uint64_t surely_off_ns = 0;  // (a rendezvous, ms under qemu) counts as neither
  double time_fraction() const {
    return wall_ns ? static_cast<double>(on_ns) / static_cast<double>(wall_ns) : 1.0;
  }
  // The fraction of the program's work the hooks observed: what est. columns divide by.
  double fraction() const;
  std::string describe() const;  // one line for the report
};

// A run of the program (absolute CLOCK_MONOTONIC ns) and an interval with the hooks on.
struct Span {
  uint64_t begin_ns = 0;
  uint64_t end_ns = 0;
};
// Fills slowdown, slowdown_measured, runs_on and runs_off from the runs and the intervals
// in which the hooks were surely on (from the end of an enable to the start of the next
// disable) and surely off (the converse): enable/disable can take milliseconds (a
// stop-the-world rendezvous), and a run overlapping one is neither. All sorted by begin,
// intervals disjoint. Needs at least one run of each kind.
void measure_slowdown(const std::vector<Span>& runs, const std::vector<Span>& surely_on,
                      const std::vector<Span>& surely_off, Sampling& s);

struct Profile {
  std::vector<FunctionStats> functions;  // in order of first sight
  std::vector<StackStats> stacks;        // sorted by folded path
  std::vector<ThreadTrace> threads;
  ThreadCounters counters;               // summed over threads
  uint64_t threads_dropped = 0;
  uint64_t open_frames = 0;              // frames still open when collected
  uint64_t origin_ns = 0;                // earliest event (trace timestamps start here)
  Sampling sampling;

  uint64_t total_calls() const;
  uint64_t trace_events() const;
  int function_index(const std::string& name) const;  // -1 when absent
};

Profile build_profile(Collector& collector);  // drains the collector first

}  // namespace rvprof
