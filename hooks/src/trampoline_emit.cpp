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
  int seq, ra, t0, a0, a1, fa0, top, end;
};
bool tls_offsets(TlsOffsets* o) {
  const intptr_t base = hot_tls_offset();
  if (base < -2048 || base + static_cast<intptr_t>(sizeof(HotTls)) > 2047) return false;
  auto at = [&](size_t field) { return static_cast<int>(base) + static_cast<int>(field); };
  *o = TlsOffsets{at(offsetof(HotTls, seq)),        at(offsetof(HotTls, save_ra)),
                  at(offsetof(HotTls, save_t0)),    at(offsetof(HotTls, save_a0)),
                  at(offsetof(HotTls, save_a1)),    at(offsetof(HotTls, save_fa0)),
                  at(offsetof(HotTls, shadow_top)), at(offsetof(HotTls, shadow_end))};
  return true;
}

// The fast entry of one layout (site size `site`) and integer argument count `ints`
// (the function declared it, and no FP arguments): no frame, no C++ dispatcher. The
// grace-period enter/leave and the recursion guard are the thread's seq word
// (thread_state.h: n outside, ~n inside); the live registers wait in the thread's own
// words while the callback runs (the guard keeps a second use on this thread out: a
// nested call, also from a signal handler, sees seq < 0 and takes the general path,
// which uses the stack). Anything else -- no slot yet, inside a callback, no fast
// record (several ops, ctx callbacks, MODIFY_REGS, a site being disabled) -- goes to the
// general entry `general` with every argument register intact (only t2, t3 and a2 are
// used, and a2 is no argument: the declared signature has <= 2).
// It calls FastRecord::fn(a0, a1, record) with t3 = the HookSlot: an entry_args
// callback, or an exit stub (below) that pushes the frame first.
void emit_fast_entry(Assembler& a, const TlsOffsets& o, int site, int ints, Label general) {
  Label no_record = a.new_label();
  a.ld(reg::t2, reg::tp, o.seq);
  a.bltz(reg::t2, general);          // unclaimed (-1) or inside already
  a.not_(reg::t2, reg::t2);
  a.sd(reg::t2, reg::tp, o.seq);     // enter: plain store, membarrier on the writer side
  a.ld(reg::t3, reg::t0, -site - 8); // the hook word: HookSlot*
  a.ld(reg::a2, reg::t3, 0);         // HookSlot::fast (after the enter store: the Dekker order)
  a.beqz(reg::a2, no_record);
  a.sd(reg::ra, reg::tp, o.ra);
  a.sd(reg::t0, reg::tp, o.t0);
  if (ints > 0) a.sd(reg::a0, reg::tp, o.a0);
  if (ints > 1) a.sd(reg::a1, reg::tp, o.a1);
  a.ld(reg::t2, reg::a2, kFastFn);   // a2 = info (FastRecord::info, offset 0)
  a.jalr(reg::ra, reg::t2, 0);
  a.ld(reg::ra, reg::tp, o.ra);      // an exit stub replaced it with the fast return
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

// An exit stub, called by a fast entry as FastRecord::fn (inside: seq < 0) with a2 = the
// record, t3 = the HookSlot, the caller's ra in the thread's save_ra word. Pushes
// {real ra, slot} on the thread's shadow stack and makes the fast entry return the
// function to the fast return trampoline (save_ra = FastRecord::ret); then tail-calls
// entry_args (with_entry) or returns. A full stack: the frame is simply not traced at
// exit (counted in g_shadow_overflows, as the general path does), never a crash.
void emit_exit_stub(Assembler& a, const TlsOffsets& o, bool with_entry, Label overflow_counter) {
  Label full = a.new_label(), tail = a.new_label();
  a.ld(reg::t4, reg::tp, o.top);
  a.ld(reg::t5, reg::tp, o.end);
  a.bgeu(reg::t4, reg::t5, full);
  a.addi(reg::t5, reg::t4, 16);
  a.sd(reg::t5, reg::tp, o.top);     // reserve first (thread_state.h: push order)
  a.ld(reg::t6, reg::tp, o.ra);
  a.sd(reg::t6, reg::t4, 0);         // ShadowEntry::real_ra
  a.sd(reg::t3, reg::t4, 8);         // ShadowEntry::slot
  a.ld(reg::t6, reg::a2, kFastRet);
  a.sd(reg::t6, reg::tp, o.ra);      // the function now returns to the fast return
  a.bind(tail);
  if (with_entry) {
    a.ld(reg::t6, reg::a2, kFastEntryArgs);
    a.jalr(reg::zero, reg::t6, 0);   // entry_args(a0, a1, info) returns to the fast entry
  } else {
    a.ret();
  }
  a.bind(full);
  a.ld_label(reg::t5, overflow_counter);
  a.li(reg::t6, 1);
  a.amoadd_d(reg::zero, reg::t6, reg::t5);  // relaxed: a statistic
  a.j(tail);
}

// The fast return trampoline: a function whose frame an exit stub pushed returns here
// (seq >= 0: such a frame is always entered and left outside any dispatcher, see
// docs/hooks.md "The fast exit path"). Enters, calls the exit_ret of the fast record
// attached NOW (as the general path calls the exit callbacks attached at return) with
// a0, a1 as returned, restores a0, a1, fa0, pops the frame and returns to the real ra.
// No fast record (several ops, another kind, disabled) or the empty-stack sentinel: leave
// and take the general return trampoline, whose dispatcher pops and runs the current
// callbacks (or reports the empty stack). Only return registers are live here (psABI):
// a2, t2-t6 are free.
void emit_fast_return(Assembler& a, const TlsOffsets& o, Label general_ret) {
  Label to_general = a.new_label();
  a.ld(reg::t2, reg::tp, o.seq);
  a.not_(reg::t2, reg::t2);
  a.sd(reg::t2, reg::tp, o.seq);     // enter (plain store; membarrier on the writer side)
  a.ld(reg::t4, reg::tp, o.top);
  a.ld(reg::t3, reg::t4, -8);        // the top frame's HookSlot
  a.ld(reg::a2, reg::t3, 0);         // HookSlot::fast, after the enter store
  a.beqz(reg::a2, to_general);
  a.sd(reg::a0, reg::tp, o.a0);
  a.sd(reg::a1, reg::tp, o.a1);
  a.fsd(reg::fa0, reg::tp, o.fa0);
  a.ld(reg::t3, reg::a2, kFastExitRet);
  a.jalr(reg::ra, reg::t3, 0);       // exit_ret(a0, a1, info)
  // Pop: read the entry, then release it (nothing traced on this thread while inside, so
  // the entry is as pushed).
  a.ld(reg::t4, reg::tp, o.top);
  a.addi(reg::t4, reg::t4, -16);
  a.ld(reg::ra, reg::t4, 0);
  a.sd(reg::t4, reg::tp, o.top);
  a.ld(reg::a0, reg::tp, o.a0);
  a.ld(reg::a1, reg::tp, o.a1);
  a.fld(reg::fa0, reg::tp, o.fa0);
  a.ld(reg::t2, reg::tp, o.seq);     // leave, after every register is back
  a.neg(reg::t2, reg::t2);
  a.sd(reg::t2, reg::tp, o.seq);
  a.ret();
  a.bind(to_general);
  a.neg(reg::t2, reg::t2);           // leave; the general dispatcher enters again
  a.sd(reg::t2, reg::tp, o.seq);
  a.j(general_ret);
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
  Label fast_ret = a.new_label(), stub_entry_exit = a.new_label(), stub_exit = a.new_label();
  if (fast) {
    for (int l = 0; l < 2; ++l)
      for (int k = 0; k < kFastArities; ++k) {
        fast_labels[l][k] = a.new_label();
        a.bind(fast_labels[l][k]);
        emit_fast_entry(a, o, l == 0 ? 4 : 8, k, l == 0 ? one : two);
      }
    Label counter = a.pool_constant(reinterpret_cast<uint64_t>(&g_shadow_overflows));
    a.bind(stub_entry_exit);
    emit_exit_stub(a, o, true, counter);
    a.bind(stub_exit);
    emit_exit_stub(a, o, false, counter);
    a.bind(fast_ret);
    emit_fast_return(a, o, ret);
  }
  a.flush_pool();

  Result<AssembledCode> code = a.finalize();
  if (!code.ok()) return code.error();
  AssembledTrampolines t{std::move(code.value()), 0, 0, 0, {}, 0, 0, 0};
  if (fast) {
    t.fast_ret_offset = static_cast<uint32_t>(a.label_offset(fast_ret));
    t.stub_entry_exit_offset = static_cast<uint32_t>(a.label_offset(stub_entry_exit));
    t.stub_exit_offset = static_cast<uint32_t>(a.label_offset(stub_exit));
  }
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
