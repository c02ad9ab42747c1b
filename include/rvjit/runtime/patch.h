// patch_insn_write: the one way JIT code changes after publication (the role of
// patch_insn_write in Linux arch/riscv/kernel/patch.c, made global by commit c97bf629963e).
//
// It checks that [addr, addr+len) lies inside published code (a live installed function
// or an allocated trampoline slot of a CodeCache) and is aligned, writes through the
// policy's writable path (dual_map: the RW view; flip: a write window with every
// registered thread parked, or directly when called inside a stop_the_world callback),
// splits at page boundaries, and is serialised with every other code write (installs,
// releases, other patches) by ONE process-wide text lock.
//
// It flushes NOTHING. Making other threads run the new bytes is the sync step's job, as
// in the seed: either the stop_the_world rendezvous (the writer patches inside the
// callback; the release increment frees the parked threads; each runs FENCE.I), or
// membarrier_sync_core() / flush_icache_all_threads() after it returns (coherence.h).
// The text lock's unlock is a release: a sync step that starts after patch_insn_write
// returned orders the patch before itself.
//
// Atomic single-word patches (PatchFlags::kAtomicWord): len must be 4 and addr 4-byte
// aligned; the word is written with ONE aligned 32-bit store. With Ziccif a naturally
// aligned 4-byte instruction is fetched atomically, so a thread running the site sees the
// old or the new instruction, never a torn mix. That holds for dual_map only: under flip
// the window parks every registered thread anyway.
//
// Inside a stop_the_world callback (it runs on the caller of stop_the_world) the caller
// must already hold text_lock(), as ftrace holds text_mutex around stop_machine: a parked
// thread might hold it otherwise. patch_insn_write then answers kBusy instead of waiting
// forever.
//
// Not async-signal-safe (takes a mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "rvjit/error.h"

namespace rvjit {

enum class PatchFlags : uint32_t {
  kNone = 0,
  kAtomicWord = 1,  // one aligned 32-bit store; requires len == 4 and 4-byte alignment
};

// kInvalidArgument: null insn, len 0 or odd, kAtomicWord with len != 4.
// kMisalignedAddress: addr not 2-byte aligned (4-byte for kAtomicWord).
// kForeignAddress: any byte outside published code (or spanning two functions).
// kBusy: inside stop_the_world while a parked thread holds the text lock (see above).
// On any error nothing was written.
Error patch_insn_write(void* addr, const void* insn, size_t len, PatchFlags flags = PatchFlags::kNone);

// Groups the writes of one sync step. Under flip, a page made writable by a write inside
// the batch stays writable (never executable) until close(), so N writes to the same pages
// cost one mprotect pair per page range instead of one per write. Use it only where no
// thread can run the touched pages meanwhile: inside a stop_the_world callback (every
// other registered thread is parked) with the text lock held. Under dual_map it changes
// nothing. close() (or the destructor) makes every opened page RX again; its error is the
// first mprotect failure. Batches do not nest.
class PatchBatch {
 public:
  PatchBatch();
  ~PatchBatch();
  PatchBatch(const PatchBatch&) = delete;
  PatchBatch& operator=(const PatchBatch&) = delete;
  Error close();

 private:
  bool open_ = false;
};

// The one text lock (the kernel's text_mutex). Held by install, release and
// patch_insn_write; a caller that needs several writes to be one unit may hold it around
// them (it is recursive for that purpose).
std::recursive_mutex& text_lock();

}  // namespace rvjit
