// D extension: double-precision floating point (arithmetic, fused multiply-add,
// conversions with a RoundingMode, compares, fclass, moves, loads/stores), one method per
// instruction with the suffix "_d" for ".d". Rounding modes default to dyn (frm),
// except for exact conversions where LLVM writes rne when no mode is given.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnD {
 public:
  RVJIT_INLINE void fadd_d(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fadd.d", 0x0, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fsub_d(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fsub.d", 0x1, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fmul_d(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fmul.d", 0x2, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fdiv_d(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fdiv.d", 0x3, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fsqrt_d(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fsqrt.d", 0xb, rd.id, rs1.id, 0, rm);
  }
  RVJIT_INLINE void fsgnj_d(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnj.d", 0x4, 0, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fsgnjn_d(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnjn.d", 0x4, 1, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fsgnjx_d(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnjx.d", 0x4, 2, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fmin_d(Fp rd, Fp rs1, Fp rs2) { rrf("fmin.d", 0x5, 0, rd.id, rs1.id, rs2.id); }
  RVJIT_INLINE void fmax_d(Fp rd, Fp rs1, Fp rs2) { rrf("fmax.d", 0x5, 1, rd.id, rs1.id, rs2.id); }
  RVJIT_INLINE void fmadd_d(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fmadd.d", enc::kOpMadd, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fmsub_d(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fmsub.d", enc::kOpMsub, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fnmsub_d(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fnmsub.d", enc::kOpNmsub, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fnmadd_d(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fnmadd.d", enc::kOpNmadd, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void feq_d(Gp rd, Fp rs1, Fp rs2) { cmp("feq.d", 2, rd, rs1, rs2); }
  RVJIT_INLINE void flt_d(Gp rd, Fp rs1, Fp rs2) { cmp("flt.d", 1, rd, rs1, rs2); }
  RVJIT_INLINE void fle_d(Gp rd, Fp rs1, Fp rs2) { cmp("fle.d", 0, rd, rs1, rs2); }
  RVJIT_INLINE void fclass_d(Gp rd, Fp rs1) { to_x("fclass.d", 1, rd, rs1); }
  RVJIT_INLINE void fmv_x_d(Gp rd, Fp rs1) { to_x("fmv.x.d", 0, rd, rs1); }
  RVJIT_INLINE void fmv_d_x(Fp rd, Gp rs1) { from_x_raw("fmv.d.x", rd, rs1); }
  RVJIT_INLINE void fcvt_w_d(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.w.d", 0, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_wu_d(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.wu.d", 1, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_l_d(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.l.d", 2, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_lu_d(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.lu.d", 3, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_d_w(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kRne) {
    cvt_from_x("fcvt.d.w", 0, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_d_wu(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kRne) {
    cvt_from_x("fcvt.d.wu", 1, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_d_l(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.d.l", 2, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_d_lu(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.d.lu", 3, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_d_s(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kRne) {
    rrr("fcvt.d.s", 0x8, rd.id, rs1.id, 0, rm);
  }
  RVJIT_INLINE void fld(Fp rd, Gp base, int64_t offset) {
    load("fld", rd, base, offset);
  }  // [C: c.fld / c.fldsp]
  RVJIT_INLINE void fsd(Fp src, Gp base, int64_t offset) {
    store("fsd", src, base, offset);
  }  // [C: c.fsd / c.fsdsp]
  // Pseudo-instructions.
  RVJIT_INLINE void fmv_d(Fp rd, Fp rs) { fsgnj_d(rd, rs, rs); }
  RVJIT_INLINE void fneg_d(Fp rd, Fp rs) { fsgnjn_d(rd, rs, rs); }
  RVJIT_INLINE void fabs_d(Fp rd, Fp rs) { fsgnjx_d(rd, rs, rs); }

 private:
  static constexpr uint32_t kFmt = 1;  // the fmt field: S = 0, D = 1
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE bool fp(const char* n, Fp r) { return insn::check_fp(self(), n, r); }
  RVJIT_INLINE bool gp(const char* n, Gp r) { return insn::check_gp(self(), n, r); }
  RVJIT_INLINE void emit_fp(uint32_t funct5, uint32_t f3, unsigned rd, unsigned rs1, unsigned rs2) {
    self().emit32(enc::r_type(enc::kOpFp, f3, (funct5 << 2) | kFmt, rd, rs1, rs2));
  }
  // rs2 doubles as a sub-opcode for the unary forms (fsqrt, fcvt).
  RVJIT_INLINE void rrr(const char* n, uint32_t funct5, unsigned rd, unsigned rs1, unsigned rs2,
                        RoundingMode rm) {
    if (!fp(n, Fp{rd}) || !fp(n, Fp{rs1}) || !fp(n, Fp{rs2}) || !insn::check_rm(self(), n, rm))
      return;
    emit_fp(funct5, static_cast<uint32_t>(rm), rd, rs1, rs2);
  }
  RVJIT_INLINE void rrf(const char* n, uint32_t funct5, uint32_t f3, unsigned rd, unsigned rs1,
                        unsigned rs2) {
    if (!fp(n, Fp{rd}) || !fp(n, Fp{rs1}) || !fp(n, Fp{rs2})) return;
    emit_fp(funct5, f3, rd, rs1, rs2);
  }
  RVJIT_INLINE void r4(const char* n, uint32_t opc, Fp rd, Fp rs1, Fp rs2, Fp rs3,
                       RoundingMode rm) {
    if (!fp(n, rd) || !fp(n, rs1) || !fp(n, rs2) || !fp(n, rs3) || !insn::check_rm(self(), n, rm))
      return;
    self().emit32(
        enc::r4_type(opc, static_cast<uint32_t>(rm), kFmt, rd.id, rs1.id, rs2.id, rs3.id));
  }
  RVJIT_INLINE void cmp(const char* n, uint32_t f3, Gp rd, Fp rs1, Fp rs2) {
    if (!gp(n, rd) || !fp(n, rs1) || !fp(n, rs2)) return;
    emit_fp(0x14, f3, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void to_x(const char* n, uint32_t f3, Gp rd, Fp rs1) {
    if (!gp(n, rd) || !fp(n, rs1)) return;
    emit_fp(0x1c, f3, rd.id, rs1.id, 0);
  }
  RVJIT_INLINE void from_x_raw(const char* n, Fp rd, Gp rs1) {
    if (!fp(n, rd) || !gp(n, rs1)) return;
    emit_fp(0x1e, 0, rd.id, rs1.id, 0);
  }
  RVJIT_INLINE void cvt_to_x(const char* n, unsigned type, Gp rd, Fp rs1, RoundingMode rm) {
    if (!gp(n, rd) || !fp(n, rs1) || !insn::check_rm(self(), n, rm)) return;
    emit_fp(0x18, static_cast<uint32_t>(rm), rd.id, rs1.id, type);
  }
  RVJIT_INLINE void cvt_from_x(const char* n, unsigned type, Fp rd, Gp rs1, RoundingMode rm) {
    if (!fp(n, rd) || !gp(n, rs1) || !insn::check_rm(self(), n, rm)) return;
    emit_fp(0x1a, static_cast<uint32_t>(rm), rd.id, rs1.id, type);
  }
  RVJIT_INLINE void load(const char* n, Fp rd, Gp base, int64_t off) {
    if (!fp(n, rd) || !gp(n, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress()) {
      if (rd.is_compressible() && base.is_compressible() && off >= 0 && off <= 248 && off % 8 == 0)
        return self().c_fld(rd, base, off);
      if (base.id == 2 && off >= 0 && off <= 504 && off % 8 == 0) return self().c_fldsp(rd, off);
    }
    self().emit32(enc::i_type(enc::kOpLoadFp, 3, rd.id, base.id, off));
  }
  RVJIT_INLINE void store(const char* n, Fp src, Gp base, int64_t off) {
    if (!fp(n, src) || !gp(n, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress()) {
      if (src.is_compressible() && base.is_compressible() && off >= 0 && off <= 248 && off % 8 == 0)
        return self().c_fsd(src, base, off);
      if (base.id == 2 && off >= 0 && off <= 504 && off % 8 == 0) return self().c_fsdsp(src, off);
    }
    self().emit32(enc::s_type(enc::kOpStoreFp, 3, base.id, src.id, off));
  }
};

}  // namespace rvjit
