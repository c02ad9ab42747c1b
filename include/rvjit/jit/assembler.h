// The RV64 Assembler: AssemblerCore (buffer, sticky error) plus one mixin per ISA
// extension (rvjit/jit/insn/), each contributing one method per instruction.
//
//   rvjit::Assembler a;
//   a.addi(reg::a0, reg::zero, 42);
//   a.ret();
//   if (a.has_error()) ... a.error().message() ...
#pragma once

#include "rvjit/jit/assembler_core.h"
#include "rvjit/jit/insn/all.h"

namespace rvjit {

class Assembler : public AssemblerCore, public InsnAll<Assembler> {
 public:
  using AssemblerCore::AssemblerCore;
};

}  // namespace rvjit
