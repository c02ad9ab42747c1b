// Random differential testing of the RV64 JIT against the interpreter: 1,500
// small verified programs mixing every ALU/ALU64 operation (K and X sources, signed
// div/mod, movsx, byte swaps), JMP/JMP32 conditions with awkward immediates, stack loads
// and stores (some out of bounds), sign-extending loads, atomics and helper calls, over
// registers seeded with edge values. r0 folds every register at the end, so a wrong bit
// anywhere shows. The seed is fixed: a failure names the program (disassembled) and reproduces.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ebpf/disassembler.h"
#include "ebpf/engine.h"
#include "ebpf/isa.h"
#if defined(RVJIT_EBPF_JIT) && RVJIT_EBPF_JIT
#include "ebpf/jit.h"
#include "rvjit/hooks/hook_manager.h"
#endif

namespace {
using namespace rvjit::ebpf;

#if RVJIT_EBPF_JIT

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  std::vector<Insn> program(int body) {
    std::vector<Insn> p;
    for (uint8_t r = 0; r <= 9; ++r) lddw(p, r, value64());
    const size_t body_start = p.size();
    const size_t body_end = body_start + static_cast<size_t>(body);
    while (p.size() < body_end) p.push_back(random_insn(p.size(), body_end));
    for (uint8_t r = 1; r <= 9; ++r) {
      Insn x;  // r0 ^= r  (ALU64 X): every register reaches the result
      x.opcode = op::kAlu64 | op::kSrcX | op::kXor;
      x.dst = 0;
      x.src = r;
      p.push_back(x);
    }
    Insn exit_insn;
    exit_insn.opcode = op::kExitInsn;
    p.push_back(exit_insn);
    return p;
  }

  // main, f1 and f2, each a random body; main calls f1 and f2, f1 calls f2 (no
  // recursion, so every program ends). main folds r1..r9 into r0 after its last call, so
  // the r1..r5 a callee leaves behind (the JIT hands back only the live ones,
  // src/jit_liveness.cpp) and the r6..r9 it must preserve all reach the result.
  // max_args < 5: f1 and f2 first overwrite r(k+1)..r5 and r0 for a random k <= max_args,
  // so at most r1..rk can be live at their entry (without it, their random bodies read
  // almost every register).
  std::vector<Insn> call_graph(int body, int max_args = 5) {
    std::vector<Insn> p;
    for (uint8_t r = 0; r <= 9; ++r) lddw(p, r, value64());
    std::vector<std::pair<size_t, int>> calls;  // (pc, callee 1 or 2)
    size_t start[3] = {0, 0, 0};
    emit_body(p, body, 0, &calls);
    for (uint8_t r = 1; r <= 9; ++r) {
      Insn x;
      x.opcode = op::kAlu64 | op::kSrcX | op::kXor;
      x.dst = 0;
      x.src = r;
      p.push_back(x);
    }
    Insn exit_insn;
    exit_insn.opcode = op::kExitInsn;
    p.push_back(exit_insn);
    for (int f = 1; f <= 2; ++f) {
      start[f] = p.size();
      if (max_args < 5) {
        const int keep = static_cast<int>(below(static_cast<uint64_t>(max_args) + 1));
        for (int r = keep + 1; r <= 6; ++r) {  // 6: r0, read first by many random bodies
          Insn mov;
          mov.opcode = op::kAlu64 | op::kMov;  // kSrcK: mov rK, imm
          mov.dst = static_cast<uint8_t>(r % 6);
          mov.imm = imm32();
          p.push_back(mov);
        }
      }
      emit_body(p, body / 2, f, &calls);
      p.push_back(exit_insn);
    }
    for (const auto& [pc, callee] : calls) {
      p[pc].imm = static_cast<int32_t>(static_cast<int64_t>(start[callee]) - static_cast<int64_t>(pc) - 1);
    }
    return p;
  }

 private:
  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool coin() { return below(2) == 0; }

  int32_t imm32() {
    static constexpr int32_t kEdge[] = {0, 1, -1, 2, 7, 31, 32, 33, 63, 64, 255, 2047, -2048, 2048,
                                        0x7fffffff, std::numeric_limits<int32_t>::min(), 0x8000,
                                        -0x8000, 0x12345678};
    switch (below(3)) {
      case 0: return kEdge[below(std::size(kEdge))];
      case 1: return static_cast<int32_t>(below(6001)) - 3000;
      default: return static_cast<int32_t>(static_cast<uint32_t>(rng_()));
    }
  }
  uint64_t value64() {
    static constexpr uint64_t kEdge[] = {0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                         0x80000000ull, 0xffffffffull, 0xffffffff80000000ull,
                                         0x100000000ull, 0x123456789abcdef0ull, 2, 3};
    if (coin()) return kEdge[below(std::size(kEdge))];
    return (uint64_t{static_cast<uint32_t>(rng_())} << 32) | static_cast<uint32_t>(rng_());
  }
  static void lddw(std::vector<Insn>& p, uint8_t r, uint64_t v) {
    Insn a, b;
    a.opcode = op::kLddw;
    a.dst = r;
    a.imm = static_cast<int32_t>(static_cast<uint32_t>(v));
    b.imm = static_cast<int32_t>(static_cast<uint32_t>(v >> 32));
    p.push_back(a);
    p.push_back(b);
  }
  // `n` random instructions of function `fn`, with a local call to a later function
  // now and then (its offset is filled in by call_graph).
  void emit_body(std::vector<Insn>& p, int n, int fn, std::vector<std::pair<size_t, int>>* calls) {
    const size_t end = p.size() + static_cast<size_t>(n);
    while (p.size() < end) {
      if (fn < 2 && below(6) == 0) {
        Insn c;
        c.opcode = op::kCallInsn;
        c.src = op::kCallLocal;
        calls->push_back({p.size(), fn + 1 + static_cast<int>(below(static_cast<uint64_t>(2 - fn)))});
        p.push_back(c);
      } else {
        p.push_back(random_insn(p.size(), end));
      }
    }
  }
  uint8_t dst() { return static_cast<uint8_t>(below(10)); }   // r0..r9 (r10 is read-only)
  uint8_t src() { return static_cast<uint8_t>(below(11)); }   // r0..r10

  Insn random_insn(size_t pc, size_t body_end) {
    Insn i;
    switch (below(11)) {
      case 10: return helper_call(i);
      case 0: case 1: case 2: case 3: return alu(i);
      case 4: return bswap(i);
      case 5: case 6: return jump(i, pc, body_end);
      case 7: case 8: return memory(i);
      default: return atomic(i);
    }
  }

  Insn alu(Insn i) {
    static constexpr uint8_t kCodes[] = {op::kAdd, op::kSub, op::kMul, op::kDiv, op::kOr,
                                         op::kAnd, op::kLsh, op::kRsh, op::kNeg, op::kMod,
                                         op::kXor, op::kMov, op::kArsh};
    const bool is64 = coin();
    const uint8_t code = kCodes[below(std::size(kCodes))];
    const bool x = code != op::kNeg && coin();
    i.opcode = static_cast<uint8_t>((is64 ? op::kAlu64 : op::kAlu) | (x ? op::kSrcX : op::kSrcK) | code);
    i.dst = dst();
    if (x) i.src = src();
    else i.imm = imm32();
    if (code == op::kDiv || code == op::kMod) i.off = static_cast<int16_t>(below(2));
    if (code == op::kMov && x) {
      static constexpr int16_t kWidths[] = {0, 8, 16, 32};
      i.off = kWidths[below(is64 ? 4 : 3)];
    }
    return i;
  }

  // The test helpers (1 gather_bytes, 4 sqrti, 6 sum5): r0 changes, r1..r5 must not.
  Insn helper_call(Insn i) {
    static constexpr int32_t kIds[] = {1, 4, 6};
    i.opcode = op::kCallInsn;
    i.src = op::kCallHelper;
    i.imm = kIds[below(3)];
    return i;
  }

  Insn bswap(Insn i) {
    static constexpr int32_t kWidths[] = {16, 32, 64};
    const bool is64 = coin();
    i.opcode = static_cast<uint8_t>((is64 ? op::kAlu64 : op::kAlu) |
                                    (!is64 && coin() ? op::kSrcX : op::kSrcK) | op::kEnd);
    i.dst = dst();
    i.imm = kWidths[below(3)];
    return i;
  }

  Insn jump(Insn i, size_t pc, size_t body_end) {
    static constexpr uint8_t kCodes[] = {op::kJeq, op::kJgt, op::kJge, op::kJset, op::kJne,
                                         op::kJsgt, op::kJsge, op::kJlt, op::kJle, op::kJslt,
                                         op::kJsle, op::kJa};
    const uint8_t code = kCodes[below(std::size(kCodes))];
    const bool is32 = code != op::kJa && coin();
    const bool x = code != op::kJa && coin();
    i.opcode = static_cast<uint8_t>((is32 ? op::kJmp32 : op::kJmp) | (x ? op::kSrcX : op::kSrcK) | code);
    if (code != op::kJa) {
      i.dst = src();
      if (x) i.src = src();
      else i.imm = imm32();
    }
    // Forward only (the programs must end); at most to the first epilogue slot.
    const size_t room = body_end - pc - 1;
    i.off = static_cast<int16_t>(below(std::min<size_t>(room, 6) + 1));
    return i;
  }

  Insn memory(Insn i) {
    static constexpr uint8_t kSizes[] = {op::kSizeB, op::kSizeH, op::kSizeW, op::kSizeDw};
    const uint8_t size = kSizes[below(4)];
    // Mostly inside the frame (r10 - 512 .. r10), sometimes just outside either end.
    i.off = below(20) == 0 ? static_cast<int16_t>(-static_cast<int>(below(530)))
                           : static_cast<int16_t>(-8 - static_cast<int>(below(504)));
    switch (below(3)) {
      case 0: {  // load, maybe sign-extending
        const bool sx = size != op::kSizeDw && coin();
        i.opcode = static_cast<uint8_t>(op::kLdx | (sx ? op::kModeMemsx : op::kModeMem) | size);
        i.dst = dst();
        i.src = kFramePointer;
        return i;
      }
      case 1:
        i.opcode = static_cast<uint8_t>(op::kStx | op::kModeMem | size);
        i.dst = kFramePointer;
        i.src = src();
        return i;
      default:
        i.opcode = static_cast<uint8_t>(op::kSt | op::kModeMem | size);
        i.dst = kFramePointer;
        i.imm = imm32();
        return i;
    }
  }

  Insn atomic(Insn i) {
    static constexpr int32_t kOps[] = {op::kAtomicAdd, op::kAtomicOr, op::kAtomicAnd, op::kAtomicXor};
    const bool w = coin();
    i.opcode = static_cast<uint8_t>(op::kStx | op::kModeAtomic | (w ? op::kSizeW : op::kSizeDw));
    i.dst = kFramePointer;
    i.src = dst();
    const int kind = static_cast<int>(below(6));
    if (kind < 4) i.imm = kOps[kind] | (coin() ? op::kAtomicFetch : 0);
    else i.imm = kind == 4 ? op::kAtomicXchg : op::kAtomicCmpxchg;
    // Aligned mostly; sometimes misaligned (an error both engines must report alike).
    const int step = w ? 4 : 8;
    i.off = static_cast<int16_t>(-step * static_cast<int>(1 + below(512 / step)) + (below(16) == 0 ? 2 : 0));
    return i;
  }

  std::mt19937 rng_;
};

std::string outcome(Executable& exe) {
  std::vector<uint8_t> mem;
  RunOptions options;
  options.instruction_budget = 10'000;
  auto r = exe.run(mem, options);
  if (r.ok()) return "r0 = " + std::to_string(*r);
  std::string s = r.error().to_string();
  const size_t at = s.find(" at 0x");  // stack addresses differ between engines
  if (at != std::string::npos) s = s.substr(0, at) + s.substr(s.find(" (pc"));
  return s;
}

TEST(EbpfJitRandom, AgreesWithTheInterpreterOnRandomPrograms) {
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto interp_engine = make_engine("interpreter");
  auto jit_engine = make_engine("jit");
  ASSERT_TRUE(interp_engine.ok() && jit_engine.ok());
  int verified = 0, failed_runs = 0;
  constexpr int kPrograms = 1500;
  for (int n = 0; n < kPrograms; ++n) {
    Gen gen(static_cast<uint32_t>(0x5eed0000 + n));
    auto program = Program::create(gen.program(24 + n % 40));
    if (!program.ok()) continue;  // e.g. a jump into the epilogue's middle: never mind
    ++verified;
    auto interp = (*interp_engine)->load(*program, helpers);
    auto jit = (*jit_engine)->load(*program, helpers);
    ASSERT_TRUE(interp.ok() && jit.ok()) << (jit.ok() ? "" : jit.error().to_string());
    const std::string want = outcome(**interp), got = outcome(**jit);
    failed_runs += want.rfind("r0 = ", 0) != 0;
    ASSERT_EQ(want, got) << "seed " << n << "\n" << disassemble(*program);
  }
  EXPECT_GT(verified, kPrograms * 9 / 10) << "the generator must produce valid programs";
  EXPECT_GT(failed_runs, 0) << "some programs must fault (bounds, alignment)";
  EXPECT_LT(failed_runs, verified / 2) << "most programs must run to the end";
}

TEST(EbpfJitRandom, AgreesWithTheInterpreterOnRandomCallGraphs) {
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto interp_engine = make_engine("interpreter");
  auto jit_engine = make_engine("jit");
  ASSERT_TRUE(interp_engine.ok() && jit_engine.ok());
  int verified = 0, failed_runs = 0, three_functions = 0;
  constexpr int kPrograms = 600;
  for (int n = 0; n < kPrograms; ++n) {
    Gen gen(static_cast<uint32_t>(0xca110000 + n));
    auto program = Program::create(gen.call_graph(16 + n % 24));
    if (!program.ok()) continue;
    ++verified;
    three_functions += program->functions().size() == 3;
    auto interp = (*interp_engine)->load(*program, helpers);
    auto jit = (*jit_engine)->load(*program, helpers);
    ASSERT_TRUE(interp.ok() && jit.ok()) << (jit.ok() ? "" : jit.error().to_string());
    const std::string want = outcome(**interp), got = outcome(**jit);
    failed_runs += want.rfind("r0 = ", 0) != 0;
    ASSERT_EQ(want, got) << "seed " << n << "\n" << disassemble(*program);
  }
  EXPECT_GT(verified, kPrograms * 9 / 10) << "the generator must produce valid programs";
  EXPECT_LT(failed_runs, verified / 2) << "most programs must run to the end";
  EXPECT_GT(three_functions, verified / 2) << "most programs must call both f1 and f2";
}

// An entry callback of the cheap kind that does what the psABI allows any callee to do:
// it overwrites every caller-saved integer register. The JIT declares each function's
// signature (its live argument registers); a site with one such ops gets a fast entry
// that saves only the declared ones, so a declaration that missed a live register would
// hand the function a clobbered argument here.
void clobbering_entry(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  ++*static_cast<uint64_t*>(info->user_data);
  asm volatile(
      "li a0, -1\n li a1, -1\n li a2, -1\n li a3, -1\n li a4, -1\n li a5, -1\n"
      "li a6, -1\n li a7, -1\n li t0, -1\n li t1, -1\n li t2, -1\n li t3, -1\n"
      "li t4, -1\n li t5, -1\n li t6, -1\n" ::
          : "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t0", "t1", "t2", "t3", "t4",
            "t5", "t6", "memory");
}

TEST(EbpfJitRandom, DeclaredSignaturesHoldUnderAClobberingEntryHook) {
  HelperRegistry helpers;
  register_test_helpers(helpers);
  auto interp_engine = make_engine("interpreter");
  ASSERT_TRUE(interp_engine.ok());
  JitEngine jit_engine;
  int verified = 0, fast_sites = 0;
  uint64_t hooked_calls = 0;
  constexpr int kPrograms = 300;
  for (int n = 0; n < kPrograms; ++n) {
    Gen gen(static_cast<uint32_t>(0x519a0000 + n));
    auto program = Program::create(gen.call_graph(16 + n % 24, 2));
    if (!program.ok()) continue;
    ++verified;
    auto interp = (*interp_engine)->load(*program, helpers);
    auto jit = jit_engine.load_jit(*program, helpers);
    ASSERT_TRUE(interp.ok() && jit.ok()) << (jit.ok() ? "" : jit.error().to_string());
    rvjit::HookManager& hooks = (*jit)->hooks();
    rvjit_hook_ops ops{};
    ops.entry_args = &clobbering_entry;
    ops.user_data = &hooked_calls;
    ops.flags = RVJIT_HOOK_ENTRY_ARGS;
    auto id = hooks.register_ops(ops, rvjit::HookFilter::glob("*"));
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ASSERT_FALSE(hooks.enable(*id));
    for (const JitFunction& f : (*jit)->functions()) fast_sites += f.fast_entry;
    const std::string want = outcome(**interp), got = outcome(**jit);
    ASSERT_EQ(want, got) << "seed " << n << "\n" << disassemble(*program);
  }
  EXPECT_GT(verified, kPrograms * 9 / 10) << "the generator must produce valid programs";
  EXPECT_GT(fast_sites, 2 * verified) << "most functions declare <= 2 arguments: fast entries";
  EXPECT_GT(hooked_calls, uint64_t(verified)) << "the hook must run";
}

#endif  // RVJIT_EBPF_JIT

}  // namespace
