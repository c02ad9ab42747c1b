// The error model: an invalid operand is a readable, sticky error, never truncation.
#include <gtest/gtest.h>

#include "rvjit/jit/assembler.h"

namespace {
using rvjit::Assembler;
using rvjit::ErrorCode;
namespace reg = rvjit::reg;

TEST(ErrorModel, OutOfRangeImmediateNamesInstructionAndValue) {
  Assembler a;
  a.addi(reg::a0, reg::a0, 4096);
  ASSERT_TRUE(a.has_error());
  EXPECT_EQ(a.error().code(), ErrorCode::kImmediateOutOfRange);
  EXPECT_NE(a.error().message().find("addi"), std::string::npos);
  EXPECT_NE(a.error().message().find("4096"), std::string::npos);
  EXPECT_EQ(a.offset(), 0u) << "nothing may be emitted for a rejected instruction";
}

TEST(ErrorModel, FirstErrorIsStickyAndLaterEmitsAreIgnored) {
  Assembler a;
  a.addi(reg::a0, reg::a0, -2049);
  a.addi(reg::a0, reg::a0, 1);
  a.jalr(reg::ra, reg::a0, 5000);
  EXPECT_EQ(a.offset(), 0u);
  EXPECT_NE(a.error().message().find("-2049"), std::string::npos);
}

TEST(ErrorModel, FixedBufferReportsFullInsteadOfOverflowing) {
  uint8_t buf[6] = {0, 0, 0, 0, 0xAA, 0xBB};
  Assembler a(buf, 6);
  a.nop();
  a.nop();
  ASSERT_TRUE(a.has_error());
  EXPECT_EQ(a.error().code(), ErrorCode::kBufferFull);
  EXPECT_EQ(a.offset(), 4u);
  EXPECT_EQ(buf[4], 0xAA);
  EXPECT_EQ(buf[5], 0xBB);
}

TEST(ErrorModel, ErrorToStringCarriesCodeName) {
  rvjit::Error e(ErrorCode::kForeignAddress, "patch at 0x10 outside JIT code");
  EXPECT_EQ(e.to_string(), "ForeignAddress: patch at 0x10 outside JIT code");
  EXPECT_TRUE(rvjit::Error().ok());
}

}  // namespace
