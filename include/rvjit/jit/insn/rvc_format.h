// Bit placement of the RVC (16-bit) formats, ISA manual chapter "Compressed
// Instructions". Like encoding.h these never validate: the C mixins check operands first.
// rd/rs arguments are full register numbers; the 3-bit fields take id - 8.
#pragma once

#include <cstdint>

#include "rvjit/jit/encoding.h"

namespace rvjit::enc::rvc {

using enc::bits;

constexpr uint16_t u16(uint32_t v) { return static_cast<uint16_t>(v); }
constexpr uint32_t c3(unsigned r) { return (r - 8u) & 7u; }

// CI: funct3 | imm[5] | rd | imm[4:0] | op (c.addi, c.li, c.addiw, c.slli, c.lui...).
constexpr uint16_t ci(uint32_t f3, uint32_t op, unsigned rd, int64_t imm6) {
  return u16((f3 << 13) | (bits(imm6, 5, 5) << 12) | (rd << 7) | (bits(imm6, 4, 0) << 2) | op);
}
// CR: funct4 | rd/rs1 | rs2 | op.
constexpr uint16_t cr(uint32_t f4, unsigned rd, unsigned rs2) {
  return u16((f4 << 12) | (rd << 7) | (rs2 << 2) | 0x2);
}
// CA: funct6 | rd' | funct2 | rs2' | op.
constexpr uint16_t ca(uint32_t f6, uint32_t f2, unsigned rd, unsigned rs2) {
  return u16((f6 << 10) | (c3(rd) << 7) | (f2 << 5) | (c3(rs2) << 2) | 0x1);
}
// CB ALU (c.srli/c.srai/c.andi): 100 | imm[5] | funct2 | rd' | imm[4:0] | 01.
constexpr uint16_t cb_alu(uint32_t f2, unsigned rd, int64_t imm6) {
  return u16((0x4u << 13) | (bits(imm6, 5, 5) << 12) | (f2 << 10) | (c3(rd) << 7) |
             (bits(imm6, 4, 0) << 2) | 0x1);
}
// CB branch: funct3 | off[8|4:3] | rs1' | off[7:6|2:1|5] | 01.
constexpr uint16_t cb_branch(uint32_t f3, unsigned rs1, int64_t off) {
  return u16((f3 << 13) | (bits(off, 8, 8) << 12) | (bits(off, 4, 3) << 10) | (c3(rs1) << 7) |
             (bits(off, 7, 6) << 5) | (bits(off, 2, 1) << 3) | (bits(off, 5, 5) << 2) | 0x1);
}
// CJ: 101 | off[11|4|9:8|10|6|7|3:1|5] | 01.
constexpr uint16_t cj(int64_t off) {
  return u16((0x5u << 13) | (bits(off, 11, 11) << 12) | (bits(off, 4, 4) << 11) |
             (bits(off, 9, 8) << 9) | (bits(off, 10, 10) << 8) | (bits(off, 6, 6) << 7) |
             (bits(off, 7, 7) << 6) | (bits(off, 3, 1) << 3) | (bits(off, 5, 5) << 2) | 0x1);
}
// CL/CS with 4-byte scale (c.lw/c.sw): f3 | uimm[5:3] | rs1' | uimm[2|6] | rd' | 00.
constexpr uint16_t cls_w(uint32_t f3, unsigned r, unsigned base, int64_t off) {
  return u16((f3 << 13) | (bits(off, 5, 3) << 10) | (c3(base) << 7) | (bits(off, 2, 2) << 6) |
             (bits(off, 6, 6) << 5) | (c3(r) << 2));
}
// CL/CS with 8-byte scale (c.ld/c.sd/c.fld/c.fsd): f3 | uimm[5:3] | rs1' | uimm[7:6] | rd' | 00.
constexpr uint16_t cls_d(uint32_t f3, unsigned r, unsigned base, int64_t off) {
  return u16((f3 << 13) | (bits(off, 5, 3) << 10) | (c3(base) << 7) | (bits(off, 7, 6) << 5) |
             (c3(r) << 2));
}
// CI sp-loads: c.lwsp f3 | uimm[5] | rd | uimm[4:2|7:6] | 10.
constexpr uint16_t ci_lwsp(unsigned rd, int64_t off) {
  return u16((0x2u << 13) | (bits(off, 5, 5) << 12) | (rd << 7) | (bits(off, 4, 2) << 4) |
             (bits(off, 7, 6) << 2) | 0x2);
}
// c.ldsp/c.fldsp: f3 | uimm[5] | rd | uimm[4:3|8:6] | 10.
constexpr uint16_t ci_ldsp(uint32_t f3, unsigned rd, int64_t off) {
  return u16((f3 << 13) | (bits(off, 5, 5) << 12) | (rd << 7) | (bits(off, 4, 3) << 5) |
             (bits(off, 8, 6) << 2) | 0x2);
}
// CSS: c.swsp f3 | uimm[5:2|7:6] | rs2 | 10.
constexpr uint16_t css_w(unsigned rs2, int64_t off) {
  return u16((0x6u << 13) | (bits(off, 5, 2) << 9) | (bits(off, 7, 6) << 7) | (rs2 << 2) | 0x2);
}
// c.sdsp/c.fsdsp: f3 | uimm[5:3|8:6] | rs2 | 10.
constexpr uint16_t css_d(uint32_t f3, unsigned rs2, int64_t off) {
  return u16((f3 << 13) | (bits(off, 5, 3) << 10) | (bits(off, 8, 6) << 7) | (rs2 << 2) | 0x2);
}
// CIW: c.addi4spn 000 | nzuimm[5:4|9:6|2|3] | rd' | 00.
constexpr uint16_t ciw(unsigned rd, int64_t imm) {
  return u16((bits(imm, 5, 4) << 11) | (bits(imm, 9, 6) << 7) | (bits(imm, 2, 2) << 6) |
             (bits(imm, 3, 3) << 5) | (c3(rd) << 2));
}
// c.addi16sp: 011 | nzimm[9] | 00010 | nzimm[4|6|8:7|5] | 01.
constexpr uint16_t ci_addi16sp(int64_t imm) {
  return u16((0x3u << 13) | (bits(imm, 9, 9) << 12) | (2u << 7) | (bits(imm, 4, 4) << 6) |
             (bits(imm, 6, 6) << 5) | (bits(imm, 8, 7) << 3) | (bits(imm, 5, 5) << 2) | 0x1);
}

}  // namespace rvjit::enc::rvc
