// Labels, relaxation, pool, marks and the error model of the Assembler, checked on the
// bytes finalize() produces (decoded independently by assembler_test_util.h).
// Runs on the host and under qemu-riscv64.
#include <gtest/gtest.h>

#include <vector>

#include "assembler_test_util.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {
namespace {

using test::decode_branch;
using test::decode_jump;
using test::word_at;

void nops(Assembler& a, size_t bytes) {
  for (size_t i = 0; i < bytes / 4; ++i) a.emit32(enc::kNop);
}

AssembledCode must_finalize(Assembler& a) {
  auto r = a.finalize();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : AssembledCode{};
}

TEST(AssemblerLabels, ForwardAndBackwardShortForms) {
  Assembler a;
  Label top = a.new_label(), end = a.new_label();
  a.bind(top);
  a.beq(reg::a0, reg::a1, end);   // +12
  a.addi(reg::a0, reg::a0, 1);
  a.j(top);                        // -8
  a.bind(end);
  a.ret();
  AssembledCode c = must_finalize(a);
  ASSERT_EQ(c.code.size(), 16u);
  EXPECT_EQ(word_at(c.code, 0), enc::b_type(enc::kOpBranch, 0, 10, 11, 12));
  EXPECT_EQ(word_at(c.code, 8), enc::j_type(enc::kOpJal, 0, -8));
  EXPECT_EQ(a.label_offset(top), 0);
  EXPECT_EQ(a.label_offset(end), 12);
  EXPECT_TRUE(c.relocations.empty());
}

TEST(AssemblerLabels, OffsetOverloadsStillWork) {
  // The Label overloads must not hide the mixins' byte-offset ones.
  Assembler a;
  a.beq(reg::a0, reg::a1, int64_t{8});
  a.j(int64_t{-4});
  ASSERT_FALSE(a.has_error()) << a.error().to_string();
  EXPECT_EQ(a.buffer().read32(0), enc::b_type(enc::kOpBranch, 0, 10, 11, 8));
  EXPECT_EQ(a.buffer().read32(4), enc::j_type(enc::kOpJal, 0, -4));
}

TEST(AssemblerLabels, UnboundLabelFailsFinalize) {
  Assembler a;
  Label l = a.new_label();
  a.bnez(reg::a0, l);
  auto r = a.finalize();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnboundLabel);
}

TEST(AssemblerLabels, DoubleBindIsInvalidAndSticky) {
  Assembler a;
  Label l = a.new_label();
  a.bind(l);
  a.nop();
  a.bind(l);
  EXPECT_EQ(a.error().code(), ErrorCode::kInvalidLabel);
  const size_t at = a.offset();
  a.nop();  // ignored after the error
  EXPECT_EQ(a.offset(), at);
  auto r = a.finalize();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidLabel);
}

TEST(AssemblerLabels, ForeignAndDefaultLabelsAreInvalid) {
  Assembler a, b;
  Label foreign = b.new_label();
  a.j(foreign);
  EXPECT_EQ(a.error().code(), ErrorCode::kInvalidLabel);
  Assembler c;
  c.bind(Label{});
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidLabel);
  Assembler d;
  Label old = d.new_label();
  d.reset();
  d.new_label();
  d.bind(old);  // same id, but from before reset()
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidLabel);
}

// References are encoded when emitted (label bound) or when bind() places the label;
// several references chained to one label, of every kind, must all land on it, and a
// reference that bind() finds out of short reach must still be relaxed by finalize().
TEST(AssemblerLabels, ReferencesChainedToOneLabelAllLand) {
  for (const size_t gap : {size_t{0}, size_t{64}, size_t{5000}}) {
    Assembler a;
    Label end = a.new_label(), top = a.new_label();
    a.bind(top);
    a.beq(reg::a0, reg::a1, end);   // site 0
    a.jal(reg::ra, end);            // site 4
    a.la(reg::a2, end);             // sites 8, 12
    a.bne(reg::a3, reg::zero, end); // site 16
    nops(a, gap);
    a.blt(reg::a0, reg::a1, top);   // backward, encoded at emission (or relaxed)
    a.bind(end);
    a.ret();
    AssembledCode c = must_finalize(a);
    const int64_t to = a.label_offset(end);
    ASSERT_GT(to, 0);
    auto b0 = decode_branch(c.code, 0);
    ASSERT_TRUE(b0.has_value());
    EXPECT_EQ(b0->target, to) << "gap " << gap;
    auto j = decode_jump(c.code, b0->size);
    ASSERT_TRUE(j.has_value());
    EXPECT_EQ(j->target, to) << "gap " << gap;
    const size_t la_at = b0->size + j->size;
    const uint32_t auipc = word_at(c.code, la_at), addi = word_at(c.code, la_at + 4);
    EXPECT_EQ(static_cast<int64_t>(la_at) + test::imm_u(auipc) + test::imm_i(addi), to);
    auto b1 = decode_branch(c.code, la_at + 8);
    ASSERT_TRUE(b1.has_value());
    EXPECT_EQ(b1->target, to) << "gap " << gap;
    auto back = decode_branch(c.code, la_at + 8 + b1->size + gap);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->target, a.label_offset(top)) << "gap " << gap;
    EXPECT_EQ(c.code.size(), static_cast<size_t>(to) + 4);
    // Short forms only when everything is within +-4 KiB.
    EXPECT_EQ(b0->size, gap < 4000 ? 4u : 8u);
  }
}

TEST(AssemblerLabels, ResetForgetsPendingReferences) {
  Assembler a;
  Label never = a.new_label();
  a.bnez(reg::a0, never);  // chained to a label that is never bound
  a.reset();
  Label l = a.new_label();
  a.bnez(reg::a0, l);
  a.bind(l);
  a.ret();
  AssembledCode c = must_finalize(a);
  ASSERT_EQ(c.code.size(), 8u);
  EXPECT_EQ(word_at(c.code, 0), enc::b_type(enc::kOpBranch, 1, 10, 0, 4));
  // finalize() again: same bytes (nothing is consumed by the first one).
  AssembledCode again = must_finalize(a);
  EXPECT_EQ(again.code, c.code);
}

// A branch whose target is `distance` bytes ahead (positive) or behind (negative).
AssembledCode branch_over(Assembler& a, int64_t distance, Label* target) {
  *target = a.new_label();
  if (distance < 0) {
    a.bind(*target);
    nops(a, static_cast<size_t>(-distance));
    a.blt(reg::a0, reg::a1, *target);
  } else {
    a.blt(reg::a0, reg::a1, *target);
    nops(a, static_cast<size_t>(distance - 4));
    a.bind(*target);
    a.ret();
  }
  return must_finalize(a);
}

TEST(AssemblerRelax, BranchBoundaries) {
  struct Case { int64_t distance; unsigned size; };
  for (Case k : {Case{4092, 4}, Case{4096, 8}, Case{-4096, 4}, Case{-4100, 8},
                 Case{(1 << 20) - 8, 8}, Case{1 << 20, 12}, Case{-(1 << 20) - 8, 12}}) {
    Assembler a;
    Label t;
    AssembledCode c = branch_over(a, k.distance, &t);
    const size_t site = k.distance < 0 ? static_cast<size_t>(-k.distance) : 0;
    auto d = decode_branch(c.code, site);
    ASSERT_TRUE(d) << k.distance;
    EXPECT_EQ(d->size, k.size) << k.distance;
    EXPECT_EQ(d->branch_f3, 4) << k.distance;  // still "blt a0, a1"
    EXPECT_EQ(d->rs1, 10u);
    EXPECT_EQ(d->rs2, 11u);
    EXPECT_EQ(d->target, a.label_offset(t)) << k.distance;
    if (k.size == 12) EXPECT_EQ(d->scratch, 6u);  // t1
  }
}

TEST(AssemblerRelax, JalBoundariesAndScratch) {
  for (int64_t distance : {int64_t{(1 << 20) - 4}, int64_t{1 << 20}}) {
    for (Gp rd : {reg::zero, reg::ra, reg::a5}) {
      Assembler a;
      Label t = a.new_label();
      a.jal(rd, t);
      nops(a, static_cast<size_t>(distance - 4));
      a.bind(t);
      a.ret();
      AssembledCode c = must_finalize(a);
      auto d = decode_jump(c.code, 0);
      ASSERT_TRUE(d);
      EXPECT_EQ(d->target, a.label_offset(t));
      EXPECT_EQ(d->link, rd.id);
      EXPECT_EQ(d->size, distance < (1 << 20) ? 4u : 8u);
      // Long form: rd is its own scratch, except x0, which uses t1 (like LLVM's tail).
      if (d->size == 8) EXPECT_EQ(d->scratch, rd.id ? rd.id : 6u);
    }
  }
}

TEST(AssemblerRelax, CustomScratchRegister) {
  Assembler a;
  a.set_relax_scratch(reg::t5);
  Label t = a.new_label();
  a.tail(t);
  nops(a, 1 << 21);
  a.bind(t);
  AssembledCode c = must_finalize(a);
  auto d = decode_jump(c.code, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->scratch, 30u);
  EXPECT_EQ(d->target, a.label_offset(t));
}

TEST(AssemblerRelax, GrowthCascadesUntilStable) {
  // A reaches its target with 4 bytes to spare, but B, between them, has to grow by 4,
  // which pushes A's target out of reach as well.
  Assembler a;
  Label ta = a.new_label(), tb = a.new_label();
  Label sa = a.new_label(), sb = a.new_label();
  a.bind(sa);
  a.beq(reg::a0, reg::zero, ta);
  a.bind(sb);
  a.bne(reg::a1, reg::zero, tb);
  nops(a, 4092 - 8);
  a.bind(ta);  // emitted at +4092 from A: in range before relaxation
  nops(a, 4096);
  a.bind(tb);
  a.ret();
  AssembledCode c = must_finalize(a);
  auto da = decode_branch(c.code, static_cast<size_t>(a.label_offset(sa)));
  auto db = decode_branch(c.code, static_cast<size_t>(a.label_offset(sb)));
  ASSERT_TRUE(da && db);
  EXPECT_EQ(db->size, 8u);
  EXPECT_EQ(da->size, 8u);
  EXPECT_EQ(da->target, a.label_offset(ta));
  EXPECT_EQ(db->target, a.label_offset(tb));
  EXPECT_EQ(da->branch_f3, 0);
  EXPECT_EQ(db->branch_f3, 1);
}

TEST(AssemblerRelax, AlignmentSurvivesRelaxation) {
  Assembler a;
  Label far = a.new_label(), aligned = a.new_label();
  a.beqz(reg::a0, far);  // grows by 4 and shifts everything after it
  a.nop();
  a.align(64);
  a.bind(aligned);
  a.nop();
  nops(a, 8192);
  a.bind(far);
  a.ret();
  AssembledCode c = must_finalize(a);
  EXPECT_EQ(a.label_offset(aligned) % 64, 0);
  EXPECT_EQ(c.alignment, 64u);
  auto d = decode_branch(c.code, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target, a.label_offset(far));
  for (int64_t at = 12; at < a.label_offset(aligned); at += 4) EXPECT_EQ(word_at(c.code, at), enc::kNop);
}

TEST(AssemblerRelax, RejectsBadAlignment) {
  Assembler a;
  a.align(12);
  EXPECT_EQ(a.error().code(), ErrorCode::kInvalidArgument);
}

TEST(AssemblerPool, ConstantsAreSharedAlignedAndLoaded) {
  Assembler a;
  a.nop();  // make the pool need padding
  a.li_pool(reg::a0, 0x1122334455667788ull);
  a.li_pool(reg::a1, 0x1122334455667788ull);
  a.li_pool(reg::a2, 42);
  a.ret();
  AssembledCode c = must_finalize(a);
  // nop, 3 x (auipc+ld), ret = 32 bytes, already 8-aligned; two distinct slots.
  ASSERT_EQ(c.code.size(), 32u + 16u);
  EXPECT_EQ(c.alignment, 8u);
  for (size_t site : {4u, 12u, 20u}) {
    const uint32_t au = word_at(c.code, site), ld = word_at(c.code, site + 4);
    ASSERT_EQ(test::opcode(au), 0x17u);
    ASSERT_EQ(test::opcode(ld), 0x03u);
    const int64_t slot = static_cast<int64_t>(site) + test::imm_u(au) + test::imm_i(ld);
    ASSERT_EQ(slot % 8, 0);
    uint64_t v;
    std::memcpy(&v, c.code.data() + slot, 8);
    EXPECT_EQ(v, site == 20 ? 42u : 0x1122334455667788ull);
  }
}

TEST(AssemblerPool, AddressSlotsBecomeAbs64Relocations) {
  Assembler a;
  Label fn = a.new_label();
  a.ld_label(reg::a0, a.pool_address(fn));
  a.ret();
  a.bind(fn);
  a.ret();
  AssembledCode c = must_finalize(a);
  ASSERT_EQ(c.relocations.size(), 1u);
  EXPECT_EQ(c.relocations[0].kind, RelocKind::kAbs64Internal);
  EXPECT_EQ(c.relocations[0].target, a.label_offset(fn));
  std::vector<uint8_t> dst = c.code;
  ASSERT_TRUE(apply_relocations(dst.data(), 0x400000, c).ok());
  uint64_t v;
  std::memcpy(&v, dst.data() + c.relocations[0].offset, 8);
  EXPECT_EQ(v, 0x400000u + static_cast<uint64_t>(a.label_offset(fn)));
}

TEST(AssemblerPool, ExplicitFlushPlacesPoolWhereAsked) {
  Assembler a;
  Label after = a.new_label();
  a.li_pool(reg::a0, 7);
  a.j(after);
  a.flush_pool();
  a.bind(after);
  a.ret();
  AssembledCode c = must_finalize(a);
  // auipc, ld, j, [pad to 16], slot(8), ret
  EXPECT_EQ(a.label_offset(after), 24);
  uint64_t v;
  std::memcpy(&v, c.code.data() + 16, 8);
  EXPECT_EQ(v, 7u);
}

TEST(AssemblerLa, AddressOfLabelAfterRelaxation) {
  Assembler a;
  Label far = a.new_label(), data = a.new_label();
  a.beqz(reg::a0, far);  // relaxed: shifts la's target
  a.la(reg::a1, data);
  nops(a, 8192);
  a.bind(far);
  a.bind(data);
  a.ret();
  AssembledCode c = must_finalize(a);
  const uint32_t au = word_at(c.code, 8), ad = word_at(c.code, 12);
  EXPECT_EQ(test::rd_of(au), 11u);
  EXPECT_EQ(test::opcode(ad), 0x13u);
  EXPECT_EQ(8 + test::imm_u(au) + test::imm_i(ad), a.label_offset(data));
}

TEST(AssemblerCalls, NearAbsoluteCallIsARelocationAppliedAtInstall) {
  Assembler a;
  Label far = a.new_label();
  a.beqz(reg::a0, far);  // grows: the relocation offset must follow
  a.call_abs(0x7fff0000'1000ull);
  nops(a, 8192);
  a.bind(far);
  a.ret();
  AssembledCode c = must_finalize(a);
  ASSERT_EQ(c.relocations.size(), 1u);
  const Relocation& r = c.relocations[0];
  EXPECT_EQ(r.kind, RelocKind::kPcrelHi20Lo12);
  EXPECT_EQ(r.offset, 8u);
  std::vector<uint8_t> dst = c.code;
  const uint64_t base = 0x7fff0000'1000ull - 0x12345678;
  ASSERT_TRUE(apply_relocations(dst.data(), base, c).ok());
  auto j = decode_jump(dst, 8);
  ASSERT_TRUE(j);
  EXPECT_EQ(static_cast<uint64_t>(j->target) + base, 0x7fff0000'1000ull);
  EXPECT_EQ(j->link, 1u);
}

TEST(AssemblerCalls, NearCallOutOfRangeIsReportedAndLeavesDstAlone) {
  Assembler a;
  a.tail_abs(0x10'0000'0000ull);
  AssembledCode c = must_finalize(a);
  std::vector<uint8_t> dst = c.code;
  Error e = apply_relocations(dst.data(), 0x1000, c);
  EXPECT_EQ(e.code(), ErrorCode::kBranchOutOfRange);
  EXPECT_EQ(dst, c.code);
  EXPECT_EQ(apply_relocations(dst.data(), 0x1002, c).code(), ErrorCode::kMisalignedAddress);
}

TEST(AssemblerCalls, FarCallLoadsTheAddressFromThePool) {
  Assembler a;
  a.call_abs(0xdeadbeef'cafef00dull, Assembler::Reach::kFar);
  AssembledCode c = must_finalize(a);
  EXPECT_TRUE(c.relocations.empty());
  const uint32_t au = word_at(c.code, 0), ld = word_at(c.code, 4), jr = word_at(c.code, 8);
  EXPECT_EQ(test::rd_of(au), 1u);
  EXPECT_EQ(test::opcode(jr), 0x67u);
  EXPECT_EQ(test::rd_of(jr), 1u);
  uint64_t v;
  std::memcpy(&v, c.code.data() + test::imm_u(au) + test::imm_i(ld), 8);
  EXPECT_EQ(v, 0xdeadbeef'cafef00dull);
}

TEST(AssemblerRelocs, JalRelocationRangeChecked) {
  AssembledCode c;
  c.code.resize(8);
  std::memcpy(c.code.data(), &enc::kNop, 4);
  const uint32_t jal = enc::j_type(enc::kOpJal, 1, 0);
  std::memcpy(c.code.data() + 4, &jal, 4);
  c.relocations.push_back(Relocation{4, RelocKind::kJal, 0x100000});
  std::vector<uint8_t> dst = c.code;
  ASSERT_TRUE(apply_relocations(dst.data(), 0x1000, c).ok());
  EXPECT_EQ(0x1004 + test::imm_j(word_at(dst, 4)), 0x100000);
  EXPECT_EQ(test::rd_of(word_at(dst, 4)), 1u);
  c.relocations[0].target = 0x1004 + (1 << 20);
  EXPECT_EQ(apply_relocations(dst.data(), 0x1000, c).code(), ErrorCode::kBranchOutOfRange);
  c.relocations[0].offset = 0;  // a nop, not a jal
  c.relocations[0].target = 0x2000;
  EXPECT_EQ(apply_relocations(dst.data(), 0x1000, c).code(), ErrorCode::kInvalidArgument);
  c.relocations[0].offset = 6;  // runs past the end
  EXPECT_EQ(apply_relocations(dst.data(), 0x1000, c).code(), ErrorCode::kInvalidArgument);
}

TEST(AssemblerMarks, PatchSitesAndSymbolsFollowRelaxation) {
  Assembler a;
  Label far = a.new_label(), fbeg = a.new_label(), fend = a.new_label();
  a.bnez(reg::a0, far);
  a.bind(fbeg);
  a.mark_patch_site(8, 3);
  a.nop();
  a.nop();
  a.ret();
  a.bind(fend);
  a.add_symbol("f", fbeg, fend);
  nops(a, 8192);
  a.bind(far);
  a.ret();
  AssembledCode c = must_finalize(a);
  ASSERT_EQ(c.patch_sites.size(), 1u);
  EXPECT_EQ(c.patch_sites[0].offset, 8u);
  EXPECT_EQ(c.patch_sites[0].length, 8u);
  EXPECT_EQ(c.patch_sites[0].tag, 3u);
  ASSERT_EQ(c.symbols.size(), 1u);
  EXPECT_EQ(c.symbols[0].name, "f");
  EXPECT_EQ(c.symbols[0].offset, 8u);
  EXPECT_EQ(c.symbols[0].size, 12u);
}

TEST(AssemblerMarks, PatchSiteWithAGrowableReferenceIsRejected) {
  Assembler a;
  Label l = a.new_label();
  a.mark_patch_site(8, 1);
  a.nop();
  a.j(l);  // inside the site: relaxation could make the site longer
  a.bind(l);
  auto r = a.finalize();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  Assembler b;  // the same reference just after the site is fine
  Label m = b.new_label();
  b.mark_patch_site(8, 1);
  b.nop();
  b.nop();
  b.j(m);
  b.bind(m);
  EXPECT_TRUE(b.finalize().ok());
}

TEST(AssemblerErrors, ResetClearsTheStickyErrorAndEmissionResumes) {
  Assembler a;
  a.nop();
  a.bind(Label{});  // error: later emits are dropped
  a.emit32(enc::kNop);
  a.emit16(enc::kCNop);
  a.li(reg::a0, 0x123456789ll);
  EXPECT_EQ(a.offset(), 4u);
  a.reset();
  EXPECT_FALSE(a.has_error());
  a.li(reg::a0, 5);
  a.emit16(enc::kCNop);
  EXPECT_EQ(a.offset(), 6u);
  auto r = a.finalize();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->code.size(), 6u);
}

TEST(AssemblerErrors, FixedBufferOverflowIsReportedNotTruncated) {
  uint8_t storage[16];
  Assembler a(storage, sizeof storage);
  for (int i = 0; i < 8; ++i) a.nop();
  auto r = a.finalize();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBufferFull);
  EXPECT_EQ(a.offset(), 16u);
}

TEST(AssemblerLi, SequencesComputeTheConstant) {
  std::vector<int64_t> values = {0, 1, -1, 2047, -2048, 2048, -2049, 0x7fffffff,
                                 INT32_MIN, 0x80000000ll, 0xffffffffll, INT64_MAX, INT64_MIN,
                                 0x123456789abcdef0ll, 0x0000ffff0000ffffll};
  for (int k = 0; k < 64; ++k) {
    values.push_back(static_cast<int64_t>(uint64_t{1} << k));
    values.push_back(static_cast<int64_t>(~(uint64_t{1} << k)));
    values.push_back(static_cast<int64_t>((uint64_t{0x9e3779b97f4a7c15} >> k) << k));
  }
  uint64_t x = 0x243f6a8885a308d3ull;
  for (int i = 0; i < 5000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    values.push_back(static_cast<int64_t>(x));
    values.push_back(static_cast<int64_t>(x >> (x & 63)));
  }
  for (int64_t v : values) {
    Assembler a;
    a.li(reg::a3, v);
    AssembledCode c = must_finalize(a);
    ASSERT_LE(c.code.size(), 32u) << v;
    auto got = test::run_li(c.code, 0, c.code.size(), 13);
    ASSERT_TRUE(got) << v;
    EXPECT_EQ(*got, v);
  }
}

}  // namespace
}  // namespace rvjit
