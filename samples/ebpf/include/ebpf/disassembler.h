// Instructions back to text, in exactly the syntax ebpf/assembler.h accepts, so that
// assemble(disassemble(p)) reproduces p's encoding. Used by `ebpf-run --disasm`, and by
// the JIT and the profiler to show what a code address came from.
#pragma once

#include <cstdint>
#include <string>

#include "ebpf/isa.h"
#include "ebpf/program.h"

namespace rvjit::ebpf {

// One instruction. `next` is the following slot, read only for lddw (its upper half).
// Encodings the verifier rejects come out as "<invalid 0x...>".
std::string disassemble(const Insn& insn, const Insn* next = nullptr);

// A whole program: one instruction per line, "name:" before each function, jump and call
// targets as relative offsets (+N / -N).
std::string disassemble(const Program& program);

}  // namespace rvjit::ebpf
