// Zifencei: instruction-fetch fence (the local half of making patched code visible).
#pragma once

#include "rvjit/jit/encoding.h"

namespace rvjit {

template <class Asm>
class InsnZifencei {
 public:
  RVJIT_INLINE void fence_i() { static_cast<Asm&>(*this).emit32(enc::kFenceI); }
};

}  // namespace rvjit
