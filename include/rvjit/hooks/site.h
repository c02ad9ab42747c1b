// Hook sites: what a VM emits at the start of every function it wants hookable.
//
// Layout (both layouts; `entry` is 8-byte aligned):
//   entry - 8   hook word: address of the function's HookSlot (written once, at install,
//               by HookManager::install; 0 until then). Data, never executed.
//   entry       the site, disabled:   one_word: nop           two_word: j .+8 ; nop
//                         enabled:    one_word: jal t0, T1    two_word: auipc t0, hi
//                                                                       jalr t0, lo(t0)
//   entry + 4/8 the function body
// Enabling or disabling changes ONE aligned word in both layouts (word 0). A two_word
// site's second word is `nop` until the site is first enabled, then `jalr t0, lo(t0)` for
// good (its target never changes): the disabled `j .+8` never runs it, so no thread can
// ever be between two words that change (docs/hooks.md explains why).
// T1/T2 are the entry trampolines of the function's code-cache region (within +-1 MiB, so
// one jal reaches). The trampoline saves the argument registers, calls the dispatcher,
// which reads the hook word -> HookSlot -> the current ops, and resumes the body.
// Changing a tracer writes the HookSlot (ordinary data), never code; only enabling or
// disabling a site writes code (patch_insn_write) followed by the sync step.
#pragma once

#include <cstdint>

#include "rvjit/hooks.h"
#include "rvjit/jit/assembler.h"

namespace rvjit {

enum class SiteLayout : uint8_t {
  kOneWord = RVJIT_SITE_ONE_WORD,
  kTwoWord = RVJIT_SITE_TWO_WORD,
};
const char* site_layout_name(SiteLayout layout) noexcept;

// Tag of hook sites in AssembledCode::patch_sites (low bit: the layout).
inline constexpr uint16_t kHookSiteTagBase = 0x4860;
constexpr uint16_t hook_site_tag(SiteLayout l) {
  return static_cast<uint16_t>(kHookSiteTagBase | static_cast<uint16_t>(l));
}
constexpr bool is_hook_site_tag(uint16_t tag) { return (tag & ~1u) == kHookSiteTagBase; }
constexpr SiteLayout hook_site_layout(uint16_t tag) { return static_cast<SiteLayout>(tag & 1u); }
constexpr uint16_t site_size(SiteLayout l) { return l == SiteLayout::kOneWord ? 4 : 8; }
// The disabled site as emitted: word 0 (`nop` / `j .+8`) and, for two_word, word 1 (`nop`).
inline constexpr uint32_t kDisabledOneWord = 0x00000013;      // nop
inline constexpr uint32_t kDisabledTwoWord0 = 0x0080006f;     // jal zero, 8  (j .+8)
inline constexpr uint32_t kUnboundTwoWord1 = 0x00000013;      // nop until first enabled

// Emits the hook word and a disabled site at the current position (after aligning to 8)
// and binds `entry` at the site: call the function at label_offset(entry). Emit it
// before the function's prologue: the site clobbers t0 when enabled.
void emit_hook_prologue(Assembler& a, SiteLayout layout, Label entry);

}  // namespace rvjit
