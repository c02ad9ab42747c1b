// li_may_take_two() (jit/src/li_bound.h) must say "maybe" for every value that some
// sequence of two li steps makes, in each of the 8 Zba/Zbb/Zbs combinations, because li
// stops its search on a "no" (a three-step candidate is then final). Two-step sequences
// are enumerated: every first step (all addi immediates, all powers of two for bseti,
// lui at the edges and at 8,192 random fields) times every second step the set allows,
// with every shift/bit amount and, for addi/addiw/xori, edge and random immediates (all
// 4,096 for the powers of two and the edge lui values).
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "../../jit/src/li_bound.h"

namespace rvjit {
namespace {

struct Ext {
  bool zba, zbb, zbs;
};

struct Rng {
  uint64_t s;
  uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
};

int64_t sext32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

// Every value one step after `a` (LiStep semantics, rvjit/jit/li.h), passed to f.
template <class F>
void second_steps(uint64_t a, Ext x, const std::vector<int64_t>& imms, F f) {
  for (int64_t imm : imms) {
    f(a + static_cast<uint64_t>(imm));                      // addi
    f(static_cast<uint64_t>(sext32(a + static_cast<uint64_t>(imm))));  // addiw
    f(a ^ static_cast<uint64_t>(imm));                      // xori
  }
  for (int s = 1; s < 64; ++s) {
    f(a << s);  // slli
    f(a >> s);  // srli
    if (x.zba) f((a & 0xffffffff) << s);  // slli.uw
    if (x.zbb) f(std::rotr(a, s));        // rori
  }
  if (x.zba) {
    f(a & 0xffffffff);  // zext.w
    for (int k = 1; k <= 3; ++k) f((a << k) + a);  // shNadd
  }
  if (x.zbs) {
    for (int k = 0; k < 64; ++k) {
      f(a | (uint64_t{1} << k));   // bseti
      f(a & ~(uint64_t{1} << k));  // bclri
    }
  }
}

class LiBound : public ::testing::TestWithParam<int> {};

TEST_P(LiBound, SaysMaybeForEveryTwoStepValue) {
  const int bits = GetParam();
  const Ext x{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
  Rng r{0x9e3779b97f4a7c15ull + static_cast<uint64_t>(bits)};

  std::vector<int64_t> all_imms, some_imms{-2048, -2047, -1025, -1024, -2, -1, 0, 1, 2, 1023,
                                           1024, 2046, 2047};
  for (int64_t i = -2048; i < 2048; ++i) all_imms.push_back(i);
  for (int i = 0; i < 24; ++i) some_imms.push_back(static_cast<int64_t>(r.next() % 4096) - 2048);

  // First steps, each with the immediates its addi/addiw/xori second steps get.
  std::vector<std::pair<uint64_t, bool>> firsts;  // (value, all immediates)
  for (int64_t i = -2048; i < 2048; ++i) firsts.push_back({static_cast<uint64_t>(i), false});
  for (uint32_t hi : {0x1u, 0x7ffffu, 0x80000u, 0x80001u, 0xfffffu, 0x00800u, 0x7f800u}) {
    firsts.push_back({static_cast<uint64_t>(sext32(uint64_t{hi} << 12)), true});
  }
  for (int i = 0; i < 8192; ++i) {
    const uint64_t hi = r.next() & 0xfffff;
    if (hi) firsts.push_back({static_cast<uint64_t>(sext32(hi << 12)), false});
  }
  if (x.zbs) {
    for (int k = 0; k < 64; ++k) firsts.push_back({uint64_t{1} << k, true});
  }

  uint64_t checked = 0, missed = 0, first_miss = 0;
  for (const auto& [a, all] : firsts) {
    ASSERT_TRUE(li_detail::li_one_step(static_cast<int64_t>(a), x)) << std::hex << a;
    second_steps(a, x, all ? all_imms : some_imms, [&](uint64_t v) {
      ++checked;
      if (!li_detail::li_may_take_two(static_cast<int64_t>(v), x)) {
        if (missed++ == 0) first_miss = v;
      }
    });
  }
  EXPECT_EQ(missed, 0u) << "first two-step value said to need three: 0x" << std::hex
                        << first_miss;
  EXPECT_GT(checked, 2'000'000u);
}

// The bound has to reject something to be of use: values that take three steps.
TEST(LiBoundTest, RejectsThreeStepValues) {
  const Ext base{false, false, false}, all{true, true, true};
  // lui; addiw; slli 12 (an odd 32-bit value, shifted by less than 44, above int33).
  EXPECT_FALSE(li_detail::li_may_take_two(0x12345678000, base));
  EXPECT_FALSE(li_detail::li_may_take_two(0x12345678000, all));
  // lui; addiw; slli 3 (a pointer: 8-aligned, 44 bits).
  EXPECT_FALSE(li_detail::li_may_take_two(0x7654321fff8, base));
  // Random 64-bit values take more than two steps in every set.
  Rng r{12345};
  int rejected = 0;
  for (int i = 0; i < 1000; ++i) rejected += !li_detail::li_may_take_two(static_cast<int64_t>(r.next()), all);
  EXPECT_GT(rejected, 990);
  // Two-step values: lui; slli 20 and addi -1; srli 8.
  EXPECT_TRUE(li_detail::li_may_take_two(0x12345000LL << 20, base));
  EXPECT_TRUE(li_detail::li_may_take_two(0x00ffffffffffffffLL, base));
}

INSTANTIATE_TEST_SUITE_P(AllExtensionSets, LiBound, ::testing::Range(0, 8));

}  // namespace
}  // namespace rvjit
