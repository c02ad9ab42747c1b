// Materialising a 64-bit constant in a register ("li rd, imm") with the fewest
// instructions the target allows, using rd alone (no scratch register).
//
// li_sequence() returns the steps; Assembler::li() emits them for the extensions the
// Assembler may pick on its own (AssemblerCore::selection_target()): the target declared
// with set_target(), e.g. jit_target_from_hwprobe(); without a declared target, base
// RV64I only, so code that never declared one runs on any RV64 hart.
// The search follows the strategies of LLVM's RISCVMatInt and keeps the shortest
// candidate, so a sequence is never longer than what `li` assembles to with LLVM for the
// same extensions; tests/jit/li_llvm_test.cpp checks that for thousands of constants with
// every combination of Zba, Zbb and Zbs.
//
// Base RV64I (always): lui/addiw for the top 32 bits, then slli/addi pairs consuming the
// constant from its least significant bit, with the trailing-zero (+slli) and
// leading-zero (+srli) shortcuts; on top of RISCVMatInt, a two-addi low part
// (addi -2048; addi r) and the complement (build ~imm, then xori -1).
//
// Only when the target has the extension (anything else in the target is ignored):
//   Zbs: a power of two outside the lui/addi range, 1 << 11 included, is one bseti, also
//        as the part above a low addi ((1 << 40) + 5: bseti 40; addi 5); a constant whose
//        bits 31..63 differ from a cheap 32-bit value is that value plus one bseti/bclri
//        per differing bit (0x123456789: lui; addiw; bseti 32, base RV64I needs 4); a
//        constant one bit away from a much cheaper one is that one plus bseti/bclri.
//   Zbb: a rotated 32-bit value is lui/addi(w) + rori (0xff0000000000000f: lui; rori 27,
//        base RV64I needs 3).
//   Zba: a 32-bit pattern with bit 31 set and the upper half zero is the sign-extended
//        value + zext.w, i.e. add.uw rd, rd, zero (0xfffff800: addi -2048; zext.w); an
//        unsigned 32-bit value shifted left is built sign-extended and shifted with
//        slli.uw, anywhere in the slli/addi chain (0xfffff12300000: lui; addiw;
//        slli.uw 20); a multiple of 3, 5 or 9 of a cheaper constant is that constant +
//        sh1add/sh2add/sh3add rd, rd, rd, optionally followed by an addi.
// With none of the three in the target the result is exactly the base RV64I sequence,
// byte for byte what rvjit emitted before these extensions were used.
// Assembler::li() emits 32-bit constants without the search. Before running a candidate's
// chain the search checks a lower bound of its length read off where the constant's bits
// change (li_search.cpp, cost_bounds()) and skips candidates that cannot be strictly shorter
// than the best so far, which leaves every decision as it was (tests/jit/
// li_reference_test.cpp compares with the search of f6fbae7): about 4 chain levels and 5
// bounds per random 64-bit constant instead of about 35 levels (docs/benchmarks.md).
// Before the search (base RV64I targets, li_base_fast.cpp): the plain chain, and the
// slli chain where it may be shorter, are built directly and the search is skipped when
// one pass over the constant's bit changes bounds every other candidate at least as long
// (86% of random 64-bit, 89% of pointer-like constants); with a 3-step candidate, the
// search stops when no sequence of any kind makes the constant in two steps
// (li_search.cpp, li_bound.h).
// Both leave every decision as it was.
#pragma once

#include <cstdint>

#include "rvjit/jit/target.h"

namespace rvjit {

struct LiStep {
  // Each step writes rd. "src" is x0 for the first step and rd afterwards; only kLui,
  // kAddi and kBseti can be first.
  //   kLui:    rd = imm << 12 (sign-extended)
  //   kAddi, kAddiw, kSlli, kSrli, kXori: rd = src op imm (base RV64I)
  //   kSlliUw: rd = zext32(src) << imm                        (Zba slli.uw)
  //   kZextW:  rd = zext32(src)                               (Zba add.uw rd, src, zero)
  //   kSh1add, kSh2add, kSh3add: rd = (src << 1|2|3) + src    (Zba shNadd rd, src, src)
  //   kBseti, kBclri: rd = src with bit imm set / cleared     (Zbs)
  //   kRori:   rd = src rotated right by imm                  (Zbb)
  enum Op : uint8_t {
    kLui, kAddi, kAddiw, kSlli, kSrli, kXori,
    kSlliUw, kZextW, kSh1add, kSh2add, kSh3add, kBseti, kBclri, kRori,
  };
  Op op;
  int32_t imm;  // kLui: the 20-bit field (0..0xfffff); kZextW, kShNadd: 0; others: the immediate
};

struct LiSequence {
  // Room for candidates while searching; a returned sequence has at most 8 steps
  // (lui, addiw, 3 x (slli, addi)). A candidate that would overflow counts as too long.
  static constexpr unsigned kMax = 16;
  static constexpr uint8_t kTooLong = 0xff;
  uint8_t size = 0;
  LiStep steps[kMax];

  void push(LiStep::Op op, int64_t imm) {
    if (size < kMax) {
      steps[size++] = LiStep{op, static_cast<int32_t>(imm)};
    } else {
      size = kTooLong;
    }
  }
};

// The shortest sequence found for `value` (1..8 steps; never empty), using Zba, Zbb and
// Zbs steps only where `target` has them (see above); the default is base RV64I.
LiSequence li_sequence(int64_t value, JitTarget target = JitTarget::base()) noexcept;

}  // namespace rvjit
