// Zba: address generation (shift-and-add, .uw forms) and the zext.w pseudo. Every method
// requires TargetExt::kZba in the Assembler's target (kUnsupported otherwise). With
// auto-compression and Zcb in the target (auto_compress_zcb()), add.uw rd', rd', zero
// (zext.w rd', rd') becomes c.zext.w, as LLVM does with +c,+zcb,+zba.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZba {
 public:
  RVJIT_INLINE void add_uw(Gp rd, Gp rs1, Gp rs2) {  // [Zcb: rs2 = zero -> c.zext.w]
    add_uw_op("add.uw", rd, rs1, rs2);
  }
  RVJIT_INLINE void sh1add(Gp rd, Gp rs1, Gp rs2) {
    op("sh1add", enc::kOpReg, 2, 0x10, rd, rs1, rs2);
  }
  RVJIT_INLINE void sh2add(Gp rd, Gp rs1, Gp rs2) {
    op("sh2add", enc::kOpReg, 4, 0x10, rd, rs1, rs2);
  }
  RVJIT_INLINE void sh3add(Gp rd, Gp rs1, Gp rs2) {
    op("sh3add", enc::kOpReg, 6, 0x10, rd, rs1, rs2);
  }
  RVJIT_INLINE void sh1add_uw(Gp rd, Gp rs1, Gp rs2) {
    op("sh1add.uw", enc::kOpReg32, 2, 0x10, rd, rs1, rs2);
  }
  RVJIT_INLINE void sh2add_uw(Gp rd, Gp rs1, Gp rs2) {
    op("sh2add.uw", enc::kOpReg32, 4, 0x10, rd, rs1, rs2);
  }
  RVJIT_INLINE void sh3add_uw(Gp rd, Gp rs1, Gp rs2) {
    op("sh3add.uw", enc::kOpReg32, 6, 0x10, rd, rs1, rs2);
  }
  // shamt: 0..63.
  RVJIT_INLINE void slli_uw(Gp rd, Gp rs1, int64_t shamt) {
    if (!insn::check_ext(self(), "slli.uw", TargetExt::kZba) ||
        !insn::check_gp(self(), "slli.uw", rd) || !insn::check_gp(self(), "slli.uw", rs1) ||
        !insn::check_imm(self(), "slli.uw", shamt, 0, 63))
      return;
    self().emit32(enc::i_type(enc::kOpImm32, 1, rd.id, rs1.id, 0x080 | shamt));
  }
  RVJIT_INLINE void zext_w(Gp rd, Gp rs) {  // [Zcb: c.zext.w]
    add_uw_op("zext.w", rd, rs, Gp{0});  // add.uw rd, rs, zero
  }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE void op(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1,
                       Gp rs2) {
    if (!insn::check_ext(self(), n, TargetExt::kZba) || !insn::check_gp(self(), n, rd, rs1, rs2))
      return;
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }
  RVJIT_INLINE void add_uw_op(const char* n, Gp rd, Gp rs1, Gp rs2) {
    if (!insn::check_ext(self(), n, TargetExt::kZba) || !insn::check_gp(self(), n, rd, rs1, rs2))
      return;
    if (self().auto_compress_zcb() && add_uw_rvc(rd, rs1, rs2)) [[unlikely]] return;
    self().emit32(enc::r_type(enc::kOpReg32, 0, 0x04, rd.id, rs1.id, rs2.id));
  }
  // LLVM's CompressPat (Zcb with Zba, RV64): add.uw rd', rd', x0 only (not x0, rd').
  RVJIT_NOINLINE bool add_uw_rvc(Gp rd, Gp rs1, Gp rs2) {
    if (rs2.id == 0 && rd == rs1 && rd.is_compressible()) return self().c_zext_w(rd), true;
    return false;
  }
};

}  // namespace rvjit
