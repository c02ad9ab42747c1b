// --engine interpreter: runs the program without JIT code, so there are no hook sites and
// no profile; rvprof says so and reports the result and the run time only.
#include <cstdio>

#include "ebpf/interpreter.h"
#include "run.h"

namespace rvprof {

int run_interpreter(const Options& o, const LoadedProgram& p) {
  auto engine = rvjit::ebpf::make_engine("interpreter");
  if (!engine.ok()) {
    std::fprintf(stderr, "rvprof: %s\n", engine.error().to_string().c_str());
    return 2;
  }
  auto exe = engine.value()->load(*p.program, p.helpers);
  if (!exe.ok()) {
    std::fprintf(stderr, "rvprof: load: %s\n", exe.error().to_string().c_str());
    return 1;
  }
  RunSummary s = run_on_threads(*exe.value(), p, o);
  std::string line;
  const bool ok = describe_result(p, s, line);
  std::printf("rvprof: %s on the interpreter: %llu run(s) in %.3f ms; %s\n", p.path.c_str(),
              static_cast<unsigned long long>(s.runs), s.wall_ns / 1e6, line.c_str());
  std::printf("rvprof: the interpreter runs no JIT'd functions: no hook sites, no hooks, no "
              "profile written (use --engine jit)\n");
  return ok ? 0 : 1;
}

}  // namespace rvprof
