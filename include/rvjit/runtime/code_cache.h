// CodeCache: where assembled code becomes callable.
//
//   auto cache = rvjit::CodeCache::create().value();       // policy: probe / env / option
//   auto fn = cache->install(assembled, "answer");         // Result<InstalledCode>
//   long v = fn->as<long (*)()>()();
//
// install() copies the bytes to their final address, applies the relocations for it
// (apply_relocations, assembled_code.h), writes them through the W^X policy (code_memory.h)
// and publishes them:
//   * the installing thread executes FENCE.I before install() returns, so it may call the
//     entry at once;
//   * any OTHER thread may run the code only after it obtained the entry through a
//     release/acquire handoff from the installer (install() returning happens-before the
//     installer's release store; the receiver's acquire load) AND then executed FENCE.I
//     itself (local_fence_i(), icache.h) -- the ISA manual's recipe for another hart.
//     find() does both for its caller: it takes the text lock (acquire) and runs
//     local_fence_i() before returning the entry.
//
// Layout: the cache is a set of regions of at most 1 MiB each (CodeCacheOptions). Each
// region starts with a trampoline area; every function lives in the same region, so every
// function is within jal range (+-1 MiB) of the trampolines reserved for it
// (reserve_trampoline), which is what single-word hook sites (`jal t0, tramp` <-> `nop`)
// need. No room left is kCodeCacheFull, never a crash.
//
// PC lookup (lookup_pc) is async-signal-safe: per region an address-sorted array (code is
// bump-allocated, so appends keep it sorted) published by release stores; readers only
// count themselves in and out of a global reader counter; retired arrays and records are
// freed by a writer only when it sees that counter at zero (RCU-style, no locks in the
// reader, no waiting in the writer).
//
// Metadata (records, names, tables) lives in the runtime's mimalloc metadata heap
// (meta_heap.h); every mutation happens under the one text lock (patch.h).
//
// Profiler and debugger support without code: create() reads three environment variables
// and attaches the matching process-wide listener (code_events.h) to the new cache, so
// every function installed through it is reported. Each is on only when the variable is
// exactly "1"; the writers are created once per process by the first create() that asks
// for them, shared by every such cache, and never destroyed (so they outlive every cache):
//   RVJIT_PERF_MAP=1  a PerfMapWriter (perf_map.h): one line per install appended to
//                     /tmp/perf-<pid>.map, for `perf report` on JIT code.
//   RVJIT_JITDUMP=1   a JitdumpWriter (jitdump.h): one JIT_CODE_LOAD record per install in
//                     $JITDUMPDIR/jit-<pid>.dump (/tmp without JITDUMPDIR), for
//                     `perf record -k mono` + `perf inject --jit`.
//   RVJIT_GDB_JIT=1   a GdbJitRegistrar (gdb_jit.h): every install is registered with gdb's
//                     JIT interface (and unregistered on release), so `bt` names JIT frames.
// A writer that cannot open its file prints one line to stderr and is skipped; create()
// does not fail for it. The variables are read at each create(): a cache created while one
// is unset does not report to that listener. A program may still add its own listeners
// (add_listener) on top. Linking: since create() may make a GdbJitRegistrar, every program
// that uses CodeCache contains the GDB JIT interface's two ABI symbols (gdb_jit.h), with
// the consequence that header describes for a VM linking another JIT that defines them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "rvjit/error.h"
#include "rvjit/jit/assembled_code.h"
#include "rvjit/runtime/code_events.h"
#include "rvjit/runtime/code_memory.h"

namespace rvjit {

struct CodeCacheOptions {
  // nullopt: RVJIT_WX_POLICY, else the start-up probe (choose_wx_policy).
  std::optional<WxPolicy> policy;
  // Bytes per region, a page multiple <= 1 MiB, so every byte of a region is within
  // jal range of its trampoline area.
  size_t region_size = size_t{1} << 20;
  // Bytes at the start of each region kept for trampolines (page multiple, < region_size).
  size_t trampoline_area = 16 * 1024;
  // Upper bound on regions: capacity = max_regions * region_size.
  size_t max_regions = 256;
};

// Opaque identity of one installed function. 0 is never a valid id.
struct CodeHandle {
  uint64_t id = 0;
  friend bool operator==(CodeHandle, CodeHandle) = default;
};

struct InstalledCode {
  CodeHandle handle;
  uintptr_t entry = 0;  // executable address of the first byte
  size_t size = 0;
  template <class Fn>
  Fn as() const { return reinterpret_cast<Fn>(entry); }
};

// What lookup_pc reports; a copy, so it stays valid after the function is released.
struct PcInfo {
  uintptr_t start = 0;
  size_t size = 0;
  uint64_t code_index = 0;  // == CodeHandle::id
  char name[96] = {};       // NUL-terminated, truncated if longer
};

struct CodeCacheStats {
  size_t regions = 0;
  size_t live_functions = 0;
  size_t bytes_used = 0;      // code bytes handed out in live regions (incl. alignment)
  size_t capacity = 0;        // max_regions * (region_size - trampoline_area)
};

class CodeCache {
 public:
  // kInvalidArgument for inconsistent options; kPolicyUnavailable / kInvalidArgument
  // from choose_wx_policy. Attaches the listeners RVJIT_PERF_MAP, RVJIT_JITDUMP and
  // RVJIT_GDB_JIT ask for (see the top of this file).
  static Result<std::unique_ptr<CodeCache>> create(const CodeCacheOptions& options = {});
  // Requires that no thread runs this cache's code any more; unmaps every region.
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  WxPolicy policy() const { return policy_; }

  // Installs and publishes `code` under `name` (see the top of this file).
  // kInvalidArgument: empty code, empty or duplicate name, bad alignment.
  // kCodeCacheFull: no region has room and max_regions are in use (or the code is larger
  // than a region). Relocation errors come from apply_relocations. On error nothing was
  // published and the cache is unchanged.
  Result<InstalledCode> install(const AssembledCode& code, std::string_view name);

  // The live function called `name` (kNotFound otherwise); executes local_fence_i() for
  // the caller, which may then run it.
  Result<InstalledCode> find(std::string_view name) const;

  // Unpublishes the function: from the moment release() returns, find() and lookup_pc()
  // no longer see it, and patch_insn_write() on it is kForeignAddress. Exactly what is
  // guaranteed about threads that may still run it:
  //   * its bytes stay mapped, executable and unchanged until its region is reused;
  //   * a region is reused only when every function in it was released AND a
  //     stop_the_world rendezvous that began after the last of those releases has
  //     completed: every registered thread was parked (and ran FENCE.I) at a moment after
  //     release() returned, so none still fetches the old bytes once new code is written
  //     there, and a thread that had already left the function is never affected;
  //   * it does NOT prove that no thread is still inside the function (parked mid-body, or
  //     with a return address into it): the caller guarantees that no call can start it
  //     any more (callers unlinked) and no frame of it is live -- the same contract as any
  //     code collector, which a VM proves at its own safepoints.
  // kNotFound for an unknown or already released handle.
  Error release(CodeHandle handle);

  // A trampoline slot of `size` bytes (multiple of 4) in the region of `near`: within jal
  // range of every instruction of it. The slot is published code (zero-filled: it traps
  // until written with patch_insn_write). kCodeCacheFull when the area is used up.
  Result<uintptr_t> reserve_trampoline(CodeHandle near, size_t size);

  // Receives load/release events (code_events.h); called under the text lock.
  void add_listener(CodeEventListener* listener);
  void remove_listener(CodeEventListener* listener);

  CodeCacheStats stats() const;

  // The live function containing `pc` in any CodeCache of the process. Async-signal-safe:
  // no locks, no allocation. False when pc is in no live function.
  static bool lookup_pc(uintptr_t pc, PcInfo* out) noexcept;

  struct Impl;  // internal

 private:
  explicit CodeCache(WxPolicy policy) : policy_(policy) {}
  WxPolicy policy_;
  Impl* impl_ = nullptr;
};

}  // namespace rvjit
