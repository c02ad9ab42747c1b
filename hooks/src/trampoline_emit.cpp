#include "trampoline.h"

#include "hook_frame.h"
#include "rvjit/jit/assembler.h"

namespace rvjit::hooks_internal {
namespace {

constexpr int kFrameSize = sizeof(EntryFrame);
constexpr int kReturnFrameSize = sizeof(ReturnFrame);

// Entry half shared by both layouts: t0 = resume address, `site` = site size in bytes.
void emit_entry_head(Assembler& a, int site) {
  a.addi(reg::sp, reg::sp, -kFrameSize);
  a.sd(reg::t0, reg::sp, kFrameResume);
  a.addi(reg::t0, reg::t0, -site);  // the function's entry: the site's first byte
  a.sd(reg::t0, reg::sp, kFrameFunction);
}

void emit_entry_common(Assembler& a, Label entry_dispatch) {
  for (int i = 0; i < 8; ++i) a.sd(Gp{10u + i}, reg::sp, kFrameA + 8 * i);
  for (int i = 0; i < 8; ++i) a.fsd(Fp{10u + i}, reg::sp, kFrameFa + 8 * i);
  a.sd(reg::ra, reg::sp, kFrameRa);
  a.mv(reg::a0, reg::sp);
  // t1 is free: at a function's entry every temporary is dead (psABI: caller-saved).
  a.ld_label(reg::t1, entry_dispatch);
  a.jalr(reg::ra, reg::t1, 0);
  for (int i = 0; i < 8; ++i) a.ld(Gp{10u + i}, reg::sp, kFrameA + 8 * i);
  for (int i = 0; i < 8; ++i) a.fld(Fp{10u + i}, reg::sp, kFrameFa + 8 * i);
  a.ld(reg::ra, reg::sp, kFrameRa);
  a.ld(reg::t0, reg::sp, kFrameResume);
  a.addi(reg::sp, reg::sp, kFrameSize);
  a.jalr(reg::zero, reg::t0, 0);
}

void emit_return(Assembler& a, Label exit_dispatch) {
  // Only the return-value registers are live after a return (psABI).
  a.addi(reg::sp, reg::sp, -kReturnFrameSize);
  a.sd(reg::a0, reg::sp, 0);
  a.sd(reg::a1, reg::sp, 8);
  a.fsd(reg::fa0, reg::sp, 16);
  a.fsd(reg::fa1, reg::sp, 24);
  a.mv(reg::a0, reg::sp);
  a.ld_label(reg::t1, exit_dispatch);
  a.jalr(reg::ra, reg::t1, 0);
  a.mv(reg::t0, reg::a0);  // the real return address
  a.ld(reg::a0, reg::sp, 0);
  a.ld(reg::a1, reg::sp, 8);
  a.fld(reg::fa0, reg::sp, 16);
  a.fld(reg::fa1, reg::sp, 24);
  a.addi(reg::sp, reg::sp, kReturnFrameSize);
  a.jalr(reg::zero, reg::t0, 0);
}

}  // namespace

Result<AssembledTrampolines> assemble_trampolines() {
  Assembler a;
  Label one = a.new_label(), two = a.new_label(), common = a.new_label(), ret = a.new_label();
  Label entry_dispatch =
      a.pool_constant(reinterpret_cast<uint64_t>(&rvjit_hooks_entry_dispatch));
  Label exit_dispatch = a.pool_constant(reinterpret_cast<uint64_t>(&rvjit_hooks_exit_dispatch));

  a.bind(one);
  emit_entry_head(a, 4);
  a.j(common);
  a.bind(two);
  emit_entry_head(a, 8);
  a.bind(common);
  emit_entry_common(a, entry_dispatch);
  a.bind(ret);
  emit_return(a, exit_dispatch);
  a.flush_pool();

  Result<AssembledCode> code = a.finalize();
  if (!code.ok()) return code.error();
  AssembledTrampolines t{std::move(code.value()), 0, 0, 0};
  t.entry_one_word_offset = static_cast<uint32_t>(a.label_offset(one));
  t.entry_two_word_offset = static_cast<uint32_t>(a.label_offset(two));
  t.ret_offset = static_cast<uint32_t>(a.label_offset(ret));
  return t;
}

}  // namespace rvjit::hooks_internal
