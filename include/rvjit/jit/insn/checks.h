// Operand checks shared by the instruction mixins. Each returns true when the operand is
// legal and otherwise records the Assembler's sticky error (naming the instruction and the
// value) and returns false, so a method reads `if (!check_...) return;` and never emits a
// truncated field. Range first, then alignment, so the message names the worse problem.
#pragma once

#include <cstdint>
#include <string>

#include "rvjit/error.h"
#include "rvjit/jit/registers.h"

namespace rvjit::insn {

// lo <= v <= hi and v a multiple of align.
template <class Asm>
bool check_imm(Asm& a, const char* insn, int64_t v, int64_t lo, int64_t hi,
               int64_t align = 1) {
  if (v < lo || v > hi) { a.fail_imm(insn, v, lo, hi); return false; }
  if (align > 1 && v % align != 0) { a.fail_align(insn, v, align); return false; }
  return true;
}
// As check_imm, and v != 0 (fields named nzimm/nzuimm: zero is reserved or a HINT).
template <class Asm>
bool check_nzimm(Asm& a, const char* insn, int64_t v, int64_t lo, int64_t hi,
                 int64_t align = 1) {
  if (!check_imm(a, insn, v, lo, hi, align)) return false;
  if (v == 0) {
    a.report(ErrorCode::kImmediateOutOfRange, std::string(insn) + ": immediate 0 is not allowed");
    return false;
  }
  return true;
}
// Register fields are 5 bits; a Gp/Fp built from a larger number is caught here.
template <class Asm>
bool check_gp(Asm& a, const char* insn, Gp r) {
  if (r.id < 32) return true;
  a.fail_reg(insn, r.id, "does not exist");
  return false;
}
template <class Asm>
bool check_fp(Asm& a, const char* insn, Fp r) {
  if (r.id < 32) return true;
  a.report(ErrorCode::kInvalidRegister,
           std::string(insn) + ": register f" + std::to_string(r.id) + " does not exist");
  return false;
}
// x0 is reserved (or turns the encoding into a HINT or another instruction).
template <class Asm>
bool check_nonzero(Asm& a, const char* insn, Gp r) {
  if (!check_gp(a, insn, r)) return false;
  if (r.id != 0) return true;
  a.fail_reg(insn, 0, "is not allowed here");
  return false;
}
// The 3-bit register fields of RVC name x8..x15 only.
template <class Asm>
bool check_creg(Asm& a, const char* insn, Gp r) {
  if (r.is_compressible()) return true;
  a.fail_reg(insn, r.id, "is not one of x8-x15");
  return false;
}
template <class Asm>
bool check_fcreg(Asm& a, const char* insn, Fp r) {
  if (r.is_compressible()) return true;
  a.report(ErrorCode::kInvalidRegister,
           std::string(insn) + ": register f" + std::to_string(r.id) + " is not one of f8-f15");
  return false;
}
// A static rounding mode or dyn; 5 and 6 are reserved.
template <class Asm>
bool check_rm(Asm& a, const char* insn, RoundingMode rm) {
  auto v = static_cast<unsigned>(rm);
  if (v <= 4 || v == 7) return true;
  a.report(ErrorCode::kInvalidArgument,
           std::string(insn) + ": rounding mode " + std::to_string(v) + " is reserved");
  return false;
}
template <class Asm>
bool check_order(Asm& a, const char* insn, AtomicOrder o) {
  if (static_cast<unsigned>(o) <= 3) return true;
  a.report(ErrorCode::kInvalidArgument, std::string(insn) + ": atomic order " +
                                            std::to_string(static_cast<unsigned>(o)) +
                                            " does not exist");
  return false;
}

}  // namespace rvjit::insn
