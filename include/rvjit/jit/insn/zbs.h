// Zbs: single-bit instructions (register and immediate forms; bit index 0..63).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZbs {
 public:
  void bclr(Gp rd, Gp rs1, Gp rs2) { op("bclr", 1, 0x24, rd, rs1, rs2); }
  void bext(Gp rd, Gp rs1, Gp rs2) { op("bext", 5, 0x24, rd, rs1, rs2); }
  void binv(Gp rd, Gp rs1, Gp rs2) { op("binv", 1, 0x34, rd, rs1, rs2); }
  void bset(Gp rd, Gp rs1, Gp rs2) { op("bset", 1, 0x14, rd, rs1, rs2); }
  void bclri(Gp rd, Gp rs1, int64_t bit) { imm("bclri", 1, 0x480, rd, rs1, bit); }
  void bexti(Gp rd, Gp rs1, int64_t bit) { imm("bexti", 5, 0x480, rd, rs1, bit); }
  void binvi(Gp rd, Gp rs1, int64_t bit) { imm("binvi", 1, 0x680, rd, rs1, bit); }
  void bseti(Gp rd, Gp rs1, int64_t bit) { imm("bseti", 1, 0x280, rd, rs1, bit); }

 private:
  Asm& self() { return static_cast<Asm&>(*this); }
  bool gp(const char* n, Gp a, Gp b) {
    return insn::check_gp(self(), n, a) && insn::check_gp(self(), n, b);
  }
  void op(const char* n, uint32_t f3, uint32_t f7, Gp rd, Gp rs1, Gp rs2) {
    if (!gp(n, rd, rs1) || !insn::check_gp(self(), n, rs2)) return;
    self().emit32(enc::r_type(enc::kOpReg, f3, f7, rd.id, rs1.id, rs2.id));
  }
  void imm(const char* n, uint32_t f3, uint32_t hi, Gp rd, Gp rs1, int64_t bit) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, bit, 0, 63)) return;
    self().emit32(enc::i_type(enc::kOpImm, f3, rd.id, rs1.id, hi | bit));
  }
};

}  // namespace rvjit
