// RV64I base integer instructions and their standard pseudo-instructions, as a mixin of
// the Assembler (one method per instruction). Every method validates every operand and
// reports a sticky error through the Assembler instead of truncating.
//
// Operand order follows the assembly syntax: loads are (rd, base, offset), stores
// (src, base, offset), branches (rs1, rs2, offset). Branch and jump targets here are byte
// offsets from the instruction itself; the Assembler adds Label overloads on top.
//
// With auto_compress() on, the methods marked [C] emit the 2-byte RVC form exactly when
// LLVM's assembler would (its CompressPat rules for C without Zcb): same bytes as
// `llvm-mc -mattr=+c`, which the differential test checks.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnRV64I {
 public:
  // --- upper immediates and jumps ------------------------------------------------------
  // imm20: the 20-bit field, 0..0xfffff (as LLVM accepts it). [C]
  void lui(Gp rd, int64_t imm20) {
    if (!gp("lui", rd) || !insn::check_imm(self(), "lui", imm20, 0, 0xfffff)) return;
    if (self().auto_compress() && rd.id != 0 && rd.id != 2 && imm20 != 0 &&
        (imm20 <= 31 || imm20 >= 0xfffe0))
      return self().c_lui(rd, imm20 <= 31 ? imm20 : imm20 - 0x100000);
    self().emit32(enc::u_type(enc::kOpLui, rd.id, static_cast<uint32_t>(imm20)));
  }
  void auipc(Gp rd, int64_t imm20) {
    if (!gp("auipc", rd) || !insn::check_imm(self(), "auipc", imm20, 0, 0xfffff)) return;
    self().emit32(enc::u_type(enc::kOpAuipc, rd.id, static_cast<uint32_t>(imm20)));
  }
  // offset: even, [-1 MiB, 1 MiB - 2]. [C: jal x0 -> c.j]
  void jal(Gp rd, int64_t offset) {
    if (!gp("jal", rd) || !insn::check_imm(self(), "jal", offset, -(1 << 20), (1 << 20) - 2, 2))
      return;
    if (self().auto_compress() && rd.id == 0 && offset >= -2048 && offset <= 2046)
      return self().c_j(offset);
    self().emit32(enc::j_type(enc::kOpJal, rd.id, offset));
  }
  // [C: jalr x0/ra, 0(rs1) -> c.jr / c.jalr]
  void jalr(Gp rd, Gp rs1, int64_t imm) {
    if (!gp("jalr", rd, rs1) || !insn::check_imm(self(), "jalr", imm, -2048, 2047)) return;
    if (self().auto_compress() && imm == 0 && rs1.id != 0) {
      if (rd.id == 0) return self().c_jr(rs1);
      if (rd.id == 1) return self().c_jalr(rs1);
    }
    self().emit32(enc::i_type(enc::kOpJalr, 0, rd.id, rs1.id, imm));
  }

  // --- branches: offset even, [-4096, 4094] ---------------------------------------------
  void beq(Gp rs1, Gp rs2, int64_t offset) { branch("beq", 0, rs1, rs2, offset); }  // [C]
  void bne(Gp rs1, Gp rs2, int64_t offset) { branch("bne", 1, rs1, rs2, offset); }  // [C]
  void blt(Gp rs1, Gp rs2, int64_t offset) { branch("blt", 4, rs1, rs2, offset); }
  void bge(Gp rs1, Gp rs2, int64_t offset) { branch("bge", 5, rs1, rs2, offset); }
  void bltu(Gp rs1, Gp rs2, int64_t offset) { branch("bltu", 6, rs1, rs2, offset); }
  void bgeu(Gp rs1, Gp rs2, int64_t offset) { branch("bgeu", 7, rs1, rs2, offset); }

  // --- loads and stores: offset in [-2048, 2047] ---------------------------------------
  void lb(Gp rd, Gp base, int64_t offset) { load("lb", 0, rd, base, offset); }
  void lh(Gp rd, Gp base, int64_t offset) { load("lh", 1, rd, base, offset); }
  void lw(Gp rd, Gp base, int64_t offset) { load("lw", 2, rd, base, offset); }  // [C]
  void ld(Gp rd, Gp base, int64_t offset) { load("ld", 3, rd, base, offset); }  // [C]
  void lbu(Gp rd, Gp base, int64_t offset) { load("lbu", 4, rd, base, offset); }
  void lhu(Gp rd, Gp base, int64_t offset) { load("lhu", 5, rd, base, offset); }
  void lwu(Gp rd, Gp base, int64_t offset) { load("lwu", 6, rd, base, offset); }
  void sb(Gp src, Gp base, int64_t offset) { store("sb", 0, src, base, offset); }
  void sh(Gp src, Gp base, int64_t offset) { store("sh", 1, src, base, offset); }
  void sw(Gp src, Gp base, int64_t offset) { store("sw", 2, src, base, offset); }  // [C]
  void sd(Gp src, Gp base, int64_t offset) { store("sd", 3, src, base, offset); }  // [C]

  // --- register-immediate ----------------------------------------------------------------
  void addi(Gp rd, Gp rs1, int64_t imm) {  // [C: c.addi4spn/c.nop/c.addi/c.li/c.addi16sp/c.mv]
    if (!gp("addi", rd, rs1) || !insn::check_imm(self(), "addi", imm, -2048, 2047)) return;
    if (self().auto_compress() && compress_addi(rd, rs1, imm)) return;
    self().emit32(enc::i_type(enc::kOpImm, 0, rd.id, rs1.id, imm));
  }
  void slti(Gp rd, Gp rs1, int64_t imm) { op_imm("slti", enc::kOpImm, 2, rd, rs1, imm); }
  void sltiu(Gp rd, Gp rs1, int64_t imm) { op_imm("sltiu", enc::kOpImm, 3, rd, rs1, imm); }
  void xori(Gp rd, Gp rs1, int64_t imm) { op_imm("xori", enc::kOpImm, 4, rd, rs1, imm); }
  void ori(Gp rd, Gp rs1, int64_t imm) { op_imm("ori", enc::kOpImm, 6, rd, rs1, imm); }
  void andi(Gp rd, Gp rs1, int64_t imm) {  // [C: c.andi]
    if (!gp("andi", rd, rs1) || !insn::check_imm(self(), "andi", imm, -2048, 2047)) return;
    if (self().auto_compress() && rd == rs1 && rd.is_compressible() && imm >= -32 && imm <= 31)
      return self().c_andi(rd, imm);
    self().emit32(enc::i_type(enc::kOpImm, 7, rd.id, rs1.id, imm));
  }
  // Shift amounts 0..63 (W forms 0..31).
  void slli(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.slli]
    if (!gp("slli", rd, rs1) || !insn::check_imm(self(), "slli", shamt, 0, 63)) return;
    if (self().auto_compress() && rd == rs1 && rd.id != 0 && shamt != 0)
      return self().c_slli(rd, shamt);
    self().emit32(enc::i_type(enc::kOpImm, 1, rd.id, rs1.id, shamt));
  }
  void srli(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.srli]
    if (!gp("srli", rd, rs1) || !insn::check_imm(self(), "srli", shamt, 0, 63)) return;
    if (self().auto_compress() && rd == rs1 && rd.is_compressible() && shamt != 0)
      return self().c_srli(rd, shamt);
    self().emit32(enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, shamt));
  }
  void srai(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.srai]
    if (!gp("srai", rd, rs1) || !insn::check_imm(self(), "srai", shamt, 0, 63)) return;
    if (self().auto_compress() && rd == rs1 && rd.is_compressible() && shamt != 0)
      return self().c_srai(rd, shamt);
    self().emit32(enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, 0x400 | shamt));
  }
  void addiw(Gp rd, Gp rs1, int64_t imm) {  // [C: c.addiw]
    if (!gp("addiw", rd, rs1) || !insn::check_imm(self(), "addiw", imm, -2048, 2047)) return;
    if (self().auto_compress() && rd.id != 0 && imm >= -32 && imm <= 31) {
      if (rd == rs1) return self().c_addiw(rd, imm);
      if (rs1.id == 0) return self().c_li(rd, imm);  // LLVM: addiw rd, x0, imm -> c.li
    }
    self().emit32(enc::i_type(enc::kOpImm32, 0, rd.id, rs1.id, imm));
  }
  void slliw(Gp rd, Gp rs1, int64_t shamt) { shift_w("slliw", 1, 0, rd, rs1, shamt); }
  void srliw(Gp rd, Gp rs1, int64_t shamt) { shift_w("srliw", 5, 0, rd, rs1, shamt); }
  void sraiw(Gp rd, Gp rs1, int64_t shamt) { shift_w("sraiw", 5, 0x400, rd, rs1, shamt); }

  // --- register-register -----------------------------------------------------------------
  void add(Gp rd, Gp rs1, Gp rs2) {  // [C: c.add / c.mv]
    if (!gp("add", rd, rs1, rs2)) return;
    if (self().auto_compress() && rd.id != 0) {
      if (rs1.id == 0 && rs2.id != 0) return self().c_mv(rd, rs2);
      if (rd == rs1 && rs2.id != 0) return self().c_add(rd, rs2);
      if (rd == rs2 && rs1.id != 0) return self().c_add(rd, rs1);
      if (rs2.id == 0 && rs1.id != 0) return self().c_mv(rd, rs1);
    }
    self().emit32(enc::r_type(enc::kOpReg, 0, 0, rd.id, rs1.id, rs2.id));
  }
  void sub(Gp rd, Gp rs1, Gp rs2) { op_c("sub", enc::kOpReg, 0, 0x20, rd, rs1, rs2, kCSub, false); }
  void sll(Gp rd, Gp rs1, Gp rs2) { op("sll", enc::kOpReg, 1, 0, rd, rs1, rs2); }
  void slt(Gp rd, Gp rs1, Gp rs2) { op("slt", enc::kOpReg, 2, 0, rd, rs1, rs2); }
  void sltu(Gp rd, Gp rs1, Gp rs2) { op("sltu", enc::kOpReg, 3, 0, rd, rs1, rs2); }
  void xor_(Gp rd, Gp rs1, Gp rs2) { op_c("xor", enc::kOpReg, 4, 0, rd, rs1, rs2, kCXor, true); }
  void srl(Gp rd, Gp rs1, Gp rs2) { op("srl", enc::kOpReg, 5, 0, rd, rs1, rs2); }
  void sra(Gp rd, Gp rs1, Gp rs2) { op("sra", enc::kOpReg, 5, 0x20, rd, rs1, rs2); }
  void or_(Gp rd, Gp rs1, Gp rs2) { op_c("or", enc::kOpReg, 6, 0, rd, rs1, rs2, kCOr, true); }
  void and_(Gp rd, Gp rs1, Gp rs2) { op_c("and", enc::kOpReg, 7, 0, rd, rs1, rs2, kCAnd, true); }
  void addw(Gp rd, Gp rs1, Gp rs2) {
    op_c("addw", enc::kOpReg32, 0, 0, rd, rs1, rs2, kCAddw, true);
  }
  void subw(Gp rd, Gp rs1, Gp rs2) {
    op_c("subw", enc::kOpReg32, 0, 0x20, rd, rs1, rs2, kCSubw, false);
  }
  void sllw(Gp rd, Gp rs1, Gp rs2) { op("sllw", enc::kOpReg32, 1, 0, rd, rs1, rs2); }
  void srlw(Gp rd, Gp rs1, Gp rs2) { op("srlw", enc::kOpReg32, 5, 0, rd, rs1, rs2); }
  void sraw(Gp rd, Gp rs1, Gp rs2) { op("sraw", enc::kOpReg32, 5, 0x20, rd, rs1, rs2); }

  // --- memory ordering and system ------------------------------------------------------
  // pred/succ: any combination of kFenceI/O/R/W (0..15; an empty set is legal).
  void fence(unsigned pred = kFenceIORW, unsigned succ = kFenceIORW) {
    if (!insn::check_imm(self(), "fence", pred, 0, 15) ||
        !insn::check_imm(self(), "fence", succ, 0, 15))
      return;
    self().emit32(enc::i_type(enc::kOpMiscMem, 0, 0, 0, (pred << 4) | succ));
  }
  void fence_tso() { self().emit32(0x8330000fu); }
  // The canonical 32-bit illegal instruction (csrrw x0, cycle, x0), e.g. as a trap filler.
  void unimp() {  // [C: c.unimp]
    if (self().auto_compress()) return self().c_unimp();
    self().emit32(0xc0001073u);
  }
  void ecall() { self().emit32(0x00000073u); }
  void ebreak() {  // [C: c.ebreak]
    if (self().auto_compress()) return self().c_ebreak();
    self().emit32(0x00100073u);
  }

  // --- pseudo-instructions (ISA manual / LLVM definitions) -----------------------------
  void nop() { addi(Gp{0}, Gp{0}, 0); }
  void mv(Gp rd, Gp rs) { addi(rd, rs, 0); }
  void not_(Gp rd, Gp rs) { xori(rd, rs, -1); }
  void zext_b(Gp rd, Gp rs) { andi(rd, rs, 255); }
  void neg(Gp rd, Gp rs) { sub(rd, Gp{0}, rs); }
  void negw(Gp rd, Gp rs) { subw(rd, Gp{0}, rs); }
  void sext_w(Gp rd, Gp rs) { addiw(rd, rs, 0); }
  void seqz(Gp rd, Gp rs) { sltiu(rd, rs, 1); }
  void snez(Gp rd, Gp rs) { sltu(rd, Gp{0}, rs); }
  void sltz(Gp rd, Gp rs) { slt(rd, rs, Gp{0}); }
  void sgtz(Gp rd, Gp rs) { slt(rd, Gp{0}, rs); }
  void j(int64_t offset) { jal(Gp{0}, offset); }
  void jal(int64_t offset) { jal(Gp{1}, offset); }
  void jr(Gp rs) { jalr(Gp{0}, rs, 0); }
  void jalr(Gp rs) { jalr(Gp{1}, rs, 0); }
  void ret() { jalr(Gp{0}, Gp{1}, 0); }
  void beqz(Gp rs, int64_t offset) { beq(rs, Gp{0}, offset); }
  void bnez(Gp rs, int64_t offset) { bne(rs, Gp{0}, offset); }
  void blez(Gp rs, int64_t offset) { bge(Gp{0}, rs, offset); }
  void bgez(Gp rs, int64_t offset) { bge(rs, Gp{0}, offset); }
  void bltz(Gp rs, int64_t offset) { blt(rs, Gp{0}, offset); }
  void bgtz(Gp rs, int64_t offset) { blt(Gp{0}, rs, offset); }
  void bgt(Gp rs, Gp rt, int64_t offset) { blt(rt, rs, offset); }
  void ble(Gp rs, Gp rt, int64_t offset) { bge(rt, rs, offset); }
  void bgtu(Gp rs, Gp rt, int64_t offset) { bltu(rt, rs, offset); }
  void bleu(Gp rs, Gp rt, int64_t offset) { bgeu(rt, rs, offset); }

 private:
  Asm& self() { return static_cast<Asm&>(*this); }
  bool gp(const char* n, Gp a) { return insn::check_gp(self(), n, a); }
  bool gp(const char* n, Gp a, Gp b) { return gp(n, a) && gp(n, b); }
  bool gp(const char* n, Gp a, Gp b, Gp c) { return gp(n, a) && gp(n, b) && gp(n, c); }

  void branch(const char* n, uint32_t f3, Gp rs1, Gp rs2, int64_t offset) {
    if (!gp(n, rs1, rs2) || !insn::check_imm(self(), n, offset, -4096, 4094, 2)) return;
    // beq/bne rs', x0 (either operand order) -> c.beqz/c.bnez.
    if (self().auto_compress() && f3 <= 1 && offset >= -256 && offset <= 254) {
      Gp r{0};
      if (rs1.is_compressible() && rs2.id == 0) r = rs1;
      else if (rs2.is_compressible() && rs1.id == 0) r = rs2;
      if (r.id != 0) return f3 == 0 ? self().c_beqz(r, offset) : self().c_bnez(r, offset);
    }
    self().emit32(enc::b_type(enc::kOpBranch, f3, rs1.id, rs2.id, offset));
  }
  void load(const char* n, uint32_t f3, Gp rd, Gp base, int64_t off) {
    if (!gp(n, rd, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress() && (f3 == 2 || f3 == 3)) {
      const int64_t scale = f3 == 2 ? 4 : 8;
      if (rd.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
          off % scale == 0)
        return f3 == 2 ? self().c_lw(rd, base, off) : self().c_ld(rd, base, off);
      if (rd.id != 0 && base.id == 2 && off >= 0 && off < 64 * scale && off % scale == 0)
        return f3 == 2 ? self().c_lwsp(rd, off) : self().c_ldsp(rd, off);
    }
    self().emit32(enc::i_type(enc::kOpLoad, f3, rd.id, base.id, off));
  }
  void store(const char* n, uint32_t f3, Gp src, Gp base, int64_t off) {
    if (!gp(n, src, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress() && (f3 == 2 || f3 == 3)) {
      const int64_t scale = f3 == 2 ? 4 : 8;
      if (src.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
          off % scale == 0)
        return f3 == 2 ? self().c_sw(src, base, off) : self().c_sd(src, base, off);
      if (base.id == 2 && off >= 0 && off < 64 * scale && off % scale == 0)
        return f3 == 2 ? self().c_swsp(src, off) : self().c_sdsp(src, off);
    }
    self().emit32(enc::s_type(enc::kOpStore, f3, base.id, src.id, off));
  }
  void op_imm(const char* n, uint32_t opc, uint32_t f3, Gp rd, Gp rs1, int64_t imm) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, imm, -2048, 2047)) return;
    self().emit32(enc::i_type(opc, f3, rd.id, rs1.id, imm));
  }
  void shift_w(const char* n, uint32_t f3, uint32_t hi, Gp rd, Gp rs1, int64_t shamt) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, shamt, 0, 31)) return;
    self().emit32(enc::i_type(enc::kOpImm32, f3, rd.id, rs1.id, hi | shamt));
  }
  void op(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1, Gp rs2) {
    if (!gp(n, rd, rs1, rs2)) return;
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }
  // The CA-format ALU ops: rd == rs1 (or == rs2 when commutative), all in x8..x15.
  enum CaOp { kCSub, kCXor, kCOr, kCAnd, kCSubw, kCAddw };
  void op_c(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1, Gp rs2,
            CaOp cop, bool commutative) {
    if (!gp(n, rd, rs1, rs2)) return;
    if (self().auto_compress() && rd.is_compressible()) {
      Gp other{0};
      bool ok = false;
      if (rd == rs1 && rs2.is_compressible()) { other = rs2; ok = true; }
      else if (commutative && rd == rs2 && rs1.is_compressible()) { other = rs1; ok = true; }
      if (ok) {
        switch (cop) {
          case kCSub: return self().c_sub(rd, other);
          case kCXor: return self().c_xor(rd, other);
          case kCOr: return self().c_or(rd, other);
          case kCAnd: return self().c_and(rd, other);
          case kCSubw: return self().c_subw(rd, other);
          case kCAddw: return self().c_addw(rd, other);
        }
      }
    }
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }
  // LLVM's CompressPat order for ADDI: c.addi4spn, c.nop, c.addi, c.li, c.addi16sp, c.mv.
  bool compress_addi(Gp rd, Gp rs1, int64_t imm) {
    if (rd.is_compressible() && rs1.id == 2 && imm > 0 && imm <= 1020 && imm % 4 == 0)
      return self().c_addi4spn(rd, imm), true;
    if (rd.id == 0 && rs1.id == 0 && imm == 0) return self().c_nop(), true;
    if (rd.id != 0 && rd == rs1 && imm != 0 && imm >= -32 && imm <= 31)
      return self().c_addi(rd, imm), true;
    if (rd.id != 0 && rs1.id == 0 && imm >= -32 && imm <= 31) return self().c_li(rd, imm), true;
    if (rd.id == 2 && rs1.id == 2 && imm != 0 && imm >= -512 && imm <= 496 && imm % 16 == 0)
      return self().c_addi16sp(imm), true;
    if (imm == 0 && rd.id != 0 && rs1.id != 0) return self().c_mv(rd, rs1), true;
    return false;
  }
};

}  // namespace rvjit
