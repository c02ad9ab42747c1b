// Decoding of the few RISC-V instructions the runtime reads back when it patches code:
// the instruction length, jal, jalr, auipc and the (compressed) NOPs. Everything is
// constexpr and allocation-free so patch-time checks cost nothing; format() renders a
// decoded instruction the way LLVM's no-aliases printer does, for diagnostics and tests.
//
//   if (auto j = decode::jal(word)) target = pc + j->offset;
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace rvjit::decode {

// Length in bytes of the instruction whose first (lowest-addressed) halfword is `half`:
// 2 (RVC), 4, 6, 8, or 10..22 for the reserved longer formats; 0 for the encodings
// reserved for 192 bits and more (ISA manual, "Expanded Instruction-Length Encoding").
constexpr size_t insn_length(uint16_t half) {
  if ((half & 0x3) != 0x3) return 2;
  if ((half & 0x1c) != 0x1c) return 4;
  if ((half & 0x20) == 0) return 6;
  if ((half & 0x40) == 0) return 8;
  const unsigned nnn = (half >> 12) & 0x7;
  return nnn == 7 ? 0 : 10 + 2 * nnn;
}

namespace detail {
constexpr int64_t sext(uint64_t v, unsigned bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}
}  // namespace detail

struct Jal { unsigned rd; int64_t offset; };            // byte offset from the jal
struct Jalr { unsigned rd; unsigned rs1; int64_t imm; };
struct Auipc {
  unsigned rd;
  uint32_t imm20;                                        // the field, 0..0xfffff
  int64_t offset() const { return detail::sext(uint64_t{imm20} << 12, 32); }
};

constexpr std::optional<Jal> jal(uint32_t w) {
  if ((w & 0x7f) != 0x6f) return std::nullopt;
  const uint64_t off = (((w >> 31) & 1u) << 20) | (((w >> 12) & 0xffu) << 12) |
                       (((w >> 20) & 1u) << 11) | (((w >> 21) & 0x3ffu) << 1);
  return Jal{(w >> 7) & 31u, detail::sext(off, 21)};
}
// funct3 must be 0; other values are reserved encodings, not jalr.
constexpr std::optional<Jalr> jalr(uint32_t w) {
  if ((w & 0x707f) != 0x67) return std::nullopt;
  return Jalr{(w >> 7) & 31u, (w >> 15) & 31u, detail::sext(w >> 20, 12)};
}
constexpr std::optional<Auipc> auipc(uint32_t w) {
  if ((w & 0x7f) != 0x17) return std::nullopt;
  return Auipc{(w >> 7) & 31u, w >> 12};
}
// Exactly the canonical NOPs (addi x0, x0, 0 and c.nop); HINTs such as "c.nop 5" or
// "addi x0, x1, 0" are not NOPs a patcher may overwrite as such.
constexpr bool is_nop(uint32_t w) { return w == 0x00000013u; }
constexpr bool is_c_nop(uint16_t h) { return h == 0x0001u; }

// LLVM no-aliases text ("jal ra, 2048", "jalr zero, 0(ra)", "auipc a0, 1048575",
// "addi zero, zero, 0", "c.nop") of a word one of the decoders above accepts; "" otherwise.
// For a compressed instruction only the low halfword of `w` is looked at.
std::string format(uint32_t w);

}  // namespace rvjit::decode
