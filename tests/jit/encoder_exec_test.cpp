// Encoded instructions executed on RV64 (qemu-riscv64 under ctest): LLVM agreement (the
// differential test) proves the bits are what the assembler syntax means; this proves the
// syntax means what rvjit's API promises: operand order, pseudo expansions, rounding-mode
// defaults, branch offsets and auto-compression, against C++ reference results.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "exec_page.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

using namespace reg;

using test::ExecPage;

using IntFn = int64_t(int64_t, int64_t);
struct IntCase {
  const char* name;
  std::function<void(Assembler&)> body;  // a0 = f(a0, a1), then ret is appended
  std::function<int64_t(int64_t, int64_t)> ref;
};

int64_t mulh(int64_t a, int64_t b) { return static_cast<int64_t>((__int128)a * b >> 64); }
uint64_t mulhu(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((unsigned __int128)a * b >> 64);
}
uint64_t rotl(uint64_t v, unsigned s) { return std::rotl(v, static_cast<int>(s & 63)); }

const std::vector<IntCase>& int_cases() {
  static const std::vector<IntCase> cases = {
      {"add/sub/neg", [](Assembler& a) { a.sub(t0, a0, a1); a.neg(t1, a1); a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) { return int64_t(uint64_t(x) - 2 * uint64_t(y)); }},
      {"addiw/sext.w", [](Assembler& a) { a.addiw(a0, a0, -7); a.sext_w(a0, a0); },
       [](int64_t x, int64_t) { return int64_t(int32_t(uint32_t(x) - 7)); }},
      {"slli/srai/srliw", [](Assembler& a) {
         a.slli(t0, a0, 13); a.srai(t0, t0, 5); a.srliw(a0, t0, 3); },
       [](int64_t x, int64_t) {
         int64_t t = int64_t(uint64_t(x) << 13) >> 5;
         return int64_t(int32_t(uint32_t(t) >> 3));
       }},
      {"slt/sltu/seqz/snez", [](Assembler& a) {
         a.slt(t0, a0, a1); a.sltu(t1, a0, a1); a.slli(t1, t1, 1); a.or_(t0, t0, t1);
         a.seqz(t1, a0); a.slli(t1, t1, 2); a.or_(t0, t0, t1);
         a.snez(t1, a1); a.slli(t1, t1, 3); a.or_(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         return int64_t((x < y) | ((uint64_t(x) < uint64_t(y)) << 1) | ((x == 0) << 2) |
                        ((y != 0) << 3));
       }},
      {"xor/and/or/not/andi", [](Assembler& a) {
         a.xor_(t0, a0, a1); a.and_(t1, a0, a1); a.not_(t1, t1); a.or_(t0, t0, t1);
         a.andi(a0, t0, -100); },
       [](int64_t x, int64_t y) { return ((x ^ y) | ~(x & y)) & -100; }},
      {"mul/mulh/mulhu", [](Assembler& a) {
         a.mul(t0, a0, a1); a.mulh(t1, a0, a1); a.xor_(t0, t0, t1); a.mulhu(t1, a0, a1);
         a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         return int64_t((uint64_t(x) * uint64_t(y) ^ uint64_t(mulh(x, y))) + mulhu(x, y));
       }},
      {"div/remu/divw", [](Assembler& a) {
         a.ori(a1, a1, 1); a.div(t0, a0, a1); a.remu(t1, a0, a1); a.add(t0, t0, t1);
         a.divw(t1, a0, a1); a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         y |= 1;
         int64_t d = (x == INT64_MIN && y == -1) ? x : x / y;
         int32_t xw = int32_t(x), yw = int32_t(y);
         int32_t dw = (xw == INT32_MIN && yw == -1) ? xw : xw / yw;
         return int64_t(uint64_t(d) + uint64_t(x) % uint64_t(y) + uint64_t(int64_t(dw)));
       }},
      {"zba sh3add/add.uw/slli.uw", [](Assembler& a) {
         a.sh3add(t0, a0, a1); a.add_uw(t1, a0, a1); a.xor_(t0, t0, t1); a.slli_uw(t1, a1, 5);
         a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         uint64_t r = (uint64_t(x) << 3) + uint64_t(y);
         r ^= uint64_t(uint32_t(x)) + uint64_t(y);
         return int64_t(r + (uint64_t(uint32_t(y)) << 5));
       }},
      {"zbb counts/rev8/orc.b", [](Assembler& a) {
         a.clz(t0, a0); a.ctz(t1, a1); a.slli(t1, t1, 8); a.or_(t0, t0, t1);
         a.cpopw(t1, a0); a.slli(t1, t1, 16); a.or_(t0, t0, t1);
         a.rev8(t1, a1); a.xor_(t0, t0, t1); a.orc_b(t1, a0); a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         uint64_t r = uint64_t(std::countl_zero(uint64_t(x))) |
                      uint64_t(std::countr_zero(uint64_t(y))) << 8 |
                      uint64_t(std::popcount(uint32_t(x))) << 16;
         r ^= __builtin_bswap64(uint64_t(y));
         uint64_t orc = 0;
         for (int i = 0; i < 8; ++i)
           if ((uint64_t(x) >> (8 * i)) & 0xff) orc |= uint64_t{0xff} << (8 * i);
         return int64_t(r + orc);
       }},
      {"zbb rol/rori/min/maxu/andn/sext.b/zext.h", [](Assembler& a) {
         a.rol(t0, a0, a1); a.rori(t1, a1, 17); a.xor_(t0, t0, t1); a.min(t1, a0, a1);
         a.add(t0, t0, t1); a.maxu(t1, a0, a1); a.andn(t1, t1, a1); a.xor_(t0, t0, t1);
         a.sext_b(t1, a0); a.add(t0, t0, t1); a.zext_h(t1, a1); a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         uint64_t r = rotl(uint64_t(x), unsigned(y)) ^ std::rotr(uint64_t(y), 17);
         r += uint64_t(std::min(x, y));
         r ^= std::max(uint64_t(x), uint64_t(y)) & ~uint64_t(y);
         r += uint64_t(int64_t(int8_t(x)));
         return int64_t(r + uint16_t(y));
       }},
      {"zbs/zicond", [](Assembler& a) {
         a.bset(t0, a0, a1); a.bclri(t0, t0, 3); a.bext(t1, a0, a1); a.czero_eqz(t1, a1, t1);
         a.add(t0, t0, t1); a.czero_nez(t1, a0, a0); a.add(a0, t0, t1); },
       [](int64_t x, int64_t y) {
         uint64_t r = (uint64_t(x) | (uint64_t{1} << (y & 63))) & ~uint64_t{8};
         uint64_t bit = (uint64_t(x) >> (y & 63)) & 1;
         return int64_t(r + (bit ? uint64_t(y) : 0));
       }},
      {"branches: a0 & 63 iterations of t0 += a1", [](Assembler& a) {
         // Offsets depend on which instructions auto-compression shrinks: with C,
         // "add t0, t0, a1", "addi t1, t1, -1" and "j" take 2 bytes each.
         const bool c = a.auto_compress();
         a.addi(t0, zero, 0);
         a.andi(t1, a0, 63);
         a.beqz(t1, c ? 10 : 16);  // loop head: exit when t1 == 0
         a.add(t0, t0, a1);
         a.addi(t1, t1, -1);
         a.j(c ? -8 : -12);  // back to the loop head
         a.mv(a0, t0); },
       [](int64_t x, int64_t y) { return int64_t(uint64_t(y) * uint64_t(x & 63)); }},
      {"zcb compressed ops", [](Assembler& a) {
         a.mv(s0, a0); a.mv(s1, a1);
         a.c_zext_b(s0); a.c_sext_h(s1); a.c_mul(s0, s1); a.c_not(s0); a.mv(a0, s0); },
       [](int64_t x, int64_t y) {
         return int64_t(~(uint64_t(uint8_t(x)) * uint64_t(int64_t(int16_t(y)))));
       }},
  };
  return cases;
}

void run_int_cases(bool compress) {
  ExecPage page;
  ASSERT_TRUE(page.ok());
  std::mt19937_64 rng(42);
  for (const IntCase& c : int_cases()) {
    Assembler a;
    a.set_auto_compress(compress);
    // s0/s1 are callee-saved: keep them on the stack around the body.
    a.addi(sp, sp, -16);
    a.sd(s0, sp, 0);
    a.sd(s1, sp, 8);
    c.body(a);
    a.ld(s0, sp, 0);
    a.ld(s1, sp, 8);
    a.addi(sp, sp, 16);
    a.ret();
    ASSERT_FALSE(a.has_error()) << c.name << ": " << a.error().to_string();
    auto* fn = page.load<IntFn>(a);
    for (int i = 0; i < 200; ++i) {
      int64_t x = static_cast<int64_t>(rng()), y = static_cast<int64_t>(rng());
      if (i % 4 == 0) { x >>= (rng() % 64); y >>= (rng() % 64); }  // small values too
      ASSERT_EQ(fn(x, y), c.ref(x, y)) << c.name << " x=" << x << " y=" << y
                                       << (compress ? " (auto-compressed)" : "");
    }
  }
}

TEST(EncoderExec, IntegerAndBitManipulation) { run_int_cases(false); }
TEST(EncoderExec, SameResultsWhenAutoCompressed) { run_int_cases(true); }

TEST(EncoderExec, AutoCompressionShrinksCode) {
  Assembler plain, rvc;
  rvc.set_auto_compress(true);
  for (Assembler* a : {&plain, &rvc}) {
    a->addi(sp, sp, -16);
    a->sd(ra, sp, 8);
    a->mv(a0, a1);
    a->ld(ra, sp, 8);
    a->addi(sp, sp, 16);
    a->ret();
  }
  EXPECT_EQ(plain.offset(), 24u);
  EXPECT_EQ(rvc.offset(), 12u);
}

using DblFn = double(double, double);
TEST(EncoderExec, FloatingPoint) {
  ExecPage page;
  ASSERT_TRUE(page.ok());
  struct Case {
    const char* name;
    void (*body)(Assembler&);
    double (*ref)(double, double);
  };
  const Case cases[] = {
      {"fmadd.d/fsub.d", [](Assembler& a) {
         a.fmadd_d(ft0, fa0, fa1, fa0); a.fsub_d(fa0, ft0, fa1); },
       [](double x, double y) { return std::fma(x, y, x) - y; }},
      {"fsqrt.d/fabs.d/fmin.d", [](Assembler& a) {
         a.fabs_d(ft0, fa0); a.fsqrt_d(ft0, ft0); a.fmin_d(fa0, ft0, fa1); },
       [](double x, double y) { return std::fmin(std::sqrt(std::fabs(x)), y); }},
      {"fcvt.l.d rtz / fcvt.d.l", [](Assembler& a) {
         a.fcvt_l_d(t0, fa0, RoundingMode::kRtz); a.fcvt_d_l(fa0, t0); },
       [](double x, double) { return double(int64_t(std::trunc(x))); }},
      {"fcvt.s.d/fcvt.d.s round trip", [](Assembler& a) {
         a.fcvt_s_d(ft0, fa0); a.fcvt_d_s(fa0, ft0); },
       [](double x, double) { return double(float(x)); }},
      {"feq.d/flt.d into an integer", [](Assembler& a) {
         a.flt_d(t0, fa0, fa1); a.feq_d(t1, fa0, fa0); a.slli(t1, t1, 1); a.or_(t0, t0, t1);
         a.fcvt_d_w(fa0, t0); },
       [](double x, double y) { return double((x < y) | (2 * (x == x))); }},
      {"fmv.x.d/fmv.d.x bit moves", [](Assembler& a) {
         a.fmv_x_d(t0, fa0); a.xori(t0, t0, 1); a.fmv_d_x(fa0, t0); },
       [](double x, double) { return std::bit_cast<double>(std::bit_cast<uint64_t>(x) ^ 1); }},
      {"fli.d (Zfa)", [](Assembler& a) { a.fli_d(ft0, 21); a.fmul_d(fa0, fa0, ft0); },
       [](double x, double) { return x * 2.5; }},
      {"fld/fsd through the stack", [](Assembler& a) {
         a.addi(sp, sp, -16); a.fsd(fa1, sp, 8); a.fld(fa0, sp, 8); a.addi(sp, sp, 16); },
       [](double, double y) { return y; }},
  };
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(-1e6, 1e6);
  for (const Case& c : cases) {
    Assembler a;
    c.body(a);
    a.ret();
    ASSERT_FALSE(a.has_error()) << c.name << ": " << a.error().to_string();
    auto* fn = page.load<DblFn>(a);
    for (int i = 0; i < 100; ++i) {
      const double x = dist(rng), y = dist(rng);
      const double want = c.ref(x, y), got = fn(x, y);
      EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
          << c.name << " x=" << x << " y=" << y << " got " << got << " want " << want;
    }
  }
}

using AmoFn = int64_t(int64_t*, int64_t);
TEST(EncoderExec, Atomics) {
  ExecPage page;
  ASSERT_TRUE(page.ok());
  {
    Assembler a;  // returns the old value, adds a1
    a.amoadd_d(a0, a1, a0, AtomicOrder::kAqRl);
    a.ret();
    int64_t cell = 40;
    EXPECT_EQ(page.load<AmoFn>(a)(&cell, 2), 40);
    EXPECT_EQ(cell, 42);
  }
  {
    Assembler a;  // lr/sc loop: *a0 = *a0 * 2 + a1, returns the old value
    a.lr_d(t0, a0, AtomicOrder::kAq);
    a.slli(t1, t0, 1);
    a.add(t1, t1, a1);
    a.sc_d(t2, t1, a0, AtomicOrder::kRl);
    a.bnez(t2, -16);
    a.mv(a0, t0);
    a.ret();
    ASSERT_FALSE(a.has_error());
    int64_t cell = 5;
    EXPECT_EQ(page.load<AmoFn>(a)(&cell, 3), 5);
    EXPECT_EQ(cell, 13);
  }
  {
    Assembler a;  // 32-bit swap with sign extension of the old value
    a.amoswap_w(a0, a1, a0);
    a.ret();
    int64_t cell = 0x7fffffff80000000;
    EXPECT_EQ(page.load<AmoFn>(a)(&cell, 1), int64_t(int32_t(0x80000000u)));
    EXPECT_EQ(cell, 0x7fffffff00000001);
  }
}

}  // namespace
}  // namespace rvjit
