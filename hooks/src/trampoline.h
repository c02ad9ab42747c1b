// The trampolines, one set per code-cache region (so a one_word site's jal always
// reaches), emitted with rvjit's own Assembler:
//   entry_one_word   reached by `jal t0, T` at a one_word site (t0 = site + 4)
//   entry_two_word   reached by `auipc t0; jalr t0, lo(t0)` at a two_word site (t0 = site + 8)
//   ret              reached by `ret` of a function whose return address was redirected
// Entry: build an EntryFrame (hook_frame.h), call rvjit_hooks_entry_dispatch, reload
// a0-a7, fa0-fa7 and ra from the frame (a callback may have changed them, and the
// dispatcher may have redirected ra), and continue after the site. Return: save a0, a1,
// fa0, fa1, call rvjit_hooks_exit_dispatch, jump to the real return address it returns.
// The dispatchers' addresses come from a literal pool inside the set, so the set works at
// any distance from the library.
#pragma once

#include <cstdint>

#include "rvjit/error.h"
#include "rvjit/jit/assembled_code.h"

namespace rvjit::hooks_internal {

// Fast entries (trampoline_emit.cpp, docs/hooks.md "The fast path"): one per layout and
// declared integer argument count 0..2, for functions without FP arguments.
inline constexpr int kFastArities = 3;

struct TrampolineSet {
  uintptr_t entry_one_word = 0;
  uintptr_t entry_two_word = 0;
  uintptr_t ret = 0;
  uintptr_t fast[2][kFastArities] = {};  // [layout][int args]; 0: not emitted
  // The fast exit path (0: not emitted, with the fast entries): the return trampoline
  // and the exit stubs a FastRecord::fn names (entry_args + exit, exit only).
  uintptr_t fast_ret = 0, stub_entry_exit = 0, stub_exit = 0;
};

struct AssembledTrampolines {
  AssembledCode code;
  uint32_t entry_one_word_offset;
  uint32_t entry_two_word_offset;
  uint32_t ret_offset;
  uint32_t fast_offset[2][kFastArities];  // 0: not emitted
  uint32_t fast_ret_offset, stub_entry_exit_offset, stub_exit_offset;  // 0: not emitted
};

// with_fast: also emit the fast entries (the caller checked asymmetric_fence()); they are
// left out anyway when the thread words are not within a 12-bit offset of tp.
Result<AssembledTrampolines> assemble_trampolines(bool with_fast);

}  // namespace rvjit::hooks_internal
