// The thinnest end-to-end check of the encoder: rvjit and LLVM MC, in the same process,
// must produce the same bytes for the same instructions; and the oracle itself must
// reject what LLVM rejects and keep per-line results apart in batch mode.
#include <gtest/gtest.h>

#include <vector>

#include "llvm/MC/MCInst.h"
#include "llvm_mc_oracle.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

std::vector<uint8_t> bytes_of(const Assembler& a) {
  return std::vector<uint8_t>(a.buffer().data(), a.buffer().data() + a.offset());
}

TEST(SliceLlvm, AddiRetMatchesLlvmMc) {
  test::LlvmMcOracle llvm;
  Assembler a;
  a.addi(reg::a0, reg::zero, 42);
  a.ret();
  ASSERT_FALSE(a.has_error()) << a.error().to_string();
  auto r = llvm.assemble("addi a0, zero, 42\nret");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(bytes_of(a), r.bytes);
  EXPECT_EQ(r.bytes.size(), 8u);
}

TEST(SliceLlvm, PrebuiltMcInstEncodesLikeTheParser) {
  // The benchmark path: an MCInst built by hand, encoded without parsing.
  test::LlvmMcOracle llvm;
  const unsigned addi = llvm.opcode("ADDI"), a0 = llvm.reg("X10"), zero = llvm.reg("X0");
  ASSERT_NE(addi, 0u);
  ASSERT_NE(a0, 0u);
  ASSERT_NE(zero, 0u);
  llvm::MCInst inst;
  inst.setOpcode(addi);
  inst.addOperand(llvm::MCOperand::createReg(a0));
  inst.addOperand(llvm::MCOperand::createReg(zero));
  inst.addOperand(llvm::MCOperand::createImm(42));
  std::vector<uint8_t> bytes;
  EXPECT_EQ(llvm.encode(inst, bytes), 4u);
  EXPECT_EQ(bytes, llvm.assemble("addi a0, zero, 42").bytes);
  EXPECT_EQ(llvm.opcode("NO_SUCH_INSN"), 0u);
}

TEST(SliceLlvm, OracleRejectsWhatTheParserRejects) {
  test::LlvmMcOracle llvm;
  auto r = llvm.assemble("addi a0, zero, 4096");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("[-2048, 2047]"), std::string::npos) << r.error;
}

TEST(SliceLlvm, OracleDisassemblesWithoutAliases) {
  test::LlvmMcOracle llvm;
  const std::vector<uint8_t> li{0x13, 0x05, 0xa0, 0x02};  // addi a0, zero, 42
  size_t size = 0;
  EXPECT_EQ(llvm.disassemble(li, &size), "addi a0, zero, 42");
  EXPECT_EQ(size, 4u);
}

TEST(SliceLlvm, BatchKeepsLinesApartAndOptionNeedsNoCrash) {
  test::LlvmMcOracle llvm(test::LlvmMcOracle::kAll);
  auto rs = llvm.assemble_lines({"addi a0, a0, 1", "addi a0, zero, 9999", "add a0, a0, a1",
                                 "ld a0, 8(a1)", "sub t0, t1, t2"});
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_TRUE(rs[0].ok());
  EXPECT_EQ(rs[0].bytes.size(), 2u);  // compressed to c.addi
  EXPECT_FALSE(rs[1].ok());
  EXPECT_TRUE(rs[1].bytes.empty());
  EXPECT_EQ(rs[2].bytes.size(), 2u);  // c.add
  EXPECT_EQ(rs[3].bytes.size(), 2u);  // c.ld
  EXPECT_EQ(rs[4].bytes.size(), 4u);  // no RVC form for t-registers
  auto o = llvm.assemble(".option norvc\naddi a0, a0, 1");
  ASSERT_TRUE(o.ok()) << o.error;
  EXPECT_EQ(o.bytes.size(), 4u);
}

}  // namespace
}  // namespace rvjit
