// Base RV64I only: li_sequence()'s decision without the candidate search (li_search.cpp)
// for most constants. li.cpp builds the plain chain (build_plain_base()) first; base_fast()
// then reproduces the search's decision among its first candidates when lower bounds over
// all the other candidates (base_bounds()) show it final. Why: the search costs far more
// than the plain chain, and this never changes a decision
// (tests/jit/li_reference_test.cpp). build(), low_candidates(), cost_top(), cost_bounds()
// and choose(), named below, are li_search.cpp's.
#include <algorithm>
#include <bit>

#include "li_internal.h"
#include "rvjit/jit/encoding.h"

namespace rvjit::li_detail {

// Base RV64I: build(val, seq, x, false), the plain one-addi chain, as a loop instead of a
// recursion (the same decisions: peel the low 12 bits, shift out the zeros above, keep 12
// of a longer run when that leaves a lui-shaped part, until a 32-bit value is left).
// At most 3 levels: each one removes 12 or more significant bits from a 64-bit value.
// `two_addis`: the outermost low part is the two-addi one (build()'s lo2; the caller
// checked it exists: low_candidates() gives two).
void build_plain_base(int64_t val, LiSequence& seq, bool two_addis) {
  int64_t lows[3];
  int shifts[3];
  int n = 0;
  while (!enc::is_int<32>(val)) {
    int64_t lo = sext12(val);
    if (two_addis && n == 0) lo += lo > 0 ? -4096 : 4096;
    const uint64_t rest = static_cast<uint64_t>(val) - static_cast<uint64_t>(lo);
    int shift = 0;
    int64_t upper = static_cast<int64_t>(rest);
    if (!enc::is_int<32>(upper)) {
      shift = std::countr_zero(rest);
      upper = static_cast<int64_t>(rest) >> shift;
      // Selected, not branched on: true for about half of random constants.
      const int64_t up12 = static_cast<int64_t>(static_cast<uint64_t>(upper) << 12);
      const bool keep12 = static_cast<int>(shift > 12) & static_cast<int>(!enc::is_int<12>(upper)) &
                          static_cast<int>(enc::is_int<32>(up12));
      shift -= keep12 ? 12 : 0;
      upper = keep12 ? up12 : upper;
    }
    lows[n] = lo;
    shifts[n] = shift;
    ++n;
    val = upper;
  }
  const int64_t hi20 = ((val + 0x800) >> 12) & 0xfffff;
  const int64_t lo12 = sext12(val);
  unsigned k = 0;
  if (hi20) seq.steps[k++] = LiStep{LiStep::kLui, static_cast<int32_t>(hi20)};
  if (lo12 || hi20 == 0) {
    seq.steps[k++] = LiStep{hi20 ? LiStep::kAddiw : LiStep::kAddi, static_cast<int32_t>(lo12)};
  }
  while (n-- > 0) {
    if (shifts[n]) seq.steps[k++] = LiStep{LiStep::kSlli, shifts[n]};
    if (enc::is_int<12>(lows[n])) {
      if (lows[n]) seq.steps[k++] = LiStep{LiStep::kAddi, static_cast<int32_t>(lows[n])};
    } else {  // two addis, the first one -2048 or 2047, as build() emits them
      const int32_t first = lows[n] < 0 ? -2048 : 2047;
      seq.steps[k++] = LiStep{LiStep::kAddi, first};
      seq.steps[k++] = LiStep{LiStep::kAddi, static_cast<int32_t>(lows[n] - first)};
    }
  }
  seq.size = static_cast<uint8_t>(k);
}

namespace {

// Base RV64I: lower bounds of the candidates of choose() other than the plain and slli
// one-addi chains, from one pass over val's bit changes, so that the search can be skipped
// when one of those two chains is already what choose() would keep.
//
// Why they hold: every base candidate is a chain of a value w with 0 to 2 steps around it
// (see choose()): the plain chain of val (two-addi low part: plain_two), the slli (v even)
// or the complement's slli (v odd) of the odd part (odd_one/odd_two), the two srli (v > 0)
// or the complement's two srli (v < 0), the complement's plain chain. Their values have
// val's change set C (bit i != bit i+1), shifted, minus an end change: the odd part drops
// the lowest change c0 and moves down by t = c0 + 1, the srli values drop the highest h
// and move up by lz = 63 - h, so their top change is the second highest, h2, moved up
// (the fill below bit lz may add one, which is ignored). With every w wider than 33 bits
// (checked: h - t >= 32, h2 + lz >= 32), cost_bounds(w) is its cover formula,
// first + min(2 n31 + 1, 2 n32 + 2), over w's changes from bit 11 (first 2, one addi) or
// 12 (first 3, two addis), or from bit 0 (first 1) when w's low 12 bits are zero; n31 and
// n32 count the greedy 12-bit windows starting below h_w - 31 and h_w - 32, i.e. of the
// changes below those limits. Moved into val's bit positions, those are windows of C in
// the ranges used below, and fewer changes never need more windows, so the counts here
// (capped at 2: a wider range is undercounted) never exceed cost_bounds()', which bounds
// each chain (the proof is at cost_bounds()).
struct BaseBounds {
  int plain_two;         // plain chain, two-addi low part
  int odd_one, odd_two;  // the slli shape's chain (+ xori -1 when v is odd), each low part
  int not_plain;         // xori -1 of the complement's plain chain
  int ones, zeros;       // the srli shapes (+ xori -1 when v < 0)
};
bool base_bounds(int64_t val, BaseBounds& b) {
  const uint64_t u = static_cast<uint64_t>(val);
  const uint64_t c = (u ^ (u >> 1)) & (~uint64_t{0} >> 1);
  if (c == 0) return false;
  const int h = 63 - std::countl_zero(c);
  const uint64_t below_h = c & ~(uint64_t{1} << h);
  if (below_h == 0) return false;
  const int h2 = 63 - std::countl_zero(below_h);
  const int t = std::countr_zero(c) + 1;  // the trailing run: tz(v) or tz(~v)
  const int lz = 63 - h;                  // clz(v) or clz(~v)
  if (h - t < 32 || h2 + lz < 32) return false;  // some w within 33 bits: other formulas
  // Greedy 12-bit windows over the changes in [a, l), 0 to 2.
  // Branch-free: the limits depend on the constant, so branches on them mispredict.
  // (l <= 31 here: top <= 62.)
  // The highest set bit of m is 12 or more above the lowest exactly when m >= lowest
  // << 12 (m < 2^32 here, no overflow).
  auto windows = [](uint64_t m) {
    return static_cast<int>(m != 0) * (1 + static_cast<int>(m >= (m & (0 - m)) << 12));
  };
  // cost_bounds()' cover(): `first`, then the windows from a, ending below top - 31/32.
  auto cover = [&](int first, int a, int top) {
    const uint64_t m31 = c & ((uint64_t{1} << std::max(top - 31, 0)) - 1) &
                         (~uint64_t{0} << std::max(a, 0));
    const uint64_t m32 = m31 & ~(uint64_t{1} << std::max(top - 32, 0));
    return first + std::min(2 * windows(m31) + 1, 2 * windows(m32) + 2);
  };
  const int not_odd = val & 1;  // the odd part is the complement's
  b.plain_two = cover(3, 12, h);
  b.odd_one = 1 + not_odd + cover(2, t + 11, h);
  b.odd_two = 1 + not_odd + cover(3, t + 12, h);
  const int not_plain = 1 + ((u & 0xfff) == 0xfff ? cover(1, 0, h)  // ~v's low bits zero
                                                  : std::min(cover(2, 11, h), b.plain_two));
  // srli (of ~v when v < 0, one xori more): the ones fill has low bits, the zeros fill
  // none when lz + tz >= 12.
  const int ones = std::min(cover(2, 11 - lz, h2), cover(3, 12 - lz, h2));
  const int tz_w = ((val & 1) == 0) == (val > 0) ? t : 0;  // tz of v (v > 0) or of ~v
  // With the low 12 bits zero, w's chain is slli + the chain of its odd part (one low
  // part only: low_candidates() offers the second for a nonzero low part), whose changes
  // are C without h and below tz_w, and whose top change is h2; when that part is wider
  // than 33 bits its chain is at least 1 + cover(2, ...) (odd: a low part); else the
  // plain cover of w.
  const int zeros = lz + tz_w < 12 ? ones
                    : h2 - tz_w >= 32 ? 1 + cover(2, tz_w + 11, h2)
                                      : cover(1, -lz, h2);
  b.not_plain = not_plain;
  b.ones = (val < 0 ? 2 : 1) + ones;
  b.zeros = (val < 0 ? 2 : 1) + zeros;
  return true;
}

// Base RV64I: cost_top(w), exactly: the plain chain with the one-addi low part, or the
// two-addi one when that exists (low_candidates()) and is strictly shorter.
int exact_top_base(int64_t w) {
  LiSequence s;
  build_plain_base(w, s);
  const int64_t lo12 = sext12(w);
  if (enc::is_int<32>(w) || lo12 == 0 || lo12 == -1) return s.size;
  LiSequence two;
  build_plain_base(w, two, true);
  return std::min<int>(s.size, two.size);
}

}  // namespace

// Base RV64I only: choose()'s decision among its first candidates (the plain chain with
// either low part, the slli chain with the one-addi low part) without the search, when
// no other candidate can be strictly shorter than the one that choose() would hold by
// then (ties keep the earlier candidate, and choose() replaces only on strictly
// shorter). base_bounds() settles most candidates; where its bound is not enough, the
// candidate's chain is measured exactly (two short walks instead of the search). seq
// holds the plain one-addi chain; returns false (seq untouched) when not shown.
template <class X>
bool base_fast(int64_t val, X x, LiSequence& seq) {
  if (x.zba || x.zbb || x.zbs) return false;  // the extension shapes are not covered here
  BaseBounds b;
  const int p0 = seq.size;
  if (p0 <= 3 || !base_bounds(val, b)) return false;
  // cost_top(val): the two-addi chain wins when strictly shorter.
  int plain = p0;
  LiSequence two;
  const int64_t lo12 = sext12(val);
  if (b.plain_two < p0 && lo12 != 0 && lo12 != -1) {  // it exists and may be shorter
    build_plain_base(val, two, true);
    if (two.size < p0) plain = two.size;
  }
  int best = plain;
  const uint64_t u = static_cast<uint64_t>(val);
  const int t = std::countr_zero(u & 1 ? ~u : u);  // the trailing run of v
  LiSequence slli;
  if ((val & 1) != 0) {  // the complement's slli (its odd part is ~v >> t)
    if (std::min(b.odd_one, b.odd_two) < best && 2 + exact_top_base(~val >> t) < best) {
      return false;
    }
  } else if (std::min(b.odd_one, b.odd_two) < best) {
    // The slli shape may be shorter: its one-addi chain exactly; the two-addi one of the
    // odd part must not undercut it (then cost_top() keeps the one-addi chain).
    const int64_t odd = val >> t;
    build_plain_base(odd, slli);
    slli.steps[slli.size++] = LiStep{LiStep::kSlli, t};
    const int need = std::min<int>(slli.size, best);
    if (b.odd_two < need && 1 + exact_top_base(odd) < need) return false;
    if (slli.size < best) best = slli.size;
  }
  // The later candidates: srli shapes (of ~v when v < 0), the complement's plain chain.
  const int64_t pos = val < 0 ? ~val : val;
  const int extra = val < 0 ? 2 : 1;
  const int lz = std::countl_zero(static_cast<uint64_t>(pos));
  const uint64_t up = static_cast<uint64_t>(pos) << lz;
  if (b.not_plain < best && 1 + exact_top_base(~val) < best) return false;
  if (b.ones < best &&
      extra + exact_top_base(static_cast<int64_t>(up | ((uint64_t{1} << lz) - 1))) < best) {
    return false;
  }
  if (b.zeros < best && extra + exact_top_base(static_cast<int64_t>(up)) < best) return false;
  const LiSequence* src = best < plain ? &slli : plain < p0 ? &two : nullptr;
  if (src) {  // only the steps: the rest of a LiSequence is room
    seq.size = src->size;
    std::copy_n(src->steps, src->size, seq.steps);
  }
  return true;
}

// The three extension-set types li.cpp instantiates materialise() with (the two with
// extensions return false at once).
template bool base_fast(int64_t, FixedExt<false, false, false>, LiSequence&);
template bool base_fast(int64_t, FixedExt<true, true, true>, LiSequence&);
template bool base_fast(int64_t, MixedExt, LiSequence&);

}  // namespace rvjit::li_detail
