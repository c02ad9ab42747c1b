// ISA extensions of the harts this process runs on, from riscv_hwprobe (syscall 258,
// Linux 6.4+), so the JIT emits an optional instruction form only where it exists.
// Probed once; where the syscall is missing (old kernel, emulator) nothing optional is
// reported present and `error_number` says why. On the host build nothing is present.
#pragma once

#include <cstdint>

#include "rvjit/jit/target.h"

namespace rvjit {

struct IsaExtensions {
  bool probed = false;       // riscv_hwprobe answered
  int error_number = 0;      // errno when it did not
  bool base_ima = false;     // RISCV_HWPROBE_BASE_BEHAVIOR_IMA
  bool fd = false, c = false, v = false;
  bool zba = false, zbb = false, zbs = false, zbc = false;
  bool zicond = false, zicboz = false, zfa = false, zacas = false, zawrs = false;
  bool zca = false, zcb = false, zihintpause = false, ztso = false;
  uint64_t ima_ext_0 = 0;    // the raw RISCV_HWPROBE_KEY_IMA_EXT_0 bits
  uint64_t mvendorid = 0, marchid = 0, mimpid = 0;
};

// Thread-safe; the first call probes. Not async-signal-safe on the first call.
const IsaExtensions& isa_extensions();

// The Assembler target (rvjit/jit/target.h) for harts with the extensions `isa`: C when
// riscv_hwprobe reports C (RISCV_HWPROBE_IMA_C), and each of Zba, Zbb, Zbs, Zicond, Zfa,
// Zcb when it reports that extension. Nothing probed (host, old kernel): the baseline.
JitTarget jit_target_from(const IsaExtensions& isa);
// jit_target_from(isa_extensions()): what this process's harts can run.
//   rvjit::Assembler a;
//   a.set_target(rvjit::jit_target_from_hwprobe());
JitTarget jit_target_from_hwprobe();

}  // namespace rvjit
