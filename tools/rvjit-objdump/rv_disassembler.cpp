// RvDisassembler over LLVM MC. Branch targets come from MCInstrAnalysis::evaluateBranch
// (jal, conditional branches, c.j, c.beqz ...); auipc and jalr operands are read by
// opcode name so no RISC-V backend-private header is needed.
#include "rv_disassembler.h"

#include <cstdio>
#include <mutex>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCDisassembler/MCDisassembler.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstPrinter.h"
#include "llvm/MC/MCInstrAnalysis.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "riscv_mc_core.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

namespace rvjit::objdump {
namespace {

constexpr const char* kFeatures =
    "+64bit,+m,+a,+f,+d,+c,+zicsr,+zifencei,+zba,+zbb,+zbs,+zicond,+zfa,+zcb";

}  // namespace

struct RvDisassembler::Impl : llvm_mc::RiscvMcCore {
  std::unique_ptr<llvm::MCDisassembler> disasm;
  std::unique_ptr<llvm::MCInstPrinter> printer;
  std::unique_ptr<llvm::MCInstrAnalysis> analysis;
};

RvDisassembler::RvDisassembler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RvDisassembler::~RvDisassembler() = default;

Result<std::unique_ptr<RvDisassembler>> RvDisassembler::create() {
  auto m = std::make_unique<Impl>();
  if (std::string err = llvm_mc::init_riscv_mc(*m, kFeatures); !err.empty())
    return Error(ErrorCode::kUnsupported, err);
  llvm::Triple triple(llvm_mc::kRiscv64Triple);
  m->disasm.reset(m->target->createMCDisassembler(*m->sti, *m->ctx));
  m->printer.reset(m->target->createMCInstPrinter(triple, 0, *m->mai, *m->mii, *m->mri));
  m->analysis.reset(m->target->createMCInstrAnalysis(m->mii.get()));
  if (!m->disasm || !m->printer || !m->analysis)
    return Error(ErrorCode::kUnsupported, "LLVM RISC-V disassembler unavailable");
  // Branch operands as absolute addresses (objdump style), resolved to names by the caller.
  m->printer->setPrintBranchImmAsAddress(true);
  return std::unique_ptr<RvDisassembler>(new RvDisassembler(std::move(m)));
}

DecodedInsn RvDisassembler::decode(const uint8_t* bytes, size_t avail, uint64_t address) const {
  DecodedInsn d;
  char buf[48];
  if (avail == 0) return d;
  if (avail < 2) {  // a stray trailing byte
    d.size = 1;
    d.word = bytes[0];
    std::snprintf(buf, sizeof(buf), ".byte 0x%02x", bytes[0]);
    d.text = buf;
    return d;
  }
  // The length is in the low bits: 11 means a 32-bit instruction, anything else 16-bit.
  const bool wide = (bytes[0] & 3) == 3;
  const size_t want = wide ? 4 : 2;
  if (avail < want) {  // a 32-bit instruction cut short by the end of the code
    d.size = 2;
    d.word = bytes[0] | (bytes[1] << 8);
    std::snprintf(buf, sizeof(buf), ".half 0x%04x", d.word);
    d.text = buf;
    return d;
  }
  d.word = bytes[0] | (bytes[1] << 8);
  if (wide) d.word |= (uint32_t{bytes[2]} << 16) | (uint32_t{bytes[3]} << 24);

  llvm::MCInst inst;
  uint64_t size = 0;
  auto status = impl_->disasm->getInstruction(inst, size, llvm::ArrayRef<uint8_t>(bytes, want),
                                              address, llvm::nulls());
  if (status != llvm::MCDisassembler::Success || size == 0) {
    d.size = want;
    std::snprintf(buf, sizeof(buf), wide ? ".word 0x%08x" : ".half 0x%04x", d.word);
    d.text = buf;
    return d;
  }
  d.size = size;
  d.valid = true;
  std::string text;
  llvm::raw_string_ostream os(text);
  impl_->printer->printInst(&inst, address, "", *impl_->sti, os);
  os.flush();
  size_t start = text.find_first_not_of(" \t");
  d.text = start == std::string::npos ? text : text.substr(start);
  for (char& c : d.text)
    if (c == '\t') c = ' ';

  uint64_t target = 0;
  if (impl_->analysis->evaluateBranch(inst, address, size, target)) d.target = target;
  llvm::StringRef name = impl_->mii->getName(inst.getOpcode());
  if (name == "AUIPC" && inst.getNumOperands() >= 2 && inst.getOperand(0).isReg() &&
      inst.getOperand(1).isImm()) {
    d.auipc_rd = inst.getOperand(0).getReg();
    // The operand is the raw 20-bit field: sign-extend it from bit 31 of (imm << 12).
    const uint32_t hi = static_cast<uint32_t>(inst.getOperand(1).getImm()) << 12;
    d.auipc_value = address + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(hi)));
  } else if (name == "JALR" && inst.getNumOperands() >= 3 && inst.getOperand(1).isReg() &&
             inst.getOperand(2).isImm()) {
    d.jalr_rs1 = inst.getOperand(1).getReg();
    d.jalr_imm = inst.getOperand(2).getImm();
  }
  return d;
}

std::string RvDisassembler::reg_name(unsigned reg) const {
  std::string s;
  llvm::raw_string_ostream os(s);
  impl_->printer->printRegName(os, llvm::MCRegister(reg));
  os.flush();
  return s;
}

}  // namespace rvjit::objdump
