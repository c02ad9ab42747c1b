// Zbb: basic bit manipulation (RV64 encodings of rev8 and zext.h). Every method requires
// TargetExt::kZbb in the Assembler's target (kUnsupported otherwise). With auto-compression
// and Zcb in the target (auto_compress_zcb()), sext.b / sext.h / zext.h rd', rd' become
// c.sext.b / c.sext.h / c.zext.h, as LLVM does with +c,+zcb,+zbb.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZbb {
 public:
  RVJIT_INLINE void andn(Gp rd, Gp rs1, Gp rs2) { op("andn", enc::kOpReg, 7, 0x20, rd, rs1, rs2); }
  RVJIT_INLINE void orn(Gp rd, Gp rs1, Gp rs2) { op("orn", enc::kOpReg, 6, 0x20, rd, rs1, rs2); }
  RVJIT_INLINE void xnor(Gp rd, Gp rs1, Gp rs2) { op("xnor", enc::kOpReg, 4, 0x20, rd, rs1, rs2); }
  RVJIT_INLINE void max(Gp rd, Gp rs1, Gp rs2) { op("max", enc::kOpReg, 6, 0x05, rd, rs1, rs2); }
  RVJIT_INLINE void maxu(Gp rd, Gp rs1, Gp rs2) { op("maxu", enc::kOpReg, 7, 0x05, rd, rs1, rs2); }
  RVJIT_INLINE void min(Gp rd, Gp rs1, Gp rs2) { op("min", enc::kOpReg, 4, 0x05, rd, rs1, rs2); }
  RVJIT_INLINE void minu(Gp rd, Gp rs1, Gp rs2) { op("minu", enc::kOpReg, 5, 0x05, rd, rs1, rs2); }
  RVJIT_INLINE void rol(Gp rd, Gp rs1, Gp rs2) { op("rol", enc::kOpReg, 1, 0x30, rd, rs1, rs2); }
  RVJIT_INLINE void ror(Gp rd, Gp rs1, Gp rs2) { op("ror", enc::kOpReg, 5, 0x30, rd, rs1, rs2); }
  RVJIT_INLINE void rolw(Gp rd, Gp rs1, Gp rs2) {
    op("rolw", enc::kOpReg32, 1, 0x30, rd, rs1, rs2);
  }
  RVJIT_INLINE void rorw(Gp rd, Gp rs1, Gp rs2) {
    op("rorw", enc::kOpReg32, 5, 0x30, rd, rs1, rs2);
  }
  RVJIT_INLINE void clz(Gp rd, Gp rs) { unary("clz", enc::kOpImm, 1, 0x600, rd, rs); }
  RVJIT_INLINE void ctz(Gp rd, Gp rs) { unary("ctz", enc::kOpImm, 1, 0x601, rd, rs); }
  RVJIT_INLINE void cpop(Gp rd, Gp rs) { unary("cpop", enc::kOpImm, 1, 0x602, rd, rs); }
  RVJIT_INLINE void clzw(Gp rd, Gp rs) { unary("clzw", enc::kOpImm32, 1, 0x600, rd, rs); }
  RVJIT_INLINE void ctzw(Gp rd, Gp rs) { unary("ctzw", enc::kOpImm32, 1, 0x601, rd, rs); }
  RVJIT_INLINE void cpopw(Gp rd, Gp rs) { unary("cpopw", enc::kOpImm32, 1, 0x602, rd, rs); }
  RVJIT_INLINE void sext_b(Gp rd, Gp rs) {  // [Zcb: c.sext.b]
    unary("sext.b", enc::kOpImm, 1, 0x604, rd, rs, kZcbSextB);
  }
  RVJIT_INLINE void sext_h(Gp rd, Gp rs) {  // [Zcb: c.sext.h]
    unary("sext.h", enc::kOpImm, 1, 0x605, rd, rs, kZcbSextH);
  }
  RVJIT_INLINE void zext_h(Gp rd, Gp rs) {  // [Zcb: c.zext.h]
    unary("zext.h", enc::kOpReg32, 4, 0x080, rd, rs, kZcbZextH);
  }
  RVJIT_INLINE void orc_b(Gp rd, Gp rs) { unary("orc.b", enc::kOpImm, 5, 0x287, rd, rs); }
  RVJIT_INLINE void rev8(Gp rd, Gp rs) { unary("rev8", enc::kOpImm, 5, 0x6b8, rd, rs); }
  // shamt: 0..63 (roriw: 0..31).
  RVJIT_INLINE void rori(Gp rd, Gp rs1, int64_t shamt) {
    rot("rori", enc::kOpImm, 63, rd, rs1, shamt);
  }
  RVJIT_INLINE void roriw(Gp rd, Gp rs1, int64_t shamt) {
    rot("roriw", enc::kOpImm32, 31, rd, rs1, shamt);
  }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE bool gp(const char* n, Gp a, Gp b) {
    return insn::check_ext(self(), n, TargetExt::kZbb) && insn::check_gp(self(), n, a, b);
  }
  RVJIT_INLINE void op(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1,
                       Gp rs2) {
    if (!insn::check_ext(self(), n, TargetExt::kZbb) || !insn::check_gp(self(), n, rd, rs1, rs2))
      return;
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }
  // The Zcb form a unary op may compress into (kZcbNone: none).
  enum ZcbForm { kZcbNone, kZcbSextB, kZcbSextH, kZcbZextH };
  // Unary ops live in the imm12 field (funct7 and a fixed rs2).
  RVJIT_INLINE void unary(const char* n, uint32_t opc, uint32_t f3, uint32_t imm12, Gp rd, Gp rs,
                          ZcbForm zcb = kZcbNone) {
    if (!gp(n, rd, rs)) return;
    if (zcb != kZcbNone && self().auto_compress_zcb() && unary_rvc(zcb, rd, rs)) [[unlikely]]
      return;
    self().emit32(enc::i_type(opc, f3, rd.id, rs.id, imm12));
  }
  // LLVM's CompressPats (Zcb with Zbb): rd == rs, in x8-x15.
  RVJIT_NOINLINE bool unary_rvc(ZcbForm zcb, Gp rd, Gp rs) {
    if (rd != rs || !rd.is_compressible()) return false;
    switch (zcb) {
      case kZcbSextB: return self().c_sext_b(rd), true;
      case kZcbSextH: return self().c_sext_h(rd), true;
      case kZcbZextH: return self().c_zext_h(rd), true;
      case kZcbNone: break;
    }
    return false;
  }
  RVJIT_INLINE void rot(const char* n, uint32_t opc, int64_t max, Gp rd, Gp rs1, int64_t shamt) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, shamt, 0, max)) return;
    self().emit32(enc::i_type(opc, 5, rd.id, rs1.id, 0x600 | shamt));
  }
};

}  // namespace rvjit
