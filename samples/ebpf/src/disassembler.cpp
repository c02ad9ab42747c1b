// The disassembler mirrors the assembler's tables; offsets are always printed with a sign
// so that they read as relative targets, immediates as signed decimal (lddw as hex).
#include "ebpf/disassembler.h"

#include <cstdio>

namespace rvjit::ebpf {
namespace {

std::string reg(uint8_t r) { return "%r" + std::to_string(r); }

std::string signed_offset(int64_t v) { return (v < 0 ? "" : "+") + std::to_string(v); }

std::string mem(uint8_t base, int16_t off) {
  return "[" + reg(base) + (off == 0 ? "" : signed_offset(off)) + "]";
}

std::string size_suffix(uint8_t opcode) {
  switch (opcode & op::kSizeMask) {
    case op::kSizeB: return "b";
    case op::kSizeH: return "h";
    case op::kSizeW: return "w";
    default: return "dw";
  }
}

std::string invalid(const Insn& i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "<invalid 0x%016llx>", static_cast<unsigned long long>(i.to_raw()));
  return buf;
}

const char* alu_name(uint8_t code, int16_t off) {
  switch (code) {
    case op::kAdd: return "add";
    case op::kSub: return "sub";
    case op::kMul: return "mul";
    case op::kDiv: return off == 1 ? "sdiv" : "div";
    case op::kOr: return "or";
    case op::kAnd: return "and";
    case op::kLsh: return "lsh";
    case op::kRsh: return "rsh";
    case op::kNeg: return "neg";
    case op::kMod: return off == 1 ? "smod" : "mod";
    case op::kXor: return "xor";
    case op::kMov: return "mov";
    case op::kArsh: return "arsh";
    default: return nullptr;
  }
}

const char* jump_name(uint8_t code) {
  switch (code) {
    case op::kJeq: return "jeq";
    case op::kJgt: return "jgt";
    case op::kJge: return "jge";
    case op::kJset: return "jset";
    case op::kJne: return "jne";
    case op::kJsgt: return "jsgt";
    case op::kJsge: return "jsge";
    case op::kJlt: return "jlt";
    case op::kJle: return "jle";
    case op::kJslt: return "jslt";
    case op::kJsle: return "jsle";
    default: return nullptr;
  }
}

std::string alu(const Insn& i) {
  const bool is64 = insn_class(i.opcode) == op::kAlu64;
  const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
  const uint8_t code = i.opcode & op::kCodeMask;
  const std::string w = std::to_string(i.imm);
  if (code == op::kEnd) {
    const char* prefix = is64 ? "swap" : x ? "be" : "le";
    return std::string(prefix) + w + " " + reg(i.dst);
  }
  if (code == op::kMov && i.off != 0) {
    return "movsx" + std::to_string(i.off) + (is64 ? "64 " : "32 ") + reg(i.dst) + ", " + reg(i.src);
  }
  const char* name = alu_name(code, i.off);
  if (name == nullptr) return invalid(i);
  std::string s = std::string(name) + (is64 ? "" : "32") + " " + reg(i.dst);
  if (code == op::kNeg) return s;
  return s + ", " + (x ? reg(i.src) : std::to_string(i.imm));
}

std::string jump(const Insn& i) {
  const bool is32 = insn_class(i.opcode) == op::kJmp32;
  const uint8_t code = i.opcode & op::kCodeMask;
  if (i.opcode == op::kExitInsn) return "exit";
  if (i.opcode == op::kCallInsn) {
    if (i.src == op::kCallLocal) return "call local " + signed_offset(i.imm);
    if (i.src == op::kCallBtf) return "call runtime " + std::to_string(i.imm);
    return "call " + std::to_string(i.imm);
  }
  if (i.opcode == op::kCallxInsn) return "callx " + reg(i.dst);
  if (i.opcode == op::kJa32Insn) return "ja32 " + signed_offset(i.imm);
  if (code == op::kJa) return "ja " + signed_offset(i.off);
  const char* name = jump_name(code);
  if (name == nullptr) return invalid(i);
  const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
  return std::string(name) + (is32 ? "32 " : " ") + reg(i.dst) + ", " +
         (x ? reg(i.src) : std::to_string(i.imm)) + ", " + signed_offset(i.off);
}

std::string atomic(const Insn& i) {
  const bool is32 = (i.opcode & op::kSizeMask) == op::kSizeW;
  const char* name = nullptr;
  bool fetch = (i.imm & op::kAtomicFetch) != 0;
  switch (i.imm) {
    case op::kAtomicXchg: name = "xchg"; fetch = false; break;      // always fetches
    case op::kAtomicCmpxchg: name = "cmpxchg"; fetch = false; break;
    default:
      switch (i.imm & ~op::kAtomicFetch) {
        case op::kAtomicAdd: name = "add"; break;
        case op::kAtomicOr: name = "or"; break;
        case op::kAtomicAnd: name = "and"; break;
        case op::kAtomicXor: name = "xor"; break;
        default: return invalid(i);
      }
  }
  return std::string("lock ") + (fetch ? "fetch " : "") + name + (is32 ? "32 " : " ") +
         mem(i.dst, i.off) + ", " + reg(i.src);
}

}  // namespace

std::string disassemble(const Insn& i, const Insn* next) {
  const uint8_t mode = i.opcode & op::kModeMask;
  switch (insn_class(i.opcode)) {
    case op::kAlu:
    case op::kAlu64:
      return alu(i);
    case op::kJmp:
    case op::kJmp32:
      return jump(i);
    case op::kLd: {
      if (i.opcode != op::kLddw || next == nullptr) return invalid(i);
      const uint64_t v = uint64_t{static_cast<uint32_t>(i.imm)} | uint64_t{static_cast<uint32_t>(next->imm)} << 32;
      char buf[24];
      std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
      return "lddw " + reg(i.dst) + ", " + buf;
    }
    case op::kLdx:
      if (mode != op::kModeMem && mode != op::kModeMemsx) return invalid(i);
      return std::string(mode == op::kModeMemsx ? "ldxs" : "ldx") + size_suffix(i.opcode) + " " + reg(i.dst) +
             ", " + mem(i.src, i.off);
    case op::kSt:
      if (mode != op::kModeMem) return invalid(i);
      return "st" + size_suffix(i.opcode) + " " + mem(i.dst, i.off) + ", " + std::to_string(i.imm);
    default:  // kStx
      if (mode == op::kModeAtomic) return atomic(i);
      if (mode != op::kModeMem) return invalid(i);
      return "stx" + size_suffix(i.opcode) + " " + mem(i.dst, i.off) + ", " + reg(i.src);
  }
}

std::string disassemble(const Program& program) {
  std::string out;
  size_t next_function = 0;
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const auto& functions = program.functions();
    if (next_function < functions.size() && functions[next_function].start == pc) {
      out += functions[next_function].name + ":\n";
      ++next_function;
    }
    const Insn& i = program[pc];
    const bool lddw = i.opcode == op::kLddw && pc + 1 < program.size();
    out += "  " + disassemble(i, lddw ? &program[pc + 1] : nullptr) + "\n";
    if (lddw) ++pc;
  }
  return out;
}

}  // namespace rvjit::ebpf
