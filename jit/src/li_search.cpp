// The li candidate search: every shape of li_sequence() (rvjit/jit/li.h) for every
// target, costed and chosen, then emitted. li.cpp calls it for extension targets and for
// the base constants that li_base_fast.cpp cannot settle.
//
// Strategy (the one LLVM's RISCVMatInt uses, which is what keeps us never longer than
// `li` in LLVM): a 32-bit value is lui+addiw (or one of them). A wider value is processed
// from its least significant end: peel off the sign-extended low 12 bits (a final addi),
// shift out the trailing zeros that remain (an slli), and recurse on what is left until
// it fits 32 bits. Shortcuts then try to do better and the shortest candidate wins:
// shift out the trailing zeros of the whole constant first; for positive constants build
// the value moved to the top and restore it with srli; peel the low part with two addis
// (-2048 and the rest) when that leaves more trailing zeros above; build the complement
// and finish with xori -1 (`not`).
//
// The extensions add candidates of their own (listed in li.h). Each is gated on its
// extension and replaces the best candidate so far only when strictly shorter, and the
// base candidates are tried first, in the same order as before: without the extensions
// the search takes exactly the base decisions, so the emitted bytes do not change.
//
// A candidate is skipped when a lower bound (cost_bounds()) shows it cannot be strictly
// shorter, and a 3-step candidate is final when no sequence at all makes the value in
// two steps (li_bound.h). Neither changes a decision (tests/jit/li_reference_test.cpp).
#include <algorithm>
#include <bit>

#include "li_bound.h"
#include "li_internal.h"
#include "rvjit/jit/encoding.h"

namespace rvjit::li_detail {
namespace {

constexpr uint64_t kHigh33 = ~uint64_t{0x7fffffff};  // bits 31..63

// Zbs: a power of two that neither one addi nor one lui makes is one bseti from x0.
// 0x800 is the only such value inside 32 bits (lui+addiw otherwise).
template <class X>
bool bseti_alone(int64_t v, X x) {
  // One bit set, tested directly: this runs at every step of the search, and neither
  // x86-64 nor rv64gc has a popcount instruction in its baseline.
  const uint64_t u = static_cast<uint64_t>(v);
  return x.zbs && u != 0 && (u & (u - 1)) == 0 && (!enc::is_int<32>(v) || v == 0x800);
}

// The search is done on instruction counts only (cheap integer recursion); the chosen
// candidate is materialised once at the end, so no sequence is ever copied around.

// val = (upper << shift) + lo, where lo is the low part peeled off first. With Zba an
// upper part that is an unsigned 32-bit value is built sign-extended (cheaper: lui/addiw)
// and shifted with slli.uw, which drops the sign-extension again (`uw`).
struct Split { int64_t upper; int shift; bool uw; };
template <class X>
[[gnu::always_inline]] inline Split split(int64_t val, int64_t lo, X x) {
  const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(lo);
  Split sp{static_cast<int64_t>(rest), 0, false};
  if (!enc::is_int<32>(sp.upper)) {
    sp.shift = std::countr_zero(rest);
    sp.upper = static_cast<int64_t>(rest) >> sp.shift;
    // A long run of zeros: keep 12 of them so the remaining part can end in a bare lui.
    if (sp.shift > 12 && !enc::is_int<12>(sp.upper)) {
      const uint64_t up12 = static_cast<uint64_t>(sp.upper) << 12;
      if (enc::is_int<32>(static_cast<int64_t>(up12))) {
        sp.shift -= 12;
        sp.upper = static_cast<int64_t>(up12);
      } else if (x.zba && enc::is_uint<32>(up12)) {
        sp.shift -= 12;
        sp.upper = static_cast<int64_t>(up12 | ~uint64_t{0xffffffff});
        sp.uw = true;
      }
    }
    if (x.zba && !sp.uw && (static_cast<uint64_t>(sp.upper) >> 31) == 1) {  // uint32, not int32
      sp.upper = sext32(sp.upper);
      sp.uw = true;
    }
  }
  return sp;
}

int cost32(int64_t val) {
  const int64_t hi20 = ((val + 0x800) >> 12) & 0xfffff;
  return (hi20 ? 1 : 0) + ((sext12(val) || hi20 == 0) ? 1 : 0);
}
// A 32-bit value (0x800 is one bseti with Zbs).
template <class X>
int cost_small(int64_t val, X x) { return x.zbs && val == 0x800 ? 1 : cost32(val); }

// Low-part candidates of a value wider than 32 bits: the sign-extended low 12 bits (one
// addi) and, reached with two addis ([-4096, 4094]), the one 4096 away, which is worth
// it when val - lo then has more trailing zeros. The second is tried for the outermost
// low part only (as LLVM does), which keeps the search linear.
int low_candidates(int64_t val, int64_t out[2], bool outer) {
  const int64_t lo12 = sext12(val);
  out[0] = lo12;
  if (!outer) return 1;
  if (lo12 > 0) { out[1] = lo12 - 4096; return 2; }
  if (lo12 < 0 && lo12 + 4096 <= 4094) { out[1] = lo12 + 4096; return 2; }
  return 1;
}
int low_cost(int64_t lo) { return lo == 0 ? 0 : enc::is_int<12>(lo) ? 1 : 2; }

template <class X>
int cost(int64_t val, X x, bool outer = true);
// Inlined into cost() (as the base search always was): a call per level would cost more
// than the level's own work.
template <class X>
[[gnu::always_inline]] inline int cost_with_low(int64_t val, int64_t lo, X x) {
  // Zbs: what is left above the low part is a single bit (bseti k, not addi 1; slli k).
  const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(lo);
  if (bseti_alone(static_cast<int64_t>(rest), x)) {
    return 1 + low_cost(lo);
  }
  const Split sp = split(val, lo, x);
  return cost(sp.upper, x, false) + (sp.shift ? 1 : 0) + low_cost(lo);
}
template <class X>
int cost(int64_t val, X x, bool outer) {
  if (enc::is_int<32>(val)) return cost_small(val, x);
  // Parts below the top are odd, lui-shaped or sign-extended, never a lone bit.
  if (outer && bseti_alone(val, x)) return 1;
  int64_t lo[2];
  const int n = low_candidates(val, lo, outer);
  int best = cost_with_low(val, lo[0], x);
  if (n == 2) best = std::min(best, cost_with_low(val, lo[1], x));
  return best;
}

// Lower bounds of cost_top(val), read off where val's bits change, so that the search
// can skip a candidate that cannot beat the best one so far without running its chain.
//
// Why they hold: a level of the chain peels the low part (bits p..p+11 of val, one addi
// when they are not all zero), and the part above then starts with a run of bits equal
// to bit p+11 (the borrow of a negative low part turns a run of ones into zeros), which
// the slli skips: the next level starts right after the run, at a bit that differs.
// Numbering the changes ("change i": bit i != bit i+1), each level with a low part
// accounts for the changes at p-1..p+10, the run has none, and the next level starts at
// the next change: the levels are a greedy cover of the changes by 12-wide windows, the
// first one at bit 0. The chain ends with a part that covers the highest change h and
// some below it (the ends are listed in cost_bounds()). Cost: 2 per level with a low part
// (addi, slli), 1 for a level without one (only the first can be), plus the end; the
// outermost level may instead peel 13 bits with two addis (3). A value within 33 bits
// gets 1 (the part above its low part can be a 32-bit value, needing no slli).
// The bounds were also checked directly, against each low part's chain, on 44.8 M
// (constant, extension set) pairs by a throwaway harness; li_reference_test checks the
// decisions.
//
// one: the chain with the one-addi (or no) outermost low part; two: with the two-addi one.
struct Bounds {
  int one, two;
  int min() const { return std::min(one, two); }
};
template <class X>
Bounds cost_bounds(int64_t val, X x, bool one = true) {
  if (enc::is_int<32>(val)) return {cost_small(val, x), cost_small(val, x)};
  if (bseti_alone(val, x) || enc::is_int<33>(val)) return {1, 1};
  const uint64_t u = static_cast<uint64_t>(val);
  const uint64_t changes = (u ^ (u >> 1)) & (~uint64_t{0} >> 1);
  const int h = 63 - std::countl_zero(changes);  // >= 32: val is not int33
  // The ways the chain can end: the changes below a limit need windows, then the last
  // part costs something beyond its level's addi and slli:
  //  - a 32-bit value after the last slli (>= 1): limit h-31;
  //  - the last level leaves a 33-bit value whose low part leaves a 32-bit one (no slli:
  //    0xffffffff7fffffff is lui 0x80000; addi -1): one more change for 2, limit h-32;
  //  - Zba: an unsigned 32-bit value (slli.uw, zext.w): one more change for 1, only in a
  //    positive constant (the part left of a negative one stays negative);
  //  - Zbs: a lone bit k in place of the last slli and the value (0 more): in the
  //    constant those are the changes at k-1 and k (or only k-1 after a borrow), so all
  //    the others need windows, limit h-1.
  const int top = x.zbs ? h - 1 : h - 31;
  const uint64_t below = changes & ((uint64_t{1} << top) - 1);
  // `first` for the first level, then the greedy cover of the changes in m by 12-wide
  // windows (2 each), counted below each limit; the cheapest end.
  auto cover = [&](uint64_t m, int first) {
    int n31 = 0, n32 = 0;
    for (int i; m && (i = std::countr_zero(m)) < h - 31;) {  // at most 3 windows
      ++n31;
      n32 += i < h - 32;
      m &= ~uint64_t{0} << (i + 12);  // i + 12 < 44
    }
    int b = std::min(first + 2 * n31 + 1, first + 2 * n32 + 2);
    if (x.zba && val > 0) b = std::min(b, first + 2 * n32 + 1);
    // Zbs: with a change left in [h-31, h-1) the lone-bit end needs one more window than
    // the 32-bit end, and 2 more then is not below it.
    if (x.zbs && m == 0) b = std::min(b, first + 2 * n31);
    return b;
  };
  // No low part (the first level is a bare slli), one addi (the first window at bit 0),
  // or two addis (13 bits, one more instruction).
  if ((u & 0xfff) == 0) {
    const int b = cover(below, 1);
    return {b, b};
  }
  // (`one` false: only the two-addi bound is wanted, the other is left at 0.)
  return {one ? cover(below & (~uint64_t{0} << 11), 2) : 0,
          cover(below & (~uint64_t{0} << 12), 3)};
}

// cost() of a top-level value that also says whether the second low part won, so that
// build() does not search the two low parts again. `two_addis_bound`: cost_bounds(val).two
// if the caller has it, else -1.
// `first_known`: the one-addi chain's cost if the caller has it (materialise() built it),
// else -1.
template <class X>
int cost_top(int64_t val, X x, bool& lo2, int two_addis_bound = -1, int first_known = -1) {
  lo2 = false;
  if (first_known >= 0 && (enc::is_int<32>(val) || bseti_alone(val, x))) return first_known;
  if (enc::is_int<32>(val)) return cost_small(val, x);
  if (bseti_alone(val, x)) return 1;
  int64_t lo[2];
  const int n = low_candidates(val, lo, true);
  const int first = first_known >= 0 ? first_known : cost_with_low(val, lo[0], x);
  if (n == 2 && two_addis_bound < 0) two_addis_bound = cost_bounds(val, x, false).two;
  if (n == 2 && two_addis_bound < first) {
    const int second = cost_with_low(val, lo[1], x);
    if (second < first) {
      lo2 = true;
      return second;
    }
  }
  return first;
}

// Materialise the cheapest plan cost() found (the first one on ties); `lo2` is
// cost_top()'s answer for the outermost low part.
template <class X>
void build(int64_t val, LiSequence& seq, X x, bool lo2, bool outer = true) {
  if (bseti_alone(val, x)) {
    seq.push(LiStep::kBseti, std::countr_zero(static_cast<uint64_t>(val)));
    return;
  }
  if (enc::is_int<32>(val)) {
    const int64_t hi20 = ((val + 0x800) >> 12) & 0xfffff;
    const int64_t lo12 = sext12(val);
    if (hi20) seq.push(LiStep::kLui, hi20);
    // addiw after lui: lui of 0x80000 sign-extends, addiw wraps back into 32 bits.
    if (lo12 || hi20 == 0) seq.push(hi20 ? LiStep::kAddiw : LiStep::kAddi, lo12);
    return;
  }
  int64_t lo[2];
  const int n = low_candidates(val, lo, outer);
  const int64_t use = n == 2 && lo2 ? lo[1] : lo[0];
  const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(use);
  if (bseti_alone(static_cast<int64_t>(rest), x)) {
    seq.push(LiStep::kBseti, std::countr_zero(rest));
  } else {
    const Split sp = split(val, use, x);
    build(sp.upper, seq, x, false, false);
    if (sp.shift) seq.push(sp.uw ? LiStep::kSlliUw : LiStep::kSlli, sp.shift);
  }
  if (enc::is_int<12>(use)) {
    if (use) seq.push(LiStep::kAddi, use);
  } else {
    const int64_t first = use < 0 ? -2048 : 2047;
    seq.push(LiStep::kAddi, first);
    seq.push(LiStep::kAddi, use - first);
  }
}

// The upper 52 bits of val rounded so that val = hi52 + sext12(val).
int64_t hi52(int64_t val) {
  return static_cast<int64_t>((static_cast<uint64_t>(val) + 0x800) & ~uint64_t{0xfff});
}

// Zba: val = q * (2^kSh + 1) (+ a low addi) with q cheaper; a constant divisor keeps the
// divisibility tests to multiplications.
template <int kSh, class X>
void consider_shnadd(int64_t val, X x, Choice& best) {
  constexpr int64_t d = (int64_t{1} << kSh) + 1;
  if (best.cost <= 2) return;
  bool lo2;
  Bounds b;
  if (val % d == 0 && (b = cost_bounds(val / d, x)).min() + 1 < best.cost) {
    const int c = cost_top(val / d, x, lo2, b.two) + 1;
    best.consider(Shape::kShNadd, c, kSh, lo2);
  }
  const int64_t h = hi52(val);
  if (best.cost > 3 && sext12(val) != 0 && h % d == 0 &&
      (b = cost_bounds(h / d, x)).min() + 2 < best.cost) {
    const int c = cost_top(h / d, x, lo2, b.two) + 2;
    best.consider(Shape::kShNaddAddi, c, kSh, lo2);
  }
}

}  // namespace

// Every chain candidate is first checked against cost_bounds(): one that cannot be
// strictly cheaper than the best so far would not have been picked (the search keeps the
// first of equal candidates), so skipping it leaves every decision unchanged.
// (The parameters are described in li_internal.h.)
template <class X>
Choice choose(int64_t val, bool nested, X x, int limit, int plain_known) {
  Choice best{Plan{}, limit, Plan{}};
  auto chain = [&](Shape s, int64_t w, int extra) {
    bool lo2;
    int c;
    if (best.cost == kNoLimit) {  // nothing to beat yet (the first chain)
      c = cost_top(w, x, lo2, -1, plain_known) + extra;
    } else {
      const Bounds b = cost_bounds(w, x);
      if (b.min() + extra >= best.cost) return;
      c = cost_top(w, x, lo2, b.two) + extra;
    }
    best.consider(s, c, 0, lo2);
  };
  chain(Shape::kPlain, val, 0);
  if (best.cost <= 1) return best;
  // Nothing makes a value that is not one addi/lui/bseti in one instruction, and with
  // li_may_take_two() false nothing makes it in two (li_bound.h: a bound on every
  // sequence, not only on the candidates below). A candidate at that bound is final: the
  // rest could at best tie, and ties keep the earlier candidate.
  if (best.cost <= 2 || (best.cost == 3 && !li_may_take_two(val, x))) return best;
  if ((val & 1) == 0 && val != 0) {
    const int before = best.cost;
    chain(Shape::kSlli, val >> std::countr_zero(static_cast<uint64_t>(val)), 1);
    // (li_may_take_two() already said "maybe" when plain was 3.)
    if (best.cost <= 2 || (best.cost == 3 && before > 3 && !li_may_take_two(val, x))) return best;
  }
  if (val > 0) {
    const int lz = std::countl_zero(static_cast<uint64_t>(val));
    const uint64_t up = static_cast<uint64_t>(val) << lz;
    const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
    chain(Shape::kSrliOnes, static_cast<int64_t>(up | ones), 1);
    chain(Shape::kSrliZeros, static_cast<int64_t>(up), 1);
  }
  if (!nested && best.cost > 2) {
    best.consider_nested(Shape::kNot, choose(~val, true, x, best.cost - 1), 1);
  }

  const uint64_t u = static_cast<uint64_t>(val);
  if (x.zba && (u >> 31) == 1) best.consider(Shape::kZextW, cost_small(sext32(val), x) + 1);
  if (x.zbs) {
    const int64_t lo = val & 0x7fffffff;
    best.consider(Shape::kSetHigh, (lo ? cost_small(lo, x) : 0) + std::popcount(u & kHigh33));
    best.consider(Shape::kClearHigh, cost_small(val | static_cast<int64_t>(kHigh33), x) +
                                         std::popcount(~u & kHigh33));
  }
  // Not for the complement: ~val's multiples next to never win, and it costs a search.
  if (x.zba && !nested) {
    consider_shnadd<1>(val, x, best);
    consider_shnadd<2>(val, x, best);
    consider_shnadd<3>(val, x, best);
  }
  // Zbb: rotl(val, r) is a 32-bit value exactly when val has a run of 33 equal bits
  // (circularly) that the rotation moves to bits 31..63; each start of such a run gives
  // one r, and they differ in how cheap the 32-bit value is.
  if (x.zbb && best.cost > 2) {
    for (uint64_t m = runs33(u) | runs33(~u); m; m &= m - 1) {
      const int r = (31 - std::countr_zero(m)) & 63;
      best.consider(Shape::kRotate, cost_small(static_cast<int64_t>(std::rotl(u, r)), x) + 1, r);
    }
  }
  // Zbs: one bit away from a constant that is at least two instructions cheaper. Only
  // bits that are a run of their own (both neighbours differ) are flipped, and only in
  // values with at most 4 bit boundaries: each try is a search, and allowing 12
  // boundaries found 2 more shorter sequences in the 16,458 constants of li_llvm_test.
  if (x.zbs && !nested && best.cost > 3) {
    const uint64_t edges = (u ^ (u >> 1)) & (~uint64_t{0} >> 1);  // bit i: bits i, i+1 differ
    if (std::popcount(edges) <= 4) {
      // Bit i differs from bit i+1 and from bit i-1; bits 0 and 63 have one neighbour.
      const uint64_t lone = (edges & (edges << 1)) | (edges & 1) | (edges >> 62 << 63);
      for (uint64_t m = lone; m; m &= m - 1) {
        const int k = std::countr_zero(m);
        const int64_t flipped = val ^ static_cast<int64_t>(uint64_t{1} << k);
        best.consider_nested(Shape::kFlip, choose(flipped, true, x, best.cost - 1), 1, k);
      }
    }
  }
  return best;
}

// Emit the steps of plan p for val (the search is done: choose() recorded every decision).
template <class X>
void emit_plan(int64_t val, const Plan& p, const Plan& inner, X x, LiSequence& seq) {
  const uint64_t u = static_cast<uint64_t>(val);
  const int lz = val > 0 ? std::countl_zero(u) : 0;
  const uint64_t up = u << lz;
  const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
  auto small = [&](int64_t v) {  // a cost_small() value
    if (bseti_alone(v, x)) seq.push(LiStep::kBseti, std::countr_zero(static_cast<uint64_t>(v)));
    else build(v, seq, x, false);
  };
  auto bits = [&](LiStep::Op op, uint64_t m) {
    for (; m; m &= m - 1) seq.push(op, std::countr_zero(m));
  };
  switch (p.shape) {
    case Shape::kPlain: build(val, seq, x, p.lo2); break;
    case Shape::kSlli: {
      const int tz = std::countr_zero(u);
      build(val >> tz, seq, x, p.lo2);
      seq.push(LiStep::kSlli, tz);
      break;
    }
    case Shape::kSrliOnes:
      build(static_cast<int64_t>(up | ones), seq, x, p.lo2);
      seq.push(LiStep::kSrli, lz);
      break;
    case Shape::kSrliZeros:
      build(static_cast<int64_t>(up), seq, x, p.lo2);
      seq.push(LiStep::kSrli, lz);
      break;
    case Shape::kNot: emit_plan(~val, inner, Plan{}, x, seq); seq.push(LiStep::kXori, -1); break;
    case Shape::kZextW: small(sext32(val)); seq.push(LiStep::kZextW, 0); break;
    case Shape::kSetHigh:
      if (val & 0x7fffffff) small(val & 0x7fffffff);
      bits(LiStep::kBseti, u & kHigh33);
      break;
    case Shape::kClearHigh:
      small(val | static_cast<int64_t>(kHigh33));
      bits(LiStep::kBclri, ~u & kHigh33);
      break;
    case Shape::kFlip:
      emit_plan(val ^ static_cast<int64_t>(uint64_t{1} << p.arg), inner, Plan{}, x, seq);
      seq.push((u >> p.arg & 1) ? LiStep::kBseti : LiStep::kBclri, p.arg);
      break;
    case Shape::kShNadd:
    case Shape::kShNaddAddi: {
      const int64_t d = (int64_t{1} << p.arg) + 1;
      const LiStep::Op op =
          p.arg == 1 ? LiStep::kSh1add : p.arg == 2 ? LiStep::kSh2add : LiStep::kSh3add;
      build((p.shape == Shape::kShNadd ? val : hi52(val)) / d, seq, x, p.lo2);
      seq.push(op, 0);
      if (p.shape == Shape::kShNaddAddi) seq.push(LiStep::kAddi, sext12(val));
      break;
    }
    case Shape::kRotate:
      small(static_cast<int64_t>(std::rotl(u, p.arg)));
      seq.push(LiStep::kRori, p.arg);
      break;
  }
}

// The three extension-set types li.cpp instantiates materialise() with.
template Choice choose(int64_t, bool, FixedExt<false, false, false>, int, int);
template Choice choose(int64_t, bool, FixedExt<true, true, true>, int, int);
template Choice choose(int64_t, bool, MixedExt, int, int);
template void emit_plan(int64_t, const Plan&, const Plan&, FixedExt<false, false, false>,
                        LiSequence&);
template void emit_plan(int64_t, const Plan&, const Plan&, FixedExt<true, true, true>,
                        LiSequence&);
template void emit_plan(int64_t, const Plan&, const Plan&, MixedExt, LiSequence&);

}  // namespace rvjit::li_detail
