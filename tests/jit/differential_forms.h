// The table of instruction forms the differential test drives: one line per form, giving
// the LLVM assembly text (operands as {0}, {1}, ...), the operand kinds (which define the
// valid and the invalid values of each operand) and the rvjit call. Adding a form to the
// encoder means adding one line here.
#pragma once

#include <cstdint>
#include <vector>

#include "rvjit/jit/assembler.h"

namespace rvjit::difftest {

// Which oracle checks a form. kBase: 4-byte forms; checked against LLVM without C (rvjit
// auto-compression off) and again against LLVM with +c (auto-compression on). kC: explicit
// RVC forms (LLVM with +c). kZcb: explicit Zcb forms (LLVM with +c,+zcb).
enum class Ext : uint8_t { kBase, kC, kZcb };

struct Kind {
  enum T : uint8_t { kGp, kFp, kImm, kRm, kOrd, kFence, kFli, kCLui } t;
  // kGp/kFp register class.
  enum Cls : uint8_t { kAny, kNonZero, kNonZeroHint, kCReg, kNonZeroNotSp } cls = kAny;
  int64_t lo = 0, hi = 0, align = 1;
  bool nonzero = false;  // 0 is invalid
  bool zero_is_hint = false;  // ... but LLVM accepts 0 as a HINT encoding
};

inline constexpr Kind gp(Kind::Cls c = Kind::kAny) { return {Kind::kGp, c}; }
inline constexpr Kind fp(Kind::Cls c = Kind::kAny) { return {Kind::kFp, c}; }
inline constexpr Kind imm(int64_t lo, int64_t hi, int64_t align = 1) {
  return {Kind::kImm, Kind::kAny, lo, hi, align};
}
inline constexpr Kind nzimm(int64_t lo, int64_t hi, int64_t align = 1, bool hint = false) {
  return {Kind::kImm, Kind::kAny, lo, hi, align, true, hint};
}

inline constexpr Kind X = gp(), XNZ = gp(Kind::kNonZero), XNZH = gp(Kind::kNonZeroHint),
                      XC = gp(Kind::kCReg), XLUI = gp(Kind::kNonZeroNotSp), F = fp(),
                      FC = fp(Kind::kCReg);
inline constexpr Kind S12 = imm(-2048, 2047), U5 = imm(0, 31), U6 = imm(0, 63),
                      U20 = imm(0, 0xfffff), CSR = imm(0, 4095), S6 = imm(-32, 31),
                      BR = imm(-4096, 4094, 2), JAL = imm(-(1 << 20), (1 << 20) - 2, 2);
inline constexpr Kind RM{Kind::kRm}, ORD{Kind::kOrd}, FENCE{Kind::kFence}, FLI{Kind::kFli};
inline constexpr Kind CLUI{Kind::kCLui, Kind::kAny, -32, 31, 1, true, false};

using EmitFn = void (*)(Assembler&, const int64_t*);
struct Form {
  Ext ext;
  const char* text;
  std::vector<Kind> ops;
  EmitFn emit;
};

// Defined in differential_forms.cpp.
const std::vector<Form>& all_forms();

}  // namespace rvjit::difftest
