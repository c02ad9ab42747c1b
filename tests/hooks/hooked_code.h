// Test helpers: JIT'd functions with a hook prologue, built with rvjit's Assembler.
#pragma once

#include <string>

#include "rvjit/hooks/hook_manager.h"

namespace rvjit::testing {

// long f(long x) { return x + k; }
AssembledCode add_k_function(SiteLayout layout, int k);
// long f(long n) { return n < 2 ? n : f(n-1) + f(n-2); } with real calls to itself.
AssembledCode fib_function(SiteLayout layout);
// long f(long n) { return n == 0 ? 0 : 1 + f(n-1); }: recursion depth n.
AssembledCode depth_function(SiteLayout layout);
// double f(double x, long y) { return x * 2.0 + y; } (fa0, a0) -> fa0
AssembledCode fp_function(SiteLayout layout);

// long f(long x) { return target(x + 1); } as a tail call (jump, no return here).
AssembledCode tail_call_function(SiteLayout layout, uintptr_t target);
// long f(long x) { return native(x) + 1; } with a real call to a native function.
AssembledCode call_native_function(SiteLayout layout, uintptr_t native);

}  // namespace rvjit::testing
