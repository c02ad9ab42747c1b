// Code memory under W^X: no page is ever writable and executable at the same time.
// Two policies behind one interface:
//
//   dual_map  One memfd mapped twice (AsmJit's VirtMem::allocDualMapping provides it: an
//             anonymous memfd, one MAP_SHARED view PROT_READ|PROT_EXEC that runs, one
//             PROT_READ|PROT_WRITE view that is written; both views see the same pages).
//             Writes never change a protection, so they need no parking: this is what
//             makes single-word live patching (Ziccif) possible.
//   flip      One private mapping, normally RX. A write window switches the touched pages
//             to RW (never RWX) and back. While a page is RW it cannot execute, so a
//             window over pages holding published code runs with every registered thread
//             parked (stop_the_world, rvjit/runtime/stop_the_world.h); a window over
//             pages that hold no published code yet (a fresh install) needs no parking.
//             Threads that run JIT code must therefore be registered under flip: an
//             unregistered thread executing a page inside a window takes SIGSEGV.
//
// Start-up probe (once, wx_probe(), after coherence_init()'s prctl): emit a function returning 1 through the RW view,
// fence.i, call it through the RX view; rewrite it to return 2 the same way, fence.i,
// call again. dual_map is usable only if the second call returns 2. Under qemu-user it
// does not (QEMU caches translations per virtual page and never sees stores through the
// other view), so the runtime falls back to flip and the report says so.
//
// Policy choice (choose_wx_policy): an explicit request, else the environment variable
// RVJIT_WX_POLICY=dual_map|flip, else the probe's choice. Asking for dual_map where the
// probe failed is refused with kPolicyUnavailable (never a silent downgrade).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rvjit/error.h"
#include "rvjit/runtime/coherence.h"

namespace rvjit {

enum class WxPolicy : uint8_t { kDualMap, kFlip };

// "dual_map" / "flip".
const char* wx_policy_name(WxPolicy p) noexcept;
// Parses "dual_map" or "flip"; anything else is kInvalidArgument naming the value.
Result<WxPolicy> parse_wx_policy(std::string_view text);

struct WxProbe {
  bool dual_map_mappable = false;  // a memfd dual mapping could be created
  bool dual_map_coherent = false;  // a store via the RW view reached execution after fence.i
  WxPolicy chosen = WxPolicy::kFlip;
  char detail[200] = {};           // one line: what was observed and why `chosen`
  // The outcome of prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX) (coherence.h), which runs before
  // the probe so that the probe's FENCE.I's survive migration where the kernel allows.
  ProbeStatus icache_flush_ctx = ProbeStatus::kNotProbed;
};

// Runs the probe on the first call (thread-safe), then returns the stored result.
const WxProbe& wx_probe();

// Request > RVJIT_WX_POLICY > probe. kPolicyUnavailable for dual_map where the probe failed;
// kInvalidArgument for an unparsable RVJIT_WX_POLICY.
Result<WxPolicy> choose_wx_policy(std::optional<WxPolicy> requested = std::nullopt);

// A non-owning callable reference (no allocation, usable on the patch path).
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cv_t<F>, FunctionRef>)
  FunctionRef(F& f) noexcept  // NOLINT: implicit by design
      : obj_(&f), call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Runs fn with every other registered thread parked (stop_the_world). Inside a running
// rendezvous callback (stop_the_world answers kNestedCall) the others are already parked
// and fn runs directly.
Error with_world_parked(FunctionRef<Error()> fn);

namespace internal {
struct CodeMemoryFork;  // runtime/src/code_memory_fork.cpp (fork.h)
}

// One contiguous block of code memory (a code cache region) under one policy. Addresses
// are the executable ones; the writable view (dual_map) is internal.
class CodeMemory {
 public:
  // size: a multiple of the page size. The memory starts zero-filled (zero is an illegal
  // instruction: a jump into unwritten memory traps) and not writable.
  static Result<std::unique_ptr<CodeMemory>> create(size_t size, WxPolicy policy);
  ~CodeMemory();
  CodeMemory(const CodeMemory&) = delete;
  CodeMemory& operator=(const CodeMemory&) = delete;

  uintptr_t begin() const { return exec_; }
  uintptr_t end() const { return exec_ + size_; }
  size_t size() const { return size_; }
  WxPolicy policy() const { return policy_; }
  bool contains(uintptr_t addr, size_t len) const {
    return addr >= exec_ && len <= size_ && addr - exec_ <= size_ - len;
  }

  // Makes [addr, addr+len) writable through the policy's path and calls
  // chunk(writable, exec_addr, n) once per page-bounded piece, in address order (the seed's
  // patch_insn_write splits at page boundaries too). `published`: some page of the range may
  // hold code a thread can be running (flip then parks the world for the window). Flushes
  // nothing: icache maintenance is the caller's. The caller holds the text lock.
  // kSystemError in a fork child whose copy of this block could not be made (fork.h).
  Error write(uintptr_t addr, size_t len, bool published,
              FunctionRef<void(uint8_t*, uintptr_t, size_t)> chunk);

 private:
  CodeMemory(uintptr_t exec, uint8_t* rw, size_t size, WxPolicy policy)
      : exec_(exec), rw_(rw), size_(size), policy_(policy) {}
  Error flip_window(uintptr_t addr, size_t len, FunctionRef<void(uint8_t*, uintptr_t, size_t)> chunk);

  uintptr_t exec_;
  uint8_t* rw_;  // dual_map: the RW view; flip: nullptr
  size_t size_;
  WxPolicy policy_;

  // fork (fork.h), dual_map only: the list of live blocks (guarded by its leaf lock), the
  // snapshot made by the prepare handler, and how far the block was ever written.
  friend struct internal::CodeMemoryFork;
  CodeMemory* fork_prev_ = nullptr;
  CodeMemory* fork_next_ = nullptr;
  int fork_fd_ = -1;
  std::atomic<size_t> written_end_{0};     // offset one past the last byte ever written
  std::atomic<bool> lost_at_fork_{false};  // child: the snapshot failed; writes refused
};

size_t page_size() noexcept;

namespace internal {
// The open PatchBatch (patch.h), if any: page ranges a flip window left RW. Only the text
// lock holder touches it.
struct OpenFlipBatch {
  struct Range { uintptr_t first; size_t span; };
  Range ranges[64];
  size_t count = 0;
  bool overflowed = false;  // more ranges than fit: later windows close as usual
};
OpenFlipBatch* open_flip_batch() noexcept;
void set_open_flip_batch(OpenFlipBatch* batch) noexcept;
Error close_flip_batch(OpenFlipBatch& batch);
}  // namespace internal

}  // namespace rvjit
