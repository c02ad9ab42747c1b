// M extension: integer multiply and divide (RV64M, including the W forms).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnM {
 public:
  // [Zcb: mul rd', rd', rs2' (either source order) -> c.mul, with C and Zcb in the target]
  RVJIT_INLINE void mul(Gp rd, Gp rs1, Gp rs2) {
    if (!insn::check_gp(self(), "mul", rd, rs1, rs2)) return;
    if (self().auto_compress_zcb() && mul_rvc(rd, rs1, rs2)) [[unlikely]] return;
    self().emit32(enc::r_type(enc::kOpReg, 0, 1, rd.id, rs1.id, rs2.id));
  }
  RVJIT_INLINE void mulh(Gp rd, Gp rs1, Gp rs2) { op("mulh", enc::kOpReg, 1, rd, rs1, rs2); }
  RVJIT_INLINE void mulhsu(Gp rd, Gp rs1, Gp rs2) { op("mulhsu", enc::kOpReg, 2, rd, rs1, rs2); }
  RVJIT_INLINE void mulhu(Gp rd, Gp rs1, Gp rs2) { op("mulhu", enc::kOpReg, 3, rd, rs1, rs2); }
  RVJIT_INLINE void div(Gp rd, Gp rs1, Gp rs2) { op("div", enc::kOpReg, 4, rd, rs1, rs2); }
  RVJIT_INLINE void divu(Gp rd, Gp rs1, Gp rs2) { op("divu", enc::kOpReg, 5, rd, rs1, rs2); }
  RVJIT_INLINE void rem(Gp rd, Gp rs1, Gp rs2) { op("rem", enc::kOpReg, 6, rd, rs1, rs2); }
  RVJIT_INLINE void remu(Gp rd, Gp rs1, Gp rs2) { op("remu", enc::kOpReg, 7, rd, rs1, rs2); }
  RVJIT_INLINE void mulw(Gp rd, Gp rs1, Gp rs2) { op("mulw", enc::kOpReg32, 0, rd, rs1, rs2); }
  RVJIT_INLINE void divw(Gp rd, Gp rs1, Gp rs2) { op("divw", enc::kOpReg32, 4, rd, rs1, rs2); }
  RVJIT_INLINE void divuw(Gp rd, Gp rs1, Gp rs2) { op("divuw", enc::kOpReg32, 5, rd, rs1, rs2); }
  RVJIT_INLINE void remw(Gp rd, Gp rs1, Gp rs2) { op("remw", enc::kOpReg32, 6, rd, rs1, rs2); }
  RVJIT_INLINE void remuw(Gp rd, Gp rs1, Gp rs2) { op("remuw", enc::kOpReg32, 7, rd, rs1, rs2); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  // No RVC form for the others: c.mul is the only compressed M instruction.
  RVJIT_INLINE void op(const char* n, uint32_t opc, uint32_t f3, Gp rd, Gp rs1, Gp rs2) {
    if (!insn::check_gp(self(), n, rd, rs1, rs2)) return;
    self().emit32(enc::r_type(opc, f3, 1, rd.id, rs1.id, rs2.id));
  }
  // LLVM's CompressPats for MUL (Zcb with M): rd == rs1 or, commuted, rd == rs2; both
  // registers x8-x15. Out of line, like the selection in rv64i.h.
  RVJIT_NOINLINE bool mul_rvc(Gp rd, Gp rs1, Gp rs2) {
    if (!rd.is_compressible()) return false;
    if (rd == rs1 && rs2.is_compressible()) return self().c_mul(rd, rs2), true;
    if (rd == rs2 && rs1.is_compressible()) return self().c_mul(rd, rs1), true;
    return false;
  }
};

}  // namespace rvjit
