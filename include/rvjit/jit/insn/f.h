// F extension: single-precision floating point (arithmetic, fused multiply-add,
// conversions with a RoundingMode, compares, fclass, moves, loads/stores), one method per
// instruction with the suffix "_s" for ".s". Rounding modes default to dyn (frm),
// except for exact conversions where LLVM writes rne when no mode is given.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnF {
 public:
  RVJIT_INLINE void fadd_s(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fadd.s", 0x0, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fsub_s(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fsub.s", 0x1, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fmul_s(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fmul.s", 0x2, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fdiv_s(Fp rd, Fp rs1, Fp rs2, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fdiv.s", 0x3, rd.id, rs1.id, rs2.id, rm);
  }
  RVJIT_INLINE void fsqrt_s(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fsqrt.s", 0xb, rd.id, rs1.id, 0, rm);
  }
  RVJIT_INLINE void fsgnj_s(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnj.s", 0x4, 0, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fsgnjn_s(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnjn.s", 0x4, 1, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fsgnjx_s(Fp rd, Fp rs1, Fp rs2) {
    rrf("fsgnjx.s", 0x4, 2, rd.id, rs1.id, rs2.id);
  }
  RVJIT_INLINE void fmin_s(Fp rd, Fp rs1, Fp rs2) { rrf("fmin.s", 0x5, 0, rd.id, rs1.id, rs2.id); }
  RVJIT_INLINE void fmax_s(Fp rd, Fp rs1, Fp rs2) { rrf("fmax.s", 0x5, 1, rd.id, rs1.id, rs2.id); }
  RVJIT_INLINE void fmadd_s(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fmadd.s", enc::kOpMadd, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fmsub_s(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fmsub.s", enc::kOpMsub, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fnmsub_s(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fnmsub.s", enc::kOpNmsub, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void fnmadd_s(Fp rd, Fp rs1, Fp rs2, Fp rs3, RoundingMode rm = RoundingMode::kDyn) {
    r4("fnmadd.s", enc::kOpNmadd, rd, rs1, rs2, rs3, rm);
  }
  RVJIT_INLINE void feq_s(Gp rd, Fp rs1, Fp rs2) { cmp("feq.s", 2, rd, rs1, rs2); }
  RVJIT_INLINE void flt_s(Gp rd, Fp rs1, Fp rs2) { cmp("flt.s", 1, rd, rs1, rs2); }
  RVJIT_INLINE void fle_s(Gp rd, Fp rs1, Fp rs2) { cmp("fle.s", 0, rd, rs1, rs2); }
  RVJIT_INLINE void fclass_s(Gp rd, Fp rs1) { to_x("fclass.s", 1, rd, rs1); }
  RVJIT_INLINE void fmv_x_w(Gp rd, Fp rs1) { to_x("fmv.x.w", 0, rd, rs1); }
  RVJIT_INLINE void fmv_w_x(Fp rd, Gp rs1) { from_x_raw("fmv.w.x", rd, rs1); }
  RVJIT_INLINE void fcvt_w_s(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.w.s", 0, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_wu_s(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.wu.s", 1, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_l_s(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.l.s", 2, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_lu_s(Gp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_to_x("fcvt.lu.s", 3, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_s_w(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.s.w", 0, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_s_wu(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.s.wu", 1, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_s_l(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.s.l", 2, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_s_lu(Fp rd, Gp rs1, RoundingMode rm = RoundingMode::kDyn) {
    cvt_from_x("fcvt.s.lu", 3, rd, rs1, rm);
  }
  RVJIT_INLINE void fcvt_s_d(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rrr("fcvt.s.d", 0x8, rd.id, rs1.id, 1, rm);
  }
  RVJIT_INLINE void flw(Fp rd, Gp base, int64_t offset) { load("flw", rd, base, offset); }
  RVJIT_INLINE void fsw(Fp src, Gp base, int64_t offset) { store("fsw", src, base, offset); }
  // Pseudo-instructions.
  RVJIT_INLINE void fmv_s(Fp rd, Fp rs) { fsgnj_s(rd, rs, rs); }
  RVJIT_INLINE void fneg_s(Fp rd, Fp rs) { fsgnjn_s(rd, rs, rs); }
  RVJIT_INLINE void fabs_s(Fp rd, Fp rs) { fsgnjx_s(rd, rs, rs); }

 private:
  static constexpr uint32_t kFmt = 0;  // the fmt field: S = 0, D = 1
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
    self().emit32(enc::i_type(enc::kOpLoadFp, 2, rd.id, base.id, off));
  }
  RVJIT_INLINE void store(const char* n, Fp src, Gp base, int64_t off) {
    if (!fp(n, src) || !gp(n, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    self().emit32(enc::s_type(enc::kOpStoreFp, 2, base.id, src.id, off));
  }
};

}  // namespace rvjit
