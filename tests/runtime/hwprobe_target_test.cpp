// jit_target_from_hwprobe(): the JitTarget (rvjit/jit/target.h) a VM passes to
// Assembler::set_target so that it emits C, Zba, Zbb, Zbs, Zicond, Zfa and Zcb forms only
// where the harts have them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "rvjit/jit/assembler.h"
#include "rvjit/jit/target.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/hwprobe.h"

namespace {

using namespace rvjit;

std::string describe(JitTarget t) {
  std::string s;
  for (unsigned i = 0; i < kTargetExtCount; ++i) {
    const auto e = static_cast<TargetExt>(i);
    if (t.has(e)) s += std::string(s.empty() ? "" : " ") + target_ext_name(e);
  }
  return s.empty() ? "(baseline only)" : s;
}

TEST(HwprobeTarget, MapsEachReportedExtension) {
  IsaExtensions isa;
  EXPECT_EQ(jit_target_from(isa), JitTarget::base()) << "nothing probed: baseline";
  isa.probed = true;
  EXPECT_EQ(jit_target_from(isa), JitTarget::base());
  struct {
    bool IsaExtensions::*field;
    TargetExt ext;
  } const map[] = {{&IsaExtensions::c, TargetExt::kC},           {&IsaExtensions::zba, TargetExt::kZba},
                   {&IsaExtensions::zbb, TargetExt::kZbb},       {&IsaExtensions::zbs, TargetExt::kZbs},
                   {&IsaExtensions::zicond, TargetExt::kZicond}, {&IsaExtensions::zfa, TargetExt::kZfa},
                   {&IsaExtensions::zcb, TargetExt::kZcb}};
  for (const auto& m : map) {
    IsaExtensions one;
    one.probed = true;
    one.*m.field = true;
    EXPECT_EQ(jit_target_from(one), JitTarget{m.ext}) << target_ext_name(m.ext);
    isa.*m.field = true;
  }
  EXPECT_EQ(jit_target_from(isa), JitTarget::all());
  // Extensions the Assembler has no instructions for change nothing.
  IsaExtensions other;
  other.probed = true;
  other.v = other.zbc = other.zicboz = other.zacas = other.zawrs = other.zca = other.ztso = true;
  EXPECT_EQ(jit_target_from(other), JitTarget::base());
}

// Under qemu-riscv64 10.0 (the rv64 preset's ctest) the probe reports C, Zba, Zbb, Zbs,
// Zicond and Zfa (no Zcb); on hardware whatever the harts have. Either way the target must
// say exactly what isa_extensions() says.
TEST(HwprobeTarget, MatchesIsaExtensions) {
  const IsaExtensions& isa = isa_extensions();
  const JitTarget t = jit_target_from_hwprobe();
  std::printf("hwprobe target: %s\n", describe(t).c_str());
#if defined(__riscv)
  ASSERT_TRUE(isa.probed) << "riscv_hwprobe failed: errno " << isa.error_number;
  EXPECT_TRUE(t.has(TargetExt::kC)) << "the test binary itself is rv64gc";
#else
  EXPECT_EQ(t, JitTarget::base()) << "the host build probes nothing";
#endif
  EXPECT_EQ(t.has(TargetExt::kC), isa.c);
  EXPECT_EQ(t.has(TargetExt::kZba), isa.zba);
  EXPECT_EQ(t.has(TargetExt::kZbb), isa.zbb);
  EXPECT_EQ(t.has(TargetExt::kZbs), isa.zbs);
  EXPECT_EQ(t.has(TargetExt::kZicond), isa.zicond);
  EXPECT_EQ(t.has(TargetExt::kZfa), isa.zfa);
  EXPECT_EQ(t.has(TargetExt::kZcb), isa.zcb);
  EXPECT_EQ(t, jit_target_from(isa));
}

// f(a, b) = ((max(a, b) << 2) + b, zeroed when b == 0) | 1 << 40, plus 1 -- with each step
// in its extension's form where the target has it and in base RV64 otherwise, the way a
// VM's code generator uses a target.
AssembledCode pick_forms(JitTarget target, bool* used_extension) {
  using namespace reg;
  Assembler a;
  a.set_target(target);
  a.set_auto_compress(true);  // only takes effect with C
  *used_extension = false;
  auto has = [&](TargetExt e) {
    const bool h = target.has(e);
    *used_extension |= h;
    return h;
  };
  if (has(TargetExt::kZbb)) {
    a.max(a2, a0, a1);
  } else {
    Label done = a.new_label();
    a.mv(a2, a0);
    a.bge(a0, a1, done);
    a.mv(a2, a1);
    a.bind(done);
  }
  if (has(TargetExt::kZba)) {
    a.sh2add(a0, a2, a1);
  } else {
    a.slli(t0, a2, 2);
    a.add(a0, t0, a1);
  }
  if (has(TargetExt::kZicond)) {
    a.czero_eqz(a0, a0, a1);
  } else {
    Label nonzero = a.new_label();
    a.bnez(a1, nonzero);
    a.li(a0, 0);
    a.bind(nonzero);
  }
  if (has(TargetExt::kZbs)) {
    a.bseti(a0, a0, 40);
  } else {
    a.li(t0, 1);
    a.slli(t0, t0, 40);
    a.or_(a0, a0, t0);
  }
  if (has(TargetExt::kZfa)) {
    a.fli_d(ft0, 16);  // 1.0
  } else {
    a.li(t0, 1);
    a.fcvt_d_l(ft0, t0);
  }
  a.fcvt_l_d(t0, ft0, RoundingMode::kRtz);
  a.add(a0, a0, t0);
  if (target.has(TargetExt::kZcb) && target.has(TargetExt::kC)) {
    a.c_not(a0);  // twice: no change, but the Zcb encoding runs
    a.c_not(a0);
  }
  a.ret();
  auto code = a.finalize();
  EXPECT_TRUE(code.ok()) << code.error().to_string();
  return code.ok() ? *code : AssembledCode{};
}

int64_t expected(int64_t x, int64_t y) {
  int64_t r = static_cast<int64_t>((static_cast<uint64_t>(x > y ? x : y) << 2) + static_cast<uint64_t>(y));
  if (y == 0) r = 0;
  return (r | (int64_t{1} << 40)) + 1;
}

#if defined(__riscv)
TEST(HwprobeTarget, CodeForTheProbedTargetRuns) {
  const JitTarget probed = jit_target_from_hwprobe();
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  bool used = false, unused = false;
  auto fast = (*cache)->install(pick_forms(probed, &used), "probed_forms");
  auto base = (*cache)->install(pick_forms(JitTarget::base(), &unused), "base_forms");
  ASSERT_TRUE(fast.ok()) << fast.error().to_string();
  ASSERT_TRUE(base.ok()) << base.error().to_string();
  if (used) EXPECT_LT(fast->size, base->size) << "extension forms are shorter here";
  using Fn = int64_t (*)(int64_t, int64_t);
  const int64_t values[] = {0, 1, -1, 7, -300, 1000000, INT32_MIN, 123456789012};
  for (int64_t x : values)
    for (int64_t y : values) {
      EXPECT_EQ(fast->as<Fn>()(x, y), expected(x, y)) << x << ", " << y;
      EXPECT_EQ(base->as<Fn>()(x, y), expected(x, y)) << x << ", " << y;
    }
}

TEST(HwprobeTarget, ExtensionsTheHartLacksAreRejected) {
  const JitTarget probed = jit_target_from_hwprobe();
  Assembler a;
  a.set_target(probed);
  a.sh1add(reg::a0, reg::a1, reg::a2);
  a.czero_eqz(reg::a0, reg::a1, reg::a2);
  a.c_addi(reg::a0, 1);
  a.andn(reg::a0, reg::a1, reg::a2);
  const bool all = probed.has(TargetExt::kZba) && probed.has(TargetExt::kZicond) &&
                   probed.has(TargetExt::kC) && probed.has(TargetExt::kZbb);
  EXPECT_EQ(a.has_error(), !all) << a.error().to_string();
  if (a.has_error()) EXPECT_EQ(a.error().code(), ErrorCode::kUnsupported);
}
#endif

}  // namespace
