// The stack frames the trampolines build and the dispatchers read. The trampoline code
// (trampoline_emit.cpp) stores registers at exactly these offsets: keep both in step (the
// static_asserts below pin the layout).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rvjit::hooks_internal {

// Entry trampoline frame. 16-byte multiple: the psABI keeps sp 16-aligned.
struct EntryFrame {
  uint64_t a[8];      // a0..a7 as the hooked function received them
  uint64_t fa[8];     // fa0..fa7, raw bits
  uint64_t ra;        // the caller's return address; the dispatcher may redirect it
  uint64_t resume;    // t0 at the trampoline: the first byte after the site
  uint64_t function;  // entry address of the hooked function (resume - site size)
  uint64_t pad;
};
static_assert(sizeof(EntryFrame) == 160 && sizeof(EntryFrame) % 16 == 0);
inline constexpr int kFrameA = offsetof(EntryFrame, a);
inline constexpr int kFrameFa = offsetof(EntryFrame, fa);
inline constexpr int kFrameRa = offsetof(EntryFrame, ra);
inline constexpr int kFrameResume = offsetof(EntryFrame, resume);
inline constexpr int kFrameFunction = offsetof(EntryFrame, function);

// Return trampoline frame: the return value registers.
struct ReturnFrame {
  uint64_t a0, a1, fa0, fa1;
};
static_assert(sizeof(ReturnFrame) == 32);

}  // namespace rvjit::hooks_internal

extern "C" {
// Called by the entry trampoline with its frame.
void rvjit_hooks_entry_dispatch(rvjit::hooks_internal::EntryFrame* frame);
// Called by the return trampoline; returns the real return address to jump to.
uint64_t rvjit_hooks_exit_dispatch(rvjit::hooks_internal::ReturnFrame* frame);
// The same with a seq_cst fence after entering: the trampoline sets assembled while
// membarrier is not in force call these (dispatch.cpp).
void rvjit_hooks_entry_dispatch_fenced(rvjit::hooks_internal::EntryFrame* frame);
uint64_t rvjit_hooks_exit_dispatch_fenced(rvjit::hooks_internal::ReturnFrame* frame);
}
