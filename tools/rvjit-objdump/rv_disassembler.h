// RvDisassembler: LLVM MC's RISC-V disassembler behind a small interface (one
// instruction in, its text and any statically known branch target out), so the listing
// code does not depend on LLVM's headers. Features: rv64gc + Zba, Zbb, Zbs, Zicond,
// Zfa, Zcb: everything rvjit's encoder can emit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "rvjit/error.h"

namespace rvjit::objdump {

struct DecodedInsn {
  size_t size = 0;                 // 2 or 4 (also for undecodable words)
  bool valid = false;              // false: `text` is a .half/.word directive
  std::string text;                // "addi a0, zero, 42" (aliases: "li a0, 42")
  std::optional<uint64_t> target;  // jal/branch target (absolute address)
  // For auipc: the register written and the value it holds (pc + imm << 12), so that a
  // following jalr/addi through that register can be resolved by the caller.
  std::optional<unsigned> auipc_rd;
  uint64_t auipc_value = 0;
  // For jalr: base register and immediate.
  std::optional<unsigned> jalr_rs1;
  int64_t jalr_imm = 0;
  uint32_t word = 0;  // the raw bits (low 16 for a 2-byte instruction)
};

class RvDisassembler {
 public:
  // kUnsupported if LLVM's RISC-V target is missing.
  static Result<std::unique_ptr<RvDisassembler>> create();
  ~RvDisassembler();
  // Decodes the instruction at `bytes` (at most `avail` bytes readable) located at
  // `address`. Never reads past `avail`; avail == 1 gives a one-byte ".byte".
  DecodedInsn decode(const uint8_t* bytes, size_t avail, uint64_t address) const;
  // The register's ABI name ("t0") for an LLVM register number from auipc_rd/jalr_rs1.
  std::string reg_name(unsigned reg) const;

 private:
  struct Impl;
  explicit RvDisassembler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rvjit::objdump
