// HookFilter and the sync strategy names.
#include <fnmatch.h>

#include <algorithm>

#include "rvjit/hooks/hook_manager.h"

namespace rvjit {

bool HookFilter::matches(std::string_view name) const {
  switch (kind_) {
    case Kind::kAll:
      return true;
    case Kind::kGlob:
      return fnmatch(glob_.c_str(), std::string(name).c_str(), 0) == 0;
    case Kind::kList:
      return std::find(names_.begin(), names_.end(), name) != names_.end();
  }
  return false;
}

std::string HookFilter::describe() const {
  switch (kind_) {
    case Kind::kAll:
      return "all";
    case Kind::kGlob:
      return "glob '" + glob_ + "'";
    case Kind::kList:
      return "list of " + std::to_string(names_.size()) + " names";
  }
  return "?";
}

const char* sync_strategy_name(SyncStrategy s) noexcept {
  switch (s) {
    case SyncStrategy::kAuto: return "auto";
    case SyncStrategy::kStopTheWorld: return "stop_the_world";
    case SyncStrategy::kMembarrier: return "membarrier";
    case SyncStrategy::kFlushSyscall: return "flush_syscall";
  }
  return "?";
}

Result<SyncStrategy> parse_sync_strategy(std::string_view text) {
  for (SyncStrategy s : {SyncStrategy::kAuto, SyncStrategy::kStopTheWorld,
                         SyncStrategy::kMembarrier, SyncStrategy::kFlushSyscall})
    if (text == sync_strategy_name(s)) return s;
  return Error(ErrorCode::kInvalidArgument,
               "unknown sync strategy '" + std::string(text) +
                   "' (auto, stop_the_world, membarrier, flush_syscall)");
}

}  // namespace rvjit
