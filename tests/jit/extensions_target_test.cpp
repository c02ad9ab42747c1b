// JitTarget (rvjit/jit/target.h): every method of an optional extension's mixin checks
// that its extension is in the Assembler's target; a rejected instruction is the sticky
// error kUnsupported naming the instruction and the extension, and emits nothing. The
// default target (all extensions) behaves exactly as before targets existed.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "rvjit/jit/assembler.h"
#include "rvjit/jit/target.h"

namespace {
using rvjit::Assembler;
using rvjit::ErrorCode;
using rvjit::Gp;
using rvjit::JitTarget;
using rvjit::TargetExt;
namespace reg = rvjit::reg;

static_assert(JitTarget().bits() == 0);
static_assert(JitTarget::base() == JitTarget());
static_assert(JitTarget::all().has(TargetExt::kC) && JitTarget::all().has(TargetExt::kZcb));
static_assert(!JitTarget::all().without(TargetExt::kZba).has(TargetExt::kZba));
static_assert(JitTarget::base().with(TargetExt::kZicond).bits() == 1u << 4);
static_assert(JitTarget{TargetExt::kZba, TargetExt::kZbb} ==
              JitTarget::base().with(TargetExt::kZba).with(TargetExt::kZbb));
static_assert(JitTarget::from_bits(0xffffffffu) == JitTarget::all());

struct Case {
  const char* insn;  // the name the error must start with
  TargetExt ext;     // the extension that must be named
  std::function<void(Assembler&)> emit;
};

// One call of every method of every optional extension's mixin, with legal operands.
std::vector<Case> every_optional_method() {
  using namespace reg;
  const Gp s0 = reg::s0, s1 = reg::s1;
  const auto Zba = TargetExt::kZba, Zbb = TargetExt::kZbb, Zbs = TargetExt::kZbs,
             Zicond = TargetExt::kZicond, Zfa = TargetExt::kZfa, C = TargetExt::kC,
             Zcb = TargetExt::kZcb;
  return {
      {"add.uw", Zba, [](Assembler& a) { a.add_uw(a0, a1, a2); }},
      {"sh1add", Zba, [](Assembler& a) { a.sh1add(a0, a1, a2); }},
      {"sh2add", Zba, [](Assembler& a) { a.sh2add(a0, a1, a2); }},
      {"sh3add", Zba, [](Assembler& a) { a.sh3add(a0, a1, a2); }},
      {"sh1add.uw", Zba, [](Assembler& a) { a.sh1add_uw(a0, a1, a2); }},
      {"sh2add.uw", Zba, [](Assembler& a) { a.sh2add_uw(a0, a1, a2); }},
      {"sh3add.uw", Zba, [](Assembler& a) { a.sh3add_uw(a0, a1, a2); }},
      {"slli.uw", Zba, [](Assembler& a) { a.slli_uw(a0, a1, 3); }},
      {"zext.w", Zba, [](Assembler& a) { a.zext_w(a0, a1); }},
      {"andn", Zbb, [](Assembler& a) { a.andn(a0, a1, a2); }},
      {"orn", Zbb, [](Assembler& a) { a.orn(a0, a1, a2); }},
      {"xnor", Zbb, [](Assembler& a) { a.xnor(a0, a1, a2); }},
      {"max", Zbb, [](Assembler& a) { a.max(a0, a1, a2); }},
      {"maxu", Zbb, [](Assembler& a) { a.maxu(a0, a1, a2); }},
      {"min", Zbb, [](Assembler& a) { a.min(a0, a1, a2); }},
      {"minu", Zbb, [](Assembler& a) { a.minu(a0, a1, a2); }},
      {"rol", Zbb, [](Assembler& a) { a.rol(a0, a1, a2); }},
      {"ror", Zbb, [](Assembler& a) { a.ror(a0, a1, a2); }},
      {"rolw", Zbb, [](Assembler& a) { a.rolw(a0, a1, a2); }},
      {"rorw", Zbb, [](Assembler& a) { a.rorw(a0, a1, a2); }},
      {"clz", Zbb, [](Assembler& a) { a.clz(a0, a1); }},
      {"ctz", Zbb, [](Assembler& a) { a.ctz(a0, a1); }},
      {"cpop", Zbb, [](Assembler& a) { a.cpop(a0, a1); }},
      {"clzw", Zbb, [](Assembler& a) { a.clzw(a0, a1); }},
      {"ctzw", Zbb, [](Assembler& a) { a.ctzw(a0, a1); }},
      {"cpopw", Zbb, [](Assembler& a) { a.cpopw(a0, a1); }},
      {"sext.b", Zbb, [](Assembler& a) { a.sext_b(a0, a1); }},
      {"sext.h", Zbb, [](Assembler& a) { a.sext_h(a0, a1); }},
      {"zext.h", Zbb, [](Assembler& a) { a.zext_h(a0, a1); }},
      {"orc.b", Zbb, [](Assembler& a) { a.orc_b(a0, a1); }},
      {"rev8", Zbb, [](Assembler& a) { a.rev8(a0, a1); }},
      {"rori", Zbb, [](Assembler& a) { a.rori(a0, a1, 7); }},
      {"roriw", Zbb, [](Assembler& a) { a.roriw(a0, a1, 7); }},
      {"bclr", Zbs, [](Assembler& a) { a.bclr(a0, a1, a2); }},
      {"bext", Zbs, [](Assembler& a) { a.bext(a0, a1, a2); }},
      {"binv", Zbs, [](Assembler& a) { a.binv(a0, a1, a2); }},
      {"bset", Zbs, [](Assembler& a) { a.bset(a0, a1, a2); }},
      {"bclri", Zbs, [](Assembler& a) { a.bclri(a0, a1, 5); }},
      {"bexti", Zbs, [](Assembler& a) { a.bexti(a0, a1, 5); }},
      {"binvi", Zbs, [](Assembler& a) { a.binvi(a0, a1, 5); }},
      {"bseti", Zbs, [](Assembler& a) { a.bseti(a0, a1, 5); }},
      {"czero.eqz", Zicond, [](Assembler& a) { a.czero_eqz(a0, a1, a2); }},
      {"czero.nez", Zicond, [](Assembler& a) { a.czero_nez(a0, a1, a2); }},
      {"fli.s", Zfa, [](Assembler& a) { a.fli_s(fa0, 16); }},
      {"fli.d", Zfa, [](Assembler& a) { a.fli_d(fa0, 16); }},
      {"fminm.s", Zfa, [](Assembler& a) { a.fminm_s(fa0, fa1, fa2); }},
      {"fmaxm.s", Zfa, [](Assembler& a) { a.fmaxm_s(fa0, fa1, fa2); }},
      {"fminm.d", Zfa, [](Assembler& a) { a.fminm_d(fa0, fa1, fa2); }},
      {"fmaxm.d", Zfa, [](Assembler& a) { a.fmaxm_d(fa0, fa1, fa2); }},
      {"fround.s", Zfa, [](Assembler& a) { a.fround_s(fa0, fa1); }},
      {"froundnx.s", Zfa, [](Assembler& a) { a.froundnx_s(fa0, fa1); }},
      {"fround.d", Zfa, [](Assembler& a) { a.fround_d(fa0, fa1); }},
      {"froundnx.d", Zfa, [](Assembler& a) { a.froundnx_d(fa0, fa1); }},
      {"fcvtmod.w.d", Zfa, [](Assembler& a) { a.fcvtmod_w_d(a0, fa1); }},
      {"fleq.s", Zfa, [](Assembler& a) { a.fleq_s(a0, fa1, fa2); }},
      {"fltq.s", Zfa, [](Assembler& a) { a.fltq_s(a0, fa1, fa2); }},
      {"fleq.d", Zfa, [](Assembler& a) { a.fleq_d(a0, fa1, fa2); }},
      {"fltq.d", Zfa, [](Assembler& a) { a.fltq_d(a0, fa1, fa2); }},
      {"c.addi4spn", C, [s0](Assembler& a) { a.c_addi4spn(s0, 16); }},
      {"c.fld", C, [s0](Assembler& a) { a.c_fld(fs0, s0, 8); }},
      {"c.lw", C, [s0](Assembler& a) { a.c_lw(s0, s0, 4); }},
      {"c.ld", C, [s0](Assembler& a) { a.c_ld(s0, s0, 8); }},
      {"c.fsd", C, [s0](Assembler& a) { a.c_fsd(fs0, s0, 8); }},
      {"c.sw", C, [s0](Assembler& a) { a.c_sw(s0, s0, 4); }},
      {"c.sd", C, [s0](Assembler& a) { a.c_sd(s0, s0, 8); }},
      {"c.nop", C, [](Assembler& a) { a.c_nop(); }},
      {"c.unimp", C, [](Assembler& a) { a.c_unimp(); }},
      {"c.addi", C, [](Assembler& a) { a.c_addi(a0, 1); }},
      {"c.addiw", C, [](Assembler& a) { a.c_addiw(a0, 1); }},
      {"c.li", C, [](Assembler& a) { a.c_li(a0, 1); }},
      {"c.addi16sp", C, [](Assembler& a) { a.c_addi16sp(16); }},
      {"c.lui", C, [](Assembler& a) { a.c_lui(a0, 1); }},
      {"c.srli", C, [s0](Assembler& a) { a.c_srli(s0, 1); }},
      {"c.srai", C, [s0](Assembler& a) { a.c_srai(s0, 1); }},
      {"c.andi", C, [s0](Assembler& a) { a.c_andi(s0, 1); }},
      {"c.sub", C, [s0, s1](Assembler& a) { a.c_sub(s0, s1); }},
      {"c.xor", C, [s0, s1](Assembler& a) { a.c_xor(s0, s1); }},
      {"c.or", C, [s0, s1](Assembler& a) { a.c_or(s0, s1); }},
      {"c.and", C, [s0, s1](Assembler& a) { a.c_and(s0, s1); }},
      {"c.subw", C, [s0, s1](Assembler& a) { a.c_subw(s0, s1); }},
      {"c.addw", C, [s0, s1](Assembler& a) { a.c_addw(s0, s1); }},
      {"c.j", C, [](Assembler& a) { a.c_j(8); }},
      {"c.beqz", C, [s0](Assembler& a) { a.c_beqz(s0, 8); }},
      {"c.bnez", C, [s0](Assembler& a) { a.c_bnez(s0, 8); }},
      {"c.slli", C, [](Assembler& a) { a.c_slli(a0, 1); }},
      {"c.fldsp", C, [](Assembler& a) { a.c_fldsp(fa0, 8); }},
      {"c.lwsp", C, [](Assembler& a) { a.c_lwsp(a0, 4); }},
      {"c.ldsp", C, [](Assembler& a) { a.c_ldsp(a0, 8); }},
      {"c.jr", C, [](Assembler& a) { a.c_jr(ra); }},
      {"c.mv", C, [](Assembler& a) { a.c_mv(a0, a1); }},
      {"c.ebreak", C, [](Assembler& a) { a.c_ebreak(); }},
      {"c.jalr", C, [](Assembler& a) { a.c_jalr(a0); }},
      {"c.add", C, [](Assembler& a) { a.c_add(a0, a1); }},
      {"c.fsdsp", C, [](Assembler& a) { a.c_fsdsp(fa0, 8); }},
      {"c.swsp", C, [](Assembler& a) { a.c_swsp(a0, 4); }},
      {"c.sdsp", C, [](Assembler& a) { a.c_sdsp(a0, 8); }},
      {"c.lbu", Zcb, [s0](Assembler& a) { a.c_lbu(s0, s0, 1); }},
      {"c.lhu", Zcb, [s0](Assembler& a) { a.c_lhu(s0, s0, 2); }},
      {"c.lh", Zcb, [s0](Assembler& a) { a.c_lh(s0, s0, 2); }},
      {"c.sb", Zcb, [s0](Assembler& a) { a.c_sb(s0, s0, 1); }},
      {"c.sh", Zcb, [s0](Assembler& a) { a.c_sh(s0, s0, 2); }},
      {"c.zext.b", Zcb, [s0](Assembler& a) { a.c_zext_b(s0); }},
      {"c.sext.b", Zcb, [s0](Assembler& a) { a.c_sext_b(s0); }},
      {"c.zext.h", Zcb, [s0](Assembler& a) { a.c_zext_h(s0); }},
      {"c.sext.h", Zcb, [s0](Assembler& a) { a.c_sext_h(s0); }},
      {"c.zext.w", Zcb, [s0](Assembler& a) { a.c_zext_w(s0); }},
      {"c.not", Zcb, [s0](Assembler& a) { a.c_not(s0); }},
      {"c.mul", Zcb, [s0, s1](Assembler& a) { a.c_mul(s0, s1); }},
  };
}

std::string expected_message(const Case& c) {
  return std::string(c.insn) + ": extension " + rvjit::target_ext_name(c.ext) +
         " not enabled for this target";
}

TEST(JitTarget, ExtensionNames) {
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kC), "C");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZba), "Zba");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZbb), "Zbb");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZbs), "Zbs");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZicond), "Zicond");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZfa), "Zfa");
  EXPECT_STREQ(rvjit::target_ext_name(TargetExt::kZcb), "Zcb");
}

TEST(JitTarget, DefaultIsAllAndEveryOptionalMethodEmits) {
  Assembler a;
  EXPECT_EQ(a.target(), JitTarget::all());
  for (const Case& c : every_optional_method()) {
    Assembler b;
    c.emit(b);
    EXPECT_FALSE(b.has_error()) << c.insn << ": " << b.error().to_string();
    EXPECT_GT(b.offset(), 0u) << c.insn;
  }
}

TEST(JitTarget, BaseTargetRejectsEveryOptionalMethodAndEmitsNothing) {
  for (const Case& c : every_optional_method()) {
    Assembler a;
    a.set_target(JitTarget::base());
    c.emit(a);
    ASSERT_TRUE(a.has_error()) << c.insn << " was accepted without " << rvjit::target_ext_name(c.ext);
    EXPECT_EQ(a.error().code(), ErrorCode::kUnsupported) << c.insn;
    EXPECT_EQ(a.error().message(), expected_message(c));
    EXPECT_EQ(a.offset(), 0u) << c.insn << " emitted bytes";
  }
}

TEST(JitTarget, OnlyTheMissingExtensionIsRejected) {
  for (const Case& c : every_optional_method()) {
    Assembler a;
    a.set_target(JitTarget::all().without(c.ext));
    c.emit(a);
    ASSERT_TRUE(a.has_error()) << c.insn;
    EXPECT_EQ(a.error().message(), expected_message(c));

    // Exactly the extensions the instruction needs: accepted (Zcb's extension forms
    // also need Zba or Zbb, checked below).
    Assembler b;
    b.set_target(JitTarget{c.ext, TargetExt::kZba, TargetExt::kZbb});
    c.emit(b);
    EXPECT_FALSE(b.has_error()) << c.insn << ": " << b.error().to_string();
  }
}

TEST(JitTarget, MessagesForTheIssueExamples) {
  Assembler a;
  a.set_target(JitTarget::base());
  a.sh1add(reg::a0, reg::a1, reg::a2);
  EXPECT_EQ(a.error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(a.error().message(), "sh1add: extension Zba not enabled for this target");
  a.reset();  // keeps the target
  EXPECT_EQ(a.target(), JitTarget::base());
  a.czero_eqz(reg::a0, reg::a1, reg::a2);
  EXPECT_EQ(a.error().message(), "czero.eqz: extension Zicond not enabled for this target");
  a.reset();
  a.c_addi(reg::a0, 1);
  EXPECT_EQ(a.error().message(), "c.addi: extension C not enabled for this target");
  EXPECT_EQ(a.offset(), 0u);
}

TEST(JitTarget, ExtensionIsCheckedBeforeOperands) {
  Assembler a;
  a.set_target(JitTarget::base());
  a.sh1add(Gp{40}, reg::a1, reg::a2);  // a bad register too: the extension is named
  EXPECT_EQ(a.error().code(), ErrorCode::kUnsupported);
  a.reset();
  a.c_addi(reg::a0, 0);  // a reserved immediate too
  EXPECT_EQ(a.error().code(), ErrorCode::kUnsupported);
}

TEST(JitTarget, RejectionIsStickyLikeAnyError) {
  Assembler a;
  a.set_target(JitTarget{TargetExt::kC});
  a.addi(reg::a0, reg::a0, 1);
  a.max(reg::a0, reg::a0, reg::a1);
  a.addi(reg::a0, reg::a0, 1);  // dropped
  EXPECT_EQ(a.offset(), 4u);
  EXPECT_EQ(a.error().message(), "max: extension Zbb not enabled for this target");
  auto code = a.finalize();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().code(), ErrorCode::kUnsupported);
}

TEST(JitTarget, ZcbExtensionFormsNeedTheirBitmanipExtension) {
  const Gp s0 = reg::s0;
  Assembler a;
  a.set_target(JitTarget{TargetExt::kC, TargetExt::kZcb});
  a.c_zext_b(s0);
  a.c_not(s0);
  a.c_mul(s0, reg::s1);
  a.c_lbu(s0, s0, 0);
  EXPECT_FALSE(a.has_error()) << a.error().to_string();
  a.c_zext_w(s0);
  EXPECT_EQ(a.error().message(), "c.zext.w: extension Zba not enabled for this target");
  for (auto emit : {+[](Assembler& b) { b.c_sext_b(reg::s0); },
                    +[](Assembler& b) { b.c_zext_h(reg::s0); },
                    +[](Assembler& b) { b.c_sext_h(reg::s0); }}) {
    Assembler b;
    b.set_target(JitTarget{TargetExt::kC, TargetExt::kZcb});
    emit(b);
    EXPECT_NE(b.error().message().find("extension Zbb not enabled"), std::string::npos)
        << b.error().message();
  }
}

TEST(JitTarget, AutoCompressionOnlyWithC) {
  Assembler a;
  a.set_target(JitTarget::all().without(TargetExt::kC));
  a.set_auto_compress(true);
  EXPECT_FALSE(a.auto_compress());
  a.addi(reg::a0, reg::a0, 1);
  a.mv(reg::a0, reg::a1);
  a.ret();
  EXPECT_FALSE(a.has_error()) << a.error().to_string();
  EXPECT_EQ(a.offset(), 12u) << "no RVC form may be chosen without C";

  // Adding C back turns the requested compression on; removing it turns it off again.
  a.set_target(JitTarget::all());
  EXPECT_TRUE(a.auto_compress());
  a.addi(reg::a0, reg::a0, 1);
  EXPECT_EQ(a.offset(), 14u);
  a.set_target(JitTarget::base());
  EXPECT_FALSE(a.auto_compress());
  a.addi(reg::a0, reg::a0, 1);
  EXPECT_EQ(a.offset(), 18u);
  EXPECT_FALSE(a.has_error()) << a.error().to_string();

  // Compression never requested: C in the target does not turn it on.
  Assembler b;
  EXPECT_FALSE(b.auto_compress());
  b.set_target(JitTarget::all());
  EXPECT_FALSE(b.auto_compress());
}

TEST(JitTarget, BaseTargetStillAssemblesBaseCodeIdentically) {
  auto emit = [](Assembler& a) {
    rvjit::Label loop = a.new_label();
    a.li(reg::a0, 0x123456789);  // base: 4 words; with Zbs declared it would be 3
    a.bind(loop);
    a.addi(reg::a1, reg::a1, -1);
    a.mul(reg::a0, reg::a0, reg::a1);
    a.fadd_d(reg::fa0, reg::fa0, reg::fa1);
    a.bnez(reg::a1, loop);
    a.align(16);
    a.ret();
  };
  Assembler all, base;
  base.set_target(JitTarget::base());
  emit(all);
  emit(base);
  auto c1 = all.finalize();
  auto c2 = base.finalize();
  ASSERT_TRUE(c1.ok()) << c1.error().to_string();
  ASSERT_TRUE(c2.ok()) << c2.error().to_string();
  EXPECT_EQ(c1->code, c2->code);
}

// What the Assembler picks on its own (li steps, Zcb compression) needs a declared
// target: the default all() only permits what the caller asks for explicitly.
TEST(JitTarget, UndeclaredTargetPicksNoOptionalExtensionOnItsOwn) {
  auto emit = [](Assembler& a) {
    a.set_auto_compress(true);
    a.li(reg::a0, 0x123456789);       // Zbs: lui; addiw; bseti 32
    a.li(reg::a1, 0xff0000000000000f);  // Zbb: lui; rori
    a.lbu(reg::s0, reg::s1, 1);       // Zcb: c.lbu
    a.zext_b(reg::s0, reg::s0);       // andi 255, Zcb: c.zext.b
  };
  Assembler undeclared, base, declared;
  base.set_target(JitTarget{TargetExt::kC});
  declared.set_target(JitTarget::all());
  EXPECT_EQ(undeclared.selection_target(), JitTarget{TargetExt::kC});
  EXPECT_EQ(declared.selection_target(), JitTarget::all());
  emit(undeclared);
  emit(base);
  emit(declared);
  auto u = undeclared.finalize();
  auto b = base.finalize();
  auto d = declared.finalize();
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(u->code, b->code) << "the undeclared default picked an optional extension";
  // Declared, each li is one word shorter (4 -> 3, 3 -> 2) and c.lbu, c.zext.b save 2
  // bytes each.
  EXPECT_EQ(b->code.size(), d->code.size() + 4 + 4 + 2 + 2);
}

}  // namespace
