// The data the dispatchers read on every hooked call. All of it is ordinary RW memory:
// changing tracers never touches code.
//
//   hook word (code, entry-8) --> HookSlot --(atomic)--> SiteDispatch --> OpsRecord[i]
//                                                                          --(atomic)--> Callbacks
//
// Lifetime rules (what makes hot swap and unregister safe):
//   * a HookSlot lives as long as the HookManager (its function may still be running);
//   * a SiteDispatch or Callbacks that was replaced, and an OpsRecord that was removed
//     from every SiteDispatch, are freed only after a grace period (thread_state.h): by
//     then no thread is inside a dispatcher that could still hold a pointer to them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "rvjit/hooks.h"

namespace rvjit::hooks_internal {

// Immutable once published: a swap publishes a new one.
struct Callbacks {
  rvjit_hook_fn entry;
  rvjit_hook_fn exit;
  void* user_data;
  uint32_t flags;
  rvjit_hook_args_fn entry_args;
  rvjit_hook_ret_fn exit_ret;
};

// What the fast trampolines call (trampoline_emit.cpp): `info` is passed as the
// callbacks' third argument. Immutable once published; one per site, replaced (and
// retired to a grace period) when its ops or callbacks change.
//   ENTRY_ARGS:          fn = entry_args; exit_ret = a no-op (a frame pushed under an
//                        earlier exit ops may still return through the fast return)
//   ENTRY_ARGS|EXIT_RET: fn = the set's exit stub that pushes the frame and tail-calls
//                        entry_args; ret = the set's fast return trampoline
//   EXIT_RET:            fn = the set's exit stub that only pushes the frame
struct FastRecord {
  rvjit_hook_args_info info;
  rvjit_hook_args_fn fn;          // called by the fast entry (a callback or a JIT'd stub)
  rvjit_hook_args_fn entry_args;  // tail-called by the entry+exit stub
  rvjit_hook_ret_fn exit_ret;     // called by the fast return trampoline; never null
  uintptr_t ret;                  // the fast return trampoline (the stub points ra there)
};
inline constexpr int kFastFn = offsetof(FastRecord, fn);
inline constexpr int kFastEntryArgs = offsetof(FastRecord, entry_args);
inline constexpr int kFastExitRet = offsetof(FastRecord, exit_ret);
inline constexpr int kFastRet = offsetof(FastRecord, ret);
static_assert(offsetof(FastRecord, info) == 0);

struct OpsRecord {
  uint64_t id;
  // Release-stored by the manager; acquire-loaded by the dispatchers, so the Callbacks'
  // fields are visible to the thread that calls through them.
  std::atomic<const Callbacks*> callbacks;
};

// Immutable once published: the ops attached to one site, in registration order.
struct SiteDispatch {
  uint32_t count;
  OpsRecord* ops[1];  // really [count]; allocated with room for all of them
};

struct HookSlot {
  // First member (the fast trampoline loads it at offset 0). Non-null only while the
  // function's one attached ops qualifies for the fast path (hook_manager.cpp). Release-
  // stored by the manager; the trampoline's plain `ld` of a field through it is ordered
  // after the pointer load by RVWMO's address dependency (a consume load).
  std::atomic<const FastRecord*> fast{nullptr};
  // nullptr: no ops (the site may still be enabled for a moment while being disabled).
  std::atomic<const SiteDispatch*> dispatch{nullptr};
  const char* name = "";    // the function's name (owned by the manager)
  uintptr_t entry = 0;      // the function's entry address (the site)
  // The return trampoline of the function's own region: it lives exactly as long as the
  // function's code, so a redirected frame can never return into unmapped memory.
  // Release-stored before the site is first enabled; acquire-loaded by the dispatcher.
  std::atomic<uintptr_t> return_trampoline{0};
};

}  // namespace rvjit::hooks_internal
