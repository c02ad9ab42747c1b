// Text assembler for the ubpf / bpf_conformance assembly syntax.
//
// One instruction per line, optionally preceded by `label:`; `#` or `;` start a comment.
// Registers are `%rN` or `rN` (r0..r15 are accepted so that tests can feed the verifier
// invalid registers; the verifier rejects r11..r15). Immediates are decimal or 0x-hex,
// optionally signed. Mnemonics:
//   ALU64 / ALU32:  add sub mul div sdiv mod smod or and lsh rsh arsh xor mov, each also
//                   with a `32` suffix (and `64` as an alias of the plain form):
//                   `add %r0, 1`, `add32 %r1, %r2`; `neg %r0`, `neg32 %r0`
//   sign-extending moves: movsx832 movsx1632 (32-bit) movsx864 movsx1664 movsx3264
//   byte swaps:     le16 le32 le64 be16 be32 be64 (ALU), swap16/32/64 = bswap16/32/64
//   jumps:          ja T; ja32 T (= gotol T, 32-bit offset); jeq jgt jge jset jne jsgt
//                   jsge jlt jle jslt jsle [32] %rD, %rS|imm, T   — T is a label or +N/-N
//   calls:          call N | call helper N (helper), call local T (BPF-to-BPF), exit,
//                   callx %rN = call %rN = call helper %rN (the helper numbered by rN at
//                   run time, opcode 0x8d), call runtime N (by BTF id: verifier refuses)
//   memory:         ldxb/h/w/dw %rD, [%rS+off]; ldxsb/sh/sw (sign-extending);
//                   stb/h/w/dw [%rD+off], imm; stxb/h/w/dw [%rD+off], %rS;
//                   lddw %rD, imm64 (two slots)
//   atomics:        lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [%rD+off], %rS
// If no label `exit` is defined, `exit` names the first exit instruction (as in
// bpf_conformance). Errors are kParseError "line N: ...".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/isa.h"
#include "rvjit/error.h"

namespace rvjit::ebpf {

struct AssembledProgram {
  std::vector<Insn> insns;
  // Slot index -> first label defined there; Program::create names functions from it.
  std::map<uint32_t, std::string> labels;
};

// `first_line` is the line number of text's first line (for errors inside a larger file).
Result<AssembledProgram> assemble(std::string_view text, int first_line = 1);

}  // namespace rvjit::ebpf
