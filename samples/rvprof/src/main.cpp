// rvprof [options] [program.data]: profiles an eBPF program on the RV64 JIT with entry and
// exit hooks on every JIT'd function. See docs/rvprof.md and `rvprof --help`.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "run.h"
#include "rvprof/clock.h"

namespace {

namespace fs = std::filesystem;

std::string exe_dir() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

// No program given: samples/programs/fib.data from the source tree this was built from,
// else relative to the executable (build/<preset>/samples/rvprof/rvprof).
std::string default_program() {
  std::vector<fs::path> candidates = {fs::path(RVPROF_SOURCE_DIR) / "samples/programs/fib.data"};
  const std::string dir = exe_dir();
  if (!dir.empty()) candidates.push_back(fs::path(dir) / "../../../samples/programs/fib.data");
  candidates.push_back("samples/programs/fib.data");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::exists(c, ec)) return c.lexically_normal().string();
  }
  return candidates.front().string();
}

// No --out: <build dir>/rvprof-out (build/rv64/rvprof-out for the rv64 preset), else
// ./rvprof-out when the build tree is gone.
std::string default_out_dir() {
  std::error_code ec;
  if (fs::is_directory(RVPROF_BINARY_DIR, ec)) return std::string(RVPROF_BINARY_DIR) + "/rvprof-out";
  return "rvprof-out";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rvprof;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_options(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "rvprof: %s\n%s", parsed.error().message().c_str(), usage());
    return 2;
  }
  Options o = parsed.value();
  if (o.help) {
    std::fputs(usage(), stdout);
    return 0;
  }
  if (o.program.empty()) o.program = default_program();
  if (o.out_dir.empty()) o.out_dir = default_out_dir();

  LoadedProgram p;
  p.path = o.program;
  auto tc = rvjit::ebpf::load_test_case(o.program);
  if (!tc.ok()) {
    std::fprintf(stderr, "rvprof: %s: %s\n", o.program.c_str(), tc.error().to_string().c_str());
    return 2;
  }
  p.test = std::move(tc.value());
  auto prog = rvjit::ebpf::build_program(p.test);
  if (!prog.ok()) {
    std::fprintf(stderr, "rvprof: %s: %s\n", o.program.c_str(), prog.error().to_string().c_str());
    return 2;
  }
  p.program.emplace(std::move(prog.value()));
  rvjit::ebpf::register_test_helpers(p.helpers);

  // Before any thread exists (clock.h): every timestamp of the run uses this clock.
  const ClockInfo clock = calibrate_clock(o.clock == "auto");
  if (clock.time_csr)
    std::printf("rvprof: clock: rdtime, %.3f ticks/us (calibrated against CLOCK_MONOTONIC)\n",
                clock.ticks_per_us);
  else
    std::printf("rvprof: clock: clock_gettime(CLOCK_MONOTONIC)\n");

  if (o.engine == "interpreter") {
    if (o.timed())
      std::printf("rvprof: --attach-ms/--detach-ms/--burst ignored: the interpreter has no hooks\n");
    return run_interpreter(o, p);
  }
  return run_jit(o, p);
}
