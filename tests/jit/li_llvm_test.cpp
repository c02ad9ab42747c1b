// li against LLVM: for thousands of constants and each extension set li may use (none,
// Zba, Zbb, Zbs alone, the pairs, all three), rvjit's sequence must compute the constant,
// use only instructions of that set and be no longer than what LLVM's assembler emits for
// `li a0, imm` with the same features (RISCVMatInt). Without the extensions the bytes
// must also be exactly those rvjit emitted before it used them. Host only: needs the
// LLVM MC oracle.
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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

// Shapes the extensions are for, so that each of their strategies meets LLVM's: rotated
// small values (Zbb), values one or two bits away from cheap ones and powers of two
// (Zbs), unsigned 32-bit values shifted left or zero-extended and multiples of 3, 5 and
// 9 (Zba).
std::vector<int64_t> extension_constants() {
  std::vector<int64_t> v;
  uint64_t x = 0x13198a2e03707344ull;
  auto next = [&] { x ^= x << 13, x ^= x >> 7, x ^= x << 17; return x; };
  for (int i = 0; i < 400; ++i) {
    const uint64_t r = next();
    const int s = static_cast<int>(r & 63), t = static_cast<int>((r >> 6) & 63);
    const uint64_t small = static_cast<uint64_t>(static_cast<int64_t>(r >> 20) >> 52);  // int12
    const uint64_t w32 = static_cast<uint64_t>(static_cast<int32_t>(r >> 12));           // int32
    v.push_back(static_cast<int64_t>(std::rotr(small, s)));
    v.push_back(static_cast<int64_t>(std::rotr(w32, s)));
    v.push_back(static_cast<int64_t>(w32 ^ (uint64_t{1} << s)));
    v.push_back(static_cast<int64_t>(w32 ^ (uint64_t{1} << s) ^ (uint64_t{1} << t)));
    v.push_back(static_cast<int64_t>((~uint64_t{0} >> (s | 1)) ^ (uint64_t{1} << t)));
    v.push_back(static_cast<int64_t>(((w32 & 0xffffffff) << (s & 31)) + (small & 0x7ff)));
    v.push_back(static_cast<int64_t>(w32 & 0xffffffff));
    v.push_back(static_cast<int64_t>(w32 * (1 + (uint64_t{1} << (1 + r % 3)))));
    v.push_back(static_cast<int64_t>((w32 << 12) * (1 + (uint64_t{1} << (1 + r % 3))) + small));
  }
  return v;
}

// ---- a tiny RV64 evaluator for li sequences ------------------------------------------
// Runs the straight-line words on a register file (x0 stays 0) and returns rd, or nullopt
// when a word is not an li step or writes another register. `exts` receives the
// extensions the words need.
struct Eval {
  int64_t value = 0;
  JitTarget exts;
  unsigned counts[LiStep::kRori + 1] = {};
};

std::optional<Eval> run_li(const std::vector<uint8_t>& code, unsigned rd) {
  uint64_t x[32] = {};
  Eval e;
  for (size_t at = 0; at + 4 <= code.size(); at += 4) {
    uint32_t w;
    std::memcpy(&w, code.data() + at, 4);
    const unsigned opc = w & 0x7f, d = (w >> 7) & 31, f3 = (w >> 12) & 7;
    const uint64_t a = x[(w >> 15) & 31], b = x[(w >> 20) & 31];
    const uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w)) >> 20);
    const unsigned sh = (w >> 20) & 63, top6 = w >> 26, f7 = w >> 25;
    if (d != rd) return std::nullopt;
    uint64_t v;
    auto step = [&](LiStep::Op op, TargetExt ext, bool base = false) {
      ++e.counts[op];
      if (!base) e.exts = e.exts.with(ext);
    };
    if (opc == 0x37) {
      v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w & 0xfffff000u)));
      step(LiStep::kLui, TargetExt::kC, true);
    } else if (opc == 0x13 && f3 == 0) {
      v = a + imm, step(LiStep::kAddi, TargetExt::kC, true);
    } else if (opc == 0x13 && f3 == 4) {
      v = a ^ imm, step(LiStep::kXori, TargetExt::kC, true);
    } else if (opc == 0x1b && f3 == 0) {
      v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a + imm)));
      step(LiStep::kAddiw, TargetExt::kC, true);
    } else if (opc == 0x13 && f3 == 1 && top6 == 0) {
      v = a << sh, step(LiStep::kSlli, TargetExt::kC, true);
    } else if (opc == 0x13 && f3 == 5 && top6 == 0) {
      v = a >> sh, step(LiStep::kSrli, TargetExt::kC, true);
    } else if (opc == 0x1b && f3 == 1 && top6 == 0x02) {
      v = (a & 0xffffffff) << sh, step(LiStep::kSlliUw, TargetExt::kZba);
    } else if (opc == 0x3b && f3 == 0 && f7 == 0x04) {
      v = (a & 0xffffffff) + b, step(LiStep::kZextW, TargetExt::kZba);
    } else if (opc == 0x33 && f7 == 0x10 && (f3 == 2 || f3 == 4 || f3 == 6)) {
      v = (a << (f3 / 2)) + b;
      step(f3 == 2 ? LiStep::kSh1add : f3 == 4 ? LiStep::kSh2add : LiStep::kSh3add,
           TargetExt::kZba);
    } else if (opc == 0x13 && f3 == 1 && top6 == 0x0a) {
      v = a | (uint64_t{1} << sh), step(LiStep::kBseti, TargetExt::kZbs);
    } else if (opc == 0x13 && f3 == 1 && top6 == 0x12) {
      v = a & ~(uint64_t{1} << sh), step(LiStep::kBclri, TargetExt::kZbs);
    } else if (opc == 0x13 && f3 == 5 && top6 == 0x18) {
      v = (a >> sh) | (a << ((64 - sh) & 63)), step(LiStep::kRori, TargetExt::kZbb);
    } else {
      return std::nullopt;
    }
    if (d != 0) x[d] = v;
  }
  e.value = static_cast<int64_t>(x[rd]);
  return e;
}

// FNV-1a over every constant's bytes and length, to pin the base output.
struct Digest {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(uint8_t b) { h = (h ^ b) * 0x100000001b3ull; }
};

// What rvjit emitted for these constants with base RV64I before li used Zba/Zbb/Zbs
// (commit 7a61423), as a digest. A deliberate change of the base sequences updates it.
constexpr uint64_t kBaseDigest = 0xf9269ef81d9245b6ull;

struct Features {
  const char* name;
  const char* llvm;  // -mattr
  JitTarget target;
};

TEST(LiLlvm, NeverLongerThanLlvmAndComputesTheValue) {
  using E = TargetExt;
  const Features sets[] = {
      {"base", "+m", JitTarget::base()},
      {"zba", "+m,+zba", JitTarget{E::kZba}},
      {"zbb", "+m,+zbb", JitTarget{E::kZbb}},
      {"zbs", "+m,+zbs", JitTarget{E::kZbs}},
      {"zba+zbb", "+m,+zba,+zbb", JitTarget{E::kZba, E::kZbb}},
      {"zba+zbs", "+m,+zba,+zbs", JitTarget{E::kZba, E::kZbs}},
      {"zbb+zbs", "+m,+zbb,+zbs", JitTarget{E::kZbb, E::kZbs}},
      {"zba+zbb+zbs", "+m,+zba,+zbb,+zbs", JitTarget{E::kZba, E::kZbb, E::kZbs}},
  };
  std::vector<int64_t> values = interesting_constants();
  const size_t base_corpus = values.size();
  for (int64_t c : extension_constants()) values.push_back(c);
  std::vector<std::string> lines;
  for (int64_t c : values) lines.push_back("li a0, " + std::to_string(c));

  std::vector<size_t> base_len(values.size());
  Digest digest;
  for (const Features& f : sets) {
    SCOPED_TRACE(f.name);
    test::LlvmMcOracle llvm(f.llvm);
    const auto ref = llvm.assemble_lines(lines);
    ASSERT_EQ(ref.size(), values.size());
    // [0]: the base corpus (interesting_constants), [1]: extension_constants.
    size_t shorter_than_llvm[2] = {}, shorter_than_base[2] = {}, llvm_shorter_than_base[2] = {};
    unsigned used[LiStep::kRori + 1] = {};
    for (size_t i = 0; i < values.size(); ++i) {
      ASSERT_TRUE(ref[i].ok()) << lines[i] << ": " << ref[i].error;
      Assembler a;
      a.set_target(f.target);
      a.li(reg::a0, values[i]);
      ASSERT_FALSE(a.has_error()) << lines[i] << ": " << a.error().to_string();
      const std::vector<uint8_t> bytes(a.buffer().data(), a.buffer().data() + a.offset());
      EXPECT_LE(bytes.size(), ref[i].bytes.size()) << lines[i];
      auto got = run_li(bytes, 10);
      ASSERT_TRUE(got) << lines[i];
      EXPECT_EQ(got->value, values[i]) << lines[i];
      EXPECT_EQ(got->exts.bits() & ~f.target.bits(), 0u) << lines[i];
      for (unsigned k = 0; k <= LiStep::kRori; ++k) used[k] += got->counts[k];
      // The oracle's own sequence computes the value too (checks the evaluator).
      auto theirs = run_li(ref[i].bytes, 10);
      ASSERT_TRUE(theirs) << lines[i];
      EXPECT_EQ(theirs->value, values[i]) << lines[i];
      {  // li emits words, never compressed ones (no c.zext.w with Zcb), whatever the mode.
        Assembler c;
        c.set_target(f.target.with(E::kC).with(E::kZcb));
        c.set_auto_compress(true);
        c.li(reg::s0, values[i]);
        Assembler w;
        w.set_target(f.target);
        w.li(reg::s0, values[i]);
        EXPECT_TRUE(c.offset() == w.offset() &&
                    std::memcmp(c.buffer().data(), w.buffer().data(), w.offset()) == 0)
            << lines[i];
      }
      if (f.target == JitTarget::base()) {
        base_len[i] = bytes.size();
        if (i < base_corpus) {
          for (uint8_t b : bytes) digest.add(b);
          digest.add(static_cast<uint8_t>(bytes.size()));
        }
        // Extensions outside li's three change nothing.
        Assembler o;
        o.set_target(JitTarget{E::kC, E::kZicond, E::kZfa, E::kZcb});
        o.li(reg::a0, values[i]);
        EXPECT_TRUE(o.offset() == bytes.size() &&
                    std::memcmp(o.buffer().data(), bytes.data(), bytes.size()) == 0)
            << lines[i];
      }
      const size_t part = i < base_corpus ? 0 : 1;
      shorter_than_llvm[part] += bytes.size() < ref[i].bytes.size();
      shorter_than_base[part] += bytes.size() < base_len[i];
      llvm_shorter_than_base[part] += ref[i].bytes.size() < base_len[i];
    }
    // Every step kind of the set's extensions was used (and so evaluated) somewhere.
    if (f.target.has(E::kZba)) {
      for (auto op : {LiStep::kSlliUw, LiStep::kZextW, LiStep::kSh1add, LiStep::kSh2add,
                      LiStep::kSh3add}) {
        EXPECT_GT(used[op], 0u) << "step " << int{op};
      }
    }
    if (f.target.has(E::kZbb)) EXPECT_GT(used[LiStep::kRori], 0u);
    if (f.target.has(E::kZbs)) {
      EXPECT_GT(used[LiStep::kBseti], 0u);
      EXPECT_GT(used[LiStep::kBclri], 0u);
    }
    for (size_t part : {0, 1}) {
      std::printf("li %-12s %-10s %5zu constants: %4zu shorter than base RV64I (LLVM: %4zu), "
                  "%4zu shorter than LLVM\n",
                  f.name, part ? "extension" : "corpus",
                  part ? values.size() - base_corpus : base_corpus,
                  shorter_than_base[part], llvm_shorter_than_base[part], shorter_than_llvm[part]);
    }
  }
  std::printf("li base digest over the %zu-constant corpus: 0x%016llx\n", base_corpus,
              static_cast<unsigned long long>(digest.h));
  EXPECT_EQ(digest.h, kBaseDigest);
}

// The examples of rvjit/jit/li.h, step by step (they are what li emits).
TEST(LiSequence, DocumentedExamples) {
  using E = TargetExt;
  using S = LiStep;
  struct Case {
    int64_t value;
    JitTarget target;
    std::vector<S::Op> ops;
    size_t base_steps;
  };
  const Case cases[] = {
      {0x800, JitTarget{E::kZbs}, {S::kBseti}, 2},
      {(int64_t{1} << 40) + 5, JitTarget{E::kZbs}, {S::kBseti, S::kAddi}, 3},
      {0x123456789, JitTarget{E::kZbs}, {S::kLui, S::kAddiw, S::kBseti}, 4},
      {static_cast<int64_t>(0xff0000000000000full), JitTarget{E::kZbb}, {S::kLui, S::kRori}, 3},
      {0xfffff800, JitTarget{E::kZba}, {S::kAddi, S::kZextW}, 3},
      {0xfffff12300000, JitTarget{E::kZba}, {S::kLui, S::kAddiw, S::kSlliUw}, 3},
      {0x123456789 * 3, JitTarget{E::kZba}, {S::kLui, S::kAddiw, S::kSh3add}, 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    const LiSequence seq = li_sequence(c.value, c.target);
    ASSERT_EQ(seq.size, c.ops.size());
    for (size_t i = 0; i < c.ops.size(); ++i) EXPECT_EQ(seq.steps[i].op, c.ops[i]) << i;
    EXPECT_EQ(li_sequence(c.value).size, c.base_steps);
    Assembler a;
    a.set_target(c.target);
    a.li(reg::a0, c.value);
    auto got = run_li(std::vector<uint8_t>(a.buffer().data(), a.buffer().data() + a.offset()), 10);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->value, c.value);
  }
}

}  // namespace
}  // namespace rvjit
