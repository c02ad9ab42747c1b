#include "hooked_code.h"

#include <cstdlib>

namespace rvjit::testing {
namespace {

AssembledCode finish(Assembler& a) {
  Result<AssembledCode> r = a.finalize();
  if (!r.ok()) std::abort();
  return std::move(r.value());
}

}  // namespace

AssembledCode add_k_function(SiteLayout layout, int k) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.addi(reg::a0, reg::a0, k);
  a.ret();
  return finish(a);
}

AssembledCode fib_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label(), base = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.li(reg::t2, 2);
  a.blt(reg::a0, reg::t2, base);
  a.addi(reg::sp, reg::sp, -32);
  a.sd(reg::ra, reg::sp, 0);
  a.sd(reg::s0, reg::sp, 8);
  a.sd(reg::s1, reg::sp, 16);
  a.mv(reg::s0, reg::a0);
  a.addi(reg::a0, reg::s0, -1);
  a.call(entry);  // through the site: every recursive call is hooked too
  a.mv(reg::s1, reg::a0);
  a.addi(reg::a0, reg::s0, -2);
  a.call(entry);
  a.add(reg::a0, reg::a0, reg::s1);
  a.ld(reg::ra, reg::sp, 0);
  a.ld(reg::s0, reg::sp, 8);
  a.ld(reg::s1, reg::sp, 16);
  a.addi(reg::sp, reg::sp, 32);
  a.bind(base);
  a.ret();
  return finish(a);
}

AssembledCode depth_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label(), zero = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.beqz(reg::a0, zero);
  a.addi(reg::sp, reg::sp, -16);
  a.sd(reg::ra, reg::sp, 0);
  a.addi(reg::a0, reg::a0, -1);
  a.call(entry);
  a.addi(reg::a0, reg::a0, 1);
  a.ld(reg::ra, reg::sp, 0);
  a.addi(reg::sp, reg::sp, 16);
  a.bind(zero);
  a.ret();
  return finish(a);
}

AssembledCode fp_function(SiteLayout layout) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.fadd_d(reg::fa0, reg::fa0, reg::fa0);
  a.fcvt_d_l(reg::ft0, reg::a0);
  a.fadd_d(reg::fa0, reg::fa0, reg::ft0);
  a.ret();
  return finish(a);
}

AssembledCode tail_call_function(SiteLayout layout, uintptr_t target) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.addi(reg::a0, reg::a0, 1);
  a.tail_abs(target, Assembler::Reach::kFar);
  return finish(a);
}

AssembledCode call_native_function(SiteLayout layout, uintptr_t native) {
  Assembler a;
  Label entry = a.new_label();
  emit_hook_prologue(a, layout, entry);
  a.addi(reg::sp, reg::sp, -16);
  a.sd(reg::ra, reg::sp, 0);
  a.call_abs(native, Assembler::Reach::kFar);
  a.addi(reg::a0, reg::a0, 1);
  a.ld(reg::ra, reg::sp, 0);
  a.addi(reg::sp, reg::sp, 16);
  a.ret();
  return finish(a);
}

}  // namespace rvjit::testing
