// decode::format: textual form of the instructions the decoder understands, spelled like
// LLVM's no-aliases printer so tests can compare it with LLVM's disassembler verbatim.
#include "rvjit/jit/decoder.h"

#include "rvjit/jit/registers.h"

namespace rvjit::decode {

std::string format(uint32_t w) {
  if (insn_length(static_cast<uint16_t>(w)) == 2)
    return is_c_nop(static_cast<uint16_t>(w)) ? "c.nop" : "";
  auto x = [](unsigned r) { return std::string(gp_name(Gp{r})); };
  if (auto j = jal(w)) return "jal " + x(j->rd) + ", " + std::to_string(j->offset);
  if (auto j = jalr(w))
    return "jalr " + x(j->rd) + ", " + std::to_string(j->imm) + "(" + x(j->rs1) + ")";
  if (auto a = auipc(w)) return "auipc " + x(a->rd) + ", " + std::to_string(a->imm20);
  if (is_nop(w)) return "addi zero, zero, 0";
  return "";
}

}  // namespace rvjit::decode
