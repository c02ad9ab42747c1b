// jit_bench, the stream benchmarks: the four kinds of code a JIT emits constantly, each at
// a cache-resident scale (about 4,096 instructions per iteration, one Assembler reused)
// and at a 10 M-instruction scale (a fresh Assembler per iteration, so the buffer's
// growth from empty is part of the figure):
//
//   BM_Rvjit_Li/<class>/<target>   li of precomputed constants: random 64-bit, pointer-
//                                  like (8-aligned, 2^32..2^47), a 32-bit value shifted
//                                  left (1..31); target "base" (nothing declared: RV64I
//                                  steps only) or "zb" (set_target(all): Zba/Zbb/Zbs
//                                  steps too). items = constants; insts_per_const counter.
//   BM_Rvjit_Compress/<stream>     auto-compression on: "a" is the straight-line stream A
//                                  of jit_bench.cpp (few forms compress), "dense" a stream
//                                  where most instructions have an RVC form.
//   BM_Rvjit_Branches              blocks of 3 ALU ops + a forward conditional branch to a
//                                  label 1..3 blocks ahead, labels bound as it goes,
//                                  finalize() included. items = finalized words.
// Only the public Assembler API is used, so the same file builds against older rvjit
// trees for old/new comparisons (docs/benchmarks.md, section "jit").
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "jit_bench_scale.h"
#include "rvjit/jit/assembler.h"

namespace {

using namespace rvjit;

constexpr int64_t kSmall = 4096;
constexpr int64_t kLarge = 10'000'000;

struct Rng {
  uint64_t s;
  uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
};

// ---- li ----------------------------------------------------------------------------------
enum LiClass : int { kRandom64, kPointer, kShifted32 };

int64_t make_constant(LiClass c, Rng& r) {
  const uint64_t u = r.next();
  switch (c) {
    case kRandom64: return static_cast<int64_t>(u);
    case kPointer: {
      uint64_t p = (u >> 17) & ~uint64_t{7};  // below 2^47, 8-aligned
      if (p < (uint64_t{1} << 32)) p |= uint64_t{1} << 40;
      return static_cast<int64_t>(p);
    }
    case kShifted32:
      return static_cast<int64_t>(static_cast<uint64_t>(static_cast<int32_t>(u)) << (1 + (u >> 59) % 31));
  }
  return 0;
}

// Constants whose li sequences add up to at least `insts` instruction words (the output
// length is what the scale is about, so the same count holds for every class).
std::vector<int64_t> make_constants(LiClass c, bool zb, int64_t insts) {
  Rng r{0x2545f4914f6cdd1dull + static_cast<uint64_t>(c)};
  Assembler probe;
  if (zb) probe.set_target(JitTarget::all());
  std::vector<int64_t> v;
  while (static_cast<int64_t>(probe.offset() / 4) < insts) {
    v.push_back(make_constant(c, r));
    probe.li(Gp{10}, v.back());
  }
  return v;
}

void BM_Rvjit_Li(benchmark::State& state) {
  const auto cls = static_cast<LiClass>(state.range(0));
  const bool zb = state.range(1) != 0;
  const int64_t insts = state.range(2);
  const std::vector<int64_t> consts = make_constants(cls, zb, insts);
  size_t words = 0;
  auto run = [&](Assembler& a) {
    for (size_t i = 0; i < consts.size(); ++i) a.li(Gp(static_cast<unsigned>(10 + (i & 7))), consts[i]);
    benchmark::DoNotOptimize(a.buffer().data());
    benchmark::ClobberMemory();
    words = a.offset() / 4;
    if (a.has_error()) state.SkipWithError(a.error().to_string().c_str());
  };
  bench::iterate_at_scale(state, insts <= kSmall, [&](Assembler& a) {
    if (zb) a.set_target(JitTarget::all());
  }, run);
  state.counters["insts_per_const"] = static_cast<double>(words) / static_cast<double>(consts.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * consts.size()));
}
BENCHMARK(BM_Rvjit_Li)
    ->ArgNames({"class", "zb", "insts"})
    ->ArgsProduct({{kRandom64, kPointer, kShifted32}, {0, 1}, {kSmall, kLarge}})
    ->Unit(benchmark::kMicrosecond);

// ---- auto-compression ----------------------------------------------------------------------
// One group of 8 instructions. Stream "a": the operands of jit_bench.cpp's stream A
// (registers t0..t6/s*/a*, immediates anywhere in range). Stream "dense": registers in
// x8..x15, rd == rs1 and small aligned offsets where an RVC form needs them, so most
// instructions compress, and the others go through the same selection.
using CGroup = bench::StreamAGroup;

std::vector<CGroup> make_cgroups(bool dense, size_t n) {
  Rng r{dense ? 0x9e3779b97f4a7c15ull : 0x9e3779b97f4a7c15ull};
  std::vector<CGroup> g(n);
  for (CGroup& x : g) {
    for (uint8_t& reg : x.r) reg = static_cast<uint8_t>(dense ? 8 + r.next() % 8 : 5 + r.next() % 27);
    for (int16_t& i : x.imm) {
      i = dense ? static_cast<int16_t>(r.next() % 32)
                : static_cast<int16_t>(static_cast<int64_t>(r.next() % 4096) - 2048);
    }
    x.sh = static_cast<uint8_t>(1 + r.next() % 63);
    x.hi20 = static_cast<uint32_t>(dense ? 1 + r.next() % 31 : r.next() & 0xfffff);
  }
  return g;
}

inline void emit_cgroup(Assembler& a, const CGroup& x, bool dense) {
  const Gp r0{x.r[0]}, r1{x.r[1]}, r2{x.r[2]}, r3{x.r[3]}, r4{x.r[4]}, r5{x.r[5]};
  if (dense) {  // add rd,rd,rs; addi rd,rd,imm; ld/sd off*8; xor; slli rd,rd; lui; sub
    a.add(r0, r0, r2);
    a.addi(r3, r3, x.imm[0] - 16);
    a.ld(r4, r1, x.imm[1] * 8);
    a.sd(r5, r2, x.imm[2] * 8);
    a.xor_(r1, r1, r3);
    a.slli(r2, r2, x.sh);
    a.lui(r0, x.hi20);
    a.sub(r5, r5, r1);
  } else {
    bench::emit_stream_a(a, x);
  }
}

void BM_Rvjit_Compress(benchmark::State& state) {
  const bool dense = state.range(0) != 0;
  const int64_t insts = state.range(1);
  const std::vector<CGroup> groups = make_cgroups(dense, static_cast<size_t>(kSmall / 8));
  const size_t reps = static_cast<size_t>(insts / kSmall);  // the 4,096-instruction block, repeated
  size_t bytes = 0;
  auto run = [&](Assembler& a) {
    for (size_t k = 0; k < reps; ++k) {
      for (const CGroup& x : groups) emit_cgroup(a, x, dense);
    }
    benchmark::DoNotOptimize(a.buffer().data());
    benchmark::ClobberMemory();
    bytes = a.offset();
    if (a.has_error()) state.SkipWithError(a.error().to_string().c_str());
  };
  bench::iterate_at_scale(state, insts <= kSmall, [](Assembler& a) { a.set_auto_compress(true); },
                          run);
  const double n = static_cast<double>(reps * groups.size() * 8);
  state.counters["bytes_per_inst"] = static_cast<double>(bytes) / n;
  state.SetItemsProcessed(static_cast<int64_t>(static_cast<double>(state.iterations()) * n));
}
BENCHMARK(BM_Rvjit_Compress)
    ->ArgNames({"dense", "insts"})
    ->ArgsProduct({{0, 1}, {kSmall, 2441 * kSmall}})  // 2,441 x 4,096 = 10.0 M
    ->Unit(benchmark::kMicrosecond);

// ---- branches and labels ---------------------------------------------------------------------
// Block b: bind label b; add; addi; xor; a forward conditional branch (kind b % 6) to
// label b + 1 + (b % 3); all within reach, so nothing is relaxed. Labels are created as
// the code goes (a JIT rarely knows its block count up front).
void build_branches(Assembler& a, size_t blocks, const std::vector<uint8_t>& regs) {
  std::vector<Label> labels;
  labels.reserve(blocks + 4);
  for (size_t b = 0; b < blocks + 4; ++b) labels.push_back(a.new_label());
  for (size_t b = 0; b < blocks; ++b) {
    const Gp r0{regs[b & 1023]}, r1{regs[(b + 1) & 1023]}, r2{regs[(b + 2) & 1023]};
    a.bind(labels[b]);
    a.add(r0, r1, r2);
    a.addi(r1, r0, static_cast<int64_t>(b & 1023) - 512);
    a.xor_(r2, r0, r1);
    const Label to = labels[b + 1 + b % 3];
    switch (b % 6) {
      case 0: a.beq(r0, r1, to); break;
      case 1: a.bne(r0, r1, to); break;
      case 2: a.blt(r0, r1, to); break;
      case 3: a.bge(r0, r1, to); break;
      case 4: a.bltu(r0, r1, to); break;
      default: a.bgeu(r0, r1, to); break;
    }
  }
  for (size_t b = blocks; b < blocks + 4; ++b) a.bind(labels[b]);
  a.ret();
}

void BM_Rvjit_Branches(benchmark::State& state) {
  const int64_t insts = state.range(0);
  const size_t blocks = static_cast<size_t>(insts / 4);
  Rng r{0x1234567887654321ull};
  std::vector<uint8_t> regs(1024);
  for (uint8_t& x : regs) x = static_cast<uint8_t>(5 + r.next() % 27);
  size_t words = 0;
  auto run = [&](Assembler& a) {
    build_branches(a, blocks, regs);
    auto code = a.finalize();
    if (!code.ok()) {
      state.SkipWithError(code.error().to_string().c_str());
      return;
    }
    words = code->code.size() / 4;
    benchmark::DoNotOptimize(code->code.data());
  };
  bench::iterate_at_scale<true>(state, insts <= kSmall, [](Assembler&) {}, run);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * words));
}
BENCHMARK(BM_Rvjit_Branches)->ArgName("insts")->Arg(kSmall)->Arg(kLarge)->Unit(benchmark::kMicrosecond);

}  // namespace
