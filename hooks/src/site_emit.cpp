#include "rvjit/hooks/site.h"

namespace rvjit {

const char* site_layout_name(SiteLayout layout) noexcept {
  return layout == SiteLayout::kOneWord ? "one_word" : "two_word";
}

void emit_hook_prologue(Assembler& a, SiteLayout layout, Label entry) {
  // The hook word must be naturally aligned so that the dispatcher reads it with one
  // 8-byte load; align(8) also makes the code's final address 8-aligned.
  a.align(8);
  a.emit32(0);  // hook word, low half: HookManager::install writes the HookSlot address
  a.emit32(0);  // hook word, high half
  a.bind(entry);
  a.mark_patch_site(site_size(layout), hook_site_tag(layout));
  // Raw 4-byte nops: with auto-compression a.nop() could pick c.nop, and the site must
  // be whole words that one aligned store (one_word) can switch.
  a.emit32(enc::kNop);
  if (layout == SiteLayout::kTwoWord) a.emit32(enc::kNop);
}

}  // namespace rvjit
