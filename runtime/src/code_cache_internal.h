// Internal link between the code cache and patch_insn_write (not a public header).
#pragma once

#include <cstddef>
#include <cstdint>

#include "rvjit/error.h"
#include "rvjit/runtime/code_memory.h"

namespace rvjit::internal {

// The code memory holding [addr, addr+len) if that range lies entirely inside one live
// published function or inside the reserved trampoline slots of one region.
// kForeignAddress otherwise. Caller holds text_lock().
Result<CodeMemory*> resolve_published(uintptr_t addr, size_t len);

}  // namespace rvjit::internal
