// Zbs: single-bit instructions (register and immediate forms; bit index 0..63). Every
// method requires TargetExt::kZbs in the Assembler's target (kUnsupported otherwise).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZbs {
 public:
  RVJIT_INLINE void bclr(Gp rd, Gp rs1, Gp rs2) { op("bclr", 1, 0x24, rd, rs1, rs2); }
  RVJIT_INLINE void bext(Gp rd, Gp rs1, Gp rs2) { op("bext", 5, 0x24, rd, rs1, rs2); }
  RVJIT_INLINE void binv(Gp rd, Gp rs1, Gp rs2) { op("binv", 1, 0x34, rd, rs1, rs2); }
  RVJIT_INLINE void bset(Gp rd, Gp rs1, Gp rs2) { op("bset", 1, 0x14, rd, rs1, rs2); }
  RVJIT_INLINE void bclri(Gp rd, Gp rs1, int64_t bit) { imm("bclri", 1, 0x480, rd, rs1, bit); }
  RVJIT_INLINE void bexti(Gp rd, Gp rs1, int64_t bit) { imm("bexti", 5, 0x480, rd, rs1, bit); }
  RVJIT_INLINE void binvi(Gp rd, Gp rs1, int64_t bit) { imm("binvi", 1, 0x680, rd, rs1, bit); }
  RVJIT_INLINE void bseti(Gp rd, Gp rs1, int64_t bit) { imm("bseti", 1, 0x280, rd, rs1, bit); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE bool gp(const char* n, Gp a, Gp b) {
    return insn::check_ext(self(), n, TargetExt::kZbs) && insn::check_gp(self(), n, a, b);
  }
  RVJIT_INLINE void op(const char* n, uint32_t f3, uint32_t f7, Gp rd, Gp rs1, Gp rs2) {
    if (!insn::check_ext(self(), n, TargetExt::kZbs) || !insn::check_gp(self(), n, rd, rs1, rs2))
      return;
    self().emit32(enc::r_type(enc::kOpReg, f3, f7, rd.id, rs1.id, rs2.id));
  }
  RVJIT_INLINE void imm(const char* n, uint32_t f3, uint32_t hi, Gp rd, Gp rs1, int64_t bit) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, bit, 0, 63)) return;
    self().emit32(enc::i_type(enc::kOpImm, f3, rd.id, rs1.id, hi | bit));
  }
};

}  // namespace rvjit
