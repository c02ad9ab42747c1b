// LlvmMcOracle: LLVM's RISC-V MC layer in-process, as the reference that rvjit's encoder
// and decoder are compared against (host tests and benchmarks only).
//
// Why the asm *parser* and not MCCodeEmitter: the code emitter validates nothing (an
// out-of-range immediate is silently truncated), so only the parser can say whether an
// operand is legal. See design/platform-facts.md section 6.
//
//   LlvmMcOracle llvm("+m,+a,+f,+d,+zicsr");
//   auto r = llvm.assemble("addi a0, zero, 42");   // r.ok(), r.bytes == {0x13,0x05,...}
//   std::string t = llvm.disassemble(r.bytes);      // "addi a0, zero, 42"
//
// Feature strings: with "+c" the parser compresses every instruction it can (exactly as
// `llvm-mc -mattr=+c` does), so compare 4-byte encodings with an oracle built without
// "+c", and rvjit's auto-compression with one built with it. Unknown features only make
// LLVM warn on stderr. One oracle is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llvm {
class MCContext;
class MCSubtargetInfo;
class MCCodeEmitter;
class MCInstrInfo;
class MCRegisterInfo;
class MCInst;
}  // namespace llvm

namespace rvjit::test {

class LlvmMcOracle {
 public:
  // Every extension rvjit encodes except the compressed ones. Zcb is left out as well:
  // it implies Zca, and with Zca the parser compresses just as with "+c".
  static constexpr const char* kAllButC =
      "+m,+a,+f,+d,+zicsr,+zifencei,+zba,+zbb,+zbs,+zicond,+zfa";
  // kAllButC plus C and Zcb: the parser then compresses whatever it can.
  static constexpr const char* kAll =
      "+m,+a,+f,+d,+zicsr,+zifencei,+zba,+zbb,+zbs,+zicond,+zfa,+c,+zcb";

  // Triple riscv64-unknown-linux-gnu with the given -mattr style feature string.
  explicit LlvmMcOracle(std::string features = kAllButC);
  ~LlvmMcOracle();
  LlvmMcOracle(const LlvmMcOracle&) = delete;
  LlvmMcOracle& operator=(const LlvmMcOracle&) = delete;

  // Outcome of assembling one text: the bytes, or the parser's diagnostics.
  struct Assembled {
    std::vector<uint8_t> bytes;
    std::string error;  // empty when the text assembled without error
    bool ok() const { return error.empty(); }
  };

  // Assemble `text` (one or more lines of RISC-V assembly, directives allowed).
  Assembled assemble(std::string_view text);

  // Assemble many one-instruction lines in one parser run (much faster than one
  // assemble() per line): result[i] belongs to lines[i]. A line must not contain '\n'.
  std::vector<Assembled> assemble_lines(const std::vector<std::string>& lines);

  // Disassemble one instruction at the start of `bytes` with the "no-aliases" printer
  // (round-trippable: "addi a0, zero, 42", never "li a0, 42"). Returns "" when LLVM
  // cannot decode it. *size receives the instruction length (0 when not decoded).
  std::string disassemble(const uint8_t* bytes, size_t n, size_t* size = nullptr);
  std::string disassemble(const std::vector<uint8_t>& bytes, size_t* size = nullptr) {
    return disassemble(bytes.data(), bytes.size(), size);
  }

  // Encode an already built MCInst with the code emitter (no validation; for
  // benchmarks). Appends to `out`; returns the number of bytes appended.
  size_t encode(const llvm::MCInst& inst, std::vector<uint8_t>& out);

  // LLVM's opcode number of an instruction by its TableGen name ("ADDI", "C_ADDI", "LD"),
  // and register number by name ("X10", "F8_D"); 0 when unknown. The generated enums are
  // not installed with LLVM, so benchmarks building MCInsts look them up once here.
  unsigned opcode(std::string_view tablegen_name) const;
  unsigned reg(std::string_view tablegen_name) const;

  // The MC objects, for callers that build MCInsts themselves.
  llvm::MCContext& context();
  const llvm::MCSubtargetInfo& subtarget() const;
  llvm::MCCodeEmitter& code_emitter();
  const llvm::MCInstrInfo& instr_info() const;
  const llvm::MCRegisterInfo& register_info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rvjit::test
