// The patch-word decoder without LLVM (host and RV64): the length rule and encode ->
// decode round trips through the Assembler.
#include <gtest/gtest.h>

#include "rvjit/jit/assembler.h"
#include "rvjit/jit/decoder.h"

namespace rvjit {
namespace {

TEST(Decoder, RoundTripsTheAssemblersPatchWords) {
  for (int64_t off : {-1048576L, -2L, 0L, 2L, 2048L, 1048574L}) {
    Assembler a;
    a.jal(reg::ra, off);
    a.jalr(reg::t0, reg::a1, -2048);
    a.auipc(reg::t1, 0x80000);
    ASSERT_FALSE(a.has_error());
    const uint8_t* p = a.buffer().data();
    auto word = [&](size_t at) {
      return uint32_t(p[at]) | uint32_t(p[at + 1]) << 8 | uint32_t(p[at + 2]) << 16 |
             uint32_t(p[at + 3]) << 24;
    };
    auto j = decode::jal(word(0));
    ASSERT_TRUE(j.has_value());
    EXPECT_EQ(j->rd, 1u);
    EXPECT_EQ(j->offset, off);
    auto r = decode::jalr(word(4));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->rd, 5u);
    EXPECT_EQ(r->rs1, 11u);
    EXPECT_EQ(r->imm, -2048);
    auto u = decode::auipc(word(8));
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->imm20, 0x80000u);
    EXPECT_EQ(u->offset(), -(int64_t{1} << 31));
    EXPECT_FALSE(decode::jal(word(4)).has_value());
  }
}

TEST(Decoder, LengthFromFirstHalfword) {
  EXPECT_EQ(decode::insn_length(0x0001), 2u);
  EXPECT_EQ(decode::insn_length(0x0013), 4u);
  EXPECT_EQ(decode::insn_length(0x001f), 6u);
  EXPECT_EQ(decode::insn_length(0x003f), 8u);
  EXPECT_EQ(decode::insn_length(0x007f), 10u);
  EXPECT_EQ(decode::insn_length(0x707f), 0u);
  EXPECT_TRUE(decode::is_nop(0x00000013));
  EXPECT_FALSE(decode::is_nop(0x00100013));
  EXPECT_TRUE(decode::is_c_nop(0x0001));
  EXPECT_FALSE(decode::is_c_nop(0x0005));  // c.nop 1: a HINT, not a NOP
}

}  // namespace
}  // namespace rvjit
