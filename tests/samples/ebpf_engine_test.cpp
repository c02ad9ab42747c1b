// The verifier (Program::create), the Engine API and the helper registry.
#include <gtest/gtest.h>

#include "ebpf/assembler.h"
#include "ebpf/engine.h"
#include "ebpf/program.h"

namespace {
using namespace rvjit::ebpf;
using rvjit::ErrorCode;

rvjit::Result<Program> build(std::string_view text) {
  auto a = assemble(text);
  if (!a.ok()) return a.error();
  return Program::create(std::move(a->insns), a->labels);
}

std::string verify_error(std::string_view text) {
  auto p = build(text);
  EXPECT_FALSE(p.ok()) << text;
  return p.ok() ? std::string() : p.error().to_string();
}

TEST(EbpfVerifier, NamesFunctionsFromLabelsAndCallTargets) {
  auto p = build(
      "mov %r1, 3\n"
      "call local fib\n"
      "call local +1\n"  // unnamed target: pc 4
      "exit\n"
      "exit\n"
      "fib: mov %r0, %r1\n"
      "exit\n");
  // pc: 0 mov, 1 call fib(->5), 2 call +1 (->4), 3 exit, 4 exit, 5 fib, 6 exit
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->functions().size(), 3u);
  EXPECT_EQ(p->functions()[0].name, "main");
  EXPECT_EQ(p->functions()[0].start, 0u);
  EXPECT_EQ(p->functions()[0].end, 4u);
  EXPECT_EQ(p->functions()[1].name, "func_4");
  EXPECT_EQ(p->functions()[2].name, "fib");
  EXPECT_EQ(p->functions()[2].start, 5u);
  EXPECT_EQ(p->functions()[2].end, 7u);
  EXPECT_EQ(p->function_index(6), 2u);
  EXPECT_EQ(p->function_index(3), 0u);
}

TEST(EbpfVerifier, RecordsHelpersUsed) {
  auto p = build("call 6\ncall 1\ncall 6\nexit\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->helpers_used(), (std::vector<int32_t>{1, 6}));
}

TEST(EbpfVerifier, RejectsBrokenPrograms) {
  EXPECT_NE(verify_error("mov %r0, 1").find("falls through"), std::string::npos);
  EXPECT_NE(verify_error("ja +5\nexit").find("outside the program"), std::string::npos);
  EXPECT_NE(verify_error("mov %r10, 1\nexit").find("read-only frame pointer"), std::string::npos);
  EXPECT_NE(verify_error("mov %r11, 1\nexit").find("invalid destination register r11"), std::string::npos);
  EXPECT_NE(verify_error("mov %r0, %r12\nexit").find("invalid source register r12"), std::string::npos);
  EXPECT_NE(verify_error("ja +1\nlddw %r0, 1\nexit").find("middle of lddw"), std::string::npos);
  EXPECT_NE(verify_error("call local +5\nexit").find("outside the program"), std::string::npos);
  EXPECT_NE(verify_error("call local f\nexit\nf: ja +0\nja -4").find("leaves function"), std::string::npos);
  EXPECT_EQ(Program::create({}).error().code(), ErrorCode::kInvalidArgument);
}

TEST(EbpfVerifier, RejectsUndefinedEncodings) {
  auto reject = [](uint64_t raw) {
    auto p = Program::create({Insn::from_raw(raw), Insn::from_raw(0x95)});
    EXPECT_FALSE(p.ok()) << std::hex << raw;
    return p.ok() ? std::string() : p.error().to_string();
  };
  EXPECT_NE(reject(0xff).find("unknown opcode 0xff at pc 0"), std::string::npos);
  EXPECT_NE(reject(0x000000000002003f).find("div/mod offset 2"), std::string::npos);      // div with off 2
  EXPECT_NE(reject(0x00000018000000d4).find("byte swap width 24"), std::string::npos);    // le24
  EXPECT_NE(reject(0x00000010000000df).find("unknown opcode 0xdf"), std::string::npos);   // ALU64 END|X
  EXPECT_NE(reject(0x00000000002010bc).find("movsx width"), std::string::npos);            // movsx32 to 32
  EXPECT_NE(reject(0x00000000000810b7).find("movsx width"), std::string::npos) << "movsx needs X";
  EXPECT_NE(reject(0x00000002000010db).find("unknown atomic operation 2"), std::string::npos);
  EXPECT_NE(reject(0x00000000000010d3).find("unknown opcode 0xd3"), std::string::npos);   // atomic byte
  EXPECT_NE(reject(0x0000000000000099).find("unknown opcode 0x99"), std::string::npos);   // MEMSX dw
  EXPECT_NE(reject(0x0000000000000020).find("Unsupported"), std::string::npos);           // ld abs
  EXPECT_NE(reject(0x0000000000002085).find("Unsupported"), std::string::npos);           // BTF call
  EXPECT_NE(reject(0x0000000000000018).find("malformed second slot"), std::string::npos);
}

TEST(EbpfEngine, RunsOnCallerMemoryAndPassesItsLength) {
  // Stores r2 (the length) into mem[0..8) and returns r1 != 0.
  auto p = build("stxdw [%r1], %r2\nmov %r0, 0\njeq %r1, 0, +1\nmov %r0, 1\nexit\n");
  ASSERT_TRUE(p.ok());
  auto engine = make_engine("interpreter");
  ASSERT_TRUE(engine.ok());
  HelperRegistry helpers;
  auto exe = (*engine)->load(*p, helpers);
  ASSERT_TRUE(exe.ok()) << exe.error().to_string();
  std::vector<uint8_t> mem(12, 0xaa);
  auto r = (*exe)->run(mem);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(mem[0], 12);
  EXPECT_EQ(mem[1], 0);
  EXPECT_EQ(mem[8], 0xaa) << "only 8 bytes written";
  // No mem: r1 is 0 (ubpf passes NULL), so the same store is out of bounds.
  auto r2 = (*exe)->run({});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kForeignAddress);
  EXPECT_NE(r2.error().message().find("out-of-bounds store of 8 bytes at 0x0 (pc 0)"), std::string::npos)
      << r2.error().message();
}

uint64_t add_context(uint64_t a, uint64_t, uint64_t, uint64_t, uint64_t, void* ctx) {
  return a + *static_cast<uint64_t*>(ctx);
}

TEST(EbpfEngine, HelpersGetArgumentsAndContext) {
  HelperRegistry helpers;
  uint64_t base = 1000;
  ASSERT_TRUE(helpers.add(77, "add_context", add_context, &base).ok());
  EXPECT_EQ(helpers.add(77, "again", add_context).code(), ErrorCode::kBusy);
  EXPECT_EQ(helpers.add(78, "null", nullptr).code(), ErrorCode::kInvalidArgument);
  auto p = build("mov %r1, 23\ncall 77\nexit\n");
  ASSERT_TRUE(p.ok());
  auto engine = make_engine("interpreter");
  auto exe = (*engine)->load(*p, helpers);
  ASSERT_TRUE(exe.ok());
  auto r = (*exe)->run({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 1023u);
  base = 5;
  EXPECT_EQ((*exe)->run({}).value(), 28u) << "the context is read at call time";
}

TEST(EbpfEngine, UnknownHelperFailsAtLoad) {
  auto p = build("call 99\nexit\n");
  ASSERT_TRUE(p.ok());
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto engine = make_engine("interpreter");
  ASSERT_TRUE(engine.ok());
  auto exe = (*engine)->load(*p, helpers);
  ASSERT_FALSE(exe.ok());
  EXPECT_EQ(exe.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(exe.error().message(), "unknown helper 99");
}

TEST(EbpfEngine, BudgetStopsAnInfiniteLoop) {
  auto p = build("loop: ja loop\n");
  ASSERT_TRUE(p.ok());
  HelperRegistry helpers;
  auto engine = make_engine("interpreter");
  ASSERT_TRUE(engine.ok());
  auto exe = (*engine)->load(*p, helpers);
  ASSERT_TRUE(exe.ok());
  RunOptions o;
  o.instruction_budget = 1000;
  auto r = (*exe)->run({}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
  EXPECT_NE(r.error().message().find("instruction budget of 1000 exhausted"), std::string::npos);
}

// Engines reuse one stack buffer per thread and zero only what the previous run may have
// written (src/run_stack.h). Scans every dword of frames 2..64 (the whole stack but
// main's frame) and returns their OR: 0 on a fresh stack.
constexpr std::string_view kScanStack =
    "mov %r1, 63\ncall local scan\nexit\n"
    "scan:\nmov %r6, %r1\nmov %r7, 0\nmov %r8, %r10\nsub %r8, 512\n"
    "loop:\nldxdw %r2, [%r8]\nor %r7, %r2\nadd %r8, 8\njlt %r8, %r10, loop\n"
    "mov %r0, %r7\njle %r6, 1, done\nmov %r1, %r6\nsub %r1, 1\ncall local scan\nor %r0, %r7\n"
    "done:\nexit\n";
// Stores -1 at both ends of frames 2..64.
constexpr std::string_view kDirtyFrames =
    "mov %r1, 63\ncall local dirty\nexit\n"
    "dirty:\nstdw [%r10-8], -1\nstdw [%r10-512], -1\njle %r1, 1, out\nsub %r1, 1\ncall local dirty\n"
    "out:\nmov %r0, 0\nexit\n";
// memfrob (a helper) on 256 bytes 30000 below main's r10: a helper may write anywhere in
// the stack, far below any frame the program ran in.
constexpr std::string_view kHelperDirtiesDeep =
    "mov %r1, %r10\nsub %r1, 30000\nmov %r2, 256\ncall 1\nmov %r0, 0\nexit\n";

TEST(EbpfEngine, EveryRunStartsWithAZeroedStack) {
  HelperRegistry helpers;
  register_conformance_helpers(helpers);
  std::vector<Program> programs;  // outlive the Executables that refer to them
  programs.reserve(3);
  for (std::string_view text : {kScanStack, kDirtyFrames, kHelperDirtiesDeep}) {
    auto p = build(text);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    programs.push_back(std::move(*p));
  }
  for (const std::string& dirtier : available_engines()) {
    for (const std::string& scanner : available_engines()) {
      for (size_t d = 1; d <= 2; ++d) {
        auto dirty = (*make_engine(dirtier))->load(programs[d], helpers);
        auto scan = (*make_engine(scanner))->load(programs[0], helpers);
        ASSERT_TRUE(dirty.ok() && scan.ok());
        ASSERT_TRUE((*dirty)->run({}).ok());
        auto r = (*scan)->run({});
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(*r, 0u) << dirtier << " ran program " << d << ", then " << scanner << " scanned";
      }
    }
  }
}

TEST(EbpfEngine, EngineRegistry) {
  auto names = available_engines();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "interpreter");
  for (const auto& n : names) {
    auto e = make_engine(n);
    ASSERT_TRUE(e.ok()) << n;
    EXPECT_EQ((*e)->name(), n);
  }
  auto bad = make_engine("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(bad.error().message().find("interpreter"), std::string::npos);
}

}  // namespace
