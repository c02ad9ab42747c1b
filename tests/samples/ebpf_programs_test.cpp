// Every .data program (tests/samples/ebpf, samples/programs) through every engine.
//
// Expectations come from the files' `-- result` / `-- error` sections, which were worked
// out by hand from RFC 9669, not recorded from an engine's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ebpf/assembler.h"
#include "ebpf/disassembler.h"
#include "ebpf/engine.h"
#include "ebpf/test_file.h"

namespace {
namespace fs = std::filesystem;
using namespace rvjit::ebpf;

std::vector<std::string> data_files(const char* dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".data") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Case {
  std::string file;
  std::string engine;
};
// Readable failure output instead of a byte dump of the parameter.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file << " on " << c.engine; }

// The directories of .data programs; EBPF_CONFORMANCE_DIR's use the bpf_conformance
// suite's helper set, the others this project's test helpers.
constexpr const char* kDirs[] = {EBPF_TEST_DIR, EBPF_SAMPLE_DIR, EBPF_CONFORMANCE_DIR};

void register_helpers_for(const std::string& file, HelperRegistry& helpers) {
  if (file.rfind(EBPF_CONFORMANCE_DIR, 0) == 0) register_conformance_helpers(helpers);
  else register_test_helpers(helpers);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* dir : kDirs) {
    for (const auto& f : data_files(dir)) {
      for (const auto& e : available_engines()) cases.push_back({f, e});
    }
  }
  return cases;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = fs::path(info.param.file).parent_path().filename().string() + "_" +
                     fs::path(info.param.file).stem().string() + "_" + info.param.engine;
  for (char& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class DataFile : public testing::TestWithParam<Case> {};

TEST_P(DataFile, MeetsExpectation) {
  auto test = load_test_case(GetParam().file);
  ASSERT_TRUE(test.ok()) << test.error().to_string();
  ASSERT_TRUE(test->result || test->error) << "every test program must state an expectation";
  auto engine = make_engine(GetParam().engine);
  ASSERT_TRUE(engine.ok()) << engine.error().to_string();
  HelperRegistry helpers;
  register_helpers_for(GetParam().file, helpers);
  RunOptions options;
  options.instruction_budget = 200'000;  // ample for every file; bounds the runaway-loop tests
  TestOutcome outcome = run_test_case(*test, **engine, helpers, options);
  EXPECT_TRUE(outcome.passed) << GetParam().file << ": " << outcome.detail;
}

INSTANTIATE_TEST_SUITE_P(Ebpf, DataFile, testing::ValuesIn(all_cases()), case_name);

// The "variant" of an instruction: its opcode plus the fields that select a different
// operation (signed div/mod and movsx widths via offset, byte-swap widths and atomic
// operations via imm, call kinds via src).
uint64_t variant(const Insn& i) {
  uint64_t key = i.opcode;
  const uint8_t cls = i.opcode & 7;
  const uint8_t code = i.opcode & 0xf0;
  if ((cls == 4 || cls == 7) && (code == 0x30 || code == 0x90 || code == 0xb0)) key |= uint64_t(uint16_t(i.off)) << 8;
  if ((cls == 4 || cls == 7) && code == 0xd0) key |= uint64_t(uint32_t(i.imm)) << 24;
  if (cls == 3 && (i.opcode & 0xe0) == 0xc0) key |= uint64_t(uint32_t(i.imm)) << 24;
  if (i.opcode == 0x85) key |= uint64_t(i.src) << 8;
  return key;
}

// Every encoding the verifier accepts, found by trying each opcode with the field values
// that matter, each as the smallest program around it that can verify.
std::set<uint64_t> valid_variants() {
  std::set<uint64_t> valid;
  const Insn exit_insn = Insn::from_raw(0x95);
  for (int op = 0; op < 256; ++op) {
    for (int16_t off : {0, 1, 8, 16, 32}) {
      for (int32_t imm : {0, 1, 16, 32, 64, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1}) {
        for (uint8_t src : {0, 1}) {
          Insn i;
          i.opcode = static_cast<uint8_t>(op);
          i.dst = 1;
          i.src = src;
          i.off = off;
          i.imm = imm;
          std::vector<Insn> prog{i, exit_insn};
          if (op == 0x85 && src == 1) prog = {i, exit_insn, exit_insn};  // local target is pc 1+imm
          if (op == 0x18) prog = {i, Insn{}, exit_insn};
          if (op == 0x95) prog = {i};
          if (op == 0x85 && src == 1 && imm != 1) continue;
          if (op == 0x18 && imm != 0) continue;
          if (Program::create(prog).ok()) valid.insert(variant(i));
        }
      }
    }
  }
  return valid;
}

TEST(DataFiles, CoverEveryValidEncoding) {
  std::set<uint64_t> covered;
  for (const char* dir : kDirs) {
    for (const auto& f : data_files(dir)) {
      auto test = load_test_case(f);
      ASSERT_TRUE(test.ok()) << test.error().to_string();
      auto program = build_program(*test);
      if (!program.ok()) continue;  // error tests whose program is rejected on purpose
      for (size_t pc = 0; pc < program->size(); ++pc) {
        covered.insert(variant((*program)[pc]));
        if ((*program)[pc].opcode == 0x18) ++pc;  // skip lddw's second slot
      }
    }
  }
  const std::set<uint64_t> valid = valid_variants();
  EXPECT_GT(valid.size(), 150u) << "the enumeration itself must find the ISA";
  for (uint64_t v : valid) {
    EXPECT_TRUE(covered.count(v)) << "no test program uses opcode 0x" << std::hex << (v & 0xff)
                                  << " variant 0x" << (v >> 8);
  }
}

// assemble(disassemble(p)) must give back p's exact encoding for every test program.
TEST(DataFiles, DisassemblyRoundTrips) {
  int checked = 0;
  for (const char* dir : kDirs) {
    for (const auto& f : data_files(dir)) {
      auto test = load_test_case(f);
      ASSERT_TRUE(test.ok()) << test.error().to_string();
      auto program = build_program(*test);
      if (!program.ok()) continue;
      const std::string text = disassemble(*program);
      auto again = assemble(text);
      ASSERT_TRUE(again.ok()) << f << ": " << again.error().to_string() << "\n" << text;
      EXPECT_EQ(again->insns, program->insns()) << f << "\n" << text;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
}

// Guards against the suite passing vacuously (wrong directory, files not found).
TEST(DataFiles, CorpusIsComplete) {
  EXPECT_GE(data_files(EBPF_TEST_DIR).size(), 150u);
  EXPECT_GE(data_files(EBPF_CONFORMANCE_DIR).size(), 10u);
  for (const char* sample : {"fib.data", "sort.data", "interp.data"}) {
    EXPECT_TRUE(fs::exists(fs::path(EBPF_SAMPLE_DIR) / sample)) << sample;
  }
}

}  // namespace
