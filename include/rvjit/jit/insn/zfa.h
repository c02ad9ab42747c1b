// Zfa: additional floating-point instructions for F and D (RV64: no fmvh/fmvp).
// fli takes the index 0..31 of the constant table (ISA manual, Zfa chapter):
// index 0 is -1.0, 1 the smallest normal, 16 is 1.0, 30 +inf, 31 the canonical NaN.
// Every method requires TargetExt::kZfa in the Assembler's target (kUnsupported otherwise).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZfa {
 public:
  RVJIT_INLINE void fli_s(Fp rd, int64_t index) { fli("fli.s", 0x78, rd, index); }
  RVJIT_INLINE void fli_d(Fp rd, int64_t index) { fli("fli.d", 0x79, rd, index); }
  RVJIT_INLINE void fminm_s(Fp rd, Fp rs1, Fp rs2) { rrr("fminm.s", 0x14, 2, rd, rs1, rs2); }
  RVJIT_INLINE void fmaxm_s(Fp rd, Fp rs1, Fp rs2) { rrr("fmaxm.s", 0x14, 3, rd, rs1, rs2); }
  RVJIT_INLINE void fminm_d(Fp rd, Fp rs1, Fp rs2) { rrr("fminm.d", 0x15, 2, rd, rs1, rs2); }
  RVJIT_INLINE void fmaxm_d(Fp rd, Fp rs1, Fp rs2) { rrr("fmaxm.d", 0x15, 3, rd, rs1, rs2); }
  RVJIT_INLINE void fround_s(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rnd("fround.s", 0x20, 4, rd, rs1, rm);
  }
  RVJIT_INLINE void froundnx_s(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rnd("froundnx.s", 0x20, 5, rd, rs1, rm);
  }
  RVJIT_INLINE void fround_d(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rnd("fround.d", 0x21, 4, rd, rs1, rm);
  }
  RVJIT_INLINE void froundnx_d(Fp rd, Fp rs1, RoundingMode rm = RoundingMode::kDyn) {
    rnd("froundnx.d", 0x21, 5, rd, rs1, rm);
  }
  // Always rounds toward zero (the only mode the instruction defines).
  RVJIT_INLINE void fcvtmod_w_d(Gp rd, Fp rs1) {
    if (!ext("fcvtmod.w.d") || !insn::check_gp(self(), "fcvtmod.w.d", rd) ||
        !fp("fcvtmod.w.d", rs1))
      return;
    self().emit32(enc::r_type(enc::kOpFp, 1, 0x61, rd.id, rs1.id, 8));
  }
  RVJIT_INLINE void fleq_s(Gp rd, Fp rs1, Fp rs2) { cmp("fleq.s", 0x50, 4, rd, rs1, rs2); }
  RVJIT_INLINE void fltq_s(Gp rd, Fp rs1, Fp rs2) { cmp("fltq.s", 0x50, 5, rd, rs1, rs2); }
  RVJIT_INLINE void fleq_d(Gp rd, Fp rs1, Fp rs2) { cmp("fleq.d", 0x51, 4, rd, rs1, rs2); }
  RVJIT_INLINE void fltq_d(Gp rd, Fp rs1, Fp rs2) { cmp("fltq.d", 0x51, 5, rd, rs1, rs2); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE bool ext(const char* n) { return insn::check_ext(self(), n, TargetExt::kZfa); }
  RVJIT_INLINE bool fp(const char* n, Fp r) { return insn::check_fp(self(), n, r); }
  RVJIT_INLINE void fli(const char* n, uint32_t f7, Fp rd, int64_t index) {
    if (!ext(n) || !fp(n, rd) || !insn::check_imm(self(), n, index, 0, 31)) return;
    self().emit32(enc::r_type(enc::kOpFp, 0, f7, rd.id, static_cast<unsigned>(index), 1));
  }
  RVJIT_INLINE void rrr(const char* n, uint32_t f7, uint32_t f3, Fp rd, Fp rs1, Fp rs2) {
    if (!ext(n) || !fp(n, rd) || !fp(n, rs1) || !fp(n, rs2)) return;
    self().emit32(enc::r_type(enc::kOpFp, f3, f7, rd.id, rs1.id, rs2.id));
  }
  RVJIT_INLINE void rnd(const char* n, uint32_t f7, unsigned sub, Fp rd, Fp rs1, RoundingMode rm) {
    if (!ext(n) || !fp(n, rd) || !fp(n, rs1) || !insn::check_rm(self(), n, rm)) return;
    self().emit32(enc::r_type(enc::kOpFp, static_cast<uint32_t>(rm), f7, rd.id, rs1.id, sub));
  }
  RVJIT_INLINE void cmp(const char* n, uint32_t f7, uint32_t f3, Gp rd, Fp rs1, Fp rs2) {
    if (!ext(n) || !insn::check_gp(self(), n, rd) || !fp(n, rs1) || !fp(n, rs2)) return;
    self().emit32(enc::r_type(enc::kOpFp, f3, f7, rd.id, rs1.id, rs2.id));
  }
};

}  // namespace rvjit
