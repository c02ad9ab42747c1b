// Bad input is an error, never a crash: random instruction streams through the verifier
// and the interpreter, and damaged text through the assembler and the test-file parser.
// Run under ASan/UBSan (or just natively) these find out-of-bounds reads and UB.
#include <gtest/gtest.h>

#include <random>

#include "ebpf/assembler.h"
#include "ebpf/engine.h"
#include "ebpf/test_file.h"

namespace {
using namespace rvjit::ebpf;

// Opcodes every class can produce, so that a useful share of random programs verifies.
constexpr uint8_t kInterestingOpcodes[] = {
    0x07, 0x0f, 0x04, 0x0c, 0x17, 0x27, 0x37, 0x3f, 0x97, 0x9c, 0x47, 0x57, 0x67, 0x77,
    0x87, 0x84, 0xa7, 0xb7, 0xbf, 0xbc, 0xc7, 0xcf, 0xd4, 0xdc, 0xd7, 0x05, 0x06, 0x15,
    0x1d, 0x25, 0x2e, 0x35, 0x45, 0x55, 0x65, 0x6d, 0x75, 0xa5, 0xb5, 0xc5, 0xd5, 0x85,
    0x95, 0x18, 0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63,
    0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x00, 0xff};

Insn random_insn(std::mt19937_64& rng) {
  Insn i;
  i.opcode = (rng() % 4 == 0) ? static_cast<uint8_t>(rng())
                              : kInterestingOpcodes[rng() % sizeof(kInterestingOpcodes)];
  // Mostly valid registers (and rarely r10 as dst), sometimes r11 to hit the checks.
  i.dst = static_cast<uint8_t>(rng() % 16 == 0 ? 10 + rng() % 2 : rng() % 10);
  i.src = static_cast<uint8_t>(rng() % 16 == 0 ? 11 : rng() % 11);
  static constexpr int16_t kOffsets[] = {0, 0, 0, 1, -1, 2, -2, 8, 16, 32, -8, -512, 7, 0x7fff};
  i.off = kOffsets[rng() % (sizeof(kOffsets) / sizeof(kOffsets[0]))];
  static constexpr int32_t kImms[] = {0, 1, -1, 16, 32, 64, 2, 3, 0x41, 0xe1, 0xf1, 63, 0x7fffffff, -0x7fffffff - 1};
  i.imm = kImms[rng() % (sizeof(kImms) / sizeof(kImms[0]))];
  return i;
}

TEST(EbpfRobustness, RandomProgramsVerifyOrRunWithoutCrashing) {
  std::mt19937_64 rng(20261124);
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto engine = make_engine("interpreter");
  ASSERT_TRUE(engine.ok());
  RunOptions options;
  options.instruction_budget = 2000;
  int verified = 0, ran_ok = 0, run_errors = 0;
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<Insn> insns(1 + rng() % 6);
    for (Insn& i : insns) i = random_insn(rng);
    if (rng() % 2) insns.push_back(Insn::from_raw(0x95));  // often end in exit
    auto program = Program::create(insns);
    if (!program.ok()) {
      ASSERT_FALSE(program.error().message().empty());
      continue;
    }
    ++verified;
    auto exe = (*engine)->load(*program, helpers);
    if (!exe.ok()) continue;  // e.g. an unknown helper number
    std::vector<uint8_t> mem(16, 0x5a);
    auto r = (*exe)->run(mem, options);
    if (r.ok()) {
      ++ran_ok;
    } else {
      ++run_errors;
      ASSERT_FALSE(r.error().message().empty());
    }
  }
  // The generator must actually reach the interpreter, both its success and error paths.
  RecordProperty("verified", verified);
  EXPECT_GT(verified, 1000);
  EXPECT_GT(ran_ok, 100);
  EXPECT_GT(run_errors, 100);
}

TEST(EbpfRobustness, DamagedTextIsAParseErrorNotACrash) {
  const std::string seed =
      "-- asm\nmain: mov %r0, 1\nldxw %r1, [%r10-4]\nlock fetch add32 [%r10-8], %r1\n"
      "jne %r0, 15, main\ncall local f\nlddw %r2, 0x123456789\nexit\nf: exit\n"
      "-- mem\n00 01 ff\n-- result\n0x1\n";
  const std::string alphabet = "%r0123456789[]+-,:;# \nxabcdefl-";
  std::mt19937_64 rng(7);
  int parsed = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text = seed;
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1 + rng() % 3); break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text[at] = alphabet[rng() % alphabet.size()]; break;
      }
      if (text.empty()) text = "-";
    }
    auto tc = parse_test_case(text);
    if (!tc.ok()) {
      ASSERT_EQ(tc.error().code(), rvjit::ErrorCode::kParseError) << text;
      continue;
    }
    ++parsed;
    auto program = build_program(*tc);
    if (!program.ok()) ASSERT_FALSE(program.error().message().empty());
  }
  EXPECT_GT(parsed, 100);
}

}  // namespace
