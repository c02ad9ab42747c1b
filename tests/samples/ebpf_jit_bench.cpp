// ebpf_jit_bench: the eBPF interpreter vs the RV64 JIT on samples/programs/*.data, in one
// run, plus the JIT with every function's entry hook enabled (what rvprof pays).
//
//   ebpf_jit_bench [--quick] [dir]     (dir defaults to the source tree's samples/programs)
//
// Prints a Markdown table (ns per run, speed-up). Every run's r0 is checked against the
// file's `-- result`: a wrong answer is exit status 1, so the ctest smoke run (--quick)
// checks the engines too, not only that the binary starts.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ebpf/engine.h"
#include "ebpf/jit.h"
#include "ebpf/test_file.h"
#include "rvjit/runtime/thread_registry.h"

namespace {
namespace fs = std::filesystem;
using namespace rvjit::ebpf;
using Clock = std::chrono::steady_clock;

std::atomic<uint64_t> g_entries{0};
void count_entry(const rvjit_hook_ctx*, void*) { g_entries.fetch_add(1, std::memory_order_relaxed); }

// Median ns per run over `rounds` rounds of `iters` runs; false on a wrong result.
bool measure(Executable& exe, const TestCase& test, int rounds, int iters, double* ns) {
  std::vector<double> per_run;
  std::vector<uint8_t> mem;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    for (int k = 0; k < iters; ++k) {
      mem = test.mem;
      auto v = exe.run(mem);
      if (!v.ok() || (test.result && *v != *test.result)) return false;
    }
    per_run.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / iters);
  }
  std::sort(per_run.begin(), per_run.end());
  *ns = per_run[per_run.size() / 2];
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir = EBPF_SAMPLE_DIR;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else dir = argv[i];
  }
  rvjit::ThreadRegistration me("ebpf-jit-bench");
  const int rounds = quick ? 1 : 5, iters = quick ? 3 : 200;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".data") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  HelperRegistry helpers;
  register_test_helpers(helpers);
  std::printf("| program | interpreter ns/run | JIT ns/run | speed-up | JIT + entry hooks ns/run | hooked calls/run |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  int status = 0;
  for (const auto& f : files) {
    auto test = load_test_case(f);
    if (!test.ok()) { std::fprintf(stderr, "%s: %s\n", f.c_str(), test.error().to_string().c_str()); return 1; }
    auto program = build_program(*test);
    if (!program.ok()) { std::fprintf(stderr, "%s: %s\n", f.c_str(), program.error().to_string().c_str()); return 1; }
    auto interp = (*make_engine("interpreter"))->load(*program, helpers);
    JitEngine jit_engine;
    auto jit = jit_engine.load_jit(*program, helpers);
    if (!interp.ok() || !jit.ok()) { std::fprintf(stderr, "%s: load failed\n", f.c_str()); return 1; }
    double ns_i = 0, ns_j = 0, ns_h = 0;
    bool ok = measure(**interp, *test, rounds, iters, &ns_i) && measure(**jit, *test, rounds, iters, &ns_j);
    rvjit_hook_ops ops{count_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
    auto id = (*jit)->hooks().register_ops(ops, rvjit::HookFilter::all());
    ok = ok && id.ok() && (*jit)->hooks().enable(*id).ok();
    g_entries = 0;
    ok = ok && measure(**jit, *test, rounds, iters, &ns_h);
    const double calls = static_cast<double>(g_entries.load()) / (rounds * iters);
    if (!ok) {
      std::fprintf(stderr, "%s: wrong result or hook setup failed\n", f.c_str());
      status = 1;
      continue;
    }
    std::printf("| %s | %.0f | %.0f | %.1fx | %.0f | %.0f |\n", fs::path(f).stem().c_str(), ns_i, ns_j,
                ns_i / ns_j, ns_h, calls);
  }
  return status;
}
