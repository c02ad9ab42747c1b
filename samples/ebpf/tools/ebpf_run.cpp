// ebpf-run: run one bpf_conformance-style .data file and check its expectation.
//
//   ebpf-run [--engine NAME] [--budget N] [--helpers SET] [--list-functions] [--disasm]
//            file.data
//
// Prints r0 (or the error) and, when the file has `-- result` or `-- error`, PASS/FAIL.
// Exit status: 0 passed (or ran, without an expectation), 1 failed, 2 bad usage or an
// unreadable / malformed file.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ebpf/disassembler.h"
#include "ebpf/engine.h"
#include "ebpf/test_file.h"

namespace {

void usage() {
  std::string engines;
  for (const auto& e : rvjit::ebpf::available_engines()) engines += (engines.empty() ? "" : ", ") + e;
  std::fprintf(stderr,
               "usage: ebpf-run [--engine NAME] [--budget N] [--helpers SET] [--list-functions]\n"
               "                [--disasm] file.data\n"
               "  --engine NAME     execution engine (%s; default interpreter)\n"
               "  --budget N        maximum executed instructions (default 1000000)\n"
               "  --helpers SET     helpers for call N / callx: 'test' (default: 1 gather_bytes,\n"
               "                    4 sqrti, 6 sum5) or 'conformance' (the bpf_conformance\n"
               "                    suite's set: 0 gather_bytes, 1 memfrob, 2 no_op, 3 sqrti,\n"
               "                    4 strcmp_ext, 5 unwind, which ends the program on 0)\n"
               "  --list-functions  print the program's functions (name, start, end)\n"
               "  --disasm          print the verified program as assembly\n",
               engines.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rvjit::ebpf;
  std::string engine_name = "interpreter";
  std::string helper_set = "test";
  std::string path;
  RunOptions options;
  bool list_functions = false;
  bool disasm = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--engine" && i + 1 < argc) {
      engine_name = argv[++i];
    } else if (arg == "--budget" && i + 1 < argc) {
      char* end = nullptr;
      options.instruction_budget = std::strtoull(argv[++i], &end, 0);
      if (end == nullptr || *end != '\0' || options.instruction_budget == 0) {
        std::fprintf(stderr, "ebpf-run: invalid budget '%s'\n", argv[i]);
        return 2;
      }
    } else if (arg == "--helpers" && i + 1 < argc) {
      helper_set = argv[++i];
    } else if (arg == "--list-functions") {
      list_functions = true;
    } else if (arg == "--disasm") {
      disasm = true;
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else if (!arg.empty() && arg[0] != '-' && path.empty()) {
      path = arg;
    } else {
      usage();
      return 2;
    }
  }
  if (path.empty()) {
    usage();
    return 2;
  }

  auto engine = make_engine(engine_name);
  if (!engine) {
    std::fprintf(stderr, "ebpf-run: %s\n", engine.error().to_string().c_str());
    return 2;
  }
  auto test = load_test_case(path);
  if (!test) {
    std::fprintf(stderr, "ebpf-run: %s\n", test.error().to_string().c_str());
    return 2;
  }
  if (list_functions || disasm) {
    auto program = build_program(*test);  // a failure is reported by the run below
    if (program && list_functions) {
      for (const Function& f : program->functions()) std::printf("function %s [%u, %u)\n", f.name.c_str(), f.start, f.end);
    }
    if (program && disasm) std::printf("%s", disassemble(*program).c_str());
  }
  HelperRegistry helpers;
  if (auto e = register_helper_set(helpers, helper_set)) {
    std::fprintf(stderr, "ebpf-run: %s\n", e.to_string().c_str());
    return 2;
  }
  TestOutcome outcome = run_test_case(*test, **engine, helpers, options);
  const bool has_expectation = test->result.has_value() || test->error.has_value();
  if (has_expectation) {
    std::printf("%s: %s (%s)\n", outcome.passed ? "PASS" : "FAIL", path.c_str(), outcome.detail.c_str());
  } else {
    std::printf("%s\n", outcome.detail.c_str());
  }
  return outcome.passed ? 0 : 1;
}
