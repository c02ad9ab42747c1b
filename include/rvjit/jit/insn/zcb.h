// Zcb: the additional compressed instructions (byte/halfword loads and stores, sign and
// zero extensions, c.not, c.mul). All registers must be x8-x15. Every method requires
// TargetExt::kZcb in the Assembler's target, c.zext.w also kZba and c.sext.b/c.zext.h/
// c.sext.h also kZbb (kUnsupported otherwise); c.mul needs M, which is baseline.
//
// Auto-compression picks these forms too when both C and Zcb are in the target
// (AssemblerCore::auto_compress_zcb()), exactly where LLVM's assembler does with
// +c,+zcb (and +zbb / +zba): lbu/lhu/lh/sb/sh rd', off(rs1') with off 0..3 (bytes) or 0/2
// (halfwords); andi rd', rd', 255 (zext.b); xori rd', rd', -1 (not); sext.b / sext.h /
// zext.h rd', rd'; add.uw rd', rd', zero (zext.w); mul rd', rd', rs2' and
// mul rd', rs1', rd'. The selection sits next to each base method (rv64i.h, m.h, zbb.h,
// zba.h); without Zcb in the target (or without C) no base method picks a Zcb form.
#pragma once

#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/insn/rvc_format.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnZcb {
 public:
  // off: 0..3.
  RVJIT_INLINE void c_lbu(Gp rd, Gp base, int64_t off) {
    mem("c.lbu", 0x20, rd, base, off, 3, 1, 0);
  }
  // off: 0 or 2.
  RVJIT_INLINE void c_lhu(Gp rd, Gp base, int64_t off) {
    mem("c.lhu", 0x21, rd, base, off, 2, 2, 0);
  }
  RVJIT_INLINE void c_lh(Gp rd, Gp base, int64_t off) { mem("c.lh", 0x21, rd, base, off, 2, 2, 1); }
  RVJIT_INLINE void c_sb(Gp src, Gp base, int64_t off) {
    mem("c.sb", 0x22, src, base, off, 3, 1, 0);
  }
  RVJIT_INLINE void c_sh(Gp src, Gp base, int64_t off) {
    mem("c.sh", 0x23, src, base, off, 2, 2, 0);
  }
  RVJIT_INLINE void c_zext_b(Gp rd) { unary("c.zext.b", 0, rd); }
  RVJIT_INLINE void c_sext_b(Gp rd) { unary("c.sext.b", 1, rd, TargetExt::kZbb); }
  RVJIT_INLINE void c_zext_h(Gp rd) { unary("c.zext.h", 2, rd, TargetExt::kZbb); }
  RVJIT_INLINE void c_sext_h(Gp rd) { unary("c.sext.h", 3, rd, TargetExt::kZbb); }
  RVJIT_INLINE void c_zext_w(Gp rd) { unary("c.zext.w", 4, rd, TargetExt::kZba); }
  RVJIT_INLINE void c_not(Gp rd) { unary("c.not", 5, rd); }
  RVJIT_INLINE void c_mul(Gp rd, Gp rs2) {
    if (!ext("c.mul") || !insn::check_creg(self(), "c.mul", rd) ||
        !insn::check_creg(self(), "c.mul", rs2))
      return;
    self().emit16(enc::rvc::ca(0x27, 2, rd.id, rs2.id));
  }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE bool ext(const char* n) { return insn::check_ext(self(), n, TargetExt::kZcb); }
  // funct6 | rs1' | uimm bits | rd' | 00, with bit 6 either uimm[0] (byte forms) or the
  // signedness of c.lh, and bit 5 uimm[1].
  RVJIT_INLINE void mem(const char* n, uint32_t f6, Gp r, Gp base, int64_t off, int64_t hi,
                        int64_t align, uint32_t bit6) {
    if (!ext(n) || !insn::check_creg(self(), n, r) || !insn::check_creg(self(), n, base) ||
        !insn::check_imm(self(), n, off, 0, hi, align))
      return;
    const uint32_t b6 = align == 1 ? static_cast<uint32_t>(off & 1) : bit6;
    self().emit16(static_cast<uint16_t>((f6 << 10) | (enc::rvc::c3(base.id) << 7) | (b6 << 6) |
                                        (static_cast<uint32_t>((off >> 1) & 1) << 5) |
                                        (enc::rvc::c3(r.id) << 2)));
  }
  // 100111 | rd' | 11 | sub | 01.
  // `also`: a second extension the instruction needs (kZcb itself when none).
  RVJIT_INLINE void unary(const char* n, uint32_t sub, Gp rd, TargetExt also = TargetExt::kZcb) {
    if (!ext(n) || !insn::check_ext(self(), n, also) || !insn::check_creg(self(), n, rd)) return;
    self().emit16(static_cast<uint16_t>((0x27u << 10) | (enc::rvc::c3(rd.id) << 7) | (3u << 5) |
                                        (sub << 2) | 0x1));
  }
};

}  // namespace rvjit
