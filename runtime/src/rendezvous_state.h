// State shared by the thread registry, the stop_the_world caller and the rendezvous
// signal handler (private to rvjit_runtime). Everything here is statically allocated:
// the handler reads it without allocating or locking.
//
// The rendezvous word (the seed's `cpu_count`, widened so stale signals cannot count):
//
//   31          16 15        14        13           0
//   [ generation ][RELEASED][ABORTED ][arrival count]
//
// * The caller opens rendezvous `gen` by storing (gen << 16) (release: pairs with the
//   handlers' acquire load, so they see the published fixup table).
// * A handler arrives with a CAS that adds 1 only while the word still names the same
//   generation and RELEASED is clear, so a late (stale) signal never counts.
// * The caller frees the parked threads by setting RELEASED (release), or RELEASED|ABORTED
//   on failure. The seed increments cpu_count to N+1 instead; a flag also tells late
//   handlers that the rendezvous is over.
// * Both sides futex-wait on this one word, with different bitsets, so a wake aimed at
//   the caller does not wake the parked threads and vice versa.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace rvjit::detail {

inline constexpr uint32_t kReleased = 1u << 15;
inline constexpr uint32_t kAborted = 1u << 14;
inline constexpr uint32_t kCountMask = (1u << 14) - 1;
inline constexpr uint32_t kCallerBit = 1u;  // futex bitset: the stop_the_world caller
inline constexpr uint32_t kParkedBit = 2u;  // futex bitset: threads parked in the handler
static_assert(kMaxRegisteredThreads <= kCountMask);

inline uint32_t word_gen(uint32_t w) { return w >> 16; }
inline uint32_t word_count(uint32_t w) { return w & kCountMask; }

struct Slot {
  std::atomic<pid_t> tid{0};          // 0: free. Written with release after `name`.
  std::atomic<uint32_t> answered{0};  // last generation this thread arrived for (0: none)
  std::atomic<uint32_t> stall{0};     // testing only: the handler does not arrive
  // Nonzero while the thread runs the rendezvous handler. The kernel blocks the signal
  // during the handler, so /proc shows it "blocked" then: the caller must not mistake a
  // thread still leaving the previous rendezvous (or stalled in it) for one that blocks.
  std::atomic<uint32_t> in_handler{0};
  char name[kThreadNameCapacity] = {};
};

// The PC fixup ranges of one rendezvous, in one allocation (count, then the ranges).
struct FixupTable {
  size_t count;
  const PcFixupRange* ranges() const { return reinterpret_cast<const PcFixupRange*>(this + 1); }
};

struct RendezvousState {
  Slot slots[kMaxRegisteredThreads];
  std::atomic<uint32_t> slot_hwm{0};  // slots at index >= hwm have never been used

  std::atomic<uint32_t> word{kReleased};  // see above; generation 0 is never used
  std::atomic<pid_t> caller_tid{0};       // the thread running stop_the_world, 0: none
  std::atomic<uint32_t> caller_sleeping{0};
  std::atomic<uint32_t> target{0};  // arrivals the caller waits for (handlers wake it then)
  // Handlers between their first look at the word and their arrival (or their exit):
  // they may read `fixups`. The caller futex-waits on it (kCallerBit) after the close.
  std::atomic<uint32_t> readers{0};
  // Spin iterations a parked thread may spend before it futex-waits: set by the caller
  // per rendezvous, 0 when the threads outnumber the CPUs (spinning would then take the
  // CPU that a thread still to be signalled, or the releaser, needs).
  std::atomic<uint32_t> park_spins{0};
  // Generation whose caller has finished stop_the_world (after its FENCE.I). Only a
  // scheduling hint, no ordering: when the threads outnumber the CPUs, a released thread
  // yields its CPU until the caller is out (rendezvous_handler.cpp says why). Relaxed on
  // both sides; the word's RELEASED flag carries everything that correctness needs.
  std::atomic<uint32_t> caller_done_gen{0};

  // Fixup table of the open rendezvous: the caller's copy of its ranges (null: none).
  // The caller frees it after the close once readers == 0; if a reader does not leave
  // within a bound (a handler that lost its CPU between its first look and its arrival),
  // the table is leaked instead, so no handler ever reads freed memory and no caller waits
  // unboundedly. One pointer: count and ranges are read consistently.
  std::atomic<const FixupTable*> fixups{nullptr};

  std::atomic<int> signo{0};  // 0 until the handler is installed
};

RendezvousState& state() noexcept;

// Installs the handler (and the fork handlers) once. Thread-safe.
Error ensure_rendezvous_installed();

// The signal handler (rendezvous_handler.cpp).
void rendezvous_handler(int signo, siginfo_t* info, void* ucontext);

// Per-thread registration, readable from the handler (initial-exec TLS: no allocation on
// first access). -1: not registered.
// constinit: no dynamic initialisation, hence no TLS wrapper call from other files.
extern constinit thread_local int t_slot __attribute__((tls_model("initial-exec")));
extern constinit thread_local pid_t t_tid __attribute__((tls_model("initial-exec")));
extern constinit thread_local bool t_in_stw __attribute__((tls_model("initial-exec")));

pid_t current_tid() noexcept;  // gettid(), cached per thread

// The global lock that serialises stop_the_world calls and registrations.
void lock_stw() noexcept;
void unlock_stw() noexcept;
// The rendezvous part of the runtime's fork handlers (fork_handlers.cpp): the stw lock
// and the handler-installation mutex; the child also resets the registry and the word.
void stw_fork_prepare() noexcept;
void stw_fork_parent() noexcept;
void stw_fork_child() noexcept;

// Testing only. kStallSilent: the calling thread's handler never arrives (it behaves like
// a thread that is not scheduled), so the caller's timeout path can be exercised.
// kStallAsReader: the handler stops while it counts as a reader of the caller's fixup
// table (a handler preempted there), until release_stalled_for_testing().
inline constexpr uint32_t kStallOff = 0;
inline constexpr uint32_t kStallSilent = 1;
inline constexpr uint32_t kStallAsReader = 2;
void set_stall_for_testing(uint32_t mode) noexcept;
void release_stalled_for_testing() noexcept;

}  // namespace rvjit::detail
