// The dispatchers: C++ called from the trampolines on every hooked call and return.
// They run on the hooked thread, in ordinary (not signal) context, and never allocate or
// lock: a per-thread slot (thread_state.h), atomic loads of immutable published data
// (hook_slot.h), the callbacks.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "hook_frame.h"
#include "hook_slot.h"
#include "thread_state.h"

namespace rvjit::hooks_internal {

namespace {

// The hook word at entry-8 is written before the code is published and never changes;
// it is 8-byte aligned by construction (emit_hook_prologue), so one `ld` reads it.
const HookSlot* slot_of(uint64_t function) {
  return *reinterpret_cast<const HookSlot* const*>(function - 8);
}

// Eight words, inline: a libc memcpy call here cost more than the rest of the dispatcher.
// Spelled out because GCC turns the equivalent loop back into a memcpy call.
inline void copy8(uint64_t* dst, const uint64_t* src) {
  dst[0] = src[0], dst[1] = src[1], dst[2] = src[2], dst[3] = src[3];
  dst[4] = src[4], dst[5] = src[5], dst[6] = src[6], dst[7] = src[7];
}

// Enter/leave: the reader half of the grace period (thread_state.cpp explains the pair).
// Returns false when the thread is inside already (a callback, or a signal handler on
// top of a dispatcher): that call is not traced. Only this thread writes its seq.
[[gnu::always_inline]] inline bool enter(int64_t* out) {
  const int64_t n = t_hot.seq.load(std::memory_order_relaxed);
  if (n < 0) return false;
  t_hot.seq.store(~n, std::memory_order_relaxed);
  // Without membarrier the grace period cannot fence for us (thread_state.cpp).
  if (!asymmetric_fence()) std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the compiler keeps the order
  *out = n;
  return true;
}
[[gnu::always_inline]] inline void leave(int64_t n) {
  t_hot.seq.store(n + 1, std::memory_order_release);
}

[[noreturn]] void die(const char* msg) {
  // Async-signal-safe report: the shadow stack is the only record of where to return.
  ssize_t r = write(2, msg, std::strlen(msg));
  (void)r;
  std::abort();
}

}  // namespace
}  // namespace rvjit::hooks_internal

using namespace rvjit::hooks_internal;

extern "C" void rvjit_hooks_entry_dispatch(EntryFrame* f) {
  HookThreadState* st = current_thread_state();
  int64_t s;
  if (st == nullptr || !enter(&s)) return;  // no slot, or called from inside a callback
  const HookSlot* slot = slot_of(f->function);
  // acquire pairs with the manager's release store of the dispatch: its ops are visible.
  const SiteDispatch* d = slot ? slot->dispatch.load(std::memory_order_acquire) : nullptr;
  if (d != nullptr) {
    uint64_t args[8], fargs[8];
    rvjit_hook_ctx ctx{};
    ctx.function = f->function;
    ctx.name = slot->name;
    ctx.return_address = f->ra;
    bool wants_exit = false;
    for (uint32_t i = 0; i < d->count; ++i) {
      // acquire pairs with the release store of a swap: the Callbacks fields are visible.
      const Callbacks* cb = d->ops[i]->callbacks.load(std::memory_order_acquire);
      if (cb->exit || cb->exit_ret) wants_exit = true;
      if (cb->flags & RVJIT_HOOK_ENTRY_ARGS) {
        const rvjit_hook_args_info info{cb->user_data, f->function, slot->name};
        cb->entry_args(f->a[0], f->a[1], &info);  // its own copies: changes are not seen
      }
      if (!(cb->flags & RVJIT_HOOK_ENTRY) || !cb->entry) continue;
      if (cb->flags & RVJIT_HOOK_MODIFY_REGS) {
        ctx.args = f->a;  // the trampoline reloads them from the frame
        ctx.fp_args = f->fa;
      } else {
        copy8(args, f->a);  // a fresh copy: changes are not seen
        copy8(fargs, f->fa);
        ctx.args = args;
        ctx.fp_args = fargs;
      }
      cb->entry(&ctx, cb->user_data);
    }
    if (wants_exit) {
      const uint64_t tramp = slot->return_trampoline.load(std::memory_order_acquire);
      ShadowEntry* top = t_hot.shadow_top;
      if (top < t_hot.shadow_end && tramp != 0) {
        // Reserve, then write (thread_state.h): a signal handler on top cannot take it.
        t_hot.shadow_top = top + 1;
        std::atomic_signal_fence(std::memory_order_seq_cst);
        *top = ShadowEntry{f->ra, slot};
        f->ra = tramp;  // the function now returns through the return trampoline
      } else {
        count_shadow_overflow();  // this frame's exit is not traced
      }
    }
  }
  leave(s);
}

extern "C" uint64_t rvjit_hooks_exit_dispatch(ReturnFrame* f) {
  HookThreadState* st = current_thread_state();
  if (st == nullptr || shadow_empty(st))
    die("rvjit hooks: return trampoline reached with an empty shadow stack "
        "(a traced frame was left by longjmp or unwinding?)\n");
  // Pop: read the entry, then release it (thread_state.h: a signal handler on top may
  // push once it is released).
  ShadowEntry* top = t_hot.shadow_top - 1;
  const ShadowEntry e = *top;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_hot.shadow_top = top;
  int64_t s;
  if (enter(&s)) {
    const HookSlot* slot = e.slot;
    const SiteDispatch* d = slot->dispatch.load(std::memory_order_acquire);
    if (d != nullptr) {
      // The caller sees errno as the function left it, whatever the callbacks did.
      int* const err = st->errno_location;
      const int saved_errno = *err;
      rvjit_hook_ctx ctx{};
      ctx.function = slot->entry;
      ctx.name = slot->name;
      ctx.return_address = e.real_ra;
      ctx.return_value = f->a0;
      ctx.return_value2 = f->a1;
      ctx.fp_return_bits = f->fa0;
      for (uint32_t i = 0; i < d->count; ++i) {
        const Callbacks* cb = d->ops[i]->callbacks.load(std::memory_order_acquire);
        if (cb->exit) cb->exit(&ctx, cb->user_data);
        if (cb->exit_ret) {  // the cheap kind, called as the fast return calls it
          const rvjit_hook_args_info info{cb->user_data, slot->entry, slot->name};
          cb->exit_ret(f->a0, f->a1, &info);
        }
      }
      *err = saved_errno;
    }
    leave(s);
  }
  return e.real_ra;
}
