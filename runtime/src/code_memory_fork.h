// dual_map code memory across fork() (rvjit/runtime/fork.h); private to rvjit_runtime.
#pragma once

#include "rvjit/runtime/code_memory.h"

namespace rvjit::internal {

struct CodeMemoryFork {
  // The list of live dual_map blocks (its leaf lock is taken inside).
  static void link(CodeMemory* m) noexcept;
  static void unlink(CodeMemory* m) noexcept;
  // Fork handlers (fork_handlers.cpp calls them with the text lock held): prepare takes
  // the list lock and snapshots every block into a new memfd; parent closes the
  // snapshots and unlocks; child maps each snapshot over both views (or makes the block
  // inaccessible when there is none) and re-initialises the lock.
  static void prepare() noexcept;
  static void parent() noexcept;
  static void child() noexcept;
};

}  // namespace rvjit::internal
