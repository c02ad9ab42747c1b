// fork() and the runtime: what a child gets, and the lock order across fork.
//
// The child of a process that uses rvjit (issue 13, items 1 and 7):
//   * owns its code. Under dual_map both views of every code region are MAP_SHARED views
//     of one memfd, which fork would share with the parent. The runtime's prepare handler
//     snapshots the used part of every region into a new memfd (under the text lock, so
//     no write is half done), and the child handler maps it over both views at the same
//     addresses before anything else runs in the child. From then on a store, an
//     install or a patch in one process is never seen by the other, and each continues
//     from its own allocation state (the cache's bookkeeping is ordinary private memory).
//     Under flip the code is a private mapping already. If the snapshot could not be made
//     (no memory, no file descriptor), the child's copy of that region is made
//     inaccessible and every write to it fails with kSystemError: the child never
//     changes the parent's code.
//   * can call the runtime at once, whatever other threads of the parent were doing: the
//     prepare handler takes, in this order, the text lock (patch.h), then the runtime's
//     internal leaf locks (code-memory list, listener set-up, signal-handler
//     installation), then the stop_the_world lock; the parent handler releases them in
//     reverse; the child handler re-initialises them (only the forking thread exists
//     there). A fork from inside a text-lock section or a stop_the_world callback is
//     allowed: the child holds the text lock as deeply as the parent did.
//   * holds only the forking thread in its thread registry (thread_registry.h).
//
// Layers above the runtime that hold a lock of their own around runtime calls (the hooks
// library's manager mutex) must take that lock in their prepare handler BEFORE the
// runtime takes its own, i.e. register their pthread_atfork handlers AFTER the runtime's
// (prepare handlers run in reverse order of registration, child handlers in order). The
// runtime registers its handlers on first use (CodeCache::create, a code memory block, a
// thread registration, stop_the_world, text_lock()); call ensure_runtime_fork_handlers() before
// your own pthread_atfork to be sure of the order.
#pragma once

namespace rvjit {

// Registers the runtime's fork handlers once (thread-safe, idempotent).
void ensure_runtime_fork_handlers() noexcept;

}  // namespace rvjit
