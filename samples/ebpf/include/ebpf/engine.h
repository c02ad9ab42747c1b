// How a verified Program is executed: the Engine interface.
//
// Two phases, because that is what a JIT needs: Engine::load() prepares a Program once
// (the interpreter only resolves helpers; the RV64 JIT will compile into rvjit's code
// cache) and returns an Executable that can run many times.
//
// The execution contract every engine implements identically:
//   * r1 = address of the `mem` region (0 when it is empty: ubpf's test runner passes
//     mem = NULL, mem_len = 0 for a test without mem),
//     r2 = its length in bytes, r10 = top of the entry frame's 512-byte stack; all other
//     registers start at 0.
//   * Memory accesses must lie entirely inside the `mem` region or inside the stack from
//     the current frame's bottom (r10 - 512) up to the top of the entry frame (so callees
//     may use pointers into their callers' frames). Anything else is an error.
//   * Atomic accesses must also be naturally aligned (RV64 AMOs require it).
//   * A local call saves r6-r9 and r10 and gives the callee a fresh 512-byte frame below
//     the caller's; exit from a callee restores them. r1-r5 after a call are unspecified.
//   * At most kMaxCallDepth frames; at most RunOptions::instruction_budget instructions.
//
// Run-time failures are rvjit::Error values with a stable message prefix (the `-- error`
// section of test files matches on these):
//   kForeignAddress    "out-of-bounds load|store|atomic of N bytes at 0x... (pc P)"
//   kMisalignedAddress "misaligned atomic of N bytes at 0x... (pc P)"
//   kBufferFull        "call depth exceeded (pc P)"
//   kBusy              "instruction budget of N exhausted (pc P)"
//   kNotFound          "unknown helper N" (from load(), for `call N`)
//   kNotFound          "unknown helper N (callx at pc P)" (N: the register, as signed)
// A helper with HelperExit::kEndsProgramOnZero that returns 0 ends the run with r0 = 0.
// While run() executes, current_program_memory() (ebpf/helpers.h) gives helpers the mem
// region and the stack.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/helpers.h"
#include "ebpf/program.h"
#include "rvjit/error.h"

namespace rvjit::ebpf {

struct RunOptions {
  // Upper bound on executed instructions (each lddw counts once); stops runaway loops.
  uint64_t instruction_budget = 1'000'000;
};

class Executable {
 public:
  virtual ~Executable() = default;
  // Runs the program on `mem` (which it may modify) and returns r0 at the final exit.
  virtual Result<uint64_t> run(std::span<uint8_t> mem, const RunOptions& options = {}) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  // The Program and the registry must outlive the returned Executable.
  virtual Result<std::unique_ptr<Executable>> load(const Program& program,
                                                   const HelperRegistry& helpers) = 0;
};

// Names accepted by make_engine(), in a stable order ("interpreter" first).
std::vector<std::string> available_engines();
// kNotFound for an unknown name (the message lists the available ones).
Result<std::unique_ptr<Engine>> make_engine(std::string_view name);

// Shared by all engines: kNotFound if the program calls a helper `helpers` lacks.
Error check_helpers(const Program& program, const HelperRegistry& helpers);
// The error of a callx whose register names no registered helper (same text in every
// engine).
Error callx_unknown_helper(uint64_t register_value, uint32_t pc);

}  // namespace rvjit::ebpf
