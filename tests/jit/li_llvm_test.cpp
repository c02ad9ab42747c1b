// li against LLVM: for thousands of constants, rvjit's sequence must compute the constant
// and be no longer than what LLVM's assembler emits for `li a0, imm` on base RV64I
// (RISCVMatInt). Host only: needs the LLVM MC oracle.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "assembler_test_util.h"
#include "llvm_mc_oracle.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

std::vector<int64_t> interesting_constants() {
  std::vector<int64_t> v = {0, 1, -1, 2047, -2048, 2048, -2049, 4095, 4096, 0x7ff, 0x800,
                            0x7fffffff, 0x7ffff7ff, 0x7ffff800, INT32_MIN, 0x80000000ll,
                            0xffffffffll, 0x100000000ll, 0xfffff000ll, INT64_MAX, INT64_MIN,
                            0x123456789abcdef0ll, 0x0000ffff0000ffffll, 0x00ff00ff00ff00ffll,
                            0x5555555555555555ll, static_cast<int64_t>(0xaaaaaaaaaaaaaaaaull)};
  for (int k = 0; k < 64; ++k) {
    const uint64_t bit = uint64_t{1} << k;
    v.push_back(static_cast<int64_t>(bit));
    v.push_back(static_cast<int64_t>(~bit));
    v.push_back(static_cast<int64_t>(bit - 1));          // trailing ones
    v.push_back(static_cast<int64_t>(~(bit - 1)));       // leading ones, trailing zeros
    v.push_back(static_cast<int64_t>((0x9e3779b97f4a7c15ull >> k) << k));
    v.push_back(static_cast<int64_t>(0x9e3779b97f4a7c15ull >> k));
    v.push_back(static_cast<int64_t>((uint64_t{0xabcde} << k) | 0x123));
    for (int64_t d : {-2049, -2048, -1, 1, 2047, 2048}) {  // around 32-bit boundaries
      v.push_back(static_cast<int64_t>(bit) + d);
    }
  }
  uint64_t x = 0x243f6a8885a308d3ull;
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v.push_back(static_cast<int64_t>(x));
    v.push_back(static_cast<int64_t>(x >> (x & 63)));        // leading zeros
    v.push_back(static_cast<int64_t>((x >> 40) << (x & 31)));  // sparse, trailing zeros
    v.push_back(static_cast<int64_t>(x & 0xfff0000000000fffull));
  }
  return v;
}

TEST(LiLlvm, NeverLongerThanLlvmAndComputesTheValue) {
  test::LlvmMcOracle llvm("+m");  // base RV64I(M): no Zba/Zbb/Zbs shortcuts in LLVM either
  const std::vector<int64_t> values = interesting_constants();
  std::vector<std::string> lines;
  for (int64_t c : values) lines.push_back("li a0, " + std::to_string(c));
  const auto ref = llvm.assemble_lines(lines);
  ASSERT_EQ(ref.size(), values.size());
  size_t shorter = 0, equal = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(ref[i].ok()) << lines[i] << ": " << ref[i].error;
    Assembler a;
    a.li(reg::a0, values[i]);
    ASSERT_FALSE(a.has_error()) << a.error().to_string();
    std::vector<uint8_t> bytes(a.buffer().data(), a.buffer().data() + a.offset());
    EXPECT_LE(bytes.size(), ref[i].bytes.size()) << lines[i];
    auto got = test::run_li(bytes, 0, bytes.size(), 10);
    ASSERT_TRUE(got) << lines[i];
    EXPECT_EQ(*got, values[i]) << lines[i];
    // The oracle's own sequence computes the value too (checks the interpreter).
    auto theirs = test::run_li(ref[i].bytes, 0, ref[i].bytes.size(), 10);
    ASSERT_TRUE(theirs) << lines[i];
    EXPECT_EQ(*theirs, values[i]) << lines[i];
    (bytes.size() < ref[i].bytes.size() ? shorter : equal) += 1;
  }
  EXPECT_EQ(shorter + equal, values.size());
  std::printf("li: %zu constants, %zu as short as LLVM, %zu shorter\n", values.size(), equal,
              shorter);
}

}  // namespace
}  // namespace rvjit
