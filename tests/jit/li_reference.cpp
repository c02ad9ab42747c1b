// The li search of commit f6fbae7 (jit/src/li.cpp before issue 17's changes), kept
// verbatim as the reference that li_reference_test compares today's li_sequence() with:
// any change to li.cpp must give, for every constant and extension set, a sequence that
// computes the same value and is never longer (byte-identical while the search itself is
// unchanged). Only the namespace and the function name differ from the original.
// li_sequence(): constant materialisation for RV64I, with Zba/Zbb/Zbs steps where the
// target has them. See rvjit/jit/li.h.
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
#include "li_reference.h"

#include <algorithm>
#include <bit>

#include "rvjit/jit/encoding.h"

namespace rvjit {
namespace li_reference {
namespace {

// The extensions li may use. The search is a template over this type: the base set and
// the full set (the Assembler's default target) are compile-time constants, so their
// extension tests fold away and the base search costs what it did before the extensions
// existed; the mixed sets share one instantiation that tests the flags at run time.
template <bool kZba, bool kZbb, bool kZbs>
struct FixedExt {
  static constexpr bool zba = kZba, zbb = kZbb, zbs = kZbs;
};
struct MixedExt {
  bool zba, zbb, zbs;
};

constexpr int64_t sext12(int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(v) << 52) >> 52; }
constexpr int64_t sext32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
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

// Materialise the cheapest plan cost() found (the first one on ties).
template <class X>
void build(int64_t val, LiSequence& seq, X x, bool outer = true) {
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
  int64_t use = lo[0];
  if (n == 2 && cost_with_low(val, lo[1], x) < cost_with_low(val, lo[0], x)) use = lo[1];
  const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(use);
  if (bseti_alone(static_cast<int64_t>(rest), x)) {
    seq.push(LiStep::kBseti, std::countr_zero(rest));
  } else {
    const Split sp = split(val, use, x);
    build(sp.upper, seq, x, false);
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

// The top-level shapes. Base: plain, trailing zeros shifted out (+slli), value moved to
// the top with the freed low bits all ones or all zeros (+srli), complement (+xori -1).
// The others need their extension (see li.h); `arg` is the bit, the rotation or the
// shNadd shift.
enum class Shape : uint8_t {
  kPlain, kSlli, kSrliOnes, kSrliZeros, kNot,
  kZextW,       // Zba: sext32(val), zext.w
  kSetHigh,     // Zbs: val & 0x7fffffff, one bseti per set bit 31..63
  kClearHigh,   // Zbs: val | ~0x7fffffff, one bclri per clear bit 31..63
  kFlip,        // Zbs: val with bit arg flipped (its own best shape), bseti/bclri arg
  kShNadd,      // Zba: val / (2^arg + 1), shNadd
  kShNaddAddi,  // Zba: hi52 / (2^arg + 1), shNadd, addi sext12(val)
  kRotate,      // Zbb: rotl(val, arg) (a 32-bit value), rori arg
};
struct Choice {
  Shape shape;
  int cost;
  int arg = 0;
  void consider(Shape s, int c, int a = 0) {
    if (c < cost) *this = Choice{s, c, a};
  }
};

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
  if (val % d == 0) best.consider(Shape::kShNadd, cost(val / d, x) + 1, kSh);
  const int64_t h = hi52(val);
  if (best.cost > 3 && sext12(val) != 0 && h % d == 0) {
    best.consider(Shape::kShNaddAddi, cost(h / d, x) + 2, kSh);
  }
}

// Bit i set: bits i..i+32 (mod 64) of z are all ones, a 33-bit run starting at i.
uint64_t runs33(uint64_t z) {
  uint64_t r = z & std::rotr(z, 1);  // runs of 2
  r &= std::rotr(r, 2);              // 4
  r &= std::rotr(r, 4);              // 8
  r &= std::rotr(r, 8);              // 16
  r &= std::rotr(r, 16);             // 32
  return r & std::rotr(z, 32);       // 33
}

// `nested` is set for the complement and the flipped-bit candidates: they are searched
// without those two shapes, which bounds the search to two levels.
template <class X>
Choice choose(int64_t val, bool nested, X x) {
  Choice best{Shape::kPlain, cost(val, x)};
  if (best.cost <= 1) return best;
  if ((val & 1) == 0 && val != 0) {
    best.consider(Shape::kSlli, cost(val >> std::countr_zero(static_cast<uint64_t>(val)), x) + 1);
  }
  // Nothing makes a value that is not one addi/lui/bseti in one instruction.
  if (best.cost <= 2) return best;
  if (val > 0) {
    const int lz = std::countl_zero(static_cast<uint64_t>(val));
    const uint64_t up = static_cast<uint64_t>(val) << lz;
    const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
    best.consider(Shape::kSrliOnes, cost(static_cast<int64_t>(up | ones), x) + 1);
    best.consider(Shape::kSrliZeros, cost(static_cast<int64_t>(up), x) + 1);
  }
  if (!nested && best.cost > 2) best.consider(Shape::kNot, choose(~val, true, x).cost + 1);

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
        best.consider(Shape::kFlip, choose(flipped, true, x).cost + 1, k);
      }
    }
  }
  return best;
}

template <class X>
void materialise(int64_t val, bool nested, X x, LiSequence& seq) {
  const Choice c = choose(val, nested, x);
  const uint64_t u = static_cast<uint64_t>(val);
  const int lz = val > 0 ? std::countl_zero(u) : 0;
  const uint64_t up = u << lz;
  const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
  auto small = [&](int64_t v) {  // a cost_small() value
    if (bseti_alone(v, x)) seq.push(LiStep::kBseti, std::countr_zero(static_cast<uint64_t>(v)));
    else build(v, seq, x);
  };
  auto bits = [&](LiStep::Op op, uint64_t m) {
    for (; m; m &= m - 1) seq.push(op, std::countr_zero(m));
  };
  switch (c.shape) {
    case Shape::kPlain: build(val, seq, x); break;
    case Shape::kSlli: {
      const int tz = std::countr_zero(u);
      build(val >> tz, seq, x);
      seq.push(LiStep::kSlli, tz);
      break;
    }
    case Shape::kSrliOnes:
      build(static_cast<int64_t>(up | ones), seq, x);
      seq.push(LiStep::kSrli, lz);
      break;
    case Shape::kSrliZeros:
      build(static_cast<int64_t>(up), seq, x);
      seq.push(LiStep::kSrli, lz);
      break;
    case Shape::kNot: materialise(~val, true, x, seq); seq.push(LiStep::kXori, -1); break;
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
      materialise(val ^ static_cast<int64_t>(uint64_t{1} << c.arg), true, x, seq);
      seq.push((u >> c.arg & 1) ? LiStep::kBseti : LiStep::kBclri, c.arg);
      break;
    case Shape::kShNadd:
    case Shape::kShNaddAddi: {
      const int64_t d = (int64_t{1} << c.arg) + 1;
      const LiStep::Op op =
          c.arg == 1 ? LiStep::kSh1add : c.arg == 2 ? LiStep::kSh2add : LiStep::kSh3add;
      build((c.shape == Shape::kShNadd ? val : hi52(val)) / d, seq, x);
      seq.push(op, 0);
      if (c.shape == Shape::kShNaddAddi) seq.push(LiStep::kAddi, sext12(val));
      break;
    }
    case Shape::kRotate:
      small(static_cast<int64_t>(std::rotl(u, c.arg)));
      seq.push(LiStep::kRori, c.arg);
      break;
  }
}

}  // namespace

LiSequence li_sequence_reference(int64_t val, JitTarget target) noexcept {
  LiSequence seq;
  const MixedExt x{target.has(TargetExt::kZba), target.has(TargetExt::kZbb),
                   target.has(TargetExt::kZbs)};
  if (!x.zba && !x.zbb && !x.zbs) {
    materialise(val, false, FixedExt<false, false, false>{}, seq);
  } else if (x.zba && x.zbb && x.zbs) {
    materialise(val, false, FixedExt<true, true, true>{}, seq);
  } else {
    materialise(val, false, x, seq);
  }
  return seq;
}

}  // namespace li_reference
}  // namespace rvjit
