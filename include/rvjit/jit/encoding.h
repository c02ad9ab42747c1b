// Raw RISC-V instruction formats (unprivileged ISA manual, chapter "RV32I Base Integer
// Instruction Set", section "Instruction Formats", and the RVC chapter). These functions
// only place bits: they never validate. Validation lives in the emitters, which check
// every operand before they call these, so a bad operand can never be truncated here.
#pragma once

#include <cstdint>

// Code-generation hints for the emit path. RVJIT_INLINE forces inlining of the small hot
// functions (instruction methods, operand checks, the buffer fast path) so that a straight
// run of Assembler calls compiles to checks + shifts + stores without calls. RVJIT_COLD
// marks the failure paths (message building, error reporting) and RVJIT_NOINLINE the
// complete out-of-line methods and the auto-compression selection: both stay out of line
// so they never bloat or slow the inline path.
#ifndef RVJIT_INLINE
#if defined(__GNUC__) || defined(__clang__)
#define RVJIT_INLINE [[gnu::always_inline]] inline
#define RVJIT_NOINLINE [[gnu::noinline]]
#define RVJIT_COLD [[gnu::cold, gnu::noinline]]
#else
#define RVJIT_INLINE inline
#define RVJIT_NOINLINE
#define RVJIT_COLD
#endif
#endif

namespace rvjit::enc {

// --- range helpers -----------------------------------------------------------------
template <unsigned N>
constexpr bool is_int(int64_t v) {
  return v >= -(int64_t{1} << (N - 1)) && v < (int64_t{1} << (N - 1));
}
template <unsigned N>
constexpr bool is_uint(uint64_t v) {
  return N >= 64 || v < (uint64_t{1} << N);
}
constexpr uint32_t bits(uint64_t v, unsigned hi, unsigned lo) {
  return static_cast<uint32_t>((v >> lo) & ((uint64_t{1} << (hi - lo + 1)) - 1));
}

// --- 32-bit formats ----------------------------------------------------------------
constexpr uint32_t r_type(uint32_t opcode, uint32_t f3, uint32_t f7, unsigned rd,
                          unsigned rs1, unsigned rs2) {
  return opcode | (rd << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) | (f7 << 25);
}
constexpr uint32_t r4_type(uint32_t opcode, uint32_t f3, uint32_t f2, unsigned rd,
                           unsigned rs1, unsigned rs2, unsigned rs3) {
  return opcode | (rd << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) | (f2 << 25) |
         (rs3 << 27);
}
constexpr uint32_t i_type(uint32_t opcode, uint32_t f3, unsigned rd, unsigned rs1,
                          int64_t imm12) {
  return opcode | (rd << 7) | (f3 << 12) | (rs1 << 15) | (bits(imm12, 11, 0) << 20);
}
constexpr uint32_t s_type(uint32_t opcode, uint32_t f3, unsigned rs1, unsigned rs2,
                          int64_t imm12) {
  return opcode | (bits(imm12, 4, 0) << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) |
         (bits(imm12, 11, 5) << 25);
}
// offset: byte offset, even, 13-bit signed.
constexpr uint32_t b_type(uint32_t opcode, uint32_t f3, unsigned rs1, unsigned rs2,
                          int64_t offset) {
  return opcode | (bits(offset, 11, 11) << 7) | (bits(offset, 4, 1) << 8) | (f3 << 12) |
         (rs1 << 15) | (rs2 << 20) | (bits(offset, 10, 5) << 25) |
         (bits(offset, 12, 12) << 31);
}
// imm20: the 20-bit upper immediate field as written in assembly (lui a0, 0x12345).
constexpr uint32_t u_type(uint32_t opcode, unsigned rd, uint32_t imm20) {
  return opcode | (rd << 7) | ((imm20 & 0xfffffu) << 12);
}
// offset: byte offset, even, 21-bit signed.
constexpr uint32_t j_type(uint32_t opcode, unsigned rd, int64_t offset) {
  return opcode | (rd << 7) | (bits(offset, 19, 12) << 12) | (bits(offset, 11, 11) << 20) |
         (bits(offset, 10, 1) << 21) | (bits(offset, 20, 20) << 31);
}

// Major opcodes.
inline constexpr uint32_t kOpLoad = 0x03, kOpLoadFp = 0x07, kOpMiscMem = 0x0f,
    kOpImm = 0x13, kOpAuipc = 0x17, kOpImm32 = 0x1b, kOpStore = 0x23, kOpStoreFp = 0x27,
    kOpAmo = 0x2f, kOpReg = 0x33, kOpLui = 0x37, kOpReg32 = 0x3b, kOpMadd = 0x43,
    kOpMsub = 0x47, kOpNmsub = 0x4b, kOpNmadd = 0x4f, kOpFp = 0x53, kOpBranch = 0x63,
    kOpJalr = 0x67, kOpJal = 0x6f, kOpSystem = 0x73;

// The canonical NOP (addi x0, x0, 0) and the words the runtime patches.
inline constexpr uint32_t kNop = 0x00000013;
inline constexpr uint16_t kCNop = 0x0001;
inline constexpr uint32_t kFenceI = 0x0000100f;

// Split a 32-bit signed PC-relative or absolute value into auipc/lui hi20 and lo12 such
// that (hi20 << 12) + sext(lo12) == value. Valid for value in [-2^31 - 2^11, 2^31 - 2^11).
struct HiLo { uint32_t hi20; int32_t lo12; };
constexpr HiLo split_hi_lo(int64_t value) {
  int64_t hi = (value + 0x800) >> 12;
  int32_t lo = static_cast<int32_t>(value - (hi << 12));
  return {static_cast<uint32_t>(hi) & 0xfffffu, lo};
}
constexpr bool fits_hi_lo(int64_t value) {
  return value >= -(int64_t{1} << 31) - 0x800 && value < (int64_t{1} << 31) - 0x800;
}

}  // namespace rvjit::enc
