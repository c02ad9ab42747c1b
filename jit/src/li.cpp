// li_sequence(): constant materialisation for base RV64I. See rvjit/jit/li.h.
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
#include "rvjit/jit/li.h"

#include <algorithm>
#include <bit>

#include "rvjit/jit/encoding.h"

namespace rvjit {
namespace {

constexpr int64_t sext12(int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(v) << 52) >> 52; }

// The search is done on instruction counts only (cheap integer recursion); the chosen
// candidate is materialised once at the end, so no sequence is ever copied around.

// val = (upper << shift) + lo, where lo is the low part peeled off first.
struct Split { int64_t upper; int shift; };
Split split(int64_t val, int64_t lo) {
  const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(lo);
  Split sp{static_cast<int64_t>(rest), 0};
  if (!enc::is_int<32>(sp.upper)) {
    sp.shift = std::countr_zero(rest);
    sp.upper = static_cast<int64_t>(rest) >> sp.shift;
    // A long run of zeros: keep 12 of them so the remaining part can end in a bare lui.
    if (sp.shift > 12 && !enc::is_int<12>(sp.upper) &&
        enc::is_int<32>(static_cast<int64_t>(static_cast<uint64_t>(sp.upper) << 12))) {
      sp.shift -= 12;
      sp.upper = static_cast<int64_t>(static_cast<uint64_t>(sp.upper) << 12);
    }
  }
  return sp;
}

int cost32(int64_t val) {
  const int64_t hi20 = ((val + 0x800) >> 12) & 0xfffff;
  return (hi20 ? 1 : 0) + ((sext12(val) || hi20 == 0) ? 1 : 0);
}

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

int cost(int64_t val, bool outer = true);
int cost_with_low(int64_t val, int64_t lo) {
  const Split sp = split(val, lo);
  return cost(sp.upper, false) + (sp.shift ? 1 : 0) + low_cost(lo);
}
int cost(int64_t val, bool outer) {
  if (enc::is_int<32>(val)) return cost32(val);
  int64_t lo[2];
  const int n = low_candidates(val, lo, outer);
  int best = cost_with_low(val, lo[0]);
  if (n == 2) best = std::min(best, cost_with_low(val, lo[1]));
  return best;
}

// Materialise the cheapest plan cost() found (the first one on ties).
void build(int64_t val, LiSequence& seq, bool outer = true) {
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
  if (n == 2 && cost_with_low(val, lo[1]) < cost_with_low(val, lo[0])) use = lo[1];
  const Split sp = split(val, use);
  build(sp.upper, seq, false);
  if (sp.shift) seq.push(LiStep::kSlli, sp.shift);
  if (enc::is_int<12>(use)) {
    if (use) seq.push(LiStep::kAddi, use);
  } else {
    const int64_t first = use < 0 ? -2048 : 2047;
    seq.push(LiStep::kAddi, first);
    seq.push(LiStep::kAddi, use - first);
  }
}

// The top-level shapes: plain, trailing zeros shifted out (+slli), value moved to the top
// with the freed low bits all ones or all zeros (+srli), complement (+xori -1).
enum class Shape : uint8_t { kPlain, kSlli, kSrliOnes, kSrliZeros, kNot };
struct Choice { Shape shape; int cost; };

Choice choose(int64_t val, bool allow_not) {
  Choice best{Shape::kPlain, cost(val)};
  if (best.cost <= 1) return best;
  auto consider = [&](Shape s, int c) { if (c < best.cost) best = Choice{s, c}; };
  if ((val & 1) == 0 && val != 0) {
    consider(Shape::kSlli, cost(val >> std::countr_zero(static_cast<uint64_t>(val))) + 1);
  }
  if (best.cost <= 2) return best;
  if (val > 0) {
    const int lz = std::countl_zero(static_cast<uint64_t>(val));
    const uint64_t up = static_cast<uint64_t>(val) << lz;
    const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
    consider(Shape::kSrliOnes, cost(static_cast<int64_t>(up | ones)) + 1);
    consider(Shape::kSrliZeros, cost(static_cast<int64_t>(up)) + 1);
  }
  if (allow_not && best.cost > 2) consider(Shape::kNot, choose(~val, false).cost + 1);
  return best;
}

void materialise(int64_t val, bool allow_not, LiSequence& seq) {
  const Choice c = choose(val, allow_not);
  const int lz = val > 0 ? std::countl_zero(static_cast<uint64_t>(val)) : 0;
  const uint64_t up = static_cast<uint64_t>(val) << lz;
  const uint64_t ones = lz ? (~uint64_t{0} >> (64 - lz)) : 0;
  switch (c.shape) {
    case Shape::kPlain: build(val, seq); break;
    case Shape::kSlli: {
      const int tz = std::countr_zero(static_cast<uint64_t>(val));
      build(val >> tz, seq);
      seq.push(LiStep::kSlli, tz);
      break;
    }
    case Shape::kSrliOnes: build(static_cast<int64_t>(up | ones), seq); seq.push(LiStep::kSrli, lz); break;
    case Shape::kSrliZeros: build(static_cast<int64_t>(up), seq); seq.push(LiStep::kSrli, lz); break;
    case Shape::kNot: materialise(~val, false, seq); seq.push(LiStep::kXori, -1); break;
  }
}

}  // namespace

LiSequence li_sequence(int64_t val) noexcept {
  LiSequence seq;
  materialise(val, true, seq);
  return seq;
}

}  // namespace rvjit
