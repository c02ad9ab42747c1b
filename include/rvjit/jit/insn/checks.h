// Operand checks shared by the instruction mixins. Each returns true when the operand is
// legal and otherwise records the Assembler's sticky error (naming the instruction and the
// value) and returns false, so a method reads `if (!check_...) return;` and never emits a
// truncated field. Range first, then alignment, so the message names the worse problem.
//
// Speed: the checks are forced inline and their success test is a single compare (a range
// [lo, hi] is one unsigned compare of v - lo against hi - lo; the callers' constants fold
// in). Everything that happens on failure (building the message, recording the error) is
// in RVJIT_COLD out-of-line functions, so the inline path carries no string code.
#pragma once

#include <cstdint>
#include <string>

#include "rvjit/error.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/jit/registers.h"
#include "rvjit/jit/target.h"

namespace rvjit::insn {

// --- pure predicates (no reporting) --------------------------------------------------------
// lo <= v <= hi as one unsigned compare (requires lo <= hi).
RVJIT_INLINE constexpr bool in_range(int64_t v, int64_t lo, int64_t hi) {
  return static_cast<uint64_t>(v) - static_cast<uint64_t>(lo) <=
         static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
}
RVJIT_INLINE constexpr bool gp_ok(Gp a) { return a.id < 32; }
RVJIT_INLINE constexpr bool gp_ok(Gp a, Gp b) { return (a.id | b.id) < 32; }
RVJIT_INLINE constexpr bool gp_ok(Gp a, Gp b, Gp c) { return (a.id | b.id | c.id) < 32; }
// v a multiple of align (align >= 1; a power of two folds to a mask test).
RVJIT_INLINE constexpr bool aligned_to(int64_t v, int64_t align) {
  return align <= 1 || v % align == 0;
}

// --- cold failure paths ----------------------------------------------------------------------
template <class Asm>
RVJIT_COLD void fail_imm_or_align(Asm& a, const char* insn, int64_t v, int64_t lo, int64_t hi,
                                  int64_t align) {
  if (!in_range(v, lo, hi)) a.fail_imm(insn, v, lo, hi);
  else a.fail_align(insn, v, align);
}
template <class Asm>
RVJIT_COLD void fail_zero_imm(Asm& a, const char* insn) {
  a.report(ErrorCode::kImmediateOutOfRange, std::string(insn) + ": immediate 0 is not allowed");
}
template <class Asm>
RVJIT_COLD void fail_fp(Asm& a, const char* insn, unsigned id, const char* why) {
  a.report(ErrorCode::kInvalidRegister,
           std::string(insn) + ": register f" + std::to_string(id) + " " + why);
}
template <class Asm>
RVJIT_COLD void fail_rm(Asm& a, const char* insn, unsigned v) {
  a.report(ErrorCode::kInvalidArgument,
           std::string(insn) + ": rounding mode " + std::to_string(v) + " is reserved");
}
template <class Asm>
RVJIT_COLD void fail_order(Asm& a, const char* insn, unsigned v) {
  a.report(ErrorCode::kInvalidArgument,
           std::string(insn) + ": atomic order " + std::to_string(v) + " does not exist");
}

// --- checks ------------------------------------------------------------------------------------
// The instruction's extension is in the Assembler's target (rvjit/jit/target.h); otherwise
// kUnsupported, "<insn>: extension <ext> not enabled for this target". Checked first, so
// an instruction the target lacks is reported as such whatever its operands.
template <class Asm>
RVJIT_INLINE bool check_ext(Asm& a, const char* insn, TargetExt ext) {
  if (a.target().has(ext)) [[likely]] return true;
  a.fail_ext(insn, ext);
  return false;
}
// lo <= v <= hi and v a multiple of align.
template <class Asm>
RVJIT_INLINE bool check_imm(Asm& a, const char* insn, int64_t v, int64_t lo, int64_t hi,
                            int64_t align = 1) {
  if (in_range(v, lo, hi) && aligned_to(v, align)) [[likely]] return true;
  fail_imm_or_align(a, insn, v, lo, hi, align);
  return false;
}
// As check_imm, and v != 0 (fields named nzimm/nzuimm: zero is reserved or a HINT).
template <class Asm>
RVJIT_INLINE bool check_nzimm(Asm& a, const char* insn, int64_t v, int64_t lo, int64_t hi,
                              int64_t align = 1) {
  if (!check_imm(a, insn, v, lo, hi, align)) [[unlikely]] return false;
  if (v != 0) [[likely]] return true;
  fail_zero_imm(a, insn);
  return false;
}
// Register fields are 5 bits; a Gp/Fp built from a larger number is caught here.
template <class Asm>
RVJIT_INLINE bool check_gp(Asm& a, const char* insn, Gp r) {
  if (r.id < 32) [[likely]] return true;
  a.fail_reg(insn, r.id, "does not exist");
  return false;
}
// Two / three registers: one compare when all are fine; otherwise the first bad one (in
// argument order) is reported, exactly as checking them one by one.
template <class Asm>
RVJIT_INLINE bool check_gp(Asm& a, const char* insn, Gp r1, Gp r2) {
  if ((r1.id | r2.id) < 32) [[likely]] return true;
  return check_gp(a, insn, r1) && check_gp(a, insn, r2);
}
template <class Asm>
RVJIT_INLINE bool check_gp(Asm& a, const char* insn, Gp r1, Gp r2, Gp r3) {
  if ((r1.id | r2.id | r3.id) < 32) [[likely]] return true;
  return check_gp(a, insn, r1) && check_gp(a, insn, r2) && check_gp(a, insn, r3);
}
template <class Asm>
RVJIT_INLINE bool check_fp(Asm& a, const char* insn, Fp r) {
  if (r.id < 32) [[likely]] return true;
  fail_fp(a, insn, r.id, "does not exist");
  return false;
}
// x0 is reserved (or turns the encoding into a HINT or another instruction).
template <class Asm>
RVJIT_INLINE bool check_nonzero(Asm& a, const char* insn, Gp r) {
  if (!check_gp(a, insn, r)) [[unlikely]] return false;
  if (r.id != 0) [[likely]] return true;
  a.fail_reg(insn, 0, "is not allowed here");
  return false;
}
// The 3-bit register fields of RVC name x8..x15 only.
template <class Asm>
RVJIT_INLINE bool check_creg(Asm& a, const char* insn, Gp r) {
  if (r.is_compressible()) [[likely]] return true;
  a.fail_reg(insn, r.id, "is not one of x8-x15");
  return false;
}
template <class Asm>
RVJIT_INLINE bool check_fcreg(Asm& a, const char* insn, Fp r) {
  if (r.is_compressible()) [[likely]] return true;
  fail_fp(a, insn, r.id, "is not one of f8-f15");
  return false;
}
// A static rounding mode or dyn; 5 and 6 are reserved.
template <class Asm>
RVJIT_INLINE bool check_rm(Asm& a, const char* insn, RoundingMode rm) {
  auto v = static_cast<unsigned>(rm);
  if (v <= 4 || v == 7) [[likely]] return true;
  fail_rm(a, insn, v);
  return false;
}
template <class Asm>
RVJIT_INLINE bool check_order(Asm& a, const char* insn, AtomicOrder o) {
  if (static_cast<unsigned>(o) <= 3) [[likely]] return true;
  fail_order(a, insn, static_cast<unsigned>(o));
  return false;
}

}  // namespace rvjit::insn
