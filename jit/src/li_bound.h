// A lower bound on the length of EVERY li sequence (rvjit/jit/li.h step kinds), not only
// the search's candidates: li_may_take_two() is false only for values that no sequence of
// one or two steps makes. li_search.cpp uses a "false" to stop searching once it holds a
// three-step candidate: nothing can be strictly shorter, so the search's decision (the
// first of the shortest candidates) is already made.
//
// It is a necessary condition: it may say "maybe" for a value that needs three steps
// (that only costs the rest of the search), never "no" for one that takes two.
// tests/jit/li_bound_test.cpp enumerates two-step sequences and checks every value.
#pragma once

#include <bit>
#include <cstdint>

#include "rvjit/jit/encoding.h"

namespace rvjit::li_detail {

// Bit i set: bits i..i+32 (mod 64) of z are all ones, a 33-bit run starting at i.
inline uint64_t runs33(uint64_t z) {
  uint64_t r = z & std::rotr(z, 1);  // runs of 2
  r &= std::rotr(r, 2);              // 4
  r &= std::rotr(r, 4);              // 8
  r &= std::rotr(r, 8);              // 16
  r &= std::rotr(r, 16);             // 32
  return r & std::rotr(z, 32);       // 33
}

// One step from x0: addi (int12), lui (int32 with the low 12 bits clear), Zbs bseti (a
// power of two). Only those three can be first (li.h).
template <class X>
bool li_one_step(int64_t v, X x) {
  const uint64_t u = static_cast<uint64_t>(v);
  return enc::is_int<12>(v) || (enc::is_int<32>(v) && (u & 0xfff) == 0) ||
         (x.zbs && u != 0 && (u & (u - 1)) == 0);
}

// The inverse of 2^k + 1 modulo 2^64 (odd, so it exists): a * (2^k + 1) == v has the one
// solution a = v * inverse.
constexpr uint64_t inverse_mod64(uint64_t d) {
  uint64_t y = d;  // Newton: each round doubles the correct low bits (3 -> 6 -> ... -> 96)
  for (int i = 0; i < 5; ++i) y *= 2 - d * y;
  return y;
}

// Proof, by the second step's kind, with a the first step's value (S1: int12, lui
// values, and with Zbs powers of two):
//  - addi/addiw/xori on an int32 a, zext.w on anything: a value within int33 (lui 0x80000;
//    addi -2048 is the lowest, 0x7ffff7ff the highest; zext.w gives [0, 2^32)).
//  - addi on a power of two 2^k, k >= 12: v - imm = 2^k with imm the low 12 bits of v
//    sign-extended (the only int12 with those low bits); k < 12 stays within int33.
//  - xori on a power of two: imm >= 0 changes only bits 0..10, imm < 0 complements the
//    rest too, so bits 11..63 of v (or of ~v) hold at most one set bit.
//  - slli s of an int12/lui a = b << tz(a) (b odd, int20): v = b << tz(v), so
//    v >> tz(v) == b is an int20, unless bits of b were shifted out, which needs
//    tz(v) >= 64 - 20 = 44.
//  - srli s of a negative int32 a (a >= 0 gives an int32): bits 31..63 of a are ones, so
//    v > 0, s = clz(v), and v << s, with the s vacated bits (a's bits lost, unknown) taken
//    as ones, has bits 31..63 all ones.
//  - slli.uw s: z = zext32(a) < 2^32 shifted: v >> tz(v) == z >> tz(z), unless bits were
//    shifted out, which needs s > 32, so tz(v) > 32. That odd part is below 2^20 for a
//    lui, a non-negative int12 or a power of two; for a negative int12 z is 0xfffff800 or
//    more, so the odd part moved up to bit 31 still has bits 11..31 set.
//  - shNadd: v == a * (2^k + 1) mod 2^64, so a == v * inverse (k = 1, 2, 3): test a in S1.
//  - rori r of a (33 equal bits at 31..63): v has 33 equal bits, circularly, and a is
//    rotl(v, r) for the r that moves the start of such a run to bit 31: test a in S1.
//  - bseti/bclri of an int32: bits 31..63 of v equal but for at most one.
//  - anything on a power of two that keeps it one (slli, srli, slli.uw, rori, shNadd
//    gives two bits, bseti/bclri one more or one less): at most two bits set.
// Every two-step value falls in one of these; the tests below are exactly these cases.
template <class X>
bool li_may_take_two(int64_t v, X x) {
  const uint64_t u = static_cast<uint64_t>(v);
  if (enc::is_int<33>(v) || u == 0) return true;
  const int tz = std::countr_zero(u);
  const int64_t m = v >> tz;
  if (tz >= 44 || enc::is_int<20>(m)) return true;  // slli
  if (v > 0) {                                       // srli of a negative int32
    const int lz = std::countl_zero(u);
    const uint64_t filled = (u << lz) | ((uint64_t{1} << lz) - 1);  // lz in 1..31 here
    if ((static_cast<int64_t>(filled) >> 31) == -1) return true;
  }
  if (x.zba) {
    const uint64_t odd = u >> tz;  // slli.uw: zext32(a)'s odd part, see above
    if (tz > 32 || odd < (uint64_t{1} << 20) ||
        (odd >> 32 == 0 && (odd << (std::countl_zero(odd) - 32)) >= 0xfffff800)) {
      return true;
    }
    if (li_one_step(static_cast<int64_t>(u * inverse_mod64(3)), x) ||
        li_one_step(static_cast<int64_t>(u * inverse_mod64(5)), x) ||
        li_one_step(static_cast<int64_t>(u * inverse_mod64(9)), x)) {
      return true;
    }
  }
  if (x.zbb) {  // rori: each start of a 33-bit run gives the one rotation to try
    for (uint64_t m = runs33(u) | runs33(~u); m; m &= m - 1) {
      const int r = (31 - std::countr_zero(m)) & 63;
      if (li_one_step(static_cast<int64_t>(std::rotl(u, r)), x)) return true;
    }
  }
  if (x.zbs) {
    const int high = std::popcount(u >> 31);  // bits 31..63, 33 of them
    if (high <= 1 || high >= 32 || std::popcount(u) <= 2) return true;
    const uint64_t rest = u - static_cast<uint64_t>(static_cast<int64_t>(u << 52) >> 52);
    if ((rest & (rest - 1)) == 0) return true;  // addi on a power of two
    if (std::popcount(u & ~uint64_t{0x7ff}) <= 1 || std::popcount(~u & ~uint64_t{0x7ff}) <= 1) {
      return true;  // xori on a power of two
    }
  }
  return false;
}

}  // namespace rvjit::li_detail
