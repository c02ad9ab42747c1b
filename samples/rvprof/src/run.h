// rvprof's executable, internal: the loaded program and the per-engine drivers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ebpf/engine.h"
#include "ebpf/helpers.h"
#include "ebpf/program.h"
#include "ebpf/test_file.h"
#include "rvprof/options.h"
#include "rvprof/profile.h"

namespace rvprof {

struct LoadedProgram {
  std::string path;
  rvjit::ebpf::TestCase test;
  std::optional<rvjit::ebpf::Program> program;
  rvjit::ebpf::HelperRegistry helpers;
};

struct RunSummary {
  uint64_t runs = 0;
  uint64_t r0 = 0;                      // of the last run
  std::optional<rvjit::Error> error;    // the first failing run stops the loop
  uint64_t wall_ns = 0;
  std::vector<Span> spans;              // each run's [begin, end), for measure_slowdown
};

// Runs `exe` on a fresh copy of the program's mem: at least once and --repeat times, and
// until --duration (or the timeline's default duration) has passed.
RunSummary run_repeatedly(rvjit::ebpf::Executable& exe, const LoadedProgram& p,
                          const Options& o);
// "r0 = 0x262 (expected 0x262: PASS)" and whether it matched (true without expectation).
bool describe_result(const LoadedProgram& p, const RunSummary& s, std::string& line);

// The same on o.threads threads at once (the calling thread is one of them): runs summed,
// spans merged and sorted, the first error kept.
RunSummary run_on_threads(rvjit::ebpf::Executable& exe, const LoadedProgram& p,
                          const Options& o);

int run_interpreter(const Options& o, const LoadedProgram& p);
// Profiles on the JIT; returns the exit status.
int run_jit(const Options& o, const LoadedProgram& p);
bool jit_available();

}  // namespace rvprof
