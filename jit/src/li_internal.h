// What li.cpp (the entry point), li_search.cpp (the candidate search) and
// li_base_fast.cpp (the base-target shortcut) share: the extension-set types the code is
// instantiated over, the 12/32-bit sign extensions, the search's plan types, and the
// entry points each file offers the others. Internal to rvjit_jit; see rvjit/jit/li.h.
#pragma once

#include <cstdint>

#include "rvjit/jit/li.h"

namespace rvjit::li_detail {

// The extensions li may use. The search is a template over this type: the base set and
// the full set (the Assembler's default target) are compile-time constants, so their
// extension tests fold away and the base search costs what it did before the extensions
// existed; the mixed sets share one instantiation that tests the flags at run time.
// (li_search.cpp and li_base_fast.cpp instantiate their templates for these three.)
template <bool kZba, bool kZbb, bool kZbs>
struct FixedExt {
  static constexpr bool zba = kZba, zbb = kZbb, zbs = kZbs;
};
struct MixedExt {
  bool zba, zbb, zbs;
};

constexpr int64_t sext12(int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(v) << 52) >> 52; }
constexpr int64_t sext32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

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
// A shape with what materialise() needs to build it without searching again: the low
// part cost_top() picked for the shape's chain, and for kNot/kFlip the nested choice.
struct Plan {
  Shape shape = Shape::kPlain;
  int arg = 0;
  bool lo2 = false;
};
struct Choice {
  Plan top;
  int cost;
  Plan inner;  // kNot, kFlip: the shape of ~val / the flipped value
  void consider(Shape s, int c, int a = 0, bool lo2 = false) {
    if (c < cost) *this = Choice{Plan{s, a, lo2}, c, Plan{}};
  }
  void consider_nested(Shape s, const Choice& n, int extra, int a = 0) {
    if (n.cost + extra < cost) *this = Choice{Plan{s, a, false}, n.cost + extra, n.top};
  }
};

constexpr int kNoLimit = static_cast<int>(LiSequence::kMax) + 1;  // above any cost

// li_search.cpp: the search over every candidate shape, and the emission of its choice.
// `nested` is set for the complement and the flipped-bit candidates: they are searched
// without those two shapes, which bounds the search to two levels.
// A nested search gets `limit`, the cost it must beat to matter to its caller: it
// returns at most `limit` (and a plan that is only meaningful below it).
// `plain_known`: the cost of val's plain chain with the one-addi low part, if the caller
// has it (else -1).
template <class X>
Choice choose(int64_t val, bool nested, X x, int limit = kNoLimit, int plain_known = -1);
// Emit the steps of plan p for val (the search is done: choose() recorded every decision).
template <class X>
void emit_plan(int64_t val, const Plan& p, const Plan& inner, X x, LiSequence& seq);

// li_base_fast.cpp: base RV64I only. The plain one-addi chain (`two_addis`: the two-addi
// low part instead), and choose()'s decision without the search where it can be shown;
// false (seq untouched) otherwise.
void build_plain_base(int64_t val, LiSequence& seq, bool two_addis = false);
template <class X>
bool base_fast(int64_t val, X x, LiSequence& seq);

}  // namespace rvjit::li_detail
