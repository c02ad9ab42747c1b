// Every instruction mixin the Assembler offers, in one base. Each extension lives in its
// own header under rvjit/jit/insn/ with one method per instruction.
#pragma once

#include "rvjit/jit/insn/a.h"
#include "rvjit/jit/insn/c.h"
#include "rvjit/jit/insn/d.h"
#include "rvjit/jit/insn/f.h"
#include "rvjit/jit/insn/m.h"
#include "rvjit/jit/insn/rv64i.h"
#include "rvjit/jit/insn/zba.h"
#include "rvjit/jit/insn/zbb.h"
#include "rvjit/jit/insn/zbs.h"
#include "rvjit/jit/insn/zcb.h"
#include "rvjit/jit/insn/zfa.h"
#include "rvjit/jit/insn/zicond.h"
#include "rvjit/jit/insn/zicsr.h"
#include "rvjit/jit/insn/zifencei.h"

namespace rvjit {

template <class Asm>
class InsnAll : public InsnRV64I<Asm>,
                public InsnM<Asm>,
                public InsnA<Asm>,
                public InsnF<Asm>,
                public InsnD<Asm>,
                public InsnZicsr<Asm>,
                public InsnZifencei<Asm>,
                public InsnZba<Asm>,
                public InsnZbb<Asm>,
                public InsnZbs<Asm>,
                public InsnZicond<Asm>,
                public InsnZfa<Asm>,
                public InsnC<Asm>,
                public InsnZcb<Asm> {};

}  // namespace rvjit
