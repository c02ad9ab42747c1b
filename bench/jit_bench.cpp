// jit_bench: encoding throughput of rvjit's Assembler next to LLVM MC, in one process.
//
//   BM_Rvjit_StraightLine   4096 instructions (a fixed 8-instruction ALU/load/store/lui
//                           pattern, operands varying) through Assembler methods; also
//                           10 M per iteration (that block 2,441 times, fresh Assembler)
//   BM_Rvjit_RawEmit        the same 4096 words through AssemblerCore::emit32 with the
//                           enc:: format encoders (no operand validation, no RVC choice):
//                           the cost of the buffer itself, for comparison
//   BM_LlvmMc_StraightLine  the same 4096 instructions as prebuilt MCInsts through
//                           MCCodeEmitter::encodeInstruction (LLVM's fastest path: no
//                           parsing, no MCInst construction in the loop); 4096 and 10 M
// The li, auto-compression and branch/label streams are in jit_bench_streams.cpp.
//   BM_Rvjit_FullAssembler  a mixed stream with labels: ALU, loads/stores, li of small,
//                           32-bit and 64-bit constants, forward and backward branches
//                           (some beyond +-4 KiB, so relaxation runs), then finalize()
// items_per_second is instructions per second (for the full assembler: the instruction
// words in the finalized code). Figures and the command are in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "llvm/ADT/SmallVector.h"
#include "llvm/MC/MCCodeEmitter.h"
#include "llvm/MC/MCFixup.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "jit_bench_scale.h"
#include "llvm_mc_oracle.h"
#include "rvjit/jit/assembler.h"

namespace {

using namespace rvjit;

constexpr size_t kGroups = 512;  // x 8 instructions = 4096 per iteration

// Operands of one 8-instruction group; the same values feed rvjit and LLVM.
using Group = bench::StreamAGroup;

std::vector<Group> make_groups() {
  std::vector<Group> g(kGroups);
  uint64_t s = 0x9e3779b97f4a7c15ull;
  auto next = [&] { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; };
  for (Group& x : g) {
    for (uint8_t& r : x.r) r = static_cast<uint8_t>(5 + next() % 27);  // t0..t6, s*, a*
    for (int16_t& i : x.imm) i = static_cast<int16_t>(static_cast<int64_t>(next() % 4096) - 2048);
    x.sh = static_cast<uint8_t>(next() % 64);
    x.hi20 = static_cast<uint32_t>(next() & 0xfffff);
  }
  return g;
}

// The pattern: add, addi, ld, sd, xori, slli, lui, sub.
inline void emit_group(Assembler& a, const Group& x) { bench::emit_stream_a(a, x); }

// range(0): instructions per iteration. 4,096: one Assembler reused (cache-resident);
// 10 M (the 4,096-instruction block 2,441 times): a fresh Assembler per iteration, so the
// buffer grows from empty inside the timed loop.
constexpr int64_t kSmall = 4096;
constexpr int64_t kLarge = 2441 * kSmall;

void BM_Rvjit_StraightLine(benchmark::State& state) {
  const std::vector<Group> groups = make_groups();
  const size_t reps = static_cast<size_t>(state.range(0) / kSmall);
  auto run = [&](Assembler& a) {
    for (size_t k = 0; k < reps; ++k) {
      for (const Group& x : groups) emit_group(a, x);
    }
    benchmark::DoNotOptimize(a.buffer().data());
    benchmark::ClobberMemory();
    if (a.has_error() || a.offset() != reps * kGroups * 32) state.SkipWithError("wrong length or error");
  };
  bench::iterate_at_scale(state, reps == 1, [](Assembler&) {}, run);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * reps * kGroups * 8));
}
BENCHMARK(BM_Rvjit_StraightLine)->ArgName("insts")->Arg(kSmall)->Arg(kLarge);

inline void emit_group_raw(Assembler& a, const Group& x) {
  using namespace enc;
  a.emit32(r_type(kOpReg, 0, 0, x.r[0], x.r[1], x.r[2]));
  a.emit32(i_type(kOpImm, 0, x.r[3], x.r[0], x.imm[0]));
  a.emit32(i_type(kOpLoad, 3, x.r[4], x.r[1], x.imm[1] & ~7));
  a.emit32(s_type(kOpStore, 3, x.r[2], x.r[5], x.imm[2] & ~7));
  a.emit32(i_type(kOpImm, 4, x.r[1], x.r[3], x.imm[0]));
  a.emit32(i_type(kOpImm, 1, x.r[2], x.r[4], x.sh));
  a.emit32(u_type(kOpLui, x.r[0], x.hi20));
  a.emit32(r_type(kOpReg, 0, 0x20, x.r[5], x.r[0], x.r[1]));
}

void BM_Rvjit_RawEmit(benchmark::State& state) {
  const std::vector<Group> groups = make_groups();
  Assembler a;
  for (auto _ : state) {
    a.buffer().clear();
    for (const Group& x : groups) emit_group_raw(a, x);
    benchmark::DoNotOptimize(a.buffer().data());
    benchmark::ClobberMemory();
  }
  // Must be the very bytes the validated methods produce.
  Assembler b;
  for (const Group& x : groups) emit_group(b, x);
  if (a.offset() != b.offset() || std::memcmp(a.buffer().data(), b.buffer().data(), a.offset()) != 0) {
    state.SkipWithError("raw and validated encodings differ");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kGroups * 8));
}
BENCHMARK(BM_Rvjit_RawEmit);

// LLVM opcode / register numbers looked up by name (the generated enums are not public).
struct LlvmIds {
  unsigned add = 0, addi = 0, ld = 0, sd = 0, xori = 0, slli = 0, lui = 0, sub = 0;
  unsigned x[32] = {};
};

LlvmIds lookup(test::LlvmMcOracle& llvm) {
  LlvmIds ids;
  const llvm::MCInstrInfo& ii = llvm.instr_info();
  for (unsigned op = 0; op < ii.getNumOpcodes(); ++op) {
    const std::string n = ii.getName(op).str();
    if (n == "ADD") ids.add = op;
    else if (n == "ADDI") ids.addi = op;
    else if (n == "LD") ids.ld = op;
    else if (n == "SD") ids.sd = op;
    else if (n == "XORI") ids.xori = op;
    else if (n == "SLLI") ids.slli = op;
    else if (n == "LUI") ids.lui = op;
    else if (n == "SUB") ids.sub = op;
  }
  const llvm::MCRegisterInfo& ri = llvm.register_info();
  for (unsigned reg = 1; reg < ri.getNumRegs(); ++reg) {
    const std::string n = ri.getName(reg);
    if (n.size() >= 2 && n[0] == 'X' && n.find_first_not_of("0123456789", 1) == std::string::npos) {
      const int k = std::atoi(n.c_str() + 1);
      if (k >= 0 && k < 32) ids.x[k] = reg;
    }
  }
  return ids;
}

llvm::MCInst make(unsigned op, std::initializer_list<llvm::MCOperand> ops) {
  llvm::MCInst i;
  i.setOpcode(op);
  for (const auto& o : ops) i.addOperand(o);
  return i;
}

std::vector<llvm::MCInst> make_llvm_stream(const LlvmIds& id, const std::vector<Group>& groups) {
  using llvm::MCOperand;
  auto R = [&](uint8_t r) { return MCOperand::createReg(id.x[r]); };
  auto I = [](int64_t v) { return MCOperand::createImm(v); };
  std::vector<llvm::MCInst> v;
  for (const Group& x : groups) {
    v.push_back(make(id.add, {R(x.r[0]), R(x.r[1]), R(x.r[2])}));
    v.push_back(make(id.addi, {R(x.r[3]), R(x.r[0]), I(x.imm[0])}));
    v.push_back(make(id.ld, {R(x.r[4]), R(x.r[1]), I(x.imm[1] & ~7)}));
    v.push_back(make(id.sd, {R(x.r[5]), R(x.r[2]), I(x.imm[2] & ~7)}));
    v.push_back(make(id.xori, {R(x.r[1]), R(x.r[3]), I(x.imm[0])}));
    v.push_back(make(id.slli, {R(x.r[2]), R(x.r[4]), I(x.sh)}));
    v.push_back(make(id.lui, {R(x.r[0]), I(x.hi20)}));
    v.push_back(make(id.sub, {R(x.r[5]), R(x.r[0]), R(x.r[1])}));
  }
  return v;
}

void BM_LlvmMc_StraightLine(benchmark::State& state) {
  test::LlvmMcOracle llvm("+m");
  const std::vector<Group> groups = make_groups();
  const std::vector<llvm::MCInst> insts = make_llvm_stream(lookup(llvm), groups);
  llvm::MCCodeEmitter& emitter = llvm.code_emitter();
  const llvm::MCSubtargetInfo& sti = llvm.subtarget();
  const size_t reps = static_cast<size_t>(state.range(0) / kSmall);
  llvm::SmallVector<char, 0> out;
  llvm::SmallVector<llvm::MCFixup, 4> fixups;
  auto run = [&](llvm::SmallVector<char, 0>& o) {
    for (size_t k = 0; k < reps; ++k) {
      for (const llvm::MCInst& i : insts) emitter.encodeInstruction(i, o, fixups, sti);
    }
    benchmark::DoNotOptimize(o.data());
    benchmark::ClobberMemory();
  };
  if (reps == 1) {
    out.reserve(insts.size() * 4);
    for (auto _ : state) {
      out.clear();
      run(out);
    }
  } else {
    for (auto _ : state) {
      out = llvm::SmallVector<char, 0>();  // grows from empty, like the fresh Assembler
      run(out);
    }
    out.resize(insts.size() * 4);  // the first block, for the check below
  }
  // Same bytes as rvjit, or the comparison is meaningless.
  Assembler a;
  for (const Group& x : groups) emit_group(a, x);
  if (out.size() != a.offset() || std::memcmp(out.data(), a.buffer().data(), a.offset()) != 0) {
    state.SkipWithError("LLVM and rvjit encodings differ");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * reps * insts.size()));
}
BENCHMARK(BM_LlvmMc_StraightLine)->ArgName("insts")->Arg(kSmall)->Arg(kLarge);

// A function of 256 blocks. Each block: a label, ALU work, a load and a store, an li
// (small / 32-bit / 64-bit in turn), a forward conditional branch to the next-but-one
// block, and every 8th block a backward loop branch. Every 64th block carries a 5 KiB
// stretch of straight-line code, so some branches need relaxation.
void build_function(Assembler& a, const std::vector<Group>& groups) {
  constexpr size_t kBlocks = 256;
  Label blocks[kBlocks + 2];
  for (Label& l : blocks) l = a.new_label();
  for (size_t b = 0; b < kBlocks; ++b) {
    const Group& x = groups[b % groups.size()];
    const Gp r0{x.r[0]}, r1{x.r[1]}, r2{x.r[2]}, r3{x.r[3]};
    a.bind(blocks[b]);
    a.add(r0, r1, r2);
    a.addi(r3, r0, x.imm[0]);
    a.ld(r1, r2, x.imm[1] & ~7);
    a.sd(r3, r0, x.imm[2] & ~7);
    switch (b % 3) {
      case 0: a.li(r2, x.imm[0]); break;
      case 1: a.li(r2, static_cast<int32_t>(x.hi20 << 12) + x.imm[1]); break;
      default: a.li(r2, static_cast<int64_t>(0x1234567800000000ull ^ (uint64_t{x.hi20} << 20)) + x.imm[2]); break;
    }
    a.bne(r0, r2, blocks[b + 2]);
    if (b % 8 == 7) a.blt(r1, r3, blocks[b - 7]);
    if (b % 64 == 0) {
      for (int k = 0; k < 160; ++k) emit_group(a, groups[k]);  // 5 KiB
    }
  }
  a.bind(blocks[kBlocks]);
  a.bind(blocks[kBlocks + 1]);
  a.ret();
}

void BM_Rvjit_FullAssembler(benchmark::State& state) {
  const std::vector<Group> groups = make_groups();
  Assembler a;
  size_t words = 0;
  for (auto _ : state) {
    a.reset();
    build_function(a, groups);
    auto r = a.finalize();
    if (!r.ok()) {
      state.SkipWithError(r.error().to_string().c_str());
      break;
    }
    words = r->code.size() / 4;
    benchmark::DoNotOptimize(r->code.data());
  }
  state.counters["insts_per_function"] = static_cast<double>(words);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * words));
}
BENCHMARK(BM_Rvjit_FullAssembler);

}  // namespace

BENCHMARK_MAIN();
