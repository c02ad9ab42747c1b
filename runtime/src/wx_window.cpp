// The flip policy's write window over published code: every registered thread parked.
#include "rvjit/runtime/code_memory.h"
#include "rvjit/runtime/stop_the_world.h"

namespace rvjit {

Error with_world_parked(FunctionRef<Error()> fn) {
  // Already inside a rendezvous callback (which runs on the stop_the_world caller): every
  // other registered thread is parked now.
  if (in_stop_the_world()) return fn();
  return stop_the_world([&]() -> Error { return fn(); });
}

}  // namespace rvjit
