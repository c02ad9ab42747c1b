// HookManager: ftrace for JIT'd code. Functions compiled with a hook prologue
// (rvjit/hooks/site.h) get entry and exit hooks that tracers (ops) attach to and detach
// from while the functions run on other threads.
//
//   auto hm = rvjit::HookManager::create(*cache).value();
//   rvjit::Assembler a;  Label entry = a.new_label();
//   rvjit::emit_hook_prologue(a, rvjit::SiteLayout::kOneWord, entry);
//   ... body ...
//   auto fn = hm->install(a.finalize().value(), "fib").value();   // fn.entry: call this
//   rvjit_hook_ops ops{on_entry, on_exit, &data, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
//   auto id = hm->register_ops(ops, rvjit::HookFilter::glob("fib*")).value();
//   hm->enable(id);         // one batch, one synchronisation, however many sites
//   hm->swap(id, other_entry, other_exit, &other_data);  // hot swap, no code touched
//   hm->unregister(id);     // afterwards no thread enters the callbacks: free `data`
//
// The cheap kind (issue 15): declare the signature at install and attach one ops with an
// entry_args callback (and/or an exit_ret callback); the JIT'd trampolines then call
// them directly (23 instructions per call with an empty entry callback, 59 for entry +
// exit, against ~195 / ~325 on the general path):
//   auto g = hm->install(code, "g", rvjit::HookSignature::of(1, 0)).value();  // long g(long)
//   rvjit_hook_ops fast{};  fast.entry_args = on_args;  fast.exit_ret = on_ret;
//   fast.user_data = &data;  fast.flags = RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET;
//
// Guarantees (the threads that run hooked code must be registered,
// rvjit/runtime/thread_registry.h):
//   * after enable() returns, every call of a selected function runs the entry callback
//     (and the exit callback when it returns), on the calling thread; after disable()
//     returns, none starts. Calls that overlap the operation may go either way, but no
//     call is counted twice.
//   * after swap() or unregister() returns, no thread enters the old callbacks again and
//     none is still inside them (a grace period over every thread that is inside a
//     dispatcher), so their user data may be freed at once.
//   * enabling/disabling N sites is one batch: N patch_insn_write calls and ONE sync
//     (one stop_the_world, or one membarrier / flush syscall for one_word sites).
//   * changing the callbacks or the ops of an enabled site writes data only.
//   * a hooked function called from inside a callback is not traced (no recursion).
//   * exit hooks keep the real return address on a per-thread shadow stack of 256 frames;
//     deeper frames are not traced and counted (HookStats::shadow_overflows). A frame left
//     by longjmp or unwinding breaks the shadow stack: do not trace such functions.
// A failed call leaves the manager and the code as they were, or (kBusy from swap /
// unregister) says what is left to complete: docs/hooks.md, "Failure semantics".
// Control calls are serialised by the manager; they must not be made from a callback
// (kNestedCall). Callbacks run with the recursion guard set and may not block for long:
// a grace period waits for them (kBusy after HookManagerOptions::grace_timeout).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rvjit/error.h"
#include "rvjit/hooks.h"
#include "rvjit/hooks/site.h"
#include "rvjit/jit/assembled_code.h"
#include "rvjit/runtime/code_cache.h"

namespace rvjit {

enum class SyncStrategy : uint8_t {
  kAuto = RVJIT_SYNC_AUTO,
  kStopTheWorld = RVJIT_SYNC_STOP_THE_WORLD,
  kMembarrier = RVJIT_SYNC_MEMBARRIER,
  kFlushSyscall = RVJIT_SYNC_FLUSH_SYSCALL,
};
const char* sync_strategy_name(SyncStrategy s) noexcept;
// "auto", "stop_the_world", "membarrier", "flush_syscall"; else kInvalidArgument.
Result<SyncStrategy> parse_sync_strategy(std::string_view text);

// Which functions an ops applies to.
class HookFilter {
 public:
  static HookFilter all() { return HookFilter(Kind::kAll, {}, {}); }
  // fnmatch(3) glob over the function name: "fib*", "vm_[ab]*", "*".
  static HookFilter glob(std::string pattern) { return HookFilter(Kind::kGlob, std::move(pattern), {}); }
  static HookFilter list(std::vector<std::string> names) {
    return HookFilter(Kind::kList, {}, std::move(names));
  }
  bool matches(std::string_view name) const;
  std::string describe() const;

 private:
  enum class Kind : uint8_t { kAll, kGlob, kList };
  HookFilter(Kind k, std::string g, std::vector<std::string> n)
      : kind_(k), glob_(std::move(g)), names_(std::move(n)) {}
  Kind kind_;
  std::string glob_;
  std::vector<std::string> names_;
};

using HookOpsId = uint64_t;

// What the manager writes into code and when it synchronises, in order: for tests that pin
// the order (a trampoline set is synced before any site can reach it) and for tools.
struct HookPatchEvent {
  enum class Kind : uint8_t {
    kTrampolineWritten,  // a trampoline set [address, address+size) was written
    kSiteWritten,        // one 32-bit word of a site was stored (`word`)
    kSyncBegin,          // a sync (`sync`) is about to run
    kSyncDone,           // it completed: every thread fetches what was written before it
  };
  Kind kind;
  uintptr_t address = 0;
  size_t size = 0;
  uint32_t word = 0;
  SyncStrategy sync = SyncStrategy::kAuto;
};
// Called on the thread making the control call, with the manager's lock held, never inside
// a rendezvous (the writes of a stop_the_world batch are reported right after it, between
// its kSyncBegin and kSyncDone). An error returned for kSyncBegin makes that sync fail with
// it (fault injection for tests); for other kinds the result is ignored. It must not call
// the manager.
using HookPatchObserver = std::function<Error(const HookPatchEvent&)>;

struct HookManagerOptions {
  SyncStrategy sync = SyncStrategy::kAuto;
  // How long a grace period waits for a thread inside a callback.
  std::chrono::milliseconds grace_timeout{5000};
  // Passed to stop_the_world for two_word sites and the flip policy.
  std::chrono::milliseconds rendezvous_timeout{1000};
  HookPatchObserver patch_observer;  // optional
};

// What a VM may declare about a function at install: its integer and FP argument
// counts. -1 = unknown (the default): the trampoline saves every argument register.
// A declared signature with <= 2 integer and no FP arguments links the site to a fast
// entry: while exactly one ops whose flags are ENTRY_ARGS, ENTRY_ARGS|EXIT_RET or
// EXIT_RET is attached, JIT'd trampolines call its entry_args / exit_ret callbacks
// directly (docs/hooks.md, "The fast path", "The fast exit path"). The declaration must
// be true: registers beyond it are not preserved across callbacks, and such a function
// must not return a value in fa1 (a0, a1 and fa0 are preserved across exit_ret).
struct HookSignature {
  int int_args = -1;
  int fp_args = -1;
  static HookSignature of(int ints, int fps) { return HookSignature{ints, fps}; }
};

struct HookedFunction {
  InstalledCode code;  // as the code cache installed it (code.entry: the hook word)
  uintptr_t entry = 0; // call this: the site, first instruction of the function
  SiteLayout layout = SiteLayout::kOneWord;
  // The site links to a fast entry (a declared signature it covers, and the asymmetric
  // fence available: docs/hooks.md, "The fast path").
  bool fast_entry = false;
};

struct HookStats {
  size_t functions = 0;
  size_t enabled_sites = 0;
  size_t ops = 0;
  uint64_t batches = 0;         // control operations that patched at least one site
  uint64_t syncs = 0;           // synchronisations performed (one per batch)
  uint64_t trampoline_syncs = 0;  // syncs of new trampoline sets (before any site links)
  uint64_t sites_patched = 0;   // patch_insn_write calls on sites
  uint64_t grace_periods = 0;
  uint64_t shadow_overflows = 0;
  SyncStrategy last_sync = SyncStrategy::kAuto;  // what the last batch really used
};

class HookManager {
 public:
  // One manager per CodeCache. Probes the coherence primitives (coherence.h).
  static Result<std::unique_ptr<HookManager>> create(CodeCache& cache,
                                                     const HookManagerOptions& options = {});
  // Disables every site and releases the functions it installed; requires that no thread
  // runs them any more.
  ~HookManager();
  HookManager(const HookManager&) = delete;
  HookManager& operator=(const HookManager&) = delete;

  // Installs code that contains exactly one hook prologue (emit_hook_prologue) and makes
  // it hookable under `name`. Enabled ops whose filter matches attach at once.
  // kInvalidArgument: no or several hook sites, a misplaced hook word, a site that does
  // not lie inside the code, or site bytes that are not the disabled pattern. On any
  // error nothing is installed (docs/hooks.md, "Failure semantics").
  Result<HookedFunction> install(const AssembledCode& code, std::string_view name,
                                 HookSignature sig = {});

  // Registers a disabled ops. flags must name ENTRY and/or EXIT with the callback set.
  Result<HookOpsId> register_ops(const rvjit_hook_ops& ops, HookFilter filter);
  Error enable(HookOpsId id);
  Error disable(HookOpsId id);
  Error set_filter(HookOpsId id, HookFilter filter);
  // Hot swap of the callbacks and user data of a live ops (see the guarantees above).
  // kBusy: the new callbacks are live, but a thread stayed inside the old ones longer than
  // grace_timeout; the old user data may be freed only once synchronize() returns ok.
  Error swap(HookOpsId id, rvjit_hook_fn entry, rvjit_hook_fn exit, void* user_data);
  // The same for every callback, entry_args included (ops.flags is ignored: an ops keeps
  // its flags). The one above keeps the current entry_args.
  Error swap(HookOpsId id, const rvjit_hook_ops& ops);
  // kBusy: the ops is detached from every site (no new call enters it) but a thread is
  // still inside a callback; unregister(id) again or synchronize() completes it (ok: the
  // user data may be freed). Any other error: nothing changed.
  Error unregister(HookOpsId id);
  // Waits for one grace period over everything an earlier call replaced or removed (swap,
  // unregister). ok: their old callbacks are no longer running and their user data may be
  // freed. kBusy after grace_timeout: try again later. kNestedCall from a callback.
  Error synchronize();

  Error set_sync_strategy(SyncStrategy s);
  SyncStrategy sync_strategy() const;
  // What a batch of `layout` sites uses under the current strategy, policy and probes:
  // two_word sites and the flip W^X policy always need stop_the_world.
  SyncStrategy effective_sync(SiteLayout layout) const;

  HookStats stats() const;
  // Whether the site of `name` is enabled right now (for tests and tools).
  Result<bool> site_enabled(std::string_view name) const;

  struct Impl;

 private:
  explicit HookManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rvjit
