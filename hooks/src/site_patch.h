// Batch patching of hook sites: the arch_ftrace_update_code() of rvjit. All the writes of
// one control operation happen under the text lock and are followed by ONE sync step.
//
// Every state change of a site is ONE aligned 32-bit store to its word 0 (site.h): a
// thread fetches the old or the new instruction, and no thread is ever between two words
// that change, in any signal frame. The only other store is the first binding of a
// two_word site's word 1 (`nop` -> `jalr t0, lo(t0)`), written before word 0 in the same
// batch; word 0 was `j .+8` until then, so nothing ran word 1, and a hart that fetches
// the new word 0 with a stale word 1 runs `auipc t0; nop` (t0 is dead at entry): the call
// is simply not hooked yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "rvjit/error.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/code_memory.h"

namespace rvjit::hooks_internal {

struct SitePatch {
  uintptr_t entry;       // first byte of the site
  uintptr_t trampoline;  // the entry trampoline for this layout (fixed per function)
  SiteLayout layout;
  bool enable;
  bool bind;  // two_word, enable: also write word 1 (the site's first enable)
};

struct SiteWrite {
  uintptr_t at;
  uint32_t word;
};

// The stores that bring the site to the requested state, in store order (word 1 before
// word 0). kBranchOutOfRange when the trampoline is beyond reach (never, by construction).
Error encode_site(const SitePatch& p, std::vector<SiteWrite>& out);

// Which sync a batch really uses (see HookManager::effective_sync).
SyncStrategy resolve_sync(SyncStrategy requested, WxPolicy policy, bool any_two_word);

// Reports an event to the manager's observer (if any); for kSyncBegin its error.
Error notify(const HookPatchObserver& observer, const HookPatchEvent& event);

// Makes every thread fetch what was written before (membarrier / flush syscall / an empty
// rendezvous), the caller included. Reports kSyncBegin / kSyncDone.
Error sync_all_threads(SyncStrategy used, std::chrono::milliseconds rendezvous_timeout,
                       const HookPatchObserver& observer);

struct BatchOptions {
  SyncStrategy requested = SyncStrategy::kAuto;
  WxPolicy policy = WxPolicy::kDualMap;
  std::chrono::milliseconds rendezvous_timeout{1000};
  const HookPatchObserver* observer = nullptr;
};

// Writes every patch and synchronises once. Returns the strategy used. On error the code
// is as it was: under stop_the_world nothing was written (the rendezvous aborts before its
// callback); on the membarrier / flush path a failed sync restores every word 0 it changed
// (then syncs again, best effort) before returning the error.
Result<SyncStrategy> patch_sites(std::span<const SitePatch> patches, const BatchOptions& options);

}  // namespace rvjit::hooks_internal
