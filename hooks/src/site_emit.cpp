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
  // Raw 4-byte words: with auto-compression a.nop() could pick c.nop, and the site must
  // be whole words that one aligned store can switch.
  if (layout == SiteLayout::kOneWord) {
    a.emit32(kDisabledOneWord);
  } else {
    a.emit32(kDisabledTwoWord0);  // skips word 1: disabled cost is one instruction
    a.emit32(kUnboundTwoWord1);
  }
}

}  // namespace rvjit

static_assert(rvjit::kDisabledTwoWord0 == rvjit::enc::j_type(rvjit::enc::kOpJal, 0, 8));
static_assert(rvjit::kDisabledOneWord == rvjit::enc::kNop && rvjit::kUnboundTwoWord1 == rvjit::enc::kNop);
