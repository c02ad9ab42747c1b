// The JIT'd functions the hooks benchmarks call (bench/hooks_insn_count.cpp,
// bench/hooks_toggle_bench.cpp), emitted with rvjit's Assembler:
//   long f(long x) { return x + k; }   -- `addi a0, a0, k; ret`
// with a hook prologue of the given layout (rvjit/hooks/site.h) or without one.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "rvjit/hooks/site.h"
#include "rvjit/jit/assembler.h"

namespace hooks_bench {

inline rvjit::AssembledCode add_k(std::optional<rvjit::SiteLayout> layout, int k) {
  rvjit::Assembler a;
  rvjit::Label entry = a.new_label();
  if (layout) rvjit::emit_hook_prologue(a, *layout, entry);
  a.addi(rvjit::reg::a0, rvjit::reg::a0, k);
  a.ret();
  rvjit::Result<rvjit::AssembledCode> r = a.finalize();
  if (!r.ok()) {
    std::fprintf(stderr, "assemble: %s\n", r.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

}  // namespace hooks_bench
