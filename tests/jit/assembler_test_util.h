// Helpers shared by the Assembler tests and the fuzz target: a minimal decoder of the
// control-transfer forms the Assembler produces (so the tests check where the bytes go,
// independently of the Assembler's own bookkeeping), and an interpreter of li sequences.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace rvjit::test {

inline uint32_t word_at(const std::vector<uint8_t>& code, size_t off) {
  uint32_t w = 0;
  std::memcpy(&w, code.data() + off, 4);
  return w;
}
inline int64_t sext(uint64_t v, unsigned bits) {
  return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
}
inline unsigned opcode(uint32_t w) { return w & 0x7f; }
inline unsigned rd_of(uint32_t w) { return (w >> 7) & 31; }
inline unsigned f3_of(uint32_t w) { return (w >> 12) & 7; }
inline unsigned rs1_of(uint32_t w) { return (w >> 15) & 31; }
inline unsigned rs2_of(uint32_t w) { return (w >> 20) & 31; }
inline int64_t imm_i(uint32_t w) { return sext(w >> 20, 12); }
inline int64_t imm_u(uint32_t w) { return sext(w & 0xfffff000u, 32); }
inline int64_t imm_b(uint32_t w) {
  uint64_t v = (((w >> 31) & 1) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3f) << 5) |
               (((w >> 8) & 0xf) << 1);
  return sext(v, 13);
}
inline int64_t imm_j(uint32_t w) {
  uint64_t v = (((w >> 31) & 1) << 20) | (((w >> 12) & 0xff) << 12) | (((w >> 20) & 1) << 11) |
               (((w >> 21) & 0x3ff) << 1);
  return sext(v, 21);
}

// What a relaxed label reference at `site` does, decoded from the bytes.
struct DecodedJump {
  int64_t target;      // code offset control reaches when taken
  unsigned size;       // bytes of the whole form
  unsigned link;       // rd of the jal/jalr (0 for branches' jump part)
  int branch_f3 = -1;  // funct3 of the (original, non-inverted) condition; -1 for jumps
  unsigned rs1 = 0, rs2 = 0;
  unsigned scratch = 0;  // auipc register in long forms (0 if none)
};

// Decode a jal/auipc+jalr jump at `at`.
inline std::optional<DecodedJump> decode_jump(const std::vector<uint8_t>& code, size_t at) {
  if (at + 4 > code.size()) return std::nullopt;
  const uint32_t w = word_at(code, at);
  if (opcode(w) == 0x6f) return DecodedJump{static_cast<int64_t>(at) + imm_j(w), 4, rd_of(w)};
  if (opcode(w) == 0x17 && at + 8 <= code.size()) {
    const uint32_t w2 = word_at(code, at + 4);
    if (opcode(w2) != 0x67 || rs1_of(w2) != rd_of(w) || f3_of(w2) != 0) return std::nullopt;
    DecodedJump d{static_cast<int64_t>(at) + imm_u(w) + imm_i(w2), 8, rd_of(w2)};
    d.scratch = rd_of(w);
    return d;
  }
  return std::nullopt;
}

// Decode a conditional branch in any of its three forms at `at`.
inline std::optional<DecodedJump> decode_branch(const std::vector<uint8_t>& code, size_t at) {
  if (at + 4 > code.size()) return std::nullopt;
  const uint32_t w = word_at(code, at);
  if (opcode(w) != 0x63) return std::nullopt;
  DecodedJump d{0, 4, 0};
  d.rs1 = rs1_of(w);
  d.rs2 = rs2_of(w);
  const int64_t off = imm_b(w);
  auto j = decode_jump(code, at + 4);
  // Long forms: the inverted condition skips exactly the jump that follows it.
  if (j && j->link == 0 && off == 4 + static_cast<int64_t>(j->size)) {
    d.branch_f3 = static_cast<int>(f3_of(w) ^ 1u);
    d.target = j->target;
    d.size = 4 + j->size;
    d.scratch = j->scratch;
    return d;
  }
  d.branch_f3 = static_cast<int>(f3_of(w));
  d.target = static_cast<int64_t>(at) + off;
  return d;
}

// True when the bytes at `at` are a branch on (f3, rs1, rs2) that reaches `target`, in
// either the short form or a relaxed one. A short branch over a following j looks like a
// relaxed form, so both readings are accepted.
inline bool branch_lands(const std::vector<uint8_t>& code, size_t at, unsigned f3, unsigned rs1,
                         unsigned rs2, int64_t target) {
  if (at + 4 > code.size()) return false;
  const uint32_t w = word_at(code, at);
  if (opcode(w) != 0x63 || rs1_of(w) != rs1 || rs2_of(w) != rs2) return false;
  if (f3_of(w) == f3 && static_cast<int64_t>(at) + imm_b(w) == target) return true;
  auto d = decode_branch(code, at);
  return d && d->branch_f3 == static_cast<int>(f3) && d->target == target;
}

// Run a straight-line li sequence on one register and return the register's value, or
// nullopt when a word is something else: lui/addi/addiw/slli/srli/xori, and the steps li
// takes from Zba (slli.uw, add.uw, sh1add/sh2add/sh3add), Zbb (rori) and Zbs (bseti,
// bclri) when the Assembler's target has them (rvjit/jit/li.h).
inline std::optional<int64_t> run_li(const std::vector<uint8_t>& code, size_t from, size_t to,
                                     unsigned rd) {
  int64_t x[32] = {};
  for (size_t at = from; at < to; at += 4) {
    const uint32_t w = word_at(code, at);
    const unsigned d = rd_of(w), s = rs1_of(w), f3 = f3_of(w), top6 = w >> 26, f7 = w >> 25;
    if (d != rd) return std::nullopt;
    const uint64_t src = static_cast<uint64_t>(x[s]), src2 = static_cast<uint64_t>(x[rs2_of(w)]);
    const unsigned sh = (w >> 20) & 63;
    int64_t v;
    if (opcode(w) == 0x37) {
      v = imm_u(w);
    } else if (opcode(w) == 0x13 && f3 == 0) {
      v = static_cast<int64_t>(src + static_cast<uint64_t>(imm_i(w)));
    } else if (opcode(w) == 0x1b && f3 == 0) {
      v = sext((src + static_cast<uint64_t>(imm_i(w))) & 0xffffffffu, 32);
    } else if (opcode(w) == 0x13 && f3 == 4) {
      v = static_cast<int64_t>(src ^ static_cast<uint64_t>(imm_i(w)));
    } else if (opcode(w) == 0x13 && f3 == 1 && top6 == 0) {
      v = static_cast<int64_t>(src << sh);
    } else if (opcode(w) == 0x13 && f3 == 5 && top6 == 0) {
      v = static_cast<int64_t>(src >> sh);
    } else if (opcode(w) == 0x1b && f3 == 1 && top6 == 0x02) {  // slli.uw
      v = static_cast<int64_t>((src & 0xffffffffu) << sh);
    } else if (opcode(w) == 0x3b && f3 == 0 && f7 == 0x04) {  // add.uw
      v = static_cast<int64_t>((src & 0xffffffffu) + src2);
    } else if (opcode(w) == 0x33 && f7 == 0x10 && (f3 == 2 || f3 == 4 || f3 == 6)) {  // shNadd
      v = static_cast<int64_t>((src << (f3 / 2)) + src2);
    } else if (opcode(w) == 0x13 && f3 == 1 && top6 == 0x0a) {  // bseti
      v = static_cast<int64_t>(src | (uint64_t{1} << sh));
    } else if (opcode(w) == 0x13 && f3 == 1 && top6 == 0x12) {  // bclri
      v = static_cast<int64_t>(src & ~(uint64_t{1} << sh));
    } else if (opcode(w) == 0x13 && f3 == 5 && top6 == 0x18) {  // rori
      v = static_cast<int64_t>((src >> sh) | (src << ((64 - sh) & 63)));
    } else {
      return std::nullopt;
    }
    if (d != 0) x[d] = v;
  }
  return x[rd];
}

}  // namespace rvjit::test
