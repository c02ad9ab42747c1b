// A extension: load-reserved/store-conditional and the AMOs, .w and .d, each with an
// AtomicOrder (none, aq, rl, aqrl). Operand order follows the assembly syntax
// "amoadd.w rd, rs2, (rs1)": (rd, rs2, rs1); lr is (rd, rs1).
#pragma once

#include "rvjit/jit/encoding.h"
#include "rvjit/jit/insn/checks.h"
#include "rvjit/jit/registers.h"

namespace rvjit {

template <class Asm>
class InsnA {
 public:
  RVJIT_INLINE void lr_w(Gp rd, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("lr.w", 0x02, 2, rd, rs1, Gp{0}, order);
  }
  RVJIT_INLINE void sc_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("sc.w", 0x03, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoswap_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoswap.w", 0x01, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoadd_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoadd.w", 0x00, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoxor_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoxor.w", 0x04, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoand_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoand.w", 0x0c, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoor_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoor.w", 0x08, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomin_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomin.w", 0x10, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomax_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomax.w", 0x14, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amominu_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amominu.w", 0x18, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomaxu_w(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomaxu.w", 0x1c, 2, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void lr_d(Gp rd, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("lr.d", 0x02, 3, rd, rs1, Gp{0}, order);
  }
  RVJIT_INLINE void sc_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("sc.d", 0x03, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoswap_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoswap.d", 0x01, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoadd_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoadd.d", 0x00, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoxor_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoxor.d", 0x04, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoand_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoand.d", 0x0c, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amoor_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amoor.d", 0x08, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomin_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomin.d", 0x10, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomax_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomax.d", 0x14, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amominu_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amominu.d", 0x18, 3, rd, rs1, rs2, order);
  }
  RVJIT_INLINE void amomaxu_d(Gp rd, Gp rs2, Gp rs1, AtomicOrder order = AtomicOrder::kNone) {
    amo("amomaxu.d", 0x1c, 3, rd, rs1, rs2, order);
  }

 private:
  RVJIT_INLINE Asm& self() { return static_cast<Asm&>(*this); }
  RVJIT_INLINE void amo(const char* n, uint32_t funct5, uint32_t f3, Gp rd, Gp rs1, Gp rs2,
                        AtomicOrder order) {
    if (!insn::check_gp(self(), n, rd, rs1, rs2) || !insn::check_order(self(), n, order))
      return;
    // aq is bit 26 and rl bit 25: AtomicOrder's value is exactly the aq:rl pair.
    const uint32_t f7 = (funct5 << 2) | static_cast<uint32_t>(order);
    self().emit32(enc::r_type(enc::kOpAmo, f3, f7, rd.id, rs1.id, rs2.id));
  }
};

}  // namespace rvjit
