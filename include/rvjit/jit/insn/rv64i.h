// RV64I base integer instructions, as a mixin of the Assembler (one method per
// instruction). Every method validates its operands and reports a sticky error through
// the Assembler instead of truncating.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnRV64I {
 public:
  void addi(Gp rd, Gp rs1, int64_t imm) {
    if (!enc::is_int<12>(imm)) return self().fail_imm("addi", imm, -2048, 2047);
    self().emit32(enc::i_type(enc::kOpImm, 0, rd.id, rs1.id, imm));
  }
  void jalr(Gp rd, Gp rs1, int64_t imm) {
    if (!enc::is_int<12>(imm)) return self().fail_imm("jalr", imm, -2048, 2047);
    self().emit32(enc::i_type(enc::kOpJalr, 0, rd.id, rs1.id, imm));
  }
  // Pseudo-instructions (as the ISA manual and LLVM define them).
  void nop() { addi(Gp{0}, Gp{0}, 0); }
  void ret() { jalr(Gp{0}, Gp{1}, 0); }

 private:
  Asm& self() { return static_cast<Asm&>(*this); }
};

}  // namespace rvjit
