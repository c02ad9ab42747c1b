// Per-thread state of the hook dispatchers and the grace period built on it.
//
// Each thread that ever reaches a dispatcher claims one slot of a static table (no
// allocation, so a dispatcher never allocates). A slot holds:
//   * seq_ptr: the address of the thread's sequence word, which lives in the thread's own
//     TLS (HotTls::seq) so the JIT'd fast trampolines reach it with one tp-relative load;
//     cleared (with a handshake against grace periods reading through it) at thread exit;
//   * the bounded shadow stack of real return addresses for exit hooks.
// The sequence word: n >= 0 outside a dispatcher, ~n (< 0) inside; leaving stores n + 1
// (= -~n, one `neg`). So the outside values only grow, every inside value is new, and
// "inside" is one `bltz`. It is also the recursion guard: a hooked function called while
// the thread is inside (a callback, or a signal handler on top of a dispatcher) is not
// traced, as ftrace's recursion protection does. -1 until the thread has a slot, so a
// fast trampoline sends an unclaimed thread to the general path, which claims one.
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

// The per-thread words the fast trampolines use (trampoline_emit.cpp addresses them
// tp-relative: keep the offsets in step, static_asserts in hook_frame.h).
struct HotTls {
  std::atomic<int64_t> seq{-1};
  uint64_t save_ra = 0, save_t0 = 0, save_a0 = 0, save_a1 = 0;  // across the callback
};
[[gnu::tls_model("initial-exec")]] extern constinit thread_local HotTls t_hot;
// &t_hot - tp of the calling thread: the same for every thread (static TLS).
intptr_t hot_tls_offset() noexcept;
// Whether the asymmetric fence is in force (membarrier PRIVATE_EXPEDITED registered):
// only then may a reader enter without a fence, so only then are fast trampolines used.
// Set once, at init_thread_states(), before any site can be enabled.
extern std::atomic<bool> g_asymmetric_fence;
inline bool asymmetric_fence() noexcept { return g_asymmetric_fence.load(std::memory_order_relaxed); }

struct alignas(64) HookThreadState {
  // &t_hot.seq of the owner. Read by grace periods between readers++ and readers--; the
  // owner clears it at exit and waits for readers == 0 before its TLS goes away.
  std::atomic<std::atomic<int64_t>*> seq_ptr{nullptr};
  std::atomic<int> readers{0};
  std::atomic<int> owner{0};  // kernel tid of the owning thread, 0 when free
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
