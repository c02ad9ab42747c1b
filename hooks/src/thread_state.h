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

struct HookSlot;

// One traced frame. Pushed by the general entry dispatcher and by the fast entries' exit
// stubs alike (one stack per thread, one format): a frame returns through the trampoline
// its own push installed, so the top entry is always the returning frame's.
struct ShadowEntry {
  uint64_t real_ra;      // where the traced function really returns to
  const HookSlot* slot;  // its HookSlot (lives as long as the manager): the callbacks
                         // called at return are those attached then
};
static_assert(sizeof(ShadowEntry) == 16);

// The per-thread words the fast trampolines use (trampoline_emit.cpp addresses them
// tp-relative: keep the offsets in step).
struct HotTls {
  std::atomic<int64_t> seq{-1};
  // Across a fast callback (entry: ra, t0, a0, a1; return: a0, a1, fa0). Used only while
  // seq < 0, so a nested use on this thread (a signal handler) takes the general path.
  uint64_t save_ra = 0, save_t0 = 0, save_a0 = 0, save_a1 = 0, save_fa0 = 0;
  // The shadow stack of the thread's hook slot (HookThreadState::shadow): the next free
  // entry and one past the last. Both null until the thread has a slot (a push then
  // finds it full). Written only by the owning thread: a push reserves (stores top + 1)
  // before writing the entry, a pop reads the entry before storing top - 1, and both run
  // inside a dispatcher or fast trampoline (seq < 0), so a signal handler on top never
  // traces a call (the recursion guard) and cannot reuse an entry in use.
  ShadowEntry* shadow_top = nullptr;
  ShadowEntry* shadow_end = nullptr;
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
  // &errno of the owning thread, taken at claim: the exit dispatcher saves and restores
  // errno around the callbacks without calling __errno_location on every return.
  int* errno_location = nullptr;
  // shadow[0] is a sentinel naming kEmptyShadowSlot (no callbacks): a return trampoline
  // that finds the stack empty (a traced frame left by longjmp) falls to the general exit
  // dispatcher, which reports it; the thread's frames are shadow[1..kShadowDepth].
  ShadowEntry shadow[kShadowDepth + 1];
};
// The sentinel's slot: no fast record, no dispatch list.
extern const HookSlot kEmptyShadowSlot;
inline bool shadow_empty(const HookThreadState* s) noexcept {
  return t_hot.shadow_top == &s->shadow[1];
}

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
// The counter itself: the fast exit stubs add to it with one amoadd.
extern std::atomic<uint64_t> g_shadow_overflows;
uint64_t untraced_threads() noexcept;
// Slots never given back at thread exit because the exit key was a late one (thread_state.cpp).
uint64_t leaked_slots() noexcept;

}  // namespace rvjit::hooks_internal
