// The arithmetic, byte-swap and comparison semantics of RFC 9669 as pure functions.
// Internal to the library: the interpreter calls them, and the JIT's tests can use them
// as the reference for constant folding.
#pragma once

#include <cstdint>

namespace rvjit::ebpf::detail {

// dst <op> src for ALU64; `code` is the opcode's operation bits, `off` its offset field
// (signed div/mod, movsx width).
uint64_t alu64(uint8_t code, int16_t off, uint64_t dst, uint64_t src);
// The same for 32-bit ALU: the operands' low halves, result zero-extended to 64 bits.
uint64_t alu32(uint8_t code, int16_t off, uint64_t dst, uint64_t src);
// END: `to_be` selects TO_BE (ALU class) / unconditional bswap (ALU64); width 16/32/64.
uint64_t byte_swap(bool to_be, int32_t width, uint64_t dst);
// Conditional jump test; `is32` compares the low 32 bits.
bool jump_taken(uint8_t code, bool is32, uint64_t dst, uint64_t src);

}  // namespace rvjit::ebpf::detail
