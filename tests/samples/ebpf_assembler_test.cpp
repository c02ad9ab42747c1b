// The assembler and the test-file parser. Expected encodings are written out by hand from
// RFC 9669's layout: opcode | dst<<8 | src<<12 | offset<<16 | imm<<32 (little-endian word).
#include <gtest/gtest.h>

#include "ebpf/assembler.h"
#include "ebpf/disassembler.h"
#include "ebpf/test_file.h"

namespace {
using namespace rvjit::ebpf;
using rvjit::ErrorCode;

std::vector<uint64_t> words(std::string_view text) {
  auto a = assemble(text);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().to_string());
  std::vector<uint64_t> out;
  if (a.ok()) for (const Insn& i : a->insns) out.push_back(i.to_raw());
  return out;
}

uint64_t word(std::string_view line) {
  auto w = words(line);
  EXPECT_EQ(w.size(), 1u) << line;
  return w.empty() ? 0 : w[0];
}

std::string error_of(std::string_view text, int first_line = 1) {
  auto a = assemble(text, first_line);
  EXPECT_FALSE(a.ok()) << text;
  if (a.ok()) return "";
  EXPECT_EQ(a.error().code(), ErrorCode::kParseError);
  return a.error().message();
}

TEST(EbpfAssembler, EncodesAluForms) {
  EXPECT_EQ(word("mov %r0, 1"), 0x00000001000000b7u);
  EXPECT_EQ(word("add32 %r1, %r2"), 0x000000000000210cu);
  EXPECT_EQ(word("mov r1, r2"), 0x00000000000021bfu) << "registers without %";
  EXPECT_EQ(word("add64 %r1, %r2"), 0x000000000000210fu) << "64 suffix is the plain form";
  EXPECT_EQ(word("sdiv %r0, 3"), 0x0000000300010037u) << "signed div: offset 1";
  EXPECT_EQ(word("smod32 %r0, %r1"), 0x000000000001109cu);
  EXPECT_EQ(word("neg32 %r4"), 0x0000000000000484u);
  EXPECT_EQ(word("mov %r0, -1"), 0xffffffff000000b7u);
  EXPECT_EQ(word("mov32 %r0, 0xffffffff"), 0xffffffff000000b4u);
}

TEST(EbpfAssembler, EncodesMovsxAndByteSwaps) {
  EXPECT_EQ(word("movsx1632 %r0, %r1"), 0x00000000001010bcu);
  EXPECT_EQ(word("movsx3264 %r2, %r3"), 0x00000000002032bfu);
  EXPECT_EQ(word("be16 %r0"), 0x00000010000000dcu);
  EXPECT_EQ(word("le32 %r3"), 0x00000020000003d4u);
  EXPECT_EQ(word("swap64 %r1"), 0x00000040000001d7u);
  EXPECT_EQ(word("bswap16 %r1"), 0x00000010000001d7u);
}

TEST(EbpfAssembler, EncodesMemoryForms) {
  EXPECT_EQ(word("ldxw %r6, [%r10-4]"), 0x00000000fffca661u);
  EXPECT_EQ(word("stdw [%r10-8], 0x1"), 0x00000001fff80a7au);
  EXPECT_EQ(word("stxdw [%r1+8], %r2"), 0x000000000008217bu);
  EXPECT_EQ(word("stxb [ %r1 + 8 ], %r2"), 0x0000000000082173u) << "spaces inside brackets";
  EXPECT_EQ(word("ldxsh %r2, [%r1+2]"), 0x0000000000021289u);
  EXPECT_EQ(word("ldxb %r0, [%r1]"), 0x0000000000001071u);
  EXPECT_EQ(words("lddw %r0, 0x123456789"),
            (std::vector<uint64_t>{0x2345678900000018u, 0x0000000100000000u}));
  EXPECT_EQ(words("lddw %r1, -2"), (std::vector<uint64_t>{0xfffffffe00000118u, 0xffffffff00000000u}));
}

TEST(EbpfAssembler, EncodesAtomics) {
  EXPECT_EQ(word("lock fetch add32 [%r1+4], %r2"), 0x00000001000421c3u);
  EXPECT_EQ(word("lock add [%r1+4], %r2"), 0x00000000000421dbu);
  EXPECT_EQ(word("lock cmpxchg [%r10-8], %r3"), 0x000000f1fff83adbu);
  EXPECT_EQ(word("lock xchg32 [%r10-8], %r3"), 0x000000e1fff83ac3u);
  EXPECT_EQ(word("lock fetch xor [%r0], %r1"), 0x000000a1000010dbu);
}

TEST(EbpfAssembler, EncodesJumpsAndCalls) {
  EXPECT_EQ(word("jne %r0, 15, +3"), 0x0000000f00030055u);
  EXPECT_EQ(word("jsgt32 %r1, -1, +0"), 0xffffffff00000166u);
  EXPECT_EQ(word("jeq %r1, %r2, -1"), 0x00000000ffff211du);
  EXPECT_EQ(word("ja32 +5"), 0x0000000500000006u);
  EXPECT_EQ(word("gotol -2"), 0xfffffffe00000006u);
  EXPECT_EQ(word("call 1"), 0x0000000100000085u);
  EXPECT_EQ(word("call helper 6"), 0x0000000600000085u);
  EXPECT_EQ(word("exit"), 0x0000000000000095u);
}

TEST(EbpfAssembler, ResolvesLabelsBothWays) {
  auto a = assemble(
      "start:\n"
      "  ja end        # forward\n"
      "back: mov %r0, 2\n"
      "  call local f  ; a local call\n"
      "end:\n"
      "  jeq %r0, 0, back\n"
      "  exit\n"
      "f: exit\n");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_EQ(a->insns.size(), 6u);
  EXPECT_EQ(a->insns[0].off, 2);    // 0 -> 3
  EXPECT_EQ(a->insns[2].imm, 2);    // 2 -> 5
  EXPECT_EQ(a->insns[2].src, 1);    // local call
  EXPECT_EQ(a->insns[3].off, -3);   // 3 -> 1
  EXPECT_EQ(a->labels.at(0), "start");
  EXPECT_EQ(a->labels.at(5), "f");
}

TEST(EbpfAssembler, ImplicitExitLabelIsTheFirstExit) {
  auto a = assemble("jeq %r1, 0, exit\nmov %r0, 1\nexit\nexit\n");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->insns[0].off, 1);
}

TEST(EbpfAssembler, ErrorsNameTheLine) {
  EXPECT_NE(error_of("mov %r0, 1\nfrob %r1\nexit").find("line 2: unknown mnemonic 'frob'"), std::string::npos);
  EXPECT_NE(error_of("exit\n\nja nowhere").find("line 3: undefined label 'nowhere'"), std::string::npos);
  EXPECT_NE(error_of("a: exit\na: exit").find("line 2: duplicate label 'a'"), std::string::npos);
  EXPECT_NE(error_of("mov %r0, 0x100000000").find("does not fit in 32 bits"), std::string::npos);
  EXPECT_NE(error_of("mov %r0, -2147483649").find("does not fit in 32 bits"), std::string::npos);
  EXPECT_NE(error_of("ldxw %r0, [%r1+40000]").find("does not fit in 16 bits"), std::string::npos);
  EXPECT_NE(error_of("mov %r16, 1").find("invalid register"), std::string::npos);
  EXPECT_NE(error_of("add %r0").find("takes 2 operand(s), got 1"), std::string::npos);
  EXPECT_NE(error_of("ldxw %r0, %r1").find("memory operand"), std::string::npos);
  EXPECT_NE(error_of("lock nand [%r1], %r2").find("unknown atomic operation 'nand'"), std::string::npos);
  EXPECT_NE(error_of("movsx3232 %r0, %r1").find("unknown mnemonic"), std::string::npos);
  EXPECT_NE(error_of("lddw %r0, 0x10000000000000000").find("invalid 64-bit immediate"), std::string::npos);
  EXPECT_NE(error_of("exit\nexit\nmov %r0, zz", 10).find("line 12:"), std::string::npos)
      << "first_line offsets the numbering";
}

TEST(EbpfAssembler, FarLabelNeedsJa32) {
  std::string text = "ja far\n";
  for (int k = 0; k < 40000; ++k) text += "mov %r0, 0\n";
  text += "far: exit\n";
  EXPECT_NE(error_of(text).find("out of 16-bit range"), std::string::npos);
  text.replace(0, 2, "ja32");  // the 32-bit-offset form reaches it
  auto a = assemble(text);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->insns[0].imm, 40000);
}

TEST(EbpfDisassembler, PrintsAssemblerSyntax) {
  auto text = [](std::string_view line) {
    auto a = assemble(line);
    EXPECT_TRUE(a.ok()) << line;
    if (!a.ok()) return std::string();
    return disassemble(a->insns[0], a->insns.size() > 1 ? &a->insns[1] : nullptr);
  };
  EXPECT_EQ(text("mov %r0, -1"), "mov %r0, -1");
  EXPECT_EQ(text("add32 %r1, %r2"), "add32 %r1, %r2");
  EXPECT_EQ(text("sdiv %r3, 7"), "sdiv %r3, 7");
  EXPECT_EQ(text("neg32 %r4"), "neg32 %r4");
  EXPECT_EQ(text("movsx1664 %r0, %r1"), "movsx1664 %r0, %r1");
  EXPECT_EQ(text("be16 %r2"), "be16 %r2");
  EXPECT_EQ(text("bswap64 %r2"), "swap64 %r2");
  EXPECT_EQ(text("ldxsh %r1, [%r10-4]"), "ldxsh %r1, [%r10-4]");
  EXPECT_EQ(text("stdw [%r1+8], 3"), "stdw [%r1+8], 3");
  EXPECT_EQ(text("stxb [%r1], %r2"), "stxb [%r1], %r2");
  EXPECT_EQ(text("lock fetch or32 [%r1+4], %r2"), "lock fetch or32 [%r1+4], %r2");
  EXPECT_EQ(text("lock cmpxchg [%r1], %r2"), "lock cmpxchg [%r1], %r2");
  EXPECT_EQ(text("jsge32 %r1, -5, -2"), "jsge32 %r1, -5, -2");
  EXPECT_EQ(text("ja32 +70000"), "ja32 +70000");
  EXPECT_EQ(text("call local +3"), "call local +3");
  EXPECT_EQ(text("lddw %r0, 0x123456789"), "lddw %r0, 0x123456789");
  EXPECT_EQ(disassemble(Insn::from_raw(0xff)), "<invalid 0x00000000000000ff>");
}

TEST(EbpfTestFile, ParsesAllSections) {
  auto tc = parse_test_case(
      "# Copyright line\n"
      "-- asm\n"
      "ldxb %r0, [%r1+1]\n"
      "exit\n"
      "-- mem\n"
      "00 ff\n"
      "1a # trailing comment\n"
      "-- result\n"
      "0xff\n");
  ASSERT_TRUE(tc.ok()) << tc.error().to_string();
  ASSERT_TRUE(tc->asm_text.has_value());
  EXPECT_EQ(tc->asm_first_line, 3);
  EXPECT_EQ(tc->mem, (std::vector<uint8_t>{0x00, 0xff, 0x1a}));
  ASSERT_TRUE(tc->result.has_value());
  EXPECT_EQ(*tc->result, 0xffu);
  EXPECT_FALSE(tc->error.has_value());
}

TEST(EbpfTestFile, ParsesRawAndErrorAndNegativeResult) {
  auto tc = parse_test_case("-- raw\n0x00000001000000b7\n0x0000000000000095\n-- error\nunknown opcode\n");
  ASSERT_TRUE(tc.ok()) << tc.error().to_string();
  ASSERT_TRUE(tc->raw.has_value());
  ASSERT_EQ(tc->raw->size(), 2u);
  EXPECT_EQ((*tc->raw)[0].opcode, 0xb7);
  EXPECT_EQ((*tc->raw)[0].imm, 1);
  EXPECT_EQ(*tc->error, "unknown opcode");
  auto neg = parse_test_case("-- asm\nexit\n-- result\n-1\n");
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(*neg->result, ~uint64_t{0});
}

TEST(EbpfTestFile, RejectsMalformedFiles) {
  auto msg = [](std::string_view text) {
    auto tc = parse_test_case(text);
    EXPECT_FALSE(tc.ok()) << text;
    return tc.ok() ? std::string() : tc.error().message();
  };
  EXPECT_NE(msg("-- asm\nexit\n-- output\n1\n").find("line 3: unknown section"), std::string::npos);
  EXPECT_NE(msg("mov %r0, 1\n-- asm\nexit\n").find("line 1: text before"), std::string::npos);
  EXPECT_NE(msg("-- asm\nexit\n-- mem\n0g\n").find("line 4: invalid mem byte '0g'"), std::string::npos);
  EXPECT_NE(msg("-- asm\nexit\n-- mem\n123\n").find("invalid mem byte"), std::string::npos);
  EXPECT_NE(msg("-- asm\nexit\n-- result\n0x1\n0x2\n").find("more than one value"), std::string::npos);
  EXPECT_NE(msg("-- asm\nexit\n-- map\narray_map 2 4 4 10\n").find(
                "line 3: unknown section '-- map' (known: asm, raw, mem, result, error"),
            std::string::npos);
  EXPECT_NE(msg("-- raw\n-- result\n1\n").find("'-- raw' has no instruction"), std::string::npos);
  EXPECT_NE(msg("-- result\n1\n").find("no '-- asm' or '-- raw'"), std::string::npos);
  EXPECT_NE(msg("-- asm\nexit\n-- asm\nexit\n").find("duplicate section"), std::string::npos);
  EXPECT_NE(msg("-- raw\nzz\n").find("invalid raw instruction"), std::string::npos);
}

// The bpf_conformance suite's format as its own parser reads it (issue 16: each of these
// was refused before: "unknown section", "both '-- asm' and '-- raw'", "'-- error' has no
// text", "both '-- result' and '-- error'").
TEST(EbpfTestFile, AcceptsTheSuitesFormat) {
  // "-- no register offset" and its text are ignored, like "-- c".
  auto nro = parse_test_case("-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n-- no register offset\n"
                             "call instruction\n");
  ASSERT_TRUE(nro.ok()) << nro.error().to_string();
  EXPECT_EQ(*nro->result, 2u);
  EXPECT_FALSE(nro->error.has_value());
  // asm and raw: the raw words are the program; several words on one line are fine.
  auto both = parse_test_case("-- asm\nmov %r0, 1\nexit\n-- raw\n0x00000002000000b7 0x95\n"
                              "-- result\n2\n");
  ASSERT_TRUE(both.ok()) << both.error().to_string();
  ASSERT_TRUE(both->raw.has_value());
  EXPECT_FALSE(both->asm_text.has_value());
  ASSERT_EQ(both->raw->size(), 2u);
  EXPECT_EQ((*both->raw)[0].imm, 2);
  EXPECT_EQ((*both->raw)[1].opcode, op::kExitInsn);
  // An empty "-- error" expects no error.
  auto empty_error = parse_test_case("-- asm\nexit\n-- result\n0x0\n-- error\n");
  ASSERT_TRUE(empty_error.ok()) << empty_error.error().to_string();
  EXPECT_FALSE(empty_error->error.has_value());
  // Result and error together: either outcome passes.
  auto either = parse_test_case("-- asm\nldxb %r0, [%r1]\nexit\n-- result\n0x0\n-- error\nout-of-bounds\n");
  ASSERT_TRUE(either.ok()) << either.error().to_string();
  HelperRegistry helpers;
  auto engine = make_engine("interpreter");
  ASSERT_TRUE(engine.ok());
  TestOutcome o = run_test_case(*either, **engine, helpers);
  EXPECT_TRUE(o.passed) << o.detail;  // the load from r1 = 0 fails: the error matches
}

TEST(EbpfAssembler, EncodesCallxAndRuntimeCalls) {
  for (const char* text : {"callx %r3\n", "call %r3\n", "call helper %r3\n", "callx r3\n"}) {
    auto a = assemble(text);
    ASSERT_TRUE(a.ok()) << text << a.error().to_string();
    ASSERT_EQ(a->insns.size(), 1u);
    EXPECT_EQ(a->insns[0].to_raw(), 0x038dULL) << text;  // opcode 0x8d, dst 3, imm 0
  }
  auto rt = assemble("call runtime 0x2a\n");
  ASSERT_TRUE(rt.ok()) << rt.error().to_string();
  EXPECT_EQ(rt->insns[0].src, op::kCallBtf);
  EXPECT_EQ(rt->insns[0].imm, 0x2a);
  EXPECT_FALSE(assemble("callx 5\n").ok());
}

TEST(EbpfVerifier, CallxFieldsAreChecked) {
  auto ok = Program::create({Insn::from_raw(0x028d), Insn::from_raw(0x95)});
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
  // Old LLVM put the register in imm: refused, naming the rule.
  for (uint64_t raw : {0x00000002'0000008dULL, 0x0001'008dULL, 0x208dULL}) {
    auto p = Program::create({Insn::from_raw(raw), Insn::from_raw(0x95)});
    ASSERT_FALSE(p.ok()) << std::hex << raw;
    EXPECT_NE(p.error().message().find("callx with nonzero src/offset/imm"), std::string::npos)
        << p.error().to_string();
  }
  auto r11 = Program::create({Insn::from_raw(0x0b8d), Insn::from_raw(0x95)});
  ASSERT_FALSE(r11.ok());
  EXPECT_NE(r11.error().message().find("invalid destination register r11"), std::string::npos);
  auto rt = Program::create({Insn::from_raw(0x00000002'0000'2085ULL), Insn::from_raw(0x95)});
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.error().code(), rvjit::ErrorCode::kUnsupported);  // call runtime: by BTF id
}

TEST(EbpfTestFile, AssemblerErrorsUseFileLineNumbers) {
  auto tc = parse_test_case("# header\n\n-- asm\nmov %r0, 1\nbogus\nexit\n-- result\n1\n");
  ASSERT_TRUE(tc.ok());
  auto p = build_program(*tc);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("line 5:"), std::string::npos) << p.error().message();
}

}  // namespace
