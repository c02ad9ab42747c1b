// Helpers shared by the code cache / patch / W^X tests: tiny RV64 functions, built
// with rvjit's Assembler where it has the instruction, by hand otherwise.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rvjit/jit/assembled_code.h"
#include "rvjit/jit/assembler.h"

namespace rvjit::test {

inline constexpr uint32_t kRet = 0x00008067u;  // jalr zero, 0(ra)
inline constexpr uint32_t kNop = 0x00000013u;  // addi zero, zero, 0
inline uint32_t addi_a0(int v) { return 0x00000513u | (static_cast<uint32_t>(v & 0xfff) << 20); }
inline uint32_t addi_a0_a0(int v) { return 0x00050513u | (static_cast<uint32_t>(v & 0xfff) << 20); }
inline constexpr uint32_t kJalSelf = 0x0000006fu;  // jal zero, 0: spins in place

inline AssembledCode from_words(const std::vector<uint32_t>& words) {
  AssembledCode c;
  c.code.resize(words.size() * 4);
  std::memcpy(c.code.data(), words.data(), c.code.size());
  return c;
}

// `addi a0, zero, v; ret`, emitted by the Assembler.
inline AssembledCode ret_const(int v) {
  Assembler a;
  a.addi(reg::a0, reg::zero, v);
  a.ret();
  AssembledCode c;
  c.code.assign(a.buffer().data(), a.buffer().data() + a.offset());
  return c;
}

inline uint32_t read_word(uintptr_t addr) {
  uint32_t w;
  std::memcpy(&w, reinterpret_cast<const void*>(addr), 4);
  return w;
}

// Lines of /proc/self/maps whose permissions are writable AND executable.
inline std::vector<std::string> wx_mappings() {
  std::vector<std::string> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos || sp + 4 >= line.size()) continue;
    if (line[sp + 2] == 'w' && line[sp + 3] == 'x') out.push_back(line);
  }
  return out;
}

}  // namespace rvjit::test
