// Per-thread state of the hook dispatchers and the grace period built on it.
//
// Each thread that ever reaches a dispatcher claims one slot of a static table (no
// allocation, so a dispatcher never allocates). A slot holds:
//   * seq: odd while the thread is inside a dispatcher (reading SiteDispatch/Callbacks
//     pointers or running a callback), even otherwise; it only ever grows, also across
//     reuse of the slot by another thread;
//   * the recursion guard: a hooked function called from inside a callback is not traced
//     (as ftrace's recursion protection does), so callbacks never nest on one thread;
//   * the bounded shadow stack of real return addresses for exit hooks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "rvjit/error.h"

namespace rvjit::hooks_internal {

inline constexpr size_t kShadowDepth = 256;
inline constexpr size_t kMaxHookThreads = 1024;

struct ShadowEntry {
  uint64_t real_ra;   // where the traced function really returns to
  uint64_t function;  // its entry address (finds its HookSlot again at exit)
};

struct alignas(64) HookThreadState {
  std::atomic<uint64_t> seq{0};
  std::atomic<int> owner{0};  // kernel tid of the owning thread, 0 when free
  bool in_callback = false;
  uint32_t shadow_top = 0;
  // &errno of the owning thread, taken at claim: the exit dispatcher saves and restores
  // errno around the callbacks without calling __errno_location on every return.
  int* errno_location = nullptr;
  ShadowEntry shadow[kShadowDepth];
};

// Sets up slot reclamation at thread exit; call before any site can be enabled.
void init_thread_states();

// The calling thread's state, claimed on first use (no allocation, no lock); nullptr when the table is full (the
// thread is then simply not traced; counted in untraced_threads()).
HookThreadState* current_thread_state() noexcept;

// Blocks until every thread that was inside a dispatcher when it was called has left it.
// Pairs with the dispatchers' enter/leave protocol (see thread_state.cpp). kBusy when a
// thread stays inside longer than `timeout` (a callback that blocks); kNestedCall when
// called from inside a callback (it would wait for itself).
Error grace_period(std::chrono::milliseconds timeout);

// Frames not traced because a shadow stack was full; threads never traced (table full).
uint64_t shadow_overflows() noexcept;
void count_shadow_overflow() noexcept;
uint64_t untraced_threads() noexcept;
// Slots never given back at thread exit because the exit key was a late one (thread_state.cpp).
uint64_t leaked_slots() noexcept;

}  // namespace rvjit::hooks_internal
