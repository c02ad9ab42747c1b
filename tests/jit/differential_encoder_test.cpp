// Differential test of every rvjit instruction method against LLVM MC (host only).
//
// For each form of differential_forms.cpp: a grid of edge operand values (the registers
// and immediates where RVC decisions flip) plus random valid operand sets (fixed seed) are
// emitted by rvjit and assembled from text by LLVM's parser; the
// bytes must be identical. rvjit's bytes are then disassembled by LLVM ("no-aliases") and
// the text reassembled, which must give the same bytes again. Base forms run three times:
// against LLVM without C (rvjit auto-compression off), against LLVM with +c
// (auto-compression on, target without Zcb) and against LLVM with +c,+zcb (and +zbb,
// +zba, +m; auto-compression on, target with Zcb), which checks that rvjit compresses
// exactly when LLVM does, into a Zcb form only when Zcb is in the target.
// ZcbAutoCompression.EveryOperandSetMatchesLlvmMc then goes through every operand set of
// the instructions Zcb can compress (all registers; every offset of the loads and stores).
//
// Invalid operands (out of range, misaligned, x0 where reserved, registers outside
// x8-x15 in RVC fields) must make rvjit report an error and LLVM's parser reject the same
// text. The one deliberate difference: encodings the ISA calls HINTs (c.addi rd, 0;
// c.li/c.lui/c.mv/c.add/c.slli with rd = x0) are accepted by LLVM but refused by rvjit,
// since a JIT never means them; those cases are required to be accepted by LLVM (so the
// list stays exact) and counted apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "differential_forms.h"
#include "llvm_mc_oracle.h"

namespace rvjit::difftest {
namespace {

using test::LlvmMcOracle;

constexpr int kSetsPerFormAndMode = 1000;
constexpr int kInvalidRoundsPerForm = 24;
constexpr uint64_t kSeed = 0x5eed'1234'abcdULL;

const char* const kRmNames[8] = {"rne", "rtz", "rdn", "rup", "rmm", nullptr, nullptr, "dyn"};
const char* const kOrdSuffix[4] = {"", ".rl", ".aq", ".aqrl"};
// Zfa fli constant table, index -> LLVM syntax.
const char* const kFli[32] = {
    "-1.0", "min", "1.52587890625e-05", "3.0517578125e-05", "0.00390625", "0.0078125",
    "0.0625", "0.125", "0.25", "0.3125", "0.375", "0.4375", "0.5", "0.625", "0.75", "0.875",
    "1.0", "1.25", "1.5", "1.75", "2.0", "2.5", "3.0", "4.0", "8.0", "16.0", "128.0",
    "256.0", "32768.0", "65536.0", "inf", "nan"};

std::string fence_text(int64_t set) {
  if (set == 0) return "0";
  std::string s;
  if (set & 8) s += 'i';
  if (set & 4) s += 'o';
  if (set & 2) s += 'r';
  if (set & 1) s += 'w';
  return s;
}

std::string operand_text(const Kind& k, int64_t v) {
  switch (k.t) {
    case Kind::kGp: return gp_name(Gp(static_cast<unsigned>(v)));
    case Kind::kFp: return fp_name(Fp(static_cast<unsigned>(v)));
    case Kind::kImm: return std::to_string(v);
    case Kind::kRm: return kRmNames[v];
    case Kind::kOrd: return kOrdSuffix[v];
    case Kind::kFence: return fence_text(v);
    case Kind::kFli: return kFli[v];
    // LLVM writes c.lui's negative immediates as the 20-bit value (0xfffe0..0xfffff).
    case Kind::kCLui: return std::to_string(v < 0 ? v & 0xfffff : v);
  }
  return "?";
}

std::string render(const Form& f, const std::vector<int64_t>& v) {
  std::string out;
  for (const char* p = f.text; *p; ++p) {
    if (*p == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
      const unsigned i = static_cast<unsigned>(p[1] - '0');
      out += operand_text(f.ops[i], v[i]);
      p += 2;
    } else {
      out += *p;
    }
  }
  return out;
}

struct Gen {
  std::mt19937_64 rng{kSeed};
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
  // Registers of the current operand set so far: reusing one (rd == rs1 ...) and the
  // registers RVC treats specially (x0, ra, sp, x8-x15) are favoured, because that is
  // where compression decisions are made.
  std::vector<int64_t> chosen_regs;
  int64_t reg(Kind::Cls c) {
    switch (c) {
      case Kind::kAny: {
        const uint64_t r = rng() % 8;
        if (r < 2 && !chosen_regs.empty()) return chosen_regs[rng() % chosen_regs.size()];
        static const int64_t special[] = {0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15};
        if (r < 4) return special[rng() % 11];
        return range(0, 31);
      }
      case Kind::kNonZero:
      case Kind::kNonZeroHint: return range(1, 31);
      case Kind::kCReg: return range(8, 15);
      case Kind::kNonZeroNotSp: { int64_t r; do r = range(1, 31); while (r == 2); return r; }
    }
    return 0;
  }
  // Valid immediate: a quarter of the time an edge value.
  int64_t imm(const Kind& k) {
    const int64_t a = k.align;
    for (;;) {
      int64_t v;
      switch (rng() % 8) {
        case 0: v = k.lo; break;
        case 1: v = k.hi; break;
        case 2: v = (rng() & 1) ? a : -a; break;
        // Small values: where the RVC immediate ranges are (up to c.addi4spn's 1020).
        case 3:
          v = range(std::max<int64_t>(k.lo, -600) / a, std::min<int64_t>(k.hi, 1100) / a) * a;
          break;
        default: v = range(k.lo / a, k.hi / a) * a; break;
      }
      if (v < k.lo || v > k.hi || v % a != 0 || (k.nonzero && v == 0)) continue;
      return v;
    }
  }
  int64_t valid(const Kind& k) {
    switch (k.t) {
      case Kind::kGp: { int64_t r = reg(k.cls); chosen_regs.push_back(r); return r; }
      case Kind::kFp: return reg(k.cls);
      case Kind::kImm:
      case Kind::kCLui: return imm(k);
      case Kind::kRm: { static const int64_t m[] = {0, 1, 2, 3, 4, 7}; return m[rng() % 6]; }
      case Kind::kOrd: return range(0, 3);
      case Kind::kFence: return range(0, 15);
      case Kind::kFli: return range(0, 31);
    }
    return 0;
  }
  // Invalid values of one operand kind: (value, LLVM accepts it as a HINT).
  std::vector<std::pair<int64_t, bool>> invalid(const Kind& k) {
    std::vector<std::pair<int64_t, bool>> out;
    switch (k.t) {
      case Kind::kGp:
      case Kind::kFp:
        if (k.cls == Kind::kNonZero) out.push_back({0, false});
        if (k.cls == Kind::kNonZeroHint) out.push_back({0, true});
        if (k.cls == Kind::kNonZeroNotSp) { out.push_back({0, true}); out.push_back({2, false}); }
        if (k.cls == Kind::kCReg) {
          out.push_back({range(0, 7), false});
          out.push_back({range(16, 31), false});
        }
        break;
      case Kind::kImm:
      case Kind::kCLui: {
        const int64_t a = k.align;
        out.push_back({k.hi + a, false});
        out.push_back({k.lo - a, false});
        out.push_back({k.hi + 1 + range(0, 1 << 16) * a, false});
        out.push_back({k.lo - 1 - range(0, 1 << 16) * a, false});
        if (a > 1) {
          int64_t v = imm(k) + range(1, a - 1);
          out.push_back({v, false});
        }
        if (k.nonzero) out.push_back({0, k.zero_is_hint});
        break;
      }
      default: break;  // every value the text can express is valid
    }
    return out;
  }
};

// Every combination of "interesting" operand values of a form: the registers RVC treats
// specially and the immediates at the edges of the RVC and base ranges. Random sets rarely
// hit e.g. "addi sp, sp, 496" exactly; this grid always does.
std::vector<std::vector<int64_t>> grid(const Form& f, Gen& g) {
  static const int64_t kRegs[] = {0, 1, 2, 8, 15, 31};
  static const int64_t kImms[] = {
      0,    1,    -1,   2,    -2,   4,    -4,   8,    -8,    16,    -16,  31,   -31,
      32,   -32,  -33,  63,   64,   -64,  124,  128,  248,   252,   254,  256,  -256,
      -258, 255,  496,  -496, 504,  508,  512,  -512, -528,  1020,  1024, 2046, -2048,
      2048, -2050, 4094, -4096, 0xfffe0, 0xfffff, 0x80000};
  std::vector<std::vector<int64_t>> choices;
  for (const Kind& k : f.ops) {
    std::vector<int64_t> c;
    auto ok_reg = [&](int64_t r) {
      switch (k.cls) {
        case Kind::kAny: return true;
        case Kind::kNonZero:
        case Kind::kNonZeroHint: return r != 0;
        case Kind::kCReg: return r >= 8 && r <= 15;
        case Kind::kNonZeroNotSp: return r != 0 && r != 2;
      }
      return false;
    };
    if (k.t == Kind::kGp || k.t == Kind::kFp) {
      for (int64_t r : kRegs) if (ok_reg(r)) c.push_back(r);
    } else if (k.t == Kind::kImm || k.t == Kind::kCLui) {
      for (int64_t v : kImms)
        if (v >= k.lo && v <= k.hi && v % k.align == 0 && !(k.nonzero && v == 0)) c.push_back(v);
      c.push_back(k.lo);
      c.push_back(k.hi);
    } else {
      c.push_back(g.valid(k));
    }
    choices.push_back(c);
  }
  std::vector<std::vector<int64_t>> out(1);
  for (const auto& c : choices) {
    std::vector<std::vector<int64_t>> next;
    for (const auto& prefix : out)
      for (int64_t v : c) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    out.swap(next);
  }
  return out;
}

std::string hex(const std::vector<uint8_t>& b) {
  std::string s;
  char buf[4];
  for (uint8_t x : b) { std::snprintf(buf, sizeof buf, "%02x", x); s += buf; }
  return s.empty() ? "(none)" : s;
}

struct Mode {
  const char* name;
  std::string features;
  bool auto_compress;
  bool (*includes)(Ext);
  JitTarget target = JitTarget::all();  // the rvjit Assembler's target
};

struct Totals {
  size_t forms = 0, compressed = 0, grid_sets = 0, valid_sets = 0, roundtrips = 0;
  size_t invalid_sets = 0, hint_sets = 0, mismatches = 0;
};

void report_mismatch(size_t& count, const std::string& what) {
  if (++count <= 25) ADD_FAILURE() << what;
}

void run_valid(const Mode& mode, Gen& g, Totals& t) {
  LlvmMcOracle llvm(mode.features);
  const auto& forms = all_forms();
  std::vector<std::string> lines;
  std::vector<std::vector<uint8_t>> ours;
  std::vector<size_t> form_of;
  // Rebuilt after an (unexpected) error, since errors are sticky.
  auto fresh = [&] {
    auto p = std::make_unique<Assembler>();
    p->set_target(mode.target);
    p->set_auto_compress(mode.auto_compress);
    return p;
  };
  auto asmp = fresh();
  for (size_t fi = 0; fi < forms.size(); ++fi) {
    const Form& f = forms[fi];
    if (!mode.includes(f.ext)) continue;
    ++t.forms;
    auto sets = grid(f, g);
    t.grid_sets += sets.size();
    for (int n = 0; n < kSetsPerFormAndMode; ++n) {
      sets.emplace_back();
      g.chosen_regs.clear();
      for (const Kind& k : f.ops) sets.back().push_back(g.valid(k));
    }
    for (const auto& v : sets) {
      Assembler& a = *asmp;
      const size_t before = a.offset();
      f.emit(a, v.data());
      if (a.has_error()) {
        report_mismatch(t.mismatches, std::string(mode.name) + ": rvjit rejected valid \"" +
                                          render(f, v) + "\": " + a.error().to_string());
        asmp = fresh();
        continue;
      }
      const uint8_t* p = a.buffer().data();
      ours.emplace_back(p + before, p + a.offset());
      if (f.ext == Ext::kBase && ours.back().size() == 2) ++t.compressed;
      lines.push_back(render(f, v));
      form_of.push_back(fi);
    }
  }
  t.valid_sets += lines.size();
  const auto theirs = llvm.assemble_lines(lines);
  std::vector<std::string> disasm(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!theirs[i].ok() || theirs[i].bytes != ours[i]) {
      report_mismatch(t.mismatches, std::string(mode.name) + ": \"" + lines[i] + "\" rvjit " +
                                        hex(ours[i]) + " llvm " + hex(theirs[i].bytes) + " " +
                                        theirs[i].error);
      continue;
    }
    size_t size = 0;
    disasm[i] = llvm.disassemble(ours[i], &size);
    if (disasm[i].empty() || size != ours[i].size())
      report_mismatch(t.mismatches, std::string(mode.name) + ": LLVM cannot disassemble " +
                                        hex(ours[i]) + " (\"" + lines[i] + "\")");
  }
  // Round trip: LLVM's no-aliases disassembly of our bytes must reassemble to them.
  const auto again = llvm.assemble_lines(disasm);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (disasm[i].empty()) continue;
    ++t.roundtrips;
    if (!again[i].ok() || again[i].bytes != ours[i])
      report_mismatch(t.mismatches, std::string(mode.name) + ": round trip of \"" + lines[i] +
                                        "\" " + hex(ours[i]) + " -> \"" + disasm[i] + "\" -> " +
                                        hex(again[i].bytes) + " " + again[i].error);
  }
}

void run_invalid(const Mode& mode, Gen& g, Totals& t) {
  LlvmMcOracle llvm(mode.features);
  const auto& forms = all_forms();
  std::vector<std::string> lines;
  std::vector<bool> hint;
  for (const Form& f : forms) {
    if (!mode.includes(f.ext)) continue;
    for (int round = 0; round < kInvalidRoundsPerForm; ++round) {
      for (size_t oi = 0; oi < f.ops.size(); ++oi) {
        for (auto [bad, is_hint] : g.invalid(f.ops[oi])) {
          std::vector<int64_t> v;
          g.chosen_regs.clear();
          for (const Kind& k : f.ops) v.push_back(g.valid(k));
          v[oi] = bad;
          Assembler a;
          a.set_target(mode.target);
          a.set_auto_compress(mode.auto_compress);
          f.emit(a, v.data());
          const std::string text = render(f, v);
          if (!a.has_error() || a.offset() != 0)
            report_mismatch(t.mismatches, std::string(mode.name) + ": rvjit accepted invalid \"" +
                                              text + "\"");
          lines.push_back(text);
          hint.push_back(is_hint);
        }
      }
    }
  }
  const auto theirs = llvm.assemble_lines(lines);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (hint[i]) {
      ++t.hint_sets;
      if (!theirs[i].ok())
        report_mismatch(t.mismatches, std::string(mode.name) + ": expected LLVM to accept HINT \"" +
                                          lines[i] + "\": " + theirs[i].error);
      continue;
    }
    ++t.invalid_sets;
    if (theirs[i].ok())
      report_mismatch(t.mismatches, std::string(mode.name) + ": LLVM accepted \"" + lines[i] +
                                        "\" as " + hex(theirs[i].bytes));
  }
}

const Mode kModes[] = {
    {"no-C", LlvmMcOracle::kAllButC, false, [](Ext e) { return e == Ext::kBase; }},
    // Zcb out of the target: the +c choices only, as before Zcb selection existed.
    {"+c auto-compress", std::string(LlvmMcOracle::kAllButC) + ",+c", true,
     [](Ext e) { return e != Ext::kZcb; }, JitTarget::all().without(TargetExt::kZcb)},
    {"+c,+zcb", LlvmMcOracle::kAll, false, [](Ext e) { return e == Ext::kZcb; }},
    // Every extension in the target (the default): the Zcb forms join the +c choices.
    {"+c,+zcb auto-compress", LlvmMcOracle::kAll, true, [](Ext) { return true; }},
};

TEST(Differential, EveryFormMatchesLlvmMc) {
  Gen g;
  Totals t;
  for (const Mode& m : kModes) {
    run_valid(m, g, t);
    run_invalid(m, g, t);
  }
  std::printf("differential: %zu table rows, %zu form x oracle runs, %zu valid operand sets "
              "(%zu of them edge-value grid, %zu base-form sets auto-compressed), %zu round "
              "trips, %zu invalid sets rejected by both, %zu HINT sets refused by rvjit only, "
              "%zu mismatches\n",
              all_forms().size(), t.forms, t.valid_sets, t.grid_sets, t.compressed,
              t.roundtrips, t.invalid_sets, t.hint_sets, t.mismatches);
  EXPECT_EQ(t.mismatches, 0u);
  EXPECT_GE(t.valid_sets, 200000u);
  EXPECT_GT(t.invalid_sets, 10000u);
  EXPECT_GT(t.compressed, 5000u);   // the +c run really exercised compression
}

// ---- Zcb auto-compression: every operand set of the instructions it can compress --------
//
// The base instructions with a Zcb compressed form (lbu, lhu, lh, sb, sh; andi 255 / zext.b;
// xori -1 / not; sext.b, sext.h, zext.h; add.uw rd, rd, zero / zext.w; mul), emitted with
// auto-compression requested and compared byte for byte with LLVM's parser under four
// targets:
//   zcb      C, Zcb and everything else  vs LLVM +c,+zcb,+zbb,+zba,+m,...: Zcb forms chosen
//   c-only   C but no Zcb                vs LLVM +c (no Zcb): never a Zcb form
//   zcb-bare C and Zcb, no Zbb/Zba       vs LLVM +m,+a,+f,+d,+c,+zcb: the forms that need
//            neither (c.lbu ... c.sh, c.zext.b, c.not, c.mul) still chosen
//   zcb-noC  Zcb and the rest, no C      vs LLVM without C: nothing compressed at all
// Operand sets: the loads and stores with every register pair and every offset
// -2048..2047 (zcb, c-only; the other two: every register pair with the offsets -8..8 and
// the ends, and every offset with the x8-x15 pairs and pairs just outside); andi / xori
// with every register pair and the immediates around 255 / -1 and the C range, and every
// immediate with a few pairs; the register-only forms with every register combination.

struct ZcbInsn {
  Form form;        // text, operand kinds (for render()) and the rvjit call
  JitTarget needs;  // extensions the instruction itself needs (Zbb, Zba) besides baseline
  bool zcb_only;    // no +c form at all: 2 bytes only through a Zcb form
  enum Sets : uint8_t { kMem, kImm, kRegs } sets;
};

#define ZI_(text, call, needs, zcb_only, sets, ...)                                         \
  ZcbInsn{Form{Ext::kBase, text, {__VA_ARGS__}, [](Assembler& a, const int64_t* v) { call; }}, \
          needs, zcb_only, ZcbInsn::sets}
#define ZR(i) Gp(static_cast<unsigned>(v[i]))

constexpr JitTarget kNeedsNothing{}, kNeedsZbb{TargetExt::kZbb}, kNeedsZba{TargetExt::kZba};

const std::vector<ZcbInsn>& zcb_insns() {
  static const std::vector<ZcbInsn> insns = {
      ZI_("lbu {0}, {2}({1})", a.lbu(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kMem, X, X, S12),
      ZI_("lhu {0}, {2}({1})", a.lhu(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kMem, X, X, S12),
      ZI_("lh {0}, {2}({1})", a.lh(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kMem, X, X, S12),
      ZI_("sb {0}, {2}({1})", a.sb(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kMem, X, X, S12),
      ZI_("sh {0}, {2}({1})", a.sh(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kMem, X, X, S12),
      ZI_("andi {0}, {1}, {2}", a.andi(ZR(0), ZR(1), v[2]), kNeedsNothing, false, kImm, X, X,
          S12),
      ZI_("xori {0}, {1}, {2}", a.xori(ZR(0), ZR(1), v[2]), kNeedsNothing, true, kImm, X, X,
          S12),
      ZI_("zext.b {0}, {1}", a.zext_b(ZR(0), ZR(1)), kNeedsNothing, true, kRegs, X, X),
      ZI_("not {0}, {1}", a.not_(ZR(0), ZR(1)), kNeedsNothing, true, kRegs, X, X),
      ZI_("mul {0}, {1}, {2}", a.mul(ZR(0), ZR(1), ZR(2)), kNeedsNothing, true, kRegs, X, X, X),
      ZI_("sext.b {0}, {1}", a.sext_b(ZR(0), ZR(1)), kNeedsZbb, true, kRegs, X, X),
      ZI_("sext.h {0}, {1}", a.sext_h(ZR(0), ZR(1)), kNeedsZbb, true, kRegs, X, X),
      ZI_("zext.h {0}, {1}", a.zext_h(ZR(0), ZR(1)), kNeedsZbb, true, kRegs, X, X),
      ZI_("zext.w {0}, {1}", a.zext_w(ZR(0), ZR(1)), kNeedsZba, true, kRegs, X, X),
      ZI_("add.uw {0}, {1}, {2}", a.add_uw(ZR(0), ZR(1), ZR(2)), kNeedsZba, true, kRegs, X, X,
          X),
  };
  return insns;
}

#undef ZI_
#undef ZR

// Calls fn(operands) for every operand set of `z` (see above); `every_offset`: the loads
// and stores with every register pair and every offset.
template <class Fn>
void for_each_zcb_set(const ZcbInsn& z, bool every_offset, Fn&& fn) {
  switch (z.sets) {
    case ZcbInsn::kMem:
      if (every_offset) {
        for (int64_t r0 = 0; r0 < 32; ++r0)
          for (int64_t r1 = 0; r1 < 32; ++r1)
            for (int64_t off = -2048; off <= 2047; ++off) fn({r0, r1, off});
        return;
      }
      for (int64_t r0 = 0; r0 < 32; ++r0)
        for (int64_t r1 = 0; r1 < 32; ++r1) {
          for (int64_t off = -8; off <= 8; ++off) fn({r0, r1, off});
          for (int64_t off : {-2048, -256, -16, 16, 124, 255, 256, 2046, 2047}) fn({r0, r1, off});
        }
      for (int64_t off = -2048; off <= 2047; ++off) {
        for (int64_t r0 = 8; r0 <= 15; ++r0)
          for (int64_t r1 = 8; r1 <= 15; ++r1) fn({r0, r1, off});
        for (int64_t o : {0, 1, 2, 7, 16, 31}) {
          fn({o, 8, off});
          fn({9, o, off});
        }
      }
      return;
    case ZcbInsn::kImm:
      for (int64_t r0 = 0; r0 < 32; ++r0)
        for (int64_t r1 = 0; r1 < 32; ++r1)
          for (int64_t imm : {-2048, -256, -33, -32, -2, -1, 0, 1, 31, 32, 127, 128, 254, 255,
                              256, 511, 2047})
            fn({r0, r1, imm});
      for (int64_t imm = -2048; imm <= 2047; ++imm)
        for (int64_t r : {8, 15, 16})
          for (int64_t r1 : {r, int64_t{9}}) fn({r, r1, imm});
      return;
    case ZcbInsn::kRegs:
      if (z.form.ops.size() == 2) {
        for (int64_t r0 = 0; r0 < 32; ++r0)
          for (int64_t r1 = 0; r1 < 32; ++r1) fn({r0, r1});
      } else {
        for (int64_t r0 = 0; r0 < 32; ++r0)
          for (int64_t r1 = 0; r1 < 32; ++r1)
            for (int64_t r2 = 0; r2 < 32; ++r2) fn({r0, r1, r2});
      }
      return;
  }
}

struct ZcbMode {
  const char* name;
  std::string features;
  JitTarget target;
  bool expect_zcb;    // Zcb forms must appear (2 bytes where the +c rules have no form)
  bool every_offset;  // loads and stores: every register pair with every offset
};

TEST(ZcbAutoCompression, EveryOperandSetMatchesLlvmMc) {
  const ZcbMode modes[] = {
      {"zcb", LlvmMcOracle::kAll, JitTarget::all(), true, true},
      {"c-only", std::string(LlvmMcOracle::kAllButC) + ",+c",
       JitTarget::all().without(TargetExt::kZcb), false, true},
      {"zcb-bare", "+m,+a,+f,+d,+zicsr,+zifencei,+c,+zcb",
       JitTarget{TargetExt::kC, TargetExt::kZcb}, true, false},
      {"zcb-noC", LlvmMcOracle::kAllButC, JitTarget::all().without(TargetExt::kC), false,
       false},
  };
  constexpr size_t kBatch = size_t{1} << 17;  // lines per LLVM parser run
  size_t total_sets = 0, total_mismatches = 0;
  for (const ZcbMode& m : modes) {
    LlvmMcOracle llvm(m.features);
    size_t mode_sets = 0, mode_short = 0;
    for (const ZcbInsn& z : zcb_insns()) {
      if ((m.target.bits() & z.needs.bits()) != z.needs.bits()) continue;
      const std::string_view text = z.form.text;
      const std::string name(text.substr(0, text.find(' ')));
      size_t sets = 0, short_forms = 0, mismatches = 0;
      std::vector<std::string> lines;
      std::vector<std::vector<uint8_t>> ours;
      auto flush = [&] {
        const auto theirs = llvm.assemble_lines(lines);
        for (size_t i = 0; i < lines.size(); ++i) {
          if (!theirs[i].ok() || theirs[i].bytes != ours[i]) {
            if (++mismatches <= 10)
              ADD_FAILURE() << m.name << ": \"" << lines[i] << "\" rvjit " << hex(ours[i])
                            << " llvm " << hex(theirs[i].bytes) << " " << theirs[i].error;
            continue;
          }
          if (ours[i].size() == 2) ++short_forms;
        }
        sets += lines.size();
        lines.clear();
        ours.clear();
      };
      Assembler a;
      a.set_target(m.target);
      a.set_auto_compress(true);
      for_each_zcb_set(z, m.every_offset, [&](std::initializer_list<int64_t> ops) {
        const std::vector<int64_t> v(ops);
        a.reset();
        z.form.emit(a, v.data());
        if (a.has_error()) {
          if (++mismatches <= 10)
            ADD_FAILURE() << m.name << ": rvjit rejected \"" << render(z.form, v) << "\": "
                          << a.error().to_string();
          return;
        }
        ours.emplace_back(a.buffer().data(), a.buffer().data() + a.offset());
        lines.push_back(render(z.form, v));
        if (lines.size() == kBatch) flush();
      });
      flush();
      std::printf("zcb auto-compression [%s] %-7s %8zu operand sets, %4zu compressed, %zu "
                  "mismatches\n", m.name, name.c_str(), sets, short_forms, mismatches);
      // Where only a Zcb form exists, a 2-byte encoding is a Zcb choice: there must be some
      // with Zcb (and C) in the target and none otherwise.
      if (z.zcb_only) {
        if (m.expect_zcb) EXPECT_GT(short_forms, 0u) << m.name << " " << name;
        else EXPECT_EQ(short_forms, 0u) << m.name << " " << name;
      }
      mode_sets += sets;
      mode_short += short_forms;
      total_mismatches += mismatches;
    }
    total_sets += mode_sets;
    std::printf("zcb auto-compression [%s]: %zu operand sets, %zu compressed\n", m.name,
                mode_sets, mode_short);
  }
  std::printf("zcb auto-compression: %zu operand sets in %zu targets, %zu mismatches\n",
              total_sets, std::size(modes), total_mismatches);
  EXPECT_EQ(total_mismatches, 0u);
  EXPECT_GT(total_sets, 40000000u);
}

}  // namespace
}  // namespace rvjit::difftest
