// RV64I base integer instructions and their standard pseudo-instructions, as a mixin of
// the Assembler (one method per instruction). Every method validates every operand and
// reports a sticky error through the Assembler instead of truncating.
//
// Operand order follows the assembly syntax: loads are (rd, base, offset), stores
// (src, base, offset), branches (rs1, rs2, offset). Branch and jump targets here are byte
// offsets from the instruction itself; the Assembler adds Label overloads on top.
//
// With auto_compress() on, the methods marked [C] emit the 2-byte RVC form exactly when
// LLVM's assembler would (its CompressPat rules): same bytes as `llvm-mc -mattr=+c`, which
// the differential test checks. Those marked [Zcb] (lbu, lhu, lh, sb, sh, andi 255 =
// zext.b, xori -1 = not) also pick their Zcb form when Zcb is in the target as well
// (auto_compress_zcb()): same bytes as `llvm-mc -mattr=+c,+zcb`.
//
// Speed: each method is forced inline and is one test plus one store in the common case:
// "every operand valid, auto-compression off, room left and no error" (fast_or). Anything
// else calls the method's out-of-line `_checked` twin, which is the complete method
// (check every operand and report the first bad one, choose an RVC form, emit): the
// inline test only decides which of the two runs, so validation, errors and the bytes are
// the same either way.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/insn/rvc_format.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnRV64I {
 public:
  // --- upper immediates and jumps ------------------------------------------------------
  // imm20: the 20-bit field, 0..0xfffff (as LLVM accepts it). [C]
  RVJIT_INLINE void lui(Gp rd, int64_t imm20) {
    fast_or_rvc(insn::gp_ok(rd) && insn::in_range(imm20, 0, 0xfffff),
                enc::u_type(enc::kOpLui, rd.id, static_cast<uint32_t>(imm20)),
                &InsnRV64I::lui_pick, &InsnRV64I::lui_checked, rd, imm20);
  }
  RVJIT_INLINE void auipc(Gp rd, int64_t imm20) {
    fast_or_rvc(insn::gp_ok(rd) && insn::in_range(imm20, 0, 0xfffff),
                enc::u_type(enc::kOpAuipc, rd.id, static_cast<uint32_t>(imm20)),
                &InsnRV64I::auipc_pick, &InsnRV64I::auipc_checked, rd, imm20);
  }
  // offset: even, [-1 MiB, 1 MiB - 2]. [C: jal x0 -> c.j]
  RVJIT_INLINE void jal(Gp rd, int64_t offset) {
    fast_or(insn::gp_ok(rd) && insn::in_range(offset, -(1 << 20), (1 << 20) - 2) &&
                insn::aligned_to(offset, 2),
            enc::j_type(enc::kOpJal, rd.id, offset), &InsnRV64I::jal_checked, rd, offset);
  }
  // [C: jalr x0/ra, 0(rs1) -> c.jr / c.jalr]
  RVJIT_INLINE void jalr(Gp rd, Gp rs1, int64_t imm) {
    fast_or(insn::gp_ok(rd, rs1) && insn::in_range(imm, -2048, 2047),
            enc::i_type(enc::kOpJalr, 0, rd.id, rs1.id, imm), &InsnRV64I::jalr_checked, rd, rs1,
            imm);
  }

  // --- branches: offset even, [-4096, 4094] ---------------------------------------------
  RVJIT_INLINE void beq(Gp rs1, Gp rs2, int64_t offset) {  // [C]
    branch("beq", 0, rs1, rs2, offset);
  }
  RVJIT_INLINE void bne(Gp rs1, Gp rs2, int64_t offset) {  // [C]
    branch("bne", 1, rs1, rs2, offset);
  }
  RVJIT_INLINE void blt(Gp rs1, Gp rs2, int64_t offset) { branch("blt", 4, rs1, rs2, offset); }
  RVJIT_INLINE void bge(Gp rs1, Gp rs2, int64_t offset) { branch("bge", 5, rs1, rs2, offset); }
  RVJIT_INLINE void bltu(Gp rs1, Gp rs2, int64_t offset) { branch("bltu", 6, rs1, rs2, offset); }
  RVJIT_INLINE void bgeu(Gp rs1, Gp rs2, int64_t offset) { branch("bgeu", 7, rs1, rs2, offset); }

  // --- loads and stores: offset in [-2048, 2047] ---------------------------------------
  RVJIT_INLINE void lb(Gp rd, Gp base, int64_t offset) { load("lb", 0, rd, base, offset); }
  RVJIT_INLINE void lh(Gp rd, Gp base, int64_t offset) {  // [Zcb: c.lh]
    load("lh", 1, rd, base, offset);
  }
  RVJIT_INLINE void lw(Gp rd, Gp base, int64_t offset) { load("lw", 2, rd, base, offset); }  // [C]
  RVJIT_INLINE void ld(Gp rd, Gp base, int64_t offset) { load("ld", 3, rd, base, offset); }  // [C]
  RVJIT_INLINE void lbu(Gp rd, Gp base, int64_t offset) {  // [Zcb: c.lbu]
    load("lbu", 4, rd, base, offset);
  }
  RVJIT_INLINE void lhu(Gp rd, Gp base, int64_t offset) {  // [Zcb: c.lhu]
    load("lhu", 5, rd, base, offset);
  }
  RVJIT_INLINE void lwu(Gp rd, Gp base, int64_t offset) { load("lwu", 6, rd, base, offset); }
  RVJIT_INLINE void sb(Gp src, Gp base, int64_t offset) {  // [Zcb: c.sb]
    store("sb", 0, src, base, offset);
  }
  RVJIT_INLINE void sh(Gp src, Gp base, int64_t offset) {  // [Zcb: c.sh]
    store("sh", 1, src, base, offset);
  }
  RVJIT_INLINE void sw(Gp src, Gp base, int64_t offset) {  // [C]
    store("sw", 2, src, base, offset);
  }
  RVJIT_INLINE void sd(Gp src, Gp base, int64_t offset) {  // [C]
    store("sd", 3, src, base, offset);
  }

  // --- register-immediate ----------------------------------------------------------------
  // [C: c.addi4spn/c.nop/c.addi/c.li/c.addi16sp/c.mv]
  RVJIT_INLINE void addi(Gp rd, Gp rs1, int64_t imm) {
    fast_or_rvc(insn::gp_ok(rd, rs1) && insn::in_range(imm, -2048, 2047),
                enc::i_type(enc::kOpImm, 0, rd.id, rs1.id, imm),
                &InsnRV64I::addi_pick, &InsnRV64I::addi_checked, rd, rs1, imm);
  }
  RVJIT_INLINE void slti(Gp rd, Gp rs1, int64_t imm) {
    op_imm("slti", enc::kOpImm, 2, rd, rs1, imm);
  }
  RVJIT_INLINE void sltiu(Gp rd, Gp rs1, int64_t imm) {
    op_imm("sltiu", enc::kOpImm, 3, rd, rs1, imm);
  }
  RVJIT_INLINE void xori(Gp rd, Gp rs1, int64_t imm) {  // [Zcb: xori -1 -> c.not]
    op_imm("xori", enc::kOpImm, 4, rd, rs1, imm);
  }
  RVJIT_INLINE void ori(Gp rd, Gp rs1, int64_t imm) { op_imm("ori", enc::kOpImm, 6, rd, rs1, imm); }
  RVJIT_INLINE void andi(Gp rd, Gp rs1, int64_t imm) {  // [C: c.andi] [Zcb: 255 -> c.zext.b]
    fast_or(insn::gp_ok(rd, rs1) && insn::in_range(imm, -2048, 2047),
            enc::i_type(enc::kOpImm, 7, rd.id, rs1.id, imm), &InsnRV64I::andi_checked, rd, rs1,
            imm);
  }
  // Shift amounts 0..63 (W forms 0..31).
  RVJIT_INLINE void slli(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.slli]
    fast_or_rvc(insn::gp_ok(rd, rs1) && insn::in_range(shamt, 0, 63),
                enc::i_type(enc::kOpImm, 1, rd.id, rs1.id, shamt),
                &InsnRV64I::slli_pick, &InsnRV64I::slli_checked, rd, rs1,
                shamt);
  }
  RVJIT_INLINE void srli(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.srli]
    fast_or(insn::gp_ok(rd, rs1) && insn::in_range(shamt, 0, 63),
            enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, shamt), &InsnRV64I::srli_checked, rd, rs1,
            shamt);
  }
  RVJIT_INLINE void srai(Gp rd, Gp rs1, int64_t shamt) {  // [C: c.srai]
    fast_or(insn::gp_ok(rd, rs1) && insn::in_range(shamt, 0, 63),
            enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, 0x400 | shamt), &InsnRV64I::srai_checked,
            rd, rs1, shamt);
  }
  RVJIT_INLINE void addiw(Gp rd, Gp rs1, int64_t imm) {  // [C: c.addiw]
    fast_or(insn::gp_ok(rd, rs1) && insn::in_range(imm, -2048, 2047),
            enc::i_type(enc::kOpImm32, 0, rd.id, rs1.id, imm), &InsnRV64I::addiw_checked, rd,
            rs1, imm);
  }
  RVJIT_INLINE void slliw(Gp rd, Gp rs1, int64_t shamt) { shift_w("slliw", 1, 0, rd, rs1, shamt); }
  RVJIT_INLINE void srliw(Gp rd, Gp rs1, int64_t shamt) { shift_w("srliw", 5, 0, rd, rs1, shamt); }
  RVJIT_INLINE void sraiw(Gp rd, Gp rs1, int64_t shamt) {
    shift_w("sraiw", 5, 0x400, rd, rs1, shamt);
  }

  // --- register-register -----------------------------------------------------------------
  RVJIT_INLINE void add(Gp rd, Gp rs1, Gp rs2) {  // [C: c.add / c.mv]
    fast_or_rvc(insn::gp_ok(rd, rs1, rs2), enc::r_type(enc::kOpReg, 0, 0, rd.id, rs1.id, rs2.id),
                &InsnRV64I::add_pick, &InsnRV64I::add_checked, rd, rs1, rs2);
  }
  RVJIT_INLINE void sub(Gp rd, Gp rs1, Gp rs2) {
    op_c("sub", enc::kOpReg, 0, 0x20, rd, rs1, rs2, kCSub, false);
  }
  RVJIT_INLINE void sll(Gp rd, Gp rs1, Gp rs2) { op("sll", enc::kOpReg, 1, 0, rd, rs1, rs2); }
  RVJIT_INLINE void slt(Gp rd, Gp rs1, Gp rs2) { op("slt", enc::kOpReg, 2, 0, rd, rs1, rs2); }
  RVJIT_INLINE void sltu(Gp rd, Gp rs1, Gp rs2) { op("sltu", enc::kOpReg, 3, 0, rd, rs1, rs2); }
  RVJIT_INLINE void xor_(Gp rd, Gp rs1, Gp rs2) {
    op_c("xor", enc::kOpReg, 4, 0, rd, rs1, rs2, kCXor, true);
  }
  RVJIT_INLINE void srl(Gp rd, Gp rs1, Gp rs2) { op("srl", enc::kOpReg, 5, 0, rd, rs1, rs2); }
  RVJIT_INLINE void sra(Gp rd, Gp rs1, Gp rs2) { op("sra", enc::kOpReg, 5, 0x20, rd, rs1, rs2); }
  RVJIT_INLINE void or_(Gp rd, Gp rs1, Gp rs2) {
    op_c("or", enc::kOpReg, 6, 0, rd, rs1, rs2, kCOr, true);
  }
  RVJIT_INLINE void and_(Gp rd, Gp rs1, Gp rs2) {
    op_c("and", enc::kOpReg, 7, 0, rd, rs1, rs2, kCAnd, true);
  }
  RVJIT_INLINE void addw(Gp rd, Gp rs1, Gp rs2) {
    op_c("addw", enc::kOpReg32, 0, 0, rd, rs1, rs2, kCAddw, true);
  }
  RVJIT_INLINE void subw(Gp rd, Gp rs1, Gp rs2) {
    op_c("subw", enc::kOpReg32, 0, 0x20, rd, rs1, rs2, kCSubw, false);
  }
  RVJIT_INLINE void sllw(Gp rd, Gp rs1, Gp rs2) { op("sllw", enc::kOpReg32, 1, 0, rd, rs1, rs2); }
  RVJIT_INLINE void srlw(Gp rd, Gp rs1, Gp rs2) { op("srlw", enc::kOpReg32, 5, 0, rd, rs1, rs2); }
  RVJIT_INLINE void sraw(Gp rd, Gp rs1, Gp rs2) {
    op("sraw", enc::kOpReg32, 5, 0x20, rd, rs1, rs2);
  }

  // --- memory ordering and system ------------------------------------------------------
  // pred/succ: any combination of kFenceI/O/R/W (0..15; an empty set is legal).
  RVJIT_INLINE void fence(unsigned pred = kFenceIORW, unsigned succ = kFenceIORW) {
    if (!insn::check_imm(self(), "fence", pred, 0, 15) ||
        !insn::check_imm(self(), "fence", succ, 0, 15)) [[unlikely]]
      return;
    self().emit32(enc::i_type(enc::kOpMiscMem, 0, 0, 0, (pred << 4) | succ));
  }
  RVJIT_INLINE void fence_tso() { self().emit32(0x8330000fu); }
  // The canonical 32-bit illegal instruction (csrrw x0, cycle, x0), e.g. as a trap filler.
  RVJIT_INLINE void unimp() {  // [C: c.unimp]
    if (self().auto_compress()) [[unlikely]] return self().c_unimp();
    self().emit32(0xc0001073u);
  }
  RVJIT_INLINE void ecall() { self().emit32(0x00000073u); }
  RVJIT_INLINE void ebreak() {  // [C: c.ebreak]
    if (self().auto_compress()) [[unlikely]] return self().c_ebreak();
    self().emit32(0x00100073u);
  }

  // --- pseudo-instructions (ISA manual / LLVM definitions) -----------------------------
  RVJIT_INLINE void nop() { addi(Gp{0}, Gp{0}, 0); }
  RVJIT_INLINE void mv(Gp rd, Gp rs) { addi(rd, rs, 0); }
  RVJIT_INLINE void not_(Gp rd, Gp rs) { xori(rd, rs, -1); }
  RVJIT_INLINE void zext_b(Gp rd, Gp rs) { andi(rd, rs, 255); }
  RVJIT_INLINE void neg(Gp rd, Gp rs) { sub(rd, Gp{0}, rs); }
  RVJIT_INLINE void negw(Gp rd, Gp rs) { subw(rd, Gp{0}, rs); }
  RVJIT_INLINE void sext_w(Gp rd, Gp rs) { addiw(rd, rs, 0); }
  RVJIT_INLINE void seqz(Gp rd, Gp rs) { sltiu(rd, rs, 1); }
  RVJIT_INLINE void snez(Gp rd, Gp rs) { sltu(rd, Gp{0}, rs); }
  RVJIT_INLINE void sltz(Gp rd, Gp rs) { slt(rd, rs, Gp{0}); }
  RVJIT_INLINE void sgtz(Gp rd, Gp rs) { slt(rd, Gp{0}, rs); }
  RVJIT_INLINE void j(int64_t offset) { jal(Gp{0}, offset); }
  RVJIT_INLINE void jal(int64_t offset) { jal(Gp{1}, offset); }
  RVJIT_INLINE void jr(Gp rs) { jalr(Gp{0}, rs, 0); }
  RVJIT_INLINE void jalr(Gp rs) { jalr(Gp{1}, rs, 0); }
  RVJIT_INLINE void ret() { jalr(Gp{0}, Gp{1}, 0); }
  RVJIT_INLINE void beqz(Gp rs, int64_t offset) { beq(rs, Gp{0}, offset); }
  RVJIT_INLINE void bnez(Gp rs, int64_t offset) { bne(rs, Gp{0}, offset); }
  RVJIT_INLINE void blez(Gp rs, int64_t offset) { bge(Gp{0}, rs, offset); }
  RVJIT_INLINE void bgez(Gp rs, int64_t offset) { bge(rs, Gp{0}, offset); }
  RVJIT_INLINE void bltz(Gp rs, int64_t offset) { blt(rs, Gp{0}, offset); }
  RVJIT_INLINE void bgtz(Gp rs, int64_t offset) { blt(Gp{0}, rs, offset); }
  RVJIT_INLINE void bgt(Gp rs, Gp rt, int64_t offset) { blt(rt, rs, offset); }
  RVJIT_INLINE void ble(Gp rs, Gp rt, int64_t offset) { bge(rt, rs, offset); }
  RVJIT_INLINE void bgtu(Gp rs, Gp rt, int64_t offset) { bltu(rt, rs, offset); }
  RVJIT_INLINE void bleu(Gp rs, Gp rt, int64_t offset) { bgeu(rt, rs, offset); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  // The whole fast path as one test: operands valid (ok), auto-compression off, room left
  // and no error; then one store of `word`. Otherwise the complete out-of-line method
  // `slow`(a...) runs (it reports the first bad operand, or picks an RVC form, or grows
  // the buffer, or drops the emit after an error).
  template <class F, class... A>
  RVJIT_INLINE void fast_or(bool ok, uint32_t word, F slow, A... a) {
    if (self().put32_if(ok, word)) [[likely]] return;
    (this->*slow)(a...);
  }
  // fast_or for the methods that have an RVC form (or none at all) when auto-compression
  // is on: after the 32-bit fast path, a second inline test "operands valid, compression
  // on, room for 4 bytes, no error" (compress_open), then `pick`() decides without a call
  // where it can: an RVC halfword, kKeep32 (no CompressPat rule can match: the 32-bit
  // word), or kSlow (let the complete `_checked` method choose). A pick only answers
  // what the `_rvc` selection below would, in the same rule order; anything it is not
  // sure of is kSlow (jit_differential_encoder_test: byte-exact against LLVM MC).
  // `pick` takes the arguments of `slow` (member pointers and plain values, not a lambda:
  // a closure was materialised on the hot path and cost the 32-bit path its registers).
  template <class P, class F, class... A>
  RVJIT_INLINE void fast_or_rvc(bool ok, uint32_t word, P pick, F slow, A... a) {
    if (self().put32_if(ok, word)) [[likely]] return;
    if (ok && self().compress_open()) {
      const int32_t h = (this->*pick)(a...);
      if (h >= 0) return self().put16_open(static_cast<uint16_t>(h));
      if (h == kKeep32) return self().put32_open(word);
    }
    (this->*slow)(a...);
  }
  static constexpr int32_t kKeep32 = -1, kSlow = -2;
  RVJIT_INLINE bool gp(const char* n, Gp a) { return insn::check_gp(self(), n, a); }
  RVJIT_INLINE bool gp(const char* n, Gp a, Gp b) { return insn::check_gp(self(), n, a, b); }
  RVJIT_INLINE bool gp(const char* n, Gp a, Gp b, Gp c) {
    return insn::check_gp(self(), n, a, b, c);
  }

  // --- shared inline paths -----------------------------------------------------------------
  RVJIT_INLINE void branch(const char* n, uint32_t f3, Gp rs1, Gp rs2, int64_t offset) {
    fast_or(insn::gp_ok(rs1, rs2) && insn::in_range(offset, -4096, 4094) &&
                insn::aligned_to(offset, 2),
            enc::b_type(enc::kOpBranch, f3, rs1.id, rs2.id, offset), &InsnRV64I::branch_checked,
            n, f3, rs1, rs2, offset);
  }
  RVJIT_INLINE void load(const char* n, uint32_t f3, Gp rd, Gp base, int64_t off) {
    fast_or_rvc(insn::gp_ok(rd, base) && insn::in_range(off, -2048, 2047),
                enc::i_type(enc::kOpLoad, f3, rd.id, base.id, off),
                &InsnRV64I::load_pick, &InsnRV64I::load_checked, n, f3, rd,
                base, off);
  }
  RVJIT_INLINE void store(const char* n, uint32_t f3, Gp src, Gp base, int64_t off) {
    fast_or_rvc(insn::gp_ok(src, base) && insn::in_range(off, -2048, 2047),
                enc::s_type(enc::kOpStore, f3, base.id, src.id, off),
                &InsnRV64I::store_pick, &InsnRV64I::store_checked, n, f3,
                src, base, off);
  }
  RVJIT_INLINE void op_imm(const char* n, uint32_t opc, uint32_t f3, Gp rd, Gp rs1,
                           int64_t imm) {
    fast_or_rvc(insn::gp_ok(rd, rs1) && insn::in_range(imm, -2048, 2047),
                enc::i_type(opc, f3, rd.id, rs1.id, imm),
                &InsnRV64I::op_imm_pick,
                &InsnRV64I::op_imm_checked, n, opc, f3, rd, rs1, imm);
  }
  RVJIT_INLINE void shift_w(const char* n, uint32_t f3, uint32_t hi, Gp rd, Gp rs1,
                            int64_t shamt) {
    fast_or_rvc(insn::gp_ok(rd, rs1) && insn::in_range(shamt, 0, 31),
                enc::i_type(enc::kOpImm32, f3, rd.id, rs1.id, hi | shamt), &InsnRV64I::shift_w_pick,
                &InsnRV64I::shift_w_checked, n, f3, hi, rd, rs1, shamt);
  }
  RVJIT_INLINE void op(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1,
                       Gp rs2) {
    fast_or_rvc(insn::gp_ok(rd, rs1, rs2), enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id),
                &InsnRV64I::op_pick, &InsnRV64I::op_checked, n, opc, f3, f7, rd, rs1, rs2);
  }
  // The CA-format ALU ops: rd == rs1 (or == rs2 when commutative), all in x8..x15.
  enum CaOp { kCSub, kCXor, kCOr, kCAnd, kCSubw, kCAddw };
  RVJIT_INLINE void op_c(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd, Gp rs1,
                         Gp rs2, CaOp cop, bool commutative) {
    fast_or_rvc(insn::gp_ok(rd, rs1, rs2), enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id),
                &InsnRV64I::ca_pick,
                &InsnRV64I::op_c_checked, n, opc, f3, f7, rd, rs1, rs2, cop, commutative);
  }

  // --- the complete methods (out of line): check, report, compress, emit ----------------
  RVJIT_NOINLINE void lui_checked(Gp rd, int64_t imm20) {
    if (!gp("lui", rd) || !insn::check_imm(self(), "lui", imm20, 0, 0xfffff)) return;
    if (self().auto_compress() && lui_rvc(rd, imm20)) return;
    self().emit32(enc::u_type(enc::kOpLui, rd.id, static_cast<uint32_t>(imm20)));
  }
  RVJIT_NOINLINE void auipc_checked(Gp rd, int64_t imm20) {
    if (!gp("auipc", rd) || !insn::check_imm(self(), "auipc", imm20, 0, 0xfffff)) return;
    self().emit32(enc::u_type(enc::kOpAuipc, rd.id, static_cast<uint32_t>(imm20)));
  }
  RVJIT_NOINLINE void jal_checked(Gp rd, int64_t offset) {
    if (!gp("jal", rd) || !insn::check_imm(self(), "jal", offset, -(1 << 20), (1 << 20) - 2, 2))
      return;
    if (self().auto_compress() && jal_rvc(rd, offset)) return;
    self().emit32(enc::j_type(enc::kOpJal, rd.id, offset));
  }
  RVJIT_NOINLINE void jalr_checked(Gp rd, Gp rs1, int64_t imm) {
    if (!gp("jalr", rd, rs1) || !insn::check_imm(self(), "jalr", imm, -2048, 2047)) return;
    if (self().auto_compress() && jalr_rvc(rd, rs1, imm)) return;
    self().emit32(enc::i_type(enc::kOpJalr, 0, rd.id, rs1.id, imm));
  }
  RVJIT_NOINLINE void addi_checked(Gp rd, Gp rs1, int64_t imm) {
    if (!gp("addi", rd, rs1) || !insn::check_imm(self(), "addi", imm, -2048, 2047)) return;
    if (self().auto_compress() && addi_rvc(rd, rs1, imm)) return;
    self().emit32(enc::i_type(enc::kOpImm, 0, rd.id, rs1.id, imm));
  }
  RVJIT_NOINLINE void andi_checked(Gp rd, Gp rs1, int64_t imm) {
    if (!gp("andi", rd, rs1) || !insn::check_imm(self(), "andi", imm, -2048, 2047)) return;
    if (self().auto_compress() && andi_rvc(rd, rs1, imm)) return;
    self().emit32(enc::i_type(enc::kOpImm, 7, rd.id, rs1.id, imm));
  }
  RVJIT_NOINLINE void slli_checked(Gp rd, Gp rs1, int64_t shamt) {
    if (!gp("slli", rd, rs1) || !insn::check_imm(self(), "slli", shamt, 0, 63)) return;
    if (self().auto_compress() && slli_rvc(rd, rs1, shamt)) return;
    self().emit32(enc::i_type(enc::kOpImm, 1, rd.id, rs1.id, shamt));
  }
  RVJIT_NOINLINE void srli_checked(Gp rd, Gp rs1, int64_t shamt) {
    if (!gp("srli", rd, rs1) || !insn::check_imm(self(), "srli", shamt, 0, 63)) return;
    if (self().auto_compress() && srli_rvc(rd, rs1, shamt)) return;
    self().emit32(enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, shamt));
  }
  RVJIT_NOINLINE void srai_checked(Gp rd, Gp rs1, int64_t shamt) {
    if (!gp("srai", rd, rs1) || !insn::check_imm(self(), "srai", shamt, 0, 63)) return;
    if (self().auto_compress() && srai_rvc(rd, rs1, shamt)) return;
    self().emit32(enc::i_type(enc::kOpImm, 5, rd.id, rs1.id, 0x400 | shamt));
  }
  RVJIT_NOINLINE void addiw_checked(Gp rd, Gp rs1, int64_t imm) {
    if (!gp("addiw", rd, rs1) || !insn::check_imm(self(), "addiw", imm, -2048, 2047)) return;
    if (self().auto_compress() && addiw_rvc(rd, rs1, imm)) return;
    self().emit32(enc::i_type(enc::kOpImm32, 0, rd.id, rs1.id, imm));
  }
  RVJIT_NOINLINE void add_checked(Gp rd, Gp rs1, Gp rs2) {
    if (!gp("add", rd, rs1, rs2)) return;
    if (self().auto_compress() && add_rvc(rd, rs1, rs2)) return;
    self().emit32(enc::r_type(enc::kOpReg, 0, 0, rd.id, rs1.id, rs2.id));
  }
  RVJIT_NOINLINE void branch_checked(const char* n, uint32_t f3, Gp rs1, Gp rs2,
                                     int64_t offset) {
    if (!gp(n, rs1, rs2) || !insn::check_imm(self(), n, offset, -4096, 4094, 2)) return;
    if (self().auto_compress() && branch_rvc(f3, rs1, rs2, offset)) return;
    self().emit32(enc::b_type(enc::kOpBranch, f3, rs1.id, rs2.id, offset));
  }
  RVJIT_NOINLINE void load_checked(const char* n, uint32_t f3, Gp rd, Gp base, int64_t off) {
    if (!gp(n, rd, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress() && load_rvc(f3, rd, base, off)) return;
    self().emit32(enc::i_type(enc::kOpLoad, f3, rd.id, base.id, off));
  }
  RVJIT_NOINLINE void store_checked(const char* n, uint32_t f3, Gp src, Gp base, int64_t off) {
    if (!gp(n, src, base) || !insn::check_imm(self(), n, off, -2048, 2047)) return;
    if (self().auto_compress() && store_rvc(f3, src, base, off)) return;
    self().emit32(enc::s_type(enc::kOpStore, f3, base.id, src.id, off));
  }
  RVJIT_NOINLINE void op_imm_checked(const char* n, uint32_t opc, uint32_t f3, Gp rd, Gp rs1,
                                     int64_t imm) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, imm, -2048, 2047)) return;
    if (opc == enc::kOpImm && f3 == 4 && self().auto_compress_zcb() && xori_rvc(rd, rs1, imm))
      return;
    self().emit32(enc::i_type(opc, f3, rd.id, rs1.id, imm));
  }
  RVJIT_NOINLINE void shift_w_checked(const char* n, uint32_t f3, uint32_t hi, Gp rd, Gp rs1,
                                      int64_t shamt) {
    if (!gp(n, rd, rs1) || !insn::check_imm(self(), n, shamt, 0, 31)) return;
    self().emit32(enc::i_type(enc::kOpImm32, f3, rd.id, rs1.id, hi | shamt));
  }
  RVJIT_NOINLINE void op_checked(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd,
                                 Gp rs1, Gp rs2) {
    if (!gp(n, rd, rs1, rs2)) return;
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }
  RVJIT_NOINLINE void op_c_checked(const char* n, uint32_t opc, uint32_t f3, uint32_t f7, Gp rd,
                                   Gp rs1, Gp rs2, CaOp cop, bool commutative) {
    if (!gp(n, rd, rs1, rs2)) return;
    if (self().auto_compress() && op_rvc(rd, rs1, rs2, cop, commutative)) return;
    self().emit32(enc::r_type(opc, f3, f7, rd.id, rs1.id, rs2.id));
  }

  // --- RVC selection (auto_compress() on; operands already checked) --------------------
  // Each emits the 2-byte form and returns true exactly when LLVM's CompressPat rules
  // would (C; the Zcb rules only where auto_compress_zcb()); false leaves the 32-bit form
  // to the caller. Inlined into the out-of-line `_checked` methods (the only callers), so
  // a compressed instruction costs one call, and the inline path of the methods stays
  // small.
  RVJIT_INLINE bool lui_rvc(Gp rd, int64_t imm20) {
    if (rd.id != 0 && rd.id != 2 && imm20 != 0 && (imm20 <= 31 || imm20 >= 0xfffe0))
      return self().c_lui(rd, imm20 <= 31 ? imm20 : imm20 - 0x100000), true;
    return false;
  }
  RVJIT_INLINE bool jal_rvc(Gp rd, int64_t offset) {
    if (rd.id == 0 && offset >= -2048 && offset <= 2046) return self().c_j(offset), true;
    return false;
  }
  RVJIT_INLINE bool jalr_rvc(Gp rd, Gp rs1, int64_t imm) {
    if (imm == 0 && rs1.id != 0) {
      if (rd.id == 0) return self().c_jr(rs1), true;
      if (rd.id == 1) return self().c_jalr(rs1), true;
    }
    return false;
  }
  // beq/bne rs', x0 (either operand order) -> c.beqz/c.bnez.
  RVJIT_INLINE bool branch_rvc(uint32_t f3, Gp rs1, Gp rs2, int64_t offset) {
    if (f3 <= 1 && offset >= -256 && offset <= 254) {
      Gp r{0};
      if (rs1.is_compressible() && rs2.id == 0) r = rs1;
      else if (rs2.is_compressible() && rs1.id == 0) r = rs2;
      if (r.id != 0)
        return (f3 == 0 ? self().c_beqz(r, offset) : self().c_bnez(r, offset)), true;
    }
    return false;
  }
  // lw/ld (f3 2/3); with Zcb also lbu/lhu/lh.
  RVJIT_INLINE bool load_rvc(uint32_t f3, Gp rd, Gp base, int64_t off) {
    if (f3 != 2 && f3 != 3) return zcb_load_rvc(f3, rd, base, off);
    const int64_t scale = f3 == 2 ? 4 : 8;
    if (rd.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
        off % scale == 0)
      return (f3 == 2 ? self().c_lw(rd, base, off) : self().c_ld(rd, base, off)), true;
    if (rd.id != 0 && base.id == 2 && off >= 0 && off < 64 * scale && off % scale == 0)
      return (f3 == 2 ? self().c_lwsp(rd, off) : self().c_ldsp(rd, off)), true;
    return false;
  }
  // sw/sd (f3 2/3); with Zcb also sb/sh.
  RVJIT_INLINE bool store_rvc(uint32_t f3, Gp src, Gp base, int64_t off) {
    if (f3 != 2 && f3 != 3) return zcb_store_rvc(f3, src, base, off);
    const int64_t scale = f3 == 2 ? 4 : 8;
    if (src.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
        off % scale == 0)
      return (f3 == 2 ? self().c_sw(src, base, off) : self().c_sd(src, base, off)), true;
    if (base.id == 2 && off >= 0 && off < 64 * scale && off % scale == 0)
      return (f3 == 2 ? self().c_swsp(src, off) : self().c_sdsp(src, off)), true;
    return false;
  }
  RVJIT_INLINE bool andi_rvc(Gp rd, Gp rs1, int64_t imm) {
    if (rd == rs1 && rd.is_compressible() && imm >= -32 && imm <= 31)
      return self().c_andi(rd, imm), true;
    // Zcb: andi rd', rd', 255 (zext.b) -> c.zext.b.
    if (imm == 255 && rd == rs1 && rd.is_compressible() && self().auto_compress_zcb())
      return self().c_zext_b(rd), true;
    return false;
  }
  // --- Zcb selection (auto_compress_zcb(); LLVM's CompressPats of RISCVInstrInfoZc.td) ---
  // Every Zcb form names x8-x15 only and has no HINT or SP-based variant.
  // lbu (f3 4): uimm 0..3 -> c.lbu; lhu/lh (f3 5/1): 0 or 2 -> c.lhu/c.lh.
  RVJIT_INLINE bool zcb_load_rvc(uint32_t f3, Gp rd, Gp base, int64_t off) {
    if (!self().auto_compress_zcb() || !rd.is_compressible() || !base.is_compressible())
      return false;
    if (f3 == 4 && off >= 0 && off <= 3) return self().c_lbu(rd, base, off), true;
    if ((f3 == 5 || f3 == 1) && (off == 0 || off == 2))
      return (f3 == 5 ? self().c_lhu(rd, base, off) : self().c_lh(rd, base, off)), true;
    return false;
  }
  // sb (f3 0): uimm 0..3 -> c.sb; sh (f3 1): 0 or 2 -> c.sh.
  RVJIT_INLINE bool zcb_store_rvc(uint32_t f3, Gp src, Gp base, int64_t off) {
    if (!self().auto_compress_zcb() || !src.is_compressible() || !base.is_compressible())
      return false;
    if (f3 == 0 && off >= 0 && off <= 3) return self().c_sb(src, base, off), true;
    if (f3 == 1 && (off == 0 || off == 2)) return self().c_sh(src, base, off), true;
    return false;
  }
  // xori rd', rd', -1 (not) -> c.not.
  RVJIT_INLINE bool xori_rvc(Gp rd, Gp rs1, int64_t imm) {
    if (imm == -1 && rd == rs1 && rd.is_compressible()) return self().c_not(rd), true;
    return false;
  }
  RVJIT_INLINE bool slli_rvc(Gp rd, Gp rs1, int64_t shamt) {
    if (rd == rs1 && rd.id != 0 && shamt != 0) return self().c_slli(rd, shamt), true;
    return false;
  }
  RVJIT_INLINE bool srli_rvc(Gp rd, Gp rs1, int64_t shamt) {
    if (rd == rs1 && rd.is_compressible() && shamt != 0) return self().c_srli(rd, shamt), true;
    return false;
  }
  RVJIT_INLINE bool srai_rvc(Gp rd, Gp rs1, int64_t shamt) {
    if (rd == rs1 && rd.is_compressible() && shamt != 0) return self().c_srai(rd, shamt), true;
    return false;
  }
  RVJIT_INLINE bool addiw_rvc(Gp rd, Gp rs1, int64_t imm) {
    if (rd.id != 0 && imm >= -32 && imm <= 31) {
      if (rd == rs1) return self().c_addiw(rd, imm), true;
      if (rs1.id == 0) return self().c_li(rd, imm), true;  // LLVM: addiw rd, x0, imm -> c.li
    }
    return false;
  }
  RVJIT_INLINE bool add_rvc(Gp rd, Gp rs1, Gp rs2) {
    if (rd.id != 0) {
      if (rs1.id == 0 && rs2.id != 0) return self().c_mv(rd, rs2), true;
      if (rd == rs1 && rs2.id != 0) return self().c_add(rd, rs2), true;
      if (rd == rs2 && rs1.id != 0) return self().c_add(rd, rs1), true;
      if (rs2.id == 0 && rs1.id != 0) return self().c_mv(rd, rs1), true;
    }
    return false;
  }
  RVJIT_INLINE bool op_rvc(Gp rd, Gp rs1, Gp rs2, CaOp cop, bool commutative) {
    if (!rd.is_compressible()) return false;
    Gp other{0};
    if (rd == rs1 && rs2.is_compressible()) other = rs2;
    else if (commutative && rd == rs2 && rs1.is_compressible()) other = rs1;
    else return false;
    switch (cop) {
      case kCSub: return self().c_sub(rd, other), true;
      case kCXor: return self().c_xor(rd, other), true;
      case kCOr: return self().c_or(rd, other), true;
      case kCAnd: return self().c_and(rd, other), true;
      case kCSubw: return self().c_subw(rd, other), true;
      case kCAddw: return self().c_addw(rd, other), true;
    }
    return false;
  }
  // LLVM's CompressPat order for ADDI: c.addi4spn, c.nop, c.addi, c.li, c.addi16sp, c.mv.
  RVJIT_INLINE bool addi_rvc(Gp rd, Gp rs1, int64_t imm) {
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

  // --- inline picks for fast_or_rvc (operands valid, compression on) -------------------
  // Each mirrors the `_rvc` selection above: the first rule that can match, or kKeep32
  // when provably none can, else kSlow. They take the `_checked` method's parameters.
  RVJIT_INLINE int32_t auipc_pick(Gp, int64_t) { return kKeep32; }
  RVJIT_INLINE int32_t shift_w_pick(const char*, uint32_t, uint32_t, Gp, Gp, int64_t) {
    return kKeep32;
  }
  RVJIT_INLINE int32_t op_pick(const char*, uint32_t, uint32_t, uint32_t, Gp, Gp, Gp) {
    return kKeep32;
  }
  // Only xori rd, rd, -1 (Zcb c.not) has an RVC form among the op_imm instructions.
  RVJIT_INLINE int32_t op_imm_pick(const char*, uint32_t opc, uint32_t f3, Gp, Gp, int64_t imm) {
    return opc == enc::kOpImm && f3 == 4 && imm == -1 ? kSlow : kKeep32;
  }
  RVJIT_INLINE int32_t lui_pick(Gp rd, int64_t imm20) {  // lui_rvc's one rule
    if (rd.id != 0 && rd.id != 2 && imm20 != 0 && (imm20 <= 31 || imm20 >= 0xfffe0))
      return enc::rvc::ci(3, 1, rd.id, imm20 <= 31 ? imm20 : imm20 - 0x100000);
    return kKeep32;
  }
  RVJIT_INLINE int32_t addi_pick(Gp rd, Gp rs1, int64_t imm) {
    // rd == rs1 rules out c.addi4spn (rd' != sp) and c.nop needs rd == 0: c.addi is first.
    if (rd.id != 0 && rd == rs1 && imm != 0 && imm >= -32 && imm <= 31)
      return enc::rvc::ci(0, 1, rd.id, imm);
    // Every rule needs rs1 == sp, rs1 == x0, imm == 0 or imm in [-32, 31].
    if (rs1.id != 0 && rs1.id != 2 && imm != 0 && (imm < -32 || imm > 31)) return kKeep32;
    return kSlow;
  }
  RVJIT_INLINE int32_t slli_pick(Gp rd, Gp rs1, int64_t shamt) {  // slli_rvc's one rule
    if (rd == rs1 && rd.id != 0 && shamt != 0) return enc::rvc::ci(0, 2, rd.id, shamt);
    return kKeep32;
  }
  RVJIT_INLINE int32_t add_pick(Gp rd, Gp rs1, Gp rs2) {
    // Every rule needs rd != 0 and rs1 == 0, rs2 == 0, rd == rs1 or rd == rs2.
    if (rd.id == 0 || (rs1.id != 0 && rs2.id != 0 && rd != rs1 && rd != rs2)) return kKeep32;
    // rs1 == rd != 0, so c.mv (rs1 == x0) did not match: c.add rd, rs2.
    if (rd == rs1 && rs2.id != 0) return enc::rvc::cr(0x9, rd.id, rs2.id);
    return kSlow;
  }
  // lw/ld: the x8-x15 form first; the other rule needs base == sp. Other widths: kSlow.
  RVJIT_INLINE int32_t load_pick(const char*, uint32_t f3, Gp rd, Gp base, int64_t off) {
    if (f3 != 2 && f3 != 3) return kSlow;
    const int64_t scale = f3 == 2 ? 4 : 8;
    if (rd.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
        off % scale == 0)
      return f3 == 2 ? enc::rvc::cls_w(2, rd.id, base.id, off)
                     : enc::rvc::cls_d(3, rd.id, base.id, off);
    return base.id != 2 ? kKeep32 : kSlow;
  }
  RVJIT_INLINE int32_t store_pick(const char*, uint32_t f3, Gp src, Gp base, int64_t off) {
    if (f3 != 2 && f3 != 3) return kSlow;
    const int64_t scale = f3 == 2 ? 4 : 8;
    if (src.is_compressible() && base.is_compressible() && off >= 0 && off < 32 * scale &&
        off % scale == 0)
      return f3 == 2 ? enc::rvc::cls_w(6, src.id, base.id, off)
                     : enc::rvc::cls_d(7, src.id, base.id, off);
    return base.id != 2 ? kKeep32 : kSlow;
  }
  // op_rvc, fully: rd' == rs1 with rs2', or (commutative) rd' == rs2 with rs1'.
  RVJIT_INLINE int32_t ca_pick(const char*, uint32_t, uint32_t, uint32_t, Gp rd, Gp rs1, Gp rs2,
                               CaOp cop, bool commutative) {
    if (!rd.is_compressible()) return kKeep32;
    Gp other{0};
    if (rd == rs1 && rs2.is_compressible()) other = rs2;
    else if (commutative && rd == rs2 && rs1.is_compressible()) other = rs1;
    else return kKeep32;
    static constexpr uint8_t kF6[] = {0x23, 0x23, 0x23, 0x23, 0x27, 0x27};
    static constexpr uint8_t kF2[] = {0, 1, 2, 3, 0, 1};
    return enc::rvc::ca(kF6[cop], kF2[cop], rd.id, other.id);
  }
};

}  // namespace rvjit
