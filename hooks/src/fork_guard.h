// fork() while another thread is inside a HookManager control call: the child has only the
// forking thread, so a mutex copied in the locked state would hang its first control call,
// and the manager's state could be half-changed. The prepare handler takes every live
// manager's mutex (so fork waits until no control call is in progress, bounded by that
// call's own timeouts); the parent and child handlers release them.
//
// Lock order: the registry lock, then each manager's mutex (a control call takes only its
// own mutex, and then the runtime's text lock). The hooks' handlers are registered after
// the runtime's (see fork_guard.cpp), so they run first in the prepare phase: a manager's
// mutex is always taken before the text lock, as in a control call.
#pragma once

#include <mutex>

namespace rvjit::hooks_internal {

// A manager's mutex joins / leaves the set the fork handlers hold. untrack() must not be
// called with that mutex held.
void track_manager_mutex(std::mutex* mu);
void untrack_manager_mutex(std::mutex* mu);

}  // namespace rvjit::hooks_internal
