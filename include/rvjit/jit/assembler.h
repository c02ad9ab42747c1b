// The RV64 Assembler: AssemblerCore (buffer, sticky error) plus one mixin per ISA
// extension, each contributing one method per instruction.
//
//   rvjit::Assembler a;
//   a.addi(reg::a0, reg::zero, 42);
//   a.ret();
//   if (a.has_error()) ... a.error().message() ...
#pragma once

#include "rvjit/jit/assembler_core.h"
#include "rvjit/jit/insn/rv64i.h"

namespace rvjit {

class Assembler : public AssemblerCore, public InsnRV64I<Assembler> {
 public:
  using AssemblerCore::AssemblerCore;
};

}  // namespace rvjit
