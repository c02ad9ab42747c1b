// jit_bench: stream A and the two scales every encoder stream is measured at (docs/benchmarks.md,
// section "jit"). Cache-resident: one Assembler reused across iterations (its buffer keeps
// its capacity). Large: a fresh Assembler per iteration, so the buffer's growth from
// empty is inside the timed loop.
#pragma once

#include <benchmark/benchmark.h>

#include "rvjit/jit/assembler.h"

namespace rvjit::bench {

// Operands of one 8-instruction group of the straight-line stream A.
struct StreamAGroup {
  uint8_t r[6];
  int16_t imm[3];
  uint8_t sh;
  uint32_t hi20;
};

// Stream A: add, addi, ld, sd, xori, slli, lui, sub.
[[gnu::always_inline]] inline void emit_stream_a(Assembler& a, const StreamAGroup& x) {
  const Gp r0{x.r[0]}, r1{x.r[1]}, r2{x.r[2]}, r3{x.r[3]}, r4{x.r[4]}, r5{x.r[5]};
  a.add(r0, r1, r2);
  a.addi(r3, r0, x.imm[0]);
  a.ld(r4, r1, x.imm[1] & ~7);
  a.sd(r5, r2, x.imm[2] & ~7);
  a.xori(r1, r3, x.imm[0]);
  a.slli(r2, r4, x.sh);
  a.lui(r0, x.hi20);
  a.sub(r5, r0, r1);
}

// Runs setup(a) and then emit(a) for every benchmark iteration. Reuse: `reset()` the
// Assembler when kFullReset (labels and fixups too), else only clear its buffer.
template <bool kFullReset = false, class Setup, class Emit>
void iterate_at_scale(benchmark::State& state, bool cache_resident, Setup setup, Emit emit) {
  if (cache_resident) {
    Assembler a;
    setup(a);
    for (auto _ : state) {
      if constexpr (kFullReset) {
        a.reset();
      } else {
        a.buffer().clear();
      }
      emit(a);
    }
  } else {
    for (auto _ : state) {
      Assembler a;
      setup(a);
      emit(a);
    }
  }
}

}  // namespace rvjit::bench
