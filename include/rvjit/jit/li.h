// Materialising a 64-bit constant in a register ("li rd, imm") with the fewest RV64I
// instructions.
//
// li_sequence() returns the steps; Assembler::li() emits them. The search follows the same
// strategy as LLVM's RISCVMatInt (lui/addiw for the top 32 bits, then slli/addi pairs
// consuming the constant from its least significant bit, with the trailing-zero and
// leading-zero shortcuts), so a sequence is never longer than what `li` assembles to with
// LLVM for base RV64I; tests/jit/li_llvm_test.cpp checks that for thousands of constants.
// On top of RISCVMatInt's shortcuts it also tries a two-addi low part (addi -2048; addi r)
// and the complement (build ~imm, then xori -1), keeping the shortest candidate.
// Only base RV64I forms are used (no Zba/Zbb/Zbs), so the result runs on any RV64 hart.
#pragma once

#include <cstdint>

namespace rvjit {

struct LiStep {
  // kLui: rd = imm << 12 (sign-extended);  kAddi/kAddiw/kSlli/kSrli/kXori: rd = src op
  // imm, where src is x0 for the first step (only kAddi can be first besides kLui) and rd
  // afterwards.
  enum Op : uint8_t { kLui, kAddi, kAddiw, kSlli, kSrli, kXori };
  Op op;
  int32_t imm;  // kLui: the 20-bit field value (0..0xfffff); others: the immediate
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

// The shortest sequence found for `value` (1..8 steps; never empty).
LiSequence li_sequence(int64_t value) noexcept;

}  // namespace rvjit
