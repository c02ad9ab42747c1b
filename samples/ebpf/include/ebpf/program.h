// A decoded, verified eBPF program: the only input an Engine accepts.
//
// Program::create() runs the static checks that make execution safe to reason about, so
// engines (the interpreter now, the RV64 JIT later) never re-check them:
//   * every opcode is defined by RFC 9669 and its unused fields are as the RFC requires;
//   * registers are r0..r10 and r10 (the frame pointer) is never written;
//   * lddw has its second slot, and no jump or call lands inside one;
//   * jumps stay inside the program and inside their own function, and every function
//     ends in exit or an unconditional jump (no fall-through into the next function);
//   * local calls target an instruction of the program.
// Dynamic properties (memory bounds, call depth, the instruction budget, whether a
// helper number is registered, the helper a callx names) are checked by the engine at run
// time; `call N` helpers are checked once at load (helpers_used()).
//
// Functions are the BPF-to-BPF subprograms: the entry (pc 0) plus every `call local`
// target. Each spans [start, end) and carries a name for the profiler and the JIT's
// symbol table: the assembler label at its start, else "main" for the entry and
// "func_<pc>" otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ebpf/isa.h"
#include "rvjit/error.h"

namespace rvjit::ebpf {

struct Function {
  std::string name;
  uint32_t start = 0;  // first slot
  uint32_t end = 0;    // one past the last slot
};

class Program {
 public:
  // Verifies `insns`; `labels` maps a slot index to a symbolic name (may be empty).
  // Errors: kInvalidArgument naming the pc and the rule broken, kUnsupported for valid
  // but unimplemented encodings (legacy packet loads, map-relative lddw, BTF calls).
  static Result<Program> create(std::vector<Insn> insns,
                                const std::map<uint32_t, std::string>& labels = {});

  const std::vector<Insn>& insns() const { return insns_; }
  size_t size() const { return insns_.size(); }
  const Insn& operator[](size_t pc) const { return insns_[pc]; }
  // Sorted by start; functions()[0] is the entry.
  const std::vector<Function>& functions() const { return functions_; }
  // Index into functions() of the function containing `pc` (pc must be < size()).
  size_t function_index(uint32_t pc) const;
  // Helper numbers used by `call N`, sorted and unique: an engine checks these against
  // its HelperRegistry once, before running.
  const std::vector<int32_t>& helpers_used() const { return helpers_used_; }

 private:
  Program() = default;
  std::vector<Insn> insns_;
  std::vector<Function> functions_;
  std::vector<int32_t> helpers_used_;
};

}  // namespace rvjit::ebpf
