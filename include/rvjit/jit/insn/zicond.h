// Zicond: conditional zeroing. Every method requires TargetExt::kZicond in the Assembler's
// target (kUnsupported otherwise).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZicond {
 public:
  // rd = rs2 == 0 ? 0 : rs1
  RVJIT_INLINE void czero_eqz(Gp rd, Gp rs1, Gp rs2) { op("czero.eqz", 5, rd, rs1, rs2); }
  // rd = rs2 != 0 ? 0 : rs1
  RVJIT_INLINE void czero_nez(Gp rd, Gp rs1, Gp rs2) { op("czero.nez", 7, rd, rs1, rs2); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE void op(const char* n, uint32_t f3, Gp rd, Gp rs1, Gp rs2) {
    if (!insn::check_ext(self(), n, TargetExt::kZicond) ||
        !insn::check_gp(self(), n, rd, rs1, rs2))
      return;
    self().emit32(enc::r_type(enc::kOpReg, f3, 0x07, rd.id, rs1.id, rs2.id));
  }
};

}  // namespace rvjit
