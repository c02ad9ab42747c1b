// li_sequence() against the reference search of commit f6fbae7 (li_reference.cpp), for
// 2.4 M constants in each of the 8 Zba/Zbb/Zbs combinations: the shapes JIT code loads
// (random 64-bit, pointer-like, shifted 32-bit, sparse, runs, near powers of two and
// their complements). Every sequence must compute its constant (evaluated step by step)
// and never be longer than the reference; while li.cpp keeps the reference's decisions
// it must also be step-for-step identical, which is what holds today. This complements
// jit_li_llvm_test (LLVM on a 17 k corpus) with volume: a faster li that drops a
// candidate shape shows up here as a longer sequence.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

#include "li_reference.h"
#include "rvjit/jit/li.h"

namespace rvjit {
namespace {

// rd after running the steps from rd = 0 (LiStep semantics, rvjit/jit/li.h).
uint64_t run_steps(const LiSequence& s) {
  uint64_t v = 0;
  for (unsigned i = 0; i < s.size; ++i) {
    const LiStep& st = s.steps[i];
    const uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(st.imm));
    const unsigned sh = static_cast<unsigned>(st.imm) & 63;
    switch (st.op) {
      case LiStep::kLui:
        v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(st.imm) << 12)));
        break;
      case LiStep::kAddi: v += imm; break;
      case LiStep::kAddiw: v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v + imm))); break;
      case LiStep::kSlli: v <<= sh; break;
      case LiStep::kSrli: v >>= sh; break;
      case LiStep::kXori: v ^= imm; break;
      case LiStep::kSlliUw: v = (v & 0xffffffff) << sh; break;
      case LiStep::kZextW: v &= 0xffffffff; break;
      case LiStep::kSh1add: v = (v << 1) + v; break;
      case LiStep::kSh2add: v = (v << 2) + v; break;
      case LiStep::kSh3add: v = (v << 3) + v; break;
      case LiStep::kBseti: v |= uint64_t{1} << sh; break;
      case LiStep::kBclri: v &= ~(uint64_t{1} << sh); break;
      case LiStep::kRori: v = std::rotr(v, static_cast<int>(sh)); break;
    }
  }
  return v;
}

struct Rng {
  uint64_t s;
  uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
};

// One constant of shape `k` (0..11) from the random word u (and a second one, w).
int64_t make(int k, uint64_t u, uint64_t w) {
  const int s = static_cast<int>(w & 63), t = static_cast<int>((w >> 6) & 63);
  switch (k) {
    case 0: return static_cast<int64_t>(u);                                   // random 64-bit
    case 1: return static_cast<int64_t>((u >> (17 + (w & 15))) & ~uint64_t{7});  // pointer-like
    case 2: return static_cast<int64_t>(static_cast<uint64_t>(static_cast<int32_t>(u)) << (s & 31));
    case 3: return static_cast<int64_t>(u >> s);                               // leading zeros
    case 4: return static_cast<int64_t>(u & (u >> 7) & (u >> 19));             // sparse
    case 5: return static_cast<int64_t>((~uint64_t{0} >> s) << (t & 31));      // a run of ones
    case 6: return static_cast<int64_t>((uint64_t{1} << s) + static_cast<uint64_t>(static_cast<int64_t>(u) >> 52));
    case 7: return static_cast<int64_t>(u | (u >> 1) | (u >> 2));              // dense
    case 8: return static_cast<int64_t>(std::rotr(static_cast<uint64_t>(static_cast<int32_t>(u)), s));
    case 9: return static_cast<int64_t>((u & 0xffffffff) * (1 + (uint64_t{1} << (1 + w % 3))));
    case 10: return static_cast<int64_t>(u >> s ^ (uint64_t{1} << t));
    default: return ~make(static_cast<int>(w % 11), u, w >> 8);                // complements
  }
}

TEST(LiReference, NeverLongerAndIdenticalToTheReferenceSearch) {
  using E = TargetExt;
  const JitTarget sets[] = {
      JitTarget::base(),         JitTarget{E::kZba},         JitTarget{E::kZbb},
      JitTarget{E::kZbs},        JitTarget{E::kZba, E::kZbb}, JitTarget{E::kZba, E::kZbs},
      JitTarget{E::kZbb, E::kZbs}, JitTarget{E::kZba, E::kZbb, E::kZbs},
  };
  constexpr int kPerShape = 100'000;
  for (const JitTarget& target : sets) {
    SCOPED_TRACE(target.bits());
    Rng r{0x6a09e667f3bcc908ull};
    size_t longer = 0, different = 0, wrong = 0;
    for (int k = 0; k < 12; ++k) {
      for (int i = 0; i < kPerShape; ++i) {
        const uint64_t u = r.next(), w = r.next();
        const int64_t c = make(k, u, w);
        const LiSequence got = li_sequence(c, target);
        const LiSequence ref = li_reference::li_sequence_reference(c, target);
        ASSERT_TRUE(got.size >= 1 && got.size <= 8) << c;
        if (run_steps(got) != static_cast<uint64_t>(c) && wrong++ < 5) ADD_FAILURE() << "value " << c;
        if (got.size > ref.size && longer++ < 5) ADD_FAILURE() << "longer " << c;
        bool same = got.size == ref.size;
        for (unsigned j = 0; same && j < got.size; ++j) {
          same = got.steps[j].op == ref.steps[j].op && got.steps[j].imm == ref.steps[j].imm;
        }
        if (!same && different++ < 5) ADD_FAILURE() << "differs from the reference: " << c;
      }
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(longer, 0u);
    EXPECT_EQ(different, 0u);
  }
}

}  // namespace
}  // namespace rvjit
