// patch_insn_write (patch.h), modelled on Linux arch/riscv/kernel/patch.c.
#include "rvjit/runtime/patch.h"

#include <cstring>
#include <string>

#include "code_cache_internal.h"
#include "rvjit/runtime/fork.h"
#include "rvjit/runtime/stop_the_world.h"

namespace rvjit {

std::recursive_mutex& text_lock() {
  static std::recursive_mutex m;
  // A fork while another thread holds it must not leave the child a lock nobody frees.
  static const bool fork_safe = (ensure_runtime_fork_handlers(), true);
  (void)fork_safe;
  return m;
}

namespace {

std::string hex(uintptr_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error check_args(uintptr_t a, const void* insn, size_t len, PatchFlags flags) {
  if (!insn || len == 0 || len % 2 != 0)
    return Error(ErrorCode::kInvalidArgument,
                 "patch_insn_write: need a non-null insn and an even, non-zero length (got " +
                     std::to_string(len) + ")");
  if (a % 2 != 0)
    return Error(ErrorCode::kMisalignedAddress,
                 "patch_insn_write: address " + hex(a) + " is not 2-byte aligned");
  if (flags == PatchFlags::kAtomicWord) {
    if (len != 4)
      return Error(ErrorCode::kInvalidArgument,
                   "patch_insn_write: an atomic single-word patch is 4 bytes, got " + std::to_string(len));
    if (a % 4 != 0)
      return Error(ErrorCode::kMisalignedAddress,
                   "patch_insn_write: atomic single-word patch at " + hex(a) +
                       " is not 4-byte aligned (Ziccif covers naturally aligned words only)");
  }
  return ok();
}

}  // namespace

Error patch_insn_write(void* addr, const void* insn, size_t len, PatchFlags flags) {
  const auto a = reinterpret_cast<uintptr_t>(addr);
  if (Error e = check_args(a, insn, len, flags)) return e;

  std::unique_lock<std::recursive_mutex> guard(text_lock(), std::defer_lock);
  if (in_stop_the_world()) {
    // The other registered threads are parked. If one of them holds the text lock, waiting
    // would never end: the stop_the_world caller must take text_lock() first (patch.h).
    if (!guard.try_lock())
      return Error(ErrorCode::kBusy,
                   "patch_insn_write: inside stop_the_world, but a parked thread holds the text "
                   "lock; take text_lock() before calling stop_the_world");
  } else {
    guard.lock();
  }
  Result<CodeMemory*> mem = internal::resolve_published(a, len);
  if (!mem.ok()) return mem.error();

  const auto* src = static_cast<const uint8_t*>(insn);
  auto chunk = [&](uint8_t* w, uintptr_t exec, size_t n) {
    if (flags == PatchFlags::kAtomicWord) {
      // ONE aligned 32-bit store (Ziccif: fetched atomically by a running hart).
      uint32_t word;
      std::memcpy(&word, src, 4);
      __atomic_store_n(reinterpret_cast<uint32_t*>(w), word, __ATOMIC_RELAXED);
    } else {
      std::memcpy(w, src + (exec - a), n);
    }
  };
  // Flushes nothing (see patch.h). Our unlock is a release: the sync step that follows
  // orders these stores before the FENCE.I it causes on every thread.
  return (*mem)->write(a, len, /*published=*/true, chunk);
}

namespace {
internal::OpenFlipBatch g_batch_storage;  // one batch at a time (they do not nest)
}  // namespace

PatchBatch::PatchBatch() {
  text_lock().lock();
  if (internal::open_flip_batch() == nullptr) {
    g_batch_storage = internal::OpenFlipBatch{};
    internal::set_open_flip_batch(&g_batch_storage);
    open_ = true;
  }
}

Error PatchBatch::close() {
  if (!open_) return ok();
  open_ = false;
  Error e = internal::close_flip_batch(g_batch_storage);
  internal::set_open_flip_batch(nullptr);
  return e;
}

PatchBatch::~PatchBatch() {
  (void)close();
  text_lock().unlock();
}

}  // namespace rvjit
