// Encoder rules that need no LLVM (host and RV64): every invalid operand becomes a sticky
// Assembler error naming the instruction and the value, nothing is emitted for it, and
// auto-compression is off unless asked for. The byte-level truth is the differential test.
#include <gtest/gtest.h>

#include <vector>

#include "rvjit/jit/assembler.h"

namespace rvjit {

// Instantiate every method of every mixin, so both compilers (clang on the host, GCC for
// RV64) check all of them, not just the ones a test happens to call.
template class InsnRV64I<Assembler>;
template class InsnM<Assembler>;
template class InsnA<Assembler>;
template class InsnF<Assembler>;
template class InsnD<Assembler>;
template class InsnZicsr<Assembler>;
template class InsnZifencei<Assembler>;
template class InsnZba<Assembler>;
template class InsnZbb<Assembler>;
template class InsnZbs<Assembler>;
template class InsnZicond<Assembler>;
template class InsnZfa<Assembler>;
template class InsnC<Assembler>;
template class InsnZcb<Assembler>;

namespace {

using namespace reg;

template <class Fn>
Error error_of(Fn&& fn) {
  Assembler a;
  fn(a);
  EXPECT_EQ(a.offset(), 0u) << "an invalid instruction emitted bytes";
  return a.error();
}

TEST(EncoderRules, ImmediateOutOfRangeNamesInstructionAndValue) {
  Error e = error_of([](Assembler& a) { a.addi(a0, a1, 4096); });
  EXPECT_EQ(e.code(), ErrorCode::kImmediateOutOfRange);
  EXPECT_EQ(e.message(), "addi: immediate 4096 out of range [-2048, 2047]");
  e = error_of([](Assembler& a) { a.slliw(a0, a1, 32); });
  EXPECT_EQ(e.message(), "slliw: immediate 32 out of range [0, 31]");
  e = error_of([](Assembler& a) { a.lui(a0, -1); });
  EXPECT_EQ(e.code(), ErrorCode::kImmediateOutOfRange);
  e = error_of([](Assembler& a) { a.c_addi16sp(512); });
  EXPECT_EQ(e.message(), "c.addi16sp: immediate 512 out of range [-512, 496]");
}

TEST(EncoderRules, MisalignedOffsets) {
  Error e = error_of([](Assembler& a) { a.beq(a0, a1, 3); });
  EXPECT_EQ(e.code(), ErrorCode::kMisalignedImmediate);
  EXPECT_EQ(e.message(), "beq: offset 3 is not a multiple of 2");
  e = error_of([](Assembler& a) { a.c_ld(a0, a1, 12); });
  EXPECT_EQ(e.message(), "c.ld: offset 12 is not a multiple of 8");
  e = error_of([](Assembler& a) { a.c_addi4spn(a0, 6); });
  EXPECT_EQ(e.code(), ErrorCode::kMisalignedImmediate);
}

TEST(EncoderRules, IllegalRegistersInCompressedForms) {
  Error e = error_of([](Assembler& a) { a.c_lw(t0, a1, 0); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidRegister);
  EXPECT_EQ(e.message(), "c.lw: register x5 is not one of x8-x15");
  e = error_of([](Assembler& a) { a.c_jr(zero); });
  EXPECT_EQ(e.message(), "c.jr: register x0 is not allowed here");
  e = error_of([](Assembler& a) { a.c_lui(sp, 1); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidRegister);
  e = error_of([](Assembler& a) { a.c_fld(ft0, a0, 0); });
  EXPECT_EQ(e.message(), "c.fld: register f0 is not one of f8-f15");
  e = error_of([](Assembler& a) { a.add(Gp{32}, a0, a1); });
  EXPECT_EQ(e.message(), "add: register x32 does not exist");
}

TEST(EncoderRules, OperandsTheAssemblyTextCannotExpress) {
  Error e = error_of([](Assembler& a) { a.fence(16, kFenceRW); });
  EXPECT_EQ(e.message(), "fence: immediate 16 out of range [0, 15]");
  e = error_of([](Assembler& a) { a.fadd_d(fa0, fa1, fa2, static_cast<RoundingMode>(5)); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "fadd.d: rounding mode 5 is reserved");
  e = error_of([](Assembler& a) { a.amoadd_d(a0, a1, a2, static_cast<AtomicOrder>(4)); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  e = error_of([](Assembler& a) { a.fli_d(fa0, 32); });
  EXPECT_EQ(e.message(), "fli.d: immediate 32 out of range [0, 31]");
  e = error_of([](Assembler& a) { a.fmadd_s(Fp{40}, fa1, fa2, fa3); });
  EXPECT_EQ(e.message(), "fmadd.s: register f40 does not exist");
}

TEST(EncoderRules, HintEncodingsAreRefused) {
  // LLVM accepts these as HINTs; a JIT never means them, so they are errors here.
  EXPECT_FALSE(error_of([](Assembler& a) { a.c_addi(a0, 0); }).ok());
  EXPECT_FALSE(error_of([](Assembler& a) { a.c_li(zero, 1); }).ok());
  EXPECT_FALSE(error_of([](Assembler& a) { a.c_mv(zero, a0); }).ok());
  EXPECT_FALSE(error_of([](Assembler& a) { a.c_slli(a0, 0); }).ok());
}

TEST(EncoderRules, ErrorsAreStickyAndKeepTheFirst) {
  Assembler a;
  a.addi(a0, a0, 1);
  a.andi(a0, a0, 5000);
  a.addi(a0, a0, 1);  // ignored
  a.c_lw(t0, t1, 0);  // ignored, and does not replace the first error
  EXPECT_EQ(a.offset(), 4u);
  EXPECT_EQ(a.error().message(), "andi: immediate 5000 out of range [-2048, 2047]");
}

TEST(EncoderRules, AutoCompressionOnlyWhenEnabled) {
  Assembler plain;
  plain.add(a0, a0, a1);
  plain.ld(s0, sp, 8);
  plain.ret();
  EXPECT_EQ(plain.offset(), 12u);
  Assembler rvc;
  rvc.set_auto_compress(true);
  rvc.add(a0, a0, a1);   // c.add
  rvc.ld(s0, sp, 8);     // c.ldsp
  rvc.ret();             // c.jr ra
  rvc.add(t0, t1, t2);   // no RVC form
  EXPECT_EQ(rvc.offset(), 10u);
  ASSERT_FALSE(rvc.has_error());
  const uint8_t* p = rvc.buffer().data();
  EXPECT_EQ(p[4] | p[5] << 8, 0x8082);  // c.jr ra (ISA manual: "ret" is c.jr x1)
}

}  // namespace
}  // namespace rvjit
