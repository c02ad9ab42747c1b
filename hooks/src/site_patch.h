// Batch patching of hook sites: the arch_ftrace_update_code() of rvjit. All the writes of
// one control operation happen under the text lock and are followed by ONE sync step.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "rvjit/error.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/code_memory.h"

namespace rvjit::hooks_internal {

struct SitePatch {
  uintptr_t entry;       // first byte of the site
  uintptr_t trampoline;  // the entry trampoline for this layout (enable only)
  SiteLayout layout;
  bool enable;
};

// The site's bytes for the requested state. kBranchOutOfRange when a one_word site's
// trampoline is beyond jal range (the manager never lets that happen).
Error encode_site(const SitePatch& p, uint32_t words[2], size_t* len);

// Which sync a batch really uses (see HookManager::effective_sync).
SyncStrategy resolve_sync(SyncStrategy requested, WxPolicy policy, bool any_two_word);

// Writes every patch and synchronises once. Returns the strategy used. On an error
// before the sync nothing was written (all sites are encoded and checked first).
Result<SyncStrategy> patch_sites(std::span<const SitePatch> patches, SyncStrategy requested,
                                 WxPolicy policy, std::chrono::milliseconds rendezvous_timeout);

}  // namespace rvjit::hooks_internal
