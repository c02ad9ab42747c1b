// Relaxed code, li (base RV64I and with Zba/Zbb/Zbs steps), the literal pool and
// relocations, executed (RV64 only, under qemu-riscv64 in ctest). Code goes to an
// anonymous RW mapping, relocations are applied for its address, then the mapping becomes
// RX (never W and X at once) and this thread runs fence.i before calling it.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <vector>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/icache.h"

namespace rvjit {
namespace {

class ExecCode {
 public:
  // `near` is a placement hint (so that two pieces of code end up within auipc reach).
  explicit ExecCode(const AssembledCode& c, void* near = nullptr) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = (c.code.size() + page - 1) / page * page;
    void* m = mmap(near, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    mem_ = static_cast<uint8_t*>(m);
    std::memcpy(mem_, c.code.data(), c.code.size());
    reloc_ = apply_relocations(mem_, reinterpret_cast<uint64_t>(mem_), c);
    if (mprotect(mem_, size_, PROT_READ | PROT_EXEC) != 0) {
      munmap(mem_, size_);
      mem_ = nullptr;
      return;
    }
    local_fence_i();  // only this thread runs the code
  }
  ~ExecCode() { if (mem_) munmap(mem_, size_); }
  bool ok() const { return mem_ != nullptr && reloc_.ok(); }
  const Error& reloc_error() const { return reloc_; }
  template <class Fn> Fn entry(int64_t offset = 0) const { return reinterpret_cast<Fn>(mem_ + offset); }
  uint64_t address(int64_t offset) const { return reinterpret_cast<uint64_t>(mem_) + offset; }
  void* end() const { return mem_ + size_; }

 private:
  uint8_t* mem_ = nullptr;
  size_t size_ = 0;
  Error reloc_;
};

using Fn1 = int64_t (*)(int64_t);

AssembledCode finalize_or_fail(Assembler& a) {
  auto r = a.finalize();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : AssembledCode{};
}

void nops(Assembler& a, size_t bytes) {
  for (size_t i = 0; i < bytes / 4; ++i) a.nop();
}

// f(x) = x == 0 ? 2 : 1, with the taken path `distance` bytes of nops away.
void run_branch_over(size_t distance, bool backward) {
  Assembler a;
  Label taken = a.new_label(), entry = a.new_label();
  if (backward) {
    a.j(entry);
    a.bind(taken);
    a.li(reg::a0, 2);
    a.ret();
    nops(a, distance);
    a.bind(entry);
    a.beqz(reg::a0, taken);
    a.li(reg::a0, 1);
    a.ret();
  } else {
    a.bind(entry);
    a.beqz(reg::a0, taken);
    a.li(reg::a0, 1);
    a.ret();
    nops(a, distance);
    a.bind(taken);
    a.li(reg::a0, 2);
    a.ret();
  }
  AssembledCode c = finalize_or_fail(a);
  ExecCode x(c);
  ASSERT_TRUE(x.ok()) << x.reloc_error().to_string();
  auto f = x.entry<Fn1>(0);
  EXPECT_EQ(f(0), 2) << distance << (backward ? " backward" : " forward");
  EXPECT_EQ(f(5), 1) << distance << (backward ? " backward" : " forward");
}

TEST(AssemblerExec, BranchesOverMoreThan4KiB) {
  run_branch_over(8192, false);
  run_branch_over(8192, true);
}

TEST(AssemblerExec, BranchesOverMoreThan1MiB) {
  run_branch_over((1u << 20) + 64, false);
  run_branch_over((1u << 20) + 64, true);
}

TEST(AssemblerExec, JalAndCallOverMoreThan1MiB) {
  // entry: save ra; call sub (far); a0 += 1; restore; j done (far back); ...
  Assembler a;
  Label sub = a.new_label(), done = a.new_label();
  a.mv(reg::t2, reg::ra);
  a.call(sub);
  a.addi(reg::a0, reg::a0, 1);
  a.mv(reg::ra, reg::t2);
  a.bind(done);
  a.ret();
  nops(a, (1u << 20) + 64);
  a.bind(sub);
  a.addi(reg::a0, reg::a0, 100);
  a.ret();
  AssembledCode c = finalize_or_fail(a);
  ASSERT_GT(c.code.size(), 1u << 20);
  ExecCode x(c);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.entry<Fn1>()(5), 106);
}

// Which li steps of an extension a word is (0 when none): slli.uw, add.uw, sh1/2/3add
// (Zba), rori (Zbb), bseti, bclri (Zbs). Counted so the test knows they really ran.
enum ExtStep { kNoExtStep, kSlliUw, kAddUw, kShNadd, kRori, kBseti, kBclri, kExtStepCount };
ExtStep ext_step(uint32_t w) {
  const unsigned opc = w & 0x7f, f3 = (w >> 12) & 7, top6 = w >> 26, f7 = w >> 25;
  if (opc == 0x1b && f3 == 1 && top6 == 0x02) return kSlliUw;
  if (opc == 0x3b && f3 == 0 && f7 == 0x04) return kAddUw;
  if (opc == 0x33 && f7 == 0x10 && (f3 == 2 || f3 == 4 || f3 == 6)) return kShNadd;
  if (opc == 0x13 && f3 == 5 && top6 == 0x18) return kRori;
  if (opc == 0x13 && f3 == 1 && top6 == 0x0a) return kBseti;
  if (opc == 0x13 && f3 == 1 && top6 == 0x12) return kBclri;
  return kNoExtStep;
}

// Constants for li: edge values, single bits and their complements, shifted patterns,
// random ones, and the shapes the Zba/Zbb/Zbs sequences are for (rotated small and
// 32-bit values, 32-bit values with high bits set or cleared, zero-extended and shifted
// unsigned 32-bit values, multiples of 3, 5 and 9).
std::vector<int64_t> li_constants() {
  std::vector<int64_t> values = {0, 1, -1, 2047, -2048, 2048, 0x7fffffff, INT32_MIN,
                                 0x80000000ll, 0xffffffffll, INT64_MAX, INT64_MIN,
                                 0x123456789abcdef0ll, 0x800, 0x123456789, 0xfffff800,
                                 0xfffff12300000, 0x123456789 * 3,
                                 static_cast<int64_t>(0xff0000000000000full)};
  for (int k = 0; k < 64; ++k) {
    values.push_back(static_cast<int64_t>(uint64_t{1} << k));
    values.push_back(static_cast<int64_t>(~(uint64_t{1} << k)));
    values.push_back(static_cast<int64_t>((0x9e3779b97f4a7c15ull >> k) << k));
  }
  uint64_t s = 0x243f6a8885a308d3ull;
  for (int i = 0; i < 800; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    values.push_back(static_cast<int64_t>(s));
    values.push_back(static_cast<int64_t>(s >> (s & 63)));
    const int r = static_cast<int>(s & 63), t = static_cast<int>((s >> 6) & 63);
    const uint64_t small = static_cast<uint64_t>(static_cast<int64_t>(s >> 20) >> 52);
    const uint64_t w32 = static_cast<uint64_t>(static_cast<int32_t>(s >> 12));
    values.push_back(static_cast<int64_t>(std::rotr(small, r)));
    values.push_back(static_cast<int64_t>(std::rotr(w32, r)));
    values.push_back(static_cast<int64_t>(w32 ^ (uint64_t{1} << r) ^ (uint64_t{1} << t)));
    values.push_back(static_cast<int64_t>((~uint64_t{0} >> (r | 1)) ^ (uint64_t{1} << t)));
    values.push_back(static_cast<int64_t>(((w32 & 0xffffffff) << (r & 31)) + (small & 0x7ff)));
    values.push_back(static_cast<int64_t>(w32 & 0xffffffff));
    values.push_back(static_cast<int64_t>(w32 * (1 + (uint64_t{1} << (1 + s % 3)))));
  }
  return values;
}

// li of every constant for one target, run: the sequences with the target's Zba/Zbb/Zbs
// steps (qemu-riscv64 implements all three) give the constants back.
void run_li_constants(JitTarget target, const char* name) {
  SCOPED_TRACE(name);
  const std::vector<int64_t> values = li_constants();
  // void f(int64_t* out): out[i] = values[i], one li + sd + addi per value.
  Assembler a;
  a.set_target(target);
  for (int64_t v : values) {
    a.li(reg::t0, v);
    a.sd(reg::t0, reg::a0, 0);
    a.addi(reg::a0, reg::a0, 8);
  }
  a.ret();
  AssembledCode c = finalize_or_fail(a);
  unsigned steps[kExtStepCount] = {};
  for (size_t at = 0; at + 4 <= c.code.size(); at += 4) {
    uint32_t w;
    std::memcpy(&w, c.code.data() + at, 4);
    ++steps[ext_step(w)];
  }
  // Each extension step li may use for this target is among the code that runs below,
  // and none of another extension.
  const bool zba = target.has(TargetExt::kZba), zbb = target.has(TargetExt::kZbb),
             zbs = target.has(TargetExt::kZbs);
  EXPECT_EQ(steps[kSlliUw] > 0, zba);
  EXPECT_EQ(steps[kAddUw] > 0, zba);
  EXPECT_EQ(steps[kShNadd] > 0, zba);
  EXPECT_EQ(steps[kRori] > 0, zbb);
  EXPECT_EQ(steps[kBseti] > 0, zbs);
  EXPECT_EQ(steps[kBclri] > 0, zbs);
  ExecCode x(c);
  ASSERT_TRUE(x.ok());
  std::vector<int64_t> out(values.size(), 0x5a5a5a5a);
  x.entry<void (*)(int64_t*)>()(out.data());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(out[i], values[i]) << i;
}

TEST(AssemblerExec, LiOfManyConstantsGivesThemBack) {
  using E = TargetExt;
  run_li_constants(JitTarget::base(), "base RV64I");
  run_li_constants(JitTarget{E::kZba}, "Zba");
  run_li_constants(JitTarget{E::kZbb}, "Zbb");
  run_li_constants(JitTarget{E::kZbs}, "Zbs");
  run_li_constants(JitTarget{E::kZba, E::kZbb, E::kZbs}, "Zba+Zbb+Zbs");
}

int64_t host_add7(int64_t x) { return x + 7; }

TEST(AssemblerExec, PoolLaAndAbsoluteCalls) {
  Assembler a;
  Label table_fn = a.new_label(), near_fn = a.new_label();
  // f(x): calls host_add7 through the pool (far), then a routine in this code through a
  // near absolute call (a kPcrelHi20Lo12 relocation), then through a pool address slot.
  a.addi(reg::sp, reg::sp, -16);
  a.sd(reg::ra, reg::sp, 8);
  a.call_abs(reinterpret_cast<uint64_t>(&host_add7), Assembler::Reach::kFar);  // x + 7
  a.ld_label(reg::t3, a.pool_address(table_fn));
  a.jalr(reg::ra, reg::t3, 0);                                                  // * 2
  a.li_pool(reg::t4, 0x100000000ll);
  a.add(reg::a0, reg::a0, reg::t4);                                             // + 2^32
  a.la(reg::t5, near_fn);
  a.jalr(reg::ra, reg::t5, 0);                                                  // - 3
  a.ld(reg::ra, reg::sp, 8);
  a.addi(reg::sp, reg::sp, 16);
  a.ret();
  a.bind(table_fn);
  a.add(reg::a0, reg::a0, reg::a0);
  a.ret();
  a.align(16);
  a.bind(near_fn);
  a.addi(reg::a0, reg::a0, -3);
  a.ret();
  AssembledCode c = finalize_or_fail(a);
  ExecCode x(c);
  ASSERT_TRUE(x.ok()) << x.reloc_error().to_string();
  EXPECT_EQ(x.entry<Fn1>()(10), (10 + 7) * 2 + 0x100000000ll - 3);

  // A second piece of code calls near_fn of the first by absolute address (near form).
  Assembler b;
  b.tail_abs(x.address(a.label_offset(near_fn)));
  AssembledCode cb = finalize_or_fail(b);
  ASSERT_EQ(cb.relocations.size(), 1u);
  ExecCode y(cb, x.end());
  ASSERT_TRUE(y.ok()) << y.reloc_error().to_string();
  EXPECT_EQ(y.entry<Fn1>()(50), 47);
}

}  // namespace
}  // namespace rvjit
