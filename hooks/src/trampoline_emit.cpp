#include "trampoline.h"

#include <cstddef>

#include "hook_frame.h"
#include "hook_slot.h"
#include "thread_state.h"
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

// tp-relative offsets of the thread words (HotTls), or none when they do not fit a
// 12-bit immediate (then no fast entries: one `ld` per access is the point).
struct TlsOffsets {
  int seq, ra, t0, a0, a1;
};
bool tls_offsets(TlsOffsets* o) {
  const intptr_t base = hot_tls_offset();
  if (base < -2048 || base + static_cast<intptr_t>(sizeof(HotTls)) > 2047) return false;
  const int b = static_cast<int>(base);
  *o = TlsOffsets{b + static_cast<int>(offsetof(HotTls, seq)), b + static_cast<int>(offsetof(HotTls, save_ra)),
                  b + static_cast<int>(offsetof(HotTls, save_t0)), b + static_cast<int>(offsetof(HotTls, save_a0)),
                  b + static_cast<int>(offsetof(HotTls, save_a1))};
  return true;
}

// The fast entry of one layout (site size `site`) and integer argument count `ints`
// (the function declared it, and no FP arguments): no frame, no C++ dispatcher. The
// grace-period enter/leave and the recursion guard are the thread's seq word
// (thread_state.h: n outside, ~n inside); the live registers wait in the thread's own
// words while the callback runs (the guard keeps a second use on this thread out: a
// nested call, also from a signal handler, sees seq < 0 and takes the general path,
// which uses the stack). Anything else -- no slot yet, inside a callback, no fast
// record (several ops, exit hooks, MODIFY_REGS, a site being disabled) -- goes to the
// general entry `general` with every argument register intact (only t2, t3 used).
void emit_fast_entry(Assembler& a, const TlsOffsets& o, int site, int ints, Label general) {
  Label no_record = a.new_label();
  a.ld(reg::t2, reg::tp, o.seq);
  a.bltz(reg::t2, general);          // unclaimed (-1) or inside already
  a.not_(reg::t2, reg::t2);
  a.sd(reg::t2, reg::tp, o.seq);     // enter: plain store, membarrier on the writer side
  a.ld(reg::t3, reg::t0, -site - 8); // the hook word: HookSlot*
  a.ld(reg::t3, reg::t3, 0);         // HookSlot::fast (after the enter store: the Dekker order)
  a.beqz(reg::t3, no_record);
  a.sd(reg::ra, reg::tp, o.ra);
  a.sd(reg::t0, reg::tp, o.t0);
  if (ints > 0) a.sd(reg::a0, reg::tp, o.a0);
  if (ints > 1) a.sd(reg::a1, reg::tp, o.a1);
  a.mv(reg::a2, reg::t3);            // info (FastRecord::info, offset 0)
  a.ld(reg::t3, reg::t3, kFastFn);
  a.jalr(reg::ra, reg::t3, 0);
  a.ld(reg::ra, reg::tp, o.ra);
  a.ld(reg::t0, reg::tp, o.t0);
  if (ints > 0) a.ld(reg::a0, reg::tp, o.a0);
  if (ints > 1) a.ld(reg::a1, reg::tp, o.a1);
  // leave: ~n -> n + 1, after every register is back (a signal handler may reuse the
  // words once seq is outside).
  a.ld(reg::t2, reg::tp, o.seq);
  a.neg(reg::t2, reg::t2);
  a.sd(reg::t2, reg::tp, o.seq);
  a.jalr(reg::zero, reg::t0, 0);
  a.bind(no_record);
  a.neg(reg::t2, reg::t2);           // leave, then the general path enters again
  a.sd(reg::t2, reg::tp, o.seq);
  a.j(general);
}

}  // namespace

Result<AssembledTrampolines> assemble_trampolines(bool with_fast) {
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
  TlsOffsets o{};
  const bool fast = with_fast && tls_offsets(&o);
  Label fast_labels[2][kFastArities];
  if (fast) {
    for (int l = 0; l < 2; ++l)
      for (int k = 0; k < kFastArities; ++k) {
        fast_labels[l][k] = a.new_label();
        a.bind(fast_labels[l][k]);
        emit_fast_entry(a, o, l == 0 ? 4 : 8, k, l == 0 ? one : two);
      }
  }
  a.flush_pool();

  Result<AssembledCode> code = a.finalize();
  if (!code.ok()) return code.error();
  AssembledTrampolines t{std::move(code.value()), 0, 0, 0, {}};
  if (fast)
    for (int l = 0; l < 2; ++l)
      for (int k = 0; k < kFastArities; ++k)
        t.fast_offset[l][k] = static_cast<uint32_t>(a.label_offset(fast_labels[l][k]));
  t.entry_one_word_offset = static_cast<uint32_t>(a.label_offset(one));
  t.entry_two_word_offset = static_cast<uint32_t>(a.label_offset(two));
  t.ret_offset = static_cast<uint32_t>(a.label_offset(ret));
  return t;
}

}  // namespace rvjit::hooks_internal
