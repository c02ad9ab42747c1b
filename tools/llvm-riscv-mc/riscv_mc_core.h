// The LLVM RISC-V MC objects every host-side LLVM user of rvjit needs (the encoder oracle
// in llvm_mc_oracle.h and rvjit-objdump): target, register/asm/subtarget/instruction info
// and an MCContext, for riscv64 with a given feature string. Host only: LLVM is never
// linked into the RV64 binaries.
#pragma once

#include <memory>
#include <string>

#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"

namespace rvjit::llvm_mc {

inline constexpr const char* kRiscv64Triple = "riscv64-unknown-linux-gnu";

struct RiscvMcCore {
  const llvm::Target* target = nullptr;
  llvm::MCTargetOptions options;
  std::unique_ptr<llvm::MCRegisterInfo> mri;
  std::unique_ptr<llvm::MCAsmInfo> mai;
  std::unique_ptr<llvm::MCSubtargetInfo> sti;
  std::unique_ptr<llvm::MCInstrInfo> mii;
  std::unique_ptr<llvm::MCContext> ctx;
};

// Registers the RISC-V target once per process (info, MC, asm parser, disassembler) and
// fills `core` for CPU generic-rv64 with `features` ("+m,+a,..."). Returns "" on success,
// else what is missing.
std::string init_riscv_mc(RiscvMcCore& core, const std::string& features);

}  // namespace rvjit::llvm_mc
