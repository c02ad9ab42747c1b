// Thread registry: the set of threads a stop-the-world rendezvous covers.
//
// Every thread that runs JIT code registers for as long as it may do so. A rendezvous
// (rvjit/runtime/stop_the_world.h) signals exactly the registered threads, so an
// unregistered thread must never be inside JIT code while code is patched.
//
//   {
//     rvjit::ThreadRegistration reg("worker-3");   // RAII scope
//     if (!reg.ok()) ... reg.error().to_string() ...
//     ... run JIT code ...
//   }                                               // unregistered here
//
// Rules
// * Registration is per thread and nests: an inner registration of an already registered
//   thread only counts; the thread leaves the registry when the outermost one ends.
// * A thread that exits while registered is unregistered by a thread_local destructor
//   (so the C API cannot leak a slot when a thread forgets to unregister).
// * Registering while a rendezvous is in progress waits until it has ended (a thread that
//   appeared in the middle would not have been parked). Unregistering never waits: a
//   thread that leaves (or exits) during a rendezvous is simply not waited for.
// * Storage is a fixed array of kMaxRegisteredThreads slots, allocated statically, so the
//   rendezvous signal handler reads it without allocating or locking.
// * After fork() the child's registry holds only the forking thread (if it was registered).
// * Registering from inside a stop_the_world callback returns kNestedCall.
// * Registering (the outermost level) executes FENCE.I on the calling hart, so code that
//   other threads installed or patched before it registered is safe to run. Code
//   published later still needs the receiver's own FENCE.I (CodeCache::find() does it).
#pragma once

#include <cstddef>

#include "rvjit/error.h"

namespace rvjit {

inline constexpr size_t kMaxRegisteredThreads = 1024;
inline constexpr size_t kThreadNameCapacity = 32;  // including the terminating NUL

// Registers the calling thread (or deepens its registration). `name` (may be null: the
// thread's pthread name is used) appears in rendezvous errors; it is truncated to
// kThreadNameCapacity-1 bytes. Also installs the rendezvous signal handler on first use.
// Errors: kBusy when all slots are taken or another handler owns the rendezvous signal,
// kNestedCall inside a stop_the_world callback, kSystemError when sigaction fails.
Error register_current_thread(const char* name = nullptr);

// Ends one level of registration of the calling thread; no-op when it is not registered.
// Never blocks (in particular not while a rendezvous is in progress).
void unregister_current_thread() noexcept;

// Whether the calling thread is registered.
bool current_thread_registered() noexcept;

// Number of registered threads right now (a snapshot; racy by nature).
size_t registered_thread_count() noexcept;

// RAII scope over register_current_thread / unregister_current_thread.
class ThreadRegistration {
 public:
  explicit ThreadRegistration(const char* name = nullptr)
      : error_(register_current_thread(name)) {}
  ~ThreadRegistration() {
    if (error_.ok()) unregister_current_thread();
  }
  ThreadRegistration(const ThreadRegistration&) = delete;
  ThreadRegistration& operator=(const ThreadRegistration&) = delete;

  bool ok() const noexcept { return error_.ok(); }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

}  // namespace rvjit
