// Zcb auto-compression executed on RV64 (qemu-riscv64 under ctest). The differential test
// proves the compressed bytes are LLVM's; this proves they compute what the 4-byte
// instructions compute. Every base instruction that auto-compression turns into a Zcb form
// (lbu/lhu/lh/sb/sh at every Zcb offset, zext.b, not, sext.b, sext.h, zext.h, zext.w, mul
// in both source orders) runs with every combination of x8-x15 registers, assembled three
// ways: auto-compression with Zcb in the target (the body must be the 2-byte Zcb form),
// auto-compression without Zcb and no compression (both 4 bytes). All three must leave the
// same registers and memory as a C++ model of the instruction. A loop mixing Zcb forms,
// C forms and label branches then runs compressed and uncompressed over the same data.
//
// qemu-riscv64 10 runs Zcb with its default CPU (max): no -cpu option is needed; an
// emulator without Zcb would stop these tests with SIGILL.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "exec_page.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

using namespace reg;

using test::ExecPage;

// x8..x15 before and after the instruction, and the memory a load/store base points to.
struct State {
  int64_t x[8];
};
using StateFn = void(State*);

// How a variant is assembled: the target and whether auto-compression is requested.
struct Variant {
  const char* name;
  JitTarget target;
  bool compress;
  size_t body_size;  // bytes the instruction under test must take
};
const Variant kVariants[] = {
    {"zcb auto-compressed", JitTarget::all(), true, 2},
    {"c-only auto-compressed", JitTarget::all().without(TargetExt::kZcb), true, 4},
    {"uncompressed", JitTarget::all(), false, 4},
};

// One instruction applied to the model: the registers (indexed 0..7 for x8..x15) and the
// memory at the base register.
struct Case {
  std::string text;
  std::function<void(Assembler&)> emit;
  std::function<void(State&)> model;
  int base = -1;  // index of the register holding the buffer address, -1 for none
};

Gp creg(int i) { return Gp(static_cast<unsigned>(8 + i)); }
std::string name(int i) { return gp_name(creg(i)); }

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  // The model's memory is the real buffer: x[base] holds its address.
  auto mem = [](const State& s, int base, int64_t off) {
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(s.x[base])) + off;
  };
  for (int rd = 0; rd < 8; ++rd)
    for (int base = 0; base < 8; ++base) {
      const std::string r = name(rd), b = name(base);
      for (int64_t off = 0; off <= 3; ++off) {
        cases.push_back({"lbu " + r + ", " + std::to_string(off) + "(" + b + ")",
                         [=](Assembler& a) { a.lbu(creg(rd), creg(base), off); },
                         [=](State& s) { s.x[rd] = *mem(s, base, off); }, base});
        cases.push_back({"sb " + r + ", " + std::to_string(off) + "(" + b + ")",
                         [=](Assembler& a) { a.sb(creg(rd), creg(base), off); },
                         [=](State& s) { *mem(s, base, off) = uint8_t(s.x[rd]); }, base});
      }
      for (int64_t off = 0; off <= 2; off += 2) {
        cases.push_back({"lhu " + r + ", " + std::to_string(off) + "(" + b + ")",
                         [=](Assembler& a) { a.lhu(creg(rd), creg(base), off); },
                         [=](State& s) {
                           uint16_t h;
                           std::memcpy(&h, mem(s, base, off), 2);
                           s.x[rd] = h;
                         },
                         base});
        cases.push_back({"lh " + r + ", " + std::to_string(off) + "(" + b + ")",
                         [=](Assembler& a) { a.lh(creg(rd), creg(base), off); },
                         [=](State& s) {
                           int16_t h;
                           std::memcpy(&h, mem(s, base, off), 2);
                           s.x[rd] = h;
                         },
                         base});
        cases.push_back({"sh " + r + ", " + std::to_string(off) + "(" + b + ")",
                         [=](Assembler& a) { a.sh(creg(rd), creg(base), off); },
                         [=](State& s) {
                           const uint16_t h = uint16_t(s.x[rd]);
                           std::memcpy(mem(s, base, off), &h, 2);
                         },
                         base});
      }
      // mul rd, rd, rs2 and the commuted mul rd, rs1, rd: both become c.mul.
      const int rs = base;
      cases.push_back({"mul " + r + ", " + r + ", " + name(rs),
                       [=](Assembler& a) { a.mul(creg(rd), creg(rd), creg(rs)); },
                       [=](State& s) { s.x[rd] = int64_t(uint64_t(s.x[rd]) * uint64_t(s.x[rs])); }});
      cases.push_back({"mul " + r + ", " + name(rs) + ", " + r,
                       [=](Assembler& a) { a.mul(creg(rd), creg(rs), creg(rd)); },
                       [=](State& s) { s.x[rd] = int64_t(uint64_t(s.x[rs]) * uint64_t(s.x[rd])); }});
    }
  for (int rd = 0; rd < 8; ++rd) {
    const std::string r = name(rd);
    // op rd, rd: the pseudo-instruction as the base method (zext.b = andi 255, not = xori -1).
    auto unary = [&](const char* op, void (*f)(Assembler&, Gp), int64_t (*m)(int64_t)) {
      cases.push_back({std::string(op) + " " + r + ", " + r,
                       [=](Assembler& a) { f(a, creg(rd)); },
                       [=](State& s) { s.x[rd] = m(s.x[rd]); }});
    };
    unary("zext.b", [](Assembler& a, Gp g) { a.zext_b(g, g); },
          [](int64_t v) { return int64_t(uint8_t(v)); });
    unary("not", [](Assembler& a, Gp g) { a.not_(g, g); }, [](int64_t v) { return ~v; });
    unary("sext.b", [](Assembler& a, Gp g) { a.sext_b(g, g); },
          [](int64_t v) { return int64_t(int8_t(v)); });
    unary("sext.h", [](Assembler& a, Gp g) { a.sext_h(g, g); },
          [](int64_t v) { return int64_t(int16_t(v)); });
    unary("zext.h", [](Assembler& a, Gp g) { a.zext_h(g, g); },
          [](int64_t v) { return int64_t(uint16_t(v)); });
    unary("zext.w", [](Assembler& a, Gp g) { a.zext_w(g, g); },
          [](int64_t v) { return int64_t(uint32_t(v)); });
  }
  return cases;
}

// Load x8..x15 from *a0, run the body, store x8..x15 back (s0/s1 saved on the stack). The
// frame is assembled without compression so that only the body differs between variants;
// returns the body's offset and size through *body_at / *body_size.
std::vector<uint8_t> assemble(const Case& c, const Variant& v, size_t* body_at,
                              size_t* body_size, std::string* error) {
  Assembler a;
  a.set_target(v.target);
  a.addi(sp, sp, -32);
  a.sd(s0, sp, 0);
  a.sd(s1, sp, 8);
  a.sd(a0, sp, 16);
  a.mv(t0, a0);
  for (int i = 0; i < 8; ++i) a.ld(creg(i), t0, 8 * i);
  *body_at = a.offset();
  a.set_auto_compress(v.compress);
  c.emit(a);
  a.set_auto_compress(false);
  *body_size = a.offset() - *body_at;
  a.ld(t0, sp, 16);
  for (int i = 0; i < 8; ++i) a.sd(creg(i), t0, 8 * i);
  a.ld(s0, sp, 0);
  a.ld(s1, sp, 8);
  a.addi(sp, sp, 32);
  a.ret();
  if (a.has_error()) *error = a.error().to_string();
  return {a.buffer().data(), a.buffer().data() + a.offset()};
}

TEST(ZcbExec, EveryZcbFormComputesWhatTheUncompressedInstructionDoes) {
  ExecPage page;
  ASSERT_TRUE(page.ok());
  alignas(8) uint8_t buf[8];
  const std::vector<Case> cases = all_cases();
  std::mt19937_64 rng(0x2cb);
  size_t runs = 0, compressed = 0;
  constexpr int kInputsPerCase = 12;
  for (const Case& c : cases) {
    // The same inputs for every variant.
    std::vector<State> inputs(kInputsPerCase);
    std::vector<std::array<uint8_t, 8>> memory(kInputsPerCase);
    for (int i = 0; i < kInputsPerCase; ++i) {
      for (int64_t& x : inputs[i].x) {
        x = static_cast<int64_t>(rng());
        if (i % 3 == 0) x >>= rng() % 64;  // small and sign-boundary values too
      }
      if (c.base >= 0) inputs[i].x[c.base] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(buf));
      for (uint8_t& m : memory[i]) m = static_cast<uint8_t>(rng());
    }
    for (const Variant& v : kVariants) {
      size_t body_at = 0, body_size = 0;
      std::string error;
      const std::vector<uint8_t> code = assemble(c, v, &body_at, &body_size, &error);
      ASSERT_TRUE(error.empty()) << c.text << " (" << v.name << "): " << error;
      ASSERT_EQ(body_size, v.body_size) << c.text << " (" << v.name << ")";
      if (body_size == 2) ++compressed;
      auto* fn = page.load<StateFn>(code.data(), code.size());
      for (int i = 0; i < kInputsPerCase; ++i) {
        State want = inputs[i], got = inputs[i];
        std::memcpy(buf, memory[i].data(), 8);
        c.model(want);
        std::array<uint8_t, 8> want_mem;
        std::memcpy(want_mem.data(), buf, 8);
        std::memcpy(buf, memory[i].data(), 8);
        fn(&got);
        ++runs;
        for (int r = 0; r < 8; ++r)
          ASSERT_EQ(got.x[r], want.x[r]) << c.text << " (" << v.name << "): x" << 8 + r
                                         << " differs, input " << i;
        ASSERT_EQ(std::memcmp(buf, want_mem.data(), 8), 0)
            << c.text << " (" << v.name << "): memory differs, input " << i;
      }
    }
  }
  std::printf("zcb exec: %zu instructions x %zu variants, %zu Zcb-compressed bodies, %zu runs\n",
              cases.size(), std::size(kVariants), compressed, runs);
  EXPECT_EQ(compressed, cases.size());
}

// A loop over bytes and halfwords in x8-x15, so that auto-compression with Zcb shrinks
// most of it (c.lbu, c.mul, c.not, c.zext.b, c.sb, c.lh, c.sext.b, c.zext.h, c.sh, c.zext.w
// and the C forms) and the branches to labels cross 2-byte instructions:
//   for i in 0..n: out8[i] = zext.b(~(in8[i] * k));
//                  out16[i] = zext.h(sext.b(in16[i]) * k);  sum += out8[i] + out16[i]
//   return zext.w(sum)
using LoopFn = int64_t(const uint8_t* in8, uint8_t* out8, int64_t n, int64_t k,
                       const int16_t* in16, uint16_t* out16);

int64_t loop_model(const uint8_t* in8, uint8_t* out8, int64_t n, int64_t k, const int16_t* in16,
                   uint16_t* out16) {
  uint64_t sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    out8[i] = uint8_t(~(uint64_t(in8[i]) * uint64_t(k)));
    out16[i] = uint16_t(uint64_t(int64_t(int8_t(in16[i]))) * uint64_t(k));
    sum += out8[i] + uint64_t(out16[i]);
  }
  return int64_t(uint32_t(sum));
}

AssembledCode assemble_loop(const Variant& v) {
  Assembler a;
  a.set_target(v.target);
  a.set_auto_compress(v.compress);
  Label loop = a.new_label(), done = a.new_label();
  // a0 in8, a1 out8, a2 n, a3 k, a4 in16, a5 out16; s0 sum (saved), s1 scratch (saved).
  a.addi(sp, sp, -16);
  a.sd(s0, sp, 0);
  a.sd(s1, sp, 8);
  a.addi(s0, zero, 0);
  a.bind(loop);
  a.beqz(a2, done);
  a.lbu(s1, a0, 0);      // c.lbu
  a.mul(s1, s1, a3);     // c.mul
  a.not_(s1, s1);        // c.not
  a.zext_b(s1, s1);      // c.zext.b
  a.sb(s1, a1, 0);       // c.sb
  a.add(s0, s0, s1);     // c.add
  a.lh(s1, a4, 0);       // c.lh
  a.sext_b(s1, s1);      // c.sext.b
  a.mul(s1, a3, s1);     // c.mul (commuted)
  a.zext_h(s1, s1);      // c.zext.h
  a.sh(s1, a5, 0);       // c.sh
  a.lhu(s1, a5, 0);      // c.lhu (reads back what was stored)
  a.add(s0, s0, s1);
  a.addi(a0, a0, 1);
  a.addi(a1, a1, 1);
  a.addi(a4, a4, 2);
  a.addi(a5, a5, 2);
  a.addi(a2, a2, -1);
  a.j(loop);
  a.bind(done);
  a.zext_w(s0, s0);      // c.zext.w
  a.mv(a0, s0);
  a.ld(s0, sp, 0);
  a.ld(s1, sp, 8);
  a.addi(sp, sp, 16);
  a.ret();
  auto r = a.finalize();
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::move(r).value() : AssembledCode{};
}

TEST(ZcbExec, LoopRunsTheSameCompressedAndUncompressed) {
  ExecPage page;
  ASSERT_TRUE(page.ok());
  std::mt19937_64 rng(0x100b);
  constexpr int64_t kN = 300;
  std::vector<uint8_t> in8(kN);
  std::vector<int16_t> in16(kN);
  for (auto& b : in8) b = static_cast<uint8_t>(rng());
  for (auto& h : in16) h = static_cast<int16_t>(rng());
  size_t sizes[std::size(kVariants)];
  for (size_t vi = 0; vi < std::size(kVariants); ++vi) {
    const Variant& v = kVariants[vi];
    const AssembledCode code = assemble_loop(v);
    ASSERT_FALSE(code.code.empty()) << v.name;
    ASSERT_TRUE(code.relocations.empty()) << v.name;  // labels only: runs where it is copied
    sizes[vi] = code.code.size();
    auto* fn = page.load<LoopFn>(code.code.data(), code.code.size());
    for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{77}, int64_t{-12345},
                      int64_t(rng()), int64_t(rng())}) {
      std::vector<uint8_t> out8(kN, 0xee), want8(kN, 0xee);
      std::vector<uint16_t> out16(kN, 0xeeee), want16(kN, 0xeeee);
      const int64_t want = loop_model(in8.data(), want8.data(), kN, k, in16.data(), want16.data());
      const int64_t got = fn(in8.data(), out8.data(), kN, k, in16.data(), out16.data());
      EXPECT_EQ(got, want) << v.name << " k=" << k;
      EXPECT_EQ(out8, want8) << v.name << " k=" << k;
      EXPECT_EQ(out16, want16) << v.name << " k=" << k;
    }
  }
  std::printf("zcb exec loop: %zu bytes with Zcb, %zu with C only, %zu uncompressed\n", sizes[0],
              sizes[1], sizes[2]);
  // 12 Zcb instructions in the program: each saves 2 bytes over C alone.
  EXPECT_EQ(sizes[1] - sizes[0], 2u * 12);
  EXPECT_LT(sizes[1], sizes[2]);
}

}  // namespace
}  // namespace rvjit
