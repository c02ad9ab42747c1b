#include "riscv_mc_core.h"

#include <mutex>

#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Triple.h"

namespace rvjit::llvm_mc {

std::string init_riscv_mc(RiscvMcCore& core, const std::string& features) {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeRISCVTargetInfo();
    LLVMInitializeRISCVTargetMC();
    LLVMInitializeRISCVAsmParser();
    LLVMInitializeRISCVDisassembler();
  });
  std::string err;
  core.target = llvm::TargetRegistry::lookupTarget(kRiscv64Triple, err);
  if (!core.target) return "LLVM RISC-V target: " + err;
  core.mri.reset(core.target->createMCRegInfo(kRiscv64Triple));
  if (!core.mri) return "LLVM RISC-V register info unavailable";
  core.mai.reset(core.target->createMCAsmInfo(*core.mri, kRiscv64Triple, core.options));
  core.sti.reset(core.target->createMCSubtargetInfo(kRiscv64Triple, "generic-rv64", features));
  core.mii.reset(core.target->createMCInstrInfo());
  if (!core.mai || !core.sti || !core.mii) return "LLVM RISC-V MC layer incomplete";
  core.ctx = std::make_unique<llvm::MCContext>(llvm::Triple(kRiscv64Triple), core.mai.get(),
                                               core.mri.get(), core.sti.get(), nullptr,
                                               &core.options);
  return "";
}

}  // namespace rvjit::llvm_mc
