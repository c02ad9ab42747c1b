// The bpf_conformance / ubpf test file format, and running one such test on an engine.
//
//   # comments (before the first section, or anywhere in asm/mem/raw)
//   -- asm          assembly text (ebpf/assembler.h syntax)
//   -- raw          or: 64-bit instruction words, 0x-hex or decimal, one or more a line (ubpf's raw form;
//                   lets tests feed the verifier encodings the assembler cannot produce)
//   -- mem          optional: hex bytes ("00 ff 1a"), passed in r1 with the length in r2.
//                   Without it (or when empty) r1 = 0 and r2 = 0, as ubpf passes NULL.
//   -- result       expected r0: 0x-hex or decimal (a leading '-' wraps to 64 bits)
//   -- error        or: expected failure; passes when the error's to_string()
//                   ("<CodeName>: <message>") contains this text
//   -- c            ignored (ubpf keeps the C source of a test here)
//   -- no register offset   ignored with its text, as the suite's own parser does
//
// The rules (what the suite's parser does, stricter only where it would silently guess):
//   * asm or raw is required; with both, the raw words are the program (the suite's rule);
//   * an empty '-- error' expects no error; with '-- result' and '-- error' both, either
//     outcome passes (r0 equal, or the error containing the text);
//   * any other '-- name' section (e.g. '-- map') is refused, naming the known ones; a
//     section given twice is refused (the suite would concatenate them).
// A file with neither result nor error just runs (the CLI prints r0). Errors:
// kParseError "line N: ..." naming the rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/engine.h"
#include "ebpf/program.h"
#include "rvjit/error.h"

namespace rvjit::ebpf {

struct TestCase {
  std::optional<std::string> asm_text;
  int asm_first_line = 1;  // file line of the first asm line, for assembler errors
  std::optional<std::vector<Insn>> raw;
  std::vector<uint8_t> mem;
  std::optional<uint64_t> result;
  std::optional<std::string> error;
};

Result<TestCase> parse_test_case(std::string_view text);
// Reads and parses `path`; kNotFound when it cannot be read.
Result<TestCase> load_test_case(const std::string& path);

// Assembles (or decodes raw) and verifies the test's program.
Result<Program> build_program(const TestCase& test);

struct TestOutcome {
  bool passed = false;
  std::optional<uint64_t> r0;  // when the program ran to completion
  std::optional<Error> error;  // when some stage failed
  std::string detail;          // one line: what happened vs. what was expected
};

// Builds, loads on `engine` and runs the test on a private copy of its mem, then compares
// with the expectation. Never throws; every failure is reported in the outcome.
TestOutcome run_test_case(const TestCase& test, Engine& engine, const HelperRegistry& helpers,
                          const RunOptions& options = {});

}  // namespace rvjit::ebpf
