// C extension (RV64C): every compressed instruction as its own method. Each checks what
// the 16-bit encoding can express and reports a sticky error otherwise: registers outside
// x8-x15 in 3-bit fields, x0 where the encoding is reserved or a HINT, a zero nzimm,
// misaligned or out-of-range scaled offsets. Every method requires TargetExt::kC in the
// Assembler's target (kUnsupported otherwise, checked before the operands).
//
// Operands follow LLVM's syntax without the implied ones: c_addi(rd, imm) is
// "c.addi rd, imm", c_ld(rd, base, off) is "c.ld rd, off(base)", c_addi4spn(rd, imm) is
// "c.addi4spn rd, sp, imm", c_addi16sp(imm) is "c.addi16sp sp, imm", c_ldsp(rd, off) is
// "c.ldsp rd, off(sp)". c_lui takes the signed 6-bit field value (-32..31, not 0), i.e.
// the value loaded is imm << 12; LLVM writes negative ones as 20-bit (0xfffe0..0xfffff).
#pragma once

#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/insn/rvc_format.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnC {
 public:
  // --- quadrant 0 ---------------------------------------------------------------------
  RVJIT_INLINE void c_addi4spn(Gp rd, int64_t nzuimm) {
    if (!ext("c.addi4spn")) return;
    if (!creg("c.addi4spn", rd) || !nz("c.addi4spn", nzuimm, 0, 1020, 4)) return;
    emit(enc::rvc::ciw(rd.id, nzuimm));
  }
  RVJIT_INLINE void c_fld(Fp rd, Gp base, int64_t off) {
    if (!ext("c.fld")) return;
    if (!fcreg("c.fld", rd) || !creg("c.fld", base) || !imm("c.fld", off, 0, 248, 8)) return;
    emit(enc::rvc::cls_d(1, rd.id, base.id, off));
  }
  RVJIT_INLINE void c_lw(Gp rd, Gp base, int64_t off) {
    if (!ext("c.lw")) return;
    if (!creg("c.lw", rd) || !creg("c.lw", base) || !imm("c.lw", off, 0, 124, 4)) return;
    emit(enc::rvc::cls_w(2, rd.id, base.id, off));
  }
  RVJIT_INLINE void c_ld(Gp rd, Gp base, int64_t off) {
    if (!ext("c.ld")) return;
    if (!creg("c.ld", rd) || !creg("c.ld", base) || !imm("c.ld", off, 0, 248, 8)) return;
    emit(enc::rvc::cls_d(3, rd.id, base.id, off));
  }
  RVJIT_INLINE void c_fsd(Fp src, Gp base, int64_t off) {
    if (!ext("c.fsd")) return;
    if (!fcreg("c.fsd", src) || !creg("c.fsd", base) || !imm("c.fsd", off, 0, 248, 8)) return;
    emit(enc::rvc::cls_d(5, src.id, base.id, off));
  }
  RVJIT_INLINE void c_sw(Gp src, Gp base, int64_t off) {
    if (!ext("c.sw")) return;
    if (!creg("c.sw", src) || !creg("c.sw", base) || !imm("c.sw", off, 0, 124, 4)) return;
    emit(enc::rvc::cls_w(6, src.id, base.id, off));
  }
  RVJIT_INLINE void c_sd(Gp src, Gp base, int64_t off) {
    if (!ext("c.sd")) return;
    if (!creg("c.sd", src) || !creg("c.sd", base) || !imm("c.sd", off, 0, 248, 8)) return;
    emit(enc::rvc::cls_d(7, src.id, base.id, off));
  }

  // --- quadrant 1 ---------------------------------------------------------------------
  RVJIT_INLINE void c_nop() {
    if (!ext("c.nop")) return;
    emit(enc::kCNop);
  }
  // The all-zero halfword: defined to be illegal forever (ISA manual), a 2-byte trap.
  RVJIT_INLINE void c_unimp() {
    if (!ext("c.unimp")) return;
    emit(0x0000);
  }
  RVJIT_INLINE void c_addi(Gp rd, int64_t nzimm) {
    if (!ext("c.addi")) return;
    if (!nzreg("c.addi", rd) || !nz("c.addi", nzimm, -32, 31)) return;
    emit(enc::rvc::ci(0, 1, rd.id, nzimm));
  }
  RVJIT_INLINE void c_addiw(Gp rd, int64_t imm6) {
    if (!ext("c.addiw")) return;
    if (!nzreg("c.addiw", rd) || !imm("c.addiw", imm6, -32, 31)) return;
    emit(enc::rvc::ci(1, 1, rd.id, imm6));
  }
  RVJIT_INLINE void c_li(Gp rd, int64_t imm6) {
    if (!ext("c.li")) return;
    if (!nzreg("c.li", rd) || !imm("c.li", imm6, -32, 31)) return;
    emit(enc::rvc::ci(2, 1, rd.id, imm6));
  }
  RVJIT_INLINE void c_addi16sp(int64_t nzimm) {
    if (!ext("c.addi16sp")) return;
    if (!nz("c.addi16sp", nzimm, -512, 496, 16)) return;
    emit(enc::rvc::ci_addi16sp(nzimm));
  }
  // rd: not x0, not x2 (that encoding is c.addi16sp).
  RVJIT_INLINE void c_lui(Gp rd, int64_t nzimm6) {
    if (!ext("c.lui")) return;
    if (!nzreg("c.lui", rd)) return;
    if (rd.id == 2) return self().fail_reg("c.lui", 2, "is not allowed here");
    if (!nz("c.lui", nzimm6, -32, 31)) return;
    emit(enc::rvc::ci(3, 1, rd.id, nzimm6));
  }
  RVJIT_INLINE void c_srli(Gp rd, int64_t shamt) {
    if (!ext("c.srli")) return;
    if (!creg("c.srli", rd) || !nz("c.srli", shamt, 0, 63)) return;
    emit(enc::rvc::cb_alu(0, rd.id, shamt));
  }
  RVJIT_INLINE void c_srai(Gp rd, int64_t shamt) {
    if (!ext("c.srai")) return;
    if (!creg("c.srai", rd) || !nz("c.srai", shamt, 0, 63)) return;
    emit(enc::rvc::cb_alu(1, rd.id, shamt));
  }
  RVJIT_INLINE void c_andi(Gp rd, int64_t imm6) {
    if (!ext("c.andi")) return;
    if (!creg("c.andi", rd) || !imm("c.andi", imm6, -32, 31)) return;
    emit(enc::rvc::cb_alu(2, rd.id, imm6));
  }
  RVJIT_INLINE void c_sub(Gp rd, Gp rs2) { ca("c.sub", 0x23, 0, rd, rs2); }
  RVJIT_INLINE void c_xor(Gp rd, Gp rs2) { ca("c.xor", 0x23, 1, rd, rs2); }
  RVJIT_INLINE void c_or(Gp rd, Gp rs2) { ca("c.or", 0x23, 2, rd, rs2); }
  RVJIT_INLINE void c_and(Gp rd, Gp rs2) { ca("c.and", 0x23, 3, rd, rs2); }
  RVJIT_INLINE void c_subw(Gp rd, Gp rs2) { ca("c.subw", 0x27, 0, rd, rs2); }
  RVJIT_INLINE void c_addw(Gp rd, Gp rs2) { ca("c.addw", 0x27, 1, rd, rs2); }
  // offset: even, [-2048, 2046].
  RVJIT_INLINE void c_j(int64_t off) {
    if (!ext("c.j")) return;
    if (!imm("c.j", off, -2048, 2046, 2)) return;
    emit(enc::rvc::cj(off));
  }
  // offset: even, [-256, 254].
  RVJIT_INLINE void c_beqz(Gp rs1, int64_t off) {
    if (!ext("c.beqz")) return;
    if (!creg("c.beqz", rs1) || !imm("c.beqz", off, -256, 254, 2)) return;
    emit(enc::rvc::cb_branch(6, rs1.id, off));
  }
  RVJIT_INLINE void c_bnez(Gp rs1, int64_t off) {
    if (!ext("c.bnez")) return;
    if (!creg("c.bnez", rs1) || !imm("c.bnez", off, -256, 254, 2)) return;
    emit(enc::rvc::cb_branch(7, rs1.id, off));
  }

  // --- quadrant 2 ---------------------------------------------------------------------
  RVJIT_INLINE void c_slli(Gp rd, int64_t shamt) {
    if (!ext("c.slli")) return;
    if (!nzreg("c.slli", rd) || !nz("c.slli", shamt, 0, 63)) return;
    emit(enc::rvc::ci(0, 2, rd.id, shamt));
  }
  RVJIT_INLINE void c_fldsp(Fp rd, int64_t off) {
    if (!ext("c.fldsp")) return;
    if (!insn::check_fp(self(), "c.fldsp", rd) || !imm("c.fldsp", off, 0, 504, 8)) return;
    emit(enc::rvc::ci_ldsp(1, rd.id, off));
  }
  RVJIT_INLINE void c_lwsp(Gp rd, int64_t off) {
    if (!ext("c.lwsp")) return;
    if (!nzreg("c.lwsp", rd) || !imm("c.lwsp", off, 0, 252, 4)) return;
    emit(enc::rvc::ci_lwsp(rd.id, off));
  }
  RVJIT_INLINE void c_ldsp(Gp rd, int64_t off) {
    if (!ext("c.ldsp")) return;
    if (!nzreg("c.ldsp", rd) || !imm("c.ldsp", off, 0, 504, 8)) return;
    emit(enc::rvc::ci_ldsp(3, rd.id, off));
  }
  RVJIT_INLINE void c_jr(Gp rs1) {
    if (!ext("c.jr")) return;
    if (!nzreg("c.jr", rs1)) return;
    emit(enc::rvc::cr(0x8, rs1.id, 0));
  }
  // rs2 == x0 would be c.jr; rd == x0 is a HINT.
  RVJIT_INLINE void c_mv(Gp rd, Gp rs2) {
    if (!ext("c.mv")) return;
    if (!nzreg("c.mv", rd) || !nzreg("c.mv", rs2)) return;
    emit(enc::rvc::cr(0x8, rd.id, rs2.id));
  }
  RVJIT_INLINE void c_ebreak() {
    if (!ext("c.ebreak")) return;
    emit(0x9002);
  }
  RVJIT_INLINE void c_jalr(Gp rs1) {
    if (!ext("c.jalr")) return;
    if (!nzreg("c.jalr", rs1)) return;
    emit(enc::rvc::cr(0x9, rs1.id, 0));
  }
  // rs2 == x0 would be c.jalr/c.ebreak; rd == x0 is a HINT.
  RVJIT_INLINE void c_add(Gp rd, Gp rs2) {
    if (!ext("c.add")) return;
    if (!nzreg("c.add", rd) || !nzreg("c.add", rs2)) return;
    emit(enc::rvc::cr(0x9, rd.id, rs2.id));
  }
  RVJIT_INLINE void c_fsdsp(Fp src, int64_t off) {
    if (!ext("c.fsdsp")) return;
    if (!insn::check_fp(self(), "c.fsdsp", src) || !imm("c.fsdsp", off, 0, 504, 8)) return;
    emit(enc::rvc::css_d(5, src.id, off));
  }
  RVJIT_INLINE void c_swsp(Gp src, int64_t off) {
    if (!ext("c.swsp")) return;
    if (!insn::check_gp(self(), "c.swsp", src) || !imm("c.swsp", off, 0, 252, 4)) return;
    emit(enc::rvc::css_w(src.id, off));
  }
  RVJIT_INLINE void c_sdsp(Gp src, int64_t off) {
    if (!ext("c.sdsp")) return;
    if (!insn::check_gp(self(), "c.sdsp", src) || !imm("c.sdsp", off, 0, 504, 8)) return;
    emit(enc::rvc::css_d(7, src.id, off));
  }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE void emit(uint16_t h) { self().emit16(h); }
  RVJIT_INLINE bool ext(const char* n) { return insn::check_ext(self(), n, TargetExt::kC); }
  RVJIT_INLINE bool creg(const char* n, Gp r) { return insn::check_creg(self(), n, r); }
  RVJIT_INLINE bool fcreg(const char* n, Fp r) { return insn::check_fcreg(self(), n, r); }
  RVJIT_INLINE bool nzreg(const char* n, Gp r) { return insn::check_nonzero(self(), n, r); }
  RVJIT_INLINE bool imm(const char* n, int64_t v, int64_t lo, int64_t hi, int64_t align = 1) {
    return insn::check_imm(self(), n, v, lo, hi, align);
  }
  RVJIT_INLINE bool nz(const char* n, int64_t v, int64_t lo, int64_t hi, int64_t align = 1) {
    return insn::check_nzimm(self(), n, v, lo, hi, align);
  }
  RVJIT_INLINE void ca(const char* n, uint32_t f6, uint32_t f2, Gp rd, Gp rs2) {
    if (!ext(n) || !creg(n, rd) || !creg(n, rs2)) return;
    emit(enc::rvc::ca(f6, f2, rd.id, rs2.id));
  }
};

}  // namespace rvjit
