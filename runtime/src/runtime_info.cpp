// Build identification of the runtime library.
#include "rvjit/runtime/icache.h"

namespace rvjit {
const char* runtime_arch() {
#if defined(__riscv)
  return "riscv64";
#else
  return "host";
#endif
}
}  // namespace rvjit
