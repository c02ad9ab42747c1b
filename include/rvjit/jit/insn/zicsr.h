// Zicsr: CSR access (register and 5-bit immediate forms) and the standard CSR pseudos
// (csrr/csrw/csrs/csrc, the fcsr/frm/fflags accessors, rdcycle/rdtime/rdinstret).
// csr: the 12-bit CSR number, 0..4095.
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

namespace csr {
inline constexpr uint32_t kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003, kCycle = 0xc00,
                          kTime = 0xc01, kInstret = 0xc02;
}  // namespace csr

template <class Asm>
class InsnZicsr {
 public:
  RVJIT_INLINE void csrrw(Gp rd, uint32_t csr, Gp rs1) { reg("csrrw", 1, rd, csr, rs1); }
  RVJIT_INLINE void csrrs(Gp rd, uint32_t csr, Gp rs1) { reg("csrrs", 2, rd, csr, rs1); }
  RVJIT_INLINE void csrrc(Gp rd, uint32_t csr, Gp rs1) { reg("csrrc", 3, rd, csr, rs1); }
  // uimm: 0..31.
  RVJIT_INLINE void csrrwi(Gp rd, uint32_t csr, int64_t uimm) { imm("csrrwi", 5, rd, csr, uimm); }
  RVJIT_INLINE void csrrsi(Gp rd, uint32_t csr, int64_t uimm) { imm("csrrsi", 6, rd, csr, uimm); }
  RVJIT_INLINE void csrrci(Gp rd, uint32_t csr, int64_t uimm) { imm("csrrci", 7, rd, csr, uimm); }

  // Pseudo-instructions.
  RVJIT_INLINE void csrr(Gp rd, uint32_t csr) { csrrs(rd, csr, Gp{0}); }
  RVJIT_INLINE void csrw(uint32_t csr, Gp rs) { csrrw(Gp{0}, csr, rs); }
  RVJIT_INLINE void csrs(uint32_t csr, Gp rs) { csrrs(Gp{0}, csr, rs); }
  RVJIT_INLINE void csrc(uint32_t csr, Gp rs) { csrrc(Gp{0}, csr, rs); }
  RVJIT_INLINE void csrwi(uint32_t csr, int64_t uimm) { csrrwi(Gp{0}, csr, uimm); }
  RVJIT_INLINE void csrsi(uint32_t csr, int64_t uimm) { csrrsi(Gp{0}, csr, uimm); }
  RVJIT_INLINE void csrci(uint32_t csr, int64_t uimm) { csrrci(Gp{0}, csr, uimm); }
  RVJIT_INLINE void frcsr(Gp rd) { csrr(rd, csr::kFcsr); }
  RVJIT_INLINE void fscsr(Gp rd, Gp rs) { csrrw(rd, csr::kFcsr, rs); }
  RVJIT_INLINE void fscsr(Gp rs) { csrw(csr::kFcsr, rs); }
  RVJIT_INLINE void frrm(Gp rd) { csrr(rd, csr::kFrm); }
  RVJIT_INLINE void fsrm(Gp rd, Gp rs) { csrrw(rd, csr::kFrm, rs); }
  RVJIT_INLINE void fsrm(Gp rs) { csrw(csr::kFrm, rs); }
  RVJIT_INLINE void frflags(Gp rd) { csrr(rd, csr::kFflags); }
  RVJIT_INLINE void fsflags(Gp rd, Gp rs) { csrrw(rd, csr::kFflags, rs); }
  RVJIT_INLINE void fsflags(Gp rs) { csrw(csr::kFflags, rs); }
  RVJIT_INLINE void rdcycle(Gp rd) { csrr(rd, csr::kCycle); }
  RVJIT_INLINE void rdtime(Gp rd) { csrr(rd, csr::kTime); }
  RVJIT_INLINE void rdinstret(Gp rd) { csrr(rd, csr::kInstret); }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE void reg(const char* n, uint32_t f3, Gp rd, uint32_t csr, Gp rs1) {
    if (!insn::check_gp(self(), n, rd) || !insn::check_gp(self(), n, rs1) ||
        !insn::check_imm(self(), n, csr, 0, 4095))
      return;
    self().emit32(enc::i_type(enc::kOpSystem, f3, rd.id, rs1.id, csr));
  }
  RVJIT_INLINE void imm(const char* n, uint32_t f3, Gp rd, uint32_t csr, int64_t uimm) {
    if (!insn::check_gp(self(), n, rd) || !insn::check_imm(self(), n, csr, 0, 4095) ||
        !insn::check_imm(self(), n, uimm, 0, 31))
      return;
    self().emit32(enc::i_type(enc::kOpSystem, f3, rd.id, static_cast<unsigned>(uimm), csr));
  }
};

}  // namespace rvjit
