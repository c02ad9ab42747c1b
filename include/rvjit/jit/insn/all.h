// Every instruction mixin the Assembler offers, in one base. Each extension lives in its
// own header under rvjit/jit/insn/ with one method per instruction.
#pragma once

#include "rvjit/jit/insn/rv64i.h"

namespace rvjit {

template <class Asm>
class InsnAll : public InsnRV64I<Asm> {};

}  // namespace rvjit
