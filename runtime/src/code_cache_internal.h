// Internal link between the code cache and patch_insn_write (not a public header).
#pragma once

#include <cstddef>
#include <cstdint>

#include <vector>

#include "rvjit/error.h"
#include "rvjit/runtime/code_events.h"
#include "rvjit/runtime/code_memory.h"

namespace rvjit::internal {

// The code memory holding [addr, addr+len) if that range lies entirely inside one live
// published function or inside the reserved trampoline slots of one region.
// kForeignAddress otherwise. Caller holds text_lock().
Result<CodeMemory*> resolve_published(uintptr_t addr, size_t len);

// The process-wide listeners the environment asks for now, to attach to a new cache
// (code_cache_listeners.cpp).
std::vector<CodeEventListener*> env_listeners();

}  // namespace rvjit::internal
