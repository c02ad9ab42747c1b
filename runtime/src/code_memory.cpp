// Code memory under W^X: the dual_map and flip policies, the start-up probe and the
// policy choice (code_memory.h).
#include "rvjit/runtime/code_memory.h"

#include <asmjit/core/virtmem.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <string>

#include "code_memory_fork.h"
#include "rvjit/runtime/fork.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/icache.h"

namespace rvjit {

size_t page_size() noexcept {
  static const size_t ps = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return ps;
}

const char* wx_policy_name(WxPolicy p) noexcept {
  return p == WxPolicy::kDualMap ? "dual_map" : "flip";
}

Result<WxPolicy> parse_wx_policy(std::string_view text) {
  if (text == "dual_map") return WxPolicy::kDualMap;
  if (text == "flip") return WxPolicy::kFlip;
  return Error(ErrorCode::kInvalidArgument,
               "W^X policy '" + std::string(text) + "' unknown (expected dual_map or flip)");
}

// ---- the probe -------------------------------------------------------------------------
namespace {

// A function returning `value` (0..2047), in the build's own machine code.
size_t emit_return_const(uint8_t* dst, int value) {
#if defined(__riscv)
  const uint32_t words[2] = {0x00000513u | (static_cast<uint32_t>(value) << 20),  // addi a0, zero, v
                             0x00008067u};                                        // ret
  std::memcpy(dst, words, sizeof(words));
  return sizeof(words);
#elif defined(__x86_64__)
  const uint8_t bytes[6] = {0xB8, static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8), 0, 0,
                            0xC3};  // mov eax, v; ret
  std::memcpy(dst, bytes, sizeof(bytes));
  return sizeof(bytes);
#else
#error "rvjit runtime: unsupported build architecture"
#endif
}

WxProbe g_probe;
std::once_flag g_probe_once;

void run_probe() {
  using namespace asmjit;
  // The prctl first (issue 13, item 5): the probe's FENCE.I's then survive a migration
  // between them where the kernel allows it; the outcome is kept in the probe.
  g_probe.icache_flush_ctx = coherence_init().icache_flush_ctx.status;
  const size_t ps = page_size();
  VirtMem::DualMapping dm{};
  if (VirtMem::allocDualMapping(&dm, ps, VirtMem::MemoryFlags::kAccessRWX) != kErrorOk) {
    g_probe.chosen = WxPolicy::kFlip;
    std::snprintf(g_probe.detail, sizeof g_probe.detail,
                  "memfd dual mapping unavailable (%s); using flip", std::strerror(errno));
    return;
  }
  g_probe.dual_map_mappable = true;
  auto* rw = static_cast<uint8_t*>(dm.rw);
  auto fn = reinterpret_cast<long (*)()>(dm.rx);
  emit_return_const(rw, 1);
  local_fence_i();  // this thread runs it: its own fence.i is the whole sync step
  const long first = fn();
  emit_return_const(rw, 2);
  local_fence_i();
  const long second = fn();
  VirtMem::releaseDualMapping(&dm, ps);
  g_probe.dual_map_coherent = first == 1 && second == 2;
  g_probe.chosen = g_probe.dual_map_coherent ? WxPolicy::kDualMap : WxPolicy::kFlip;
  if (g_probe.dual_map_coherent) {
    std::snprintf(g_probe.detail, sizeof g_probe.detail,
                  "store via RW view reached execution after fence.i; using dual_map");
  } else {
    std::snprintf(g_probe.detail, sizeof g_probe.detail,
                  "store via RW view NOT seen by execution after fence.i (ran %ld, then %ld; "
                  "expected 1, then 2: e.g. qemu-user); using flip",
                  first, second);
  }
}

}  // namespace

const WxProbe& wx_probe() {
  std::call_once(g_probe_once, run_probe);
  return g_probe;
}

Result<WxPolicy> choose_wx_policy(std::optional<WxPolicy> requested) {
  std::string source = "requested by API";
  if (!requested) {
    if (const char* env = std::getenv("RVJIT_WX_POLICY"); env && *env) {
      Result<WxPolicy> parsed = parse_wx_policy(env);
      if (!parsed.ok())
        return Error(ErrorCode::kInvalidArgument, "RVJIT_WX_POLICY: " + parsed.error().message());
      requested = *parsed;
      source = "requested by RVJIT_WX_POLICY";
    }
  }
  const WxProbe& probe = wx_probe();
  if (!requested) return probe.chosen;
  if (*requested == WxPolicy::kDualMap && !probe.dual_map_coherent) {
    return Error(ErrorCode::kPolicyUnavailable,
                 "W^X policy dual_map " + source + " is unusable here (start-up probe: " +
                     probe.detail + "). Use flip (RVJIT_WX_POLICY=flip or leave it unset).");
  }
  return *requested;
}

// ---- CodeMemory ------------------------------------------------------------------------

Result<std::unique_ptr<CodeMemory>> CodeMemory::create(size_t size, WxPolicy policy) {
  if (size == 0 || size % page_size() != 0)
    return Error(ErrorCode::kInvalidArgument,
                 "code memory size " + std::to_string(size) + " is not a positive multiple of the page size");
  if (policy == WxPolicy::kDualMap) {
    asmjit::VirtMem::DualMapping dm{};
    // kAccessRWX: AsmJit gives the first view R+X (write filtered out) and the second R+W
    // (execute filtered out); no view is ever W and X.
    if (asmjit::VirtMem::allocDualMapping(&dm, size, asmjit::VirtMem::MemoryFlags::kAccessRWX) !=
        asmjit::kErrorOk)
      return Error(ErrorCode::kOutOfMemory,
                   "dual mapping of " + std::to_string(size) + " bytes failed: " + std::strerror(errno));
    std::unique_ptr<CodeMemory> m(new CodeMemory(reinterpret_cast<uintptr_t>(dm.rx),
                                                 static_cast<uint8_t*>(dm.rw), size, policy));
    ensure_runtime_fork_handlers();
    internal::CodeMemoryFork::link(m.get());  // its views are MAP_SHARED: fork.h
    return m;
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return Error(ErrorCode::kOutOfMemory,
                 "mmap of " + std::to_string(size) + " bytes of code memory failed: " + std::strerror(errno));
  return std::unique_ptr<CodeMemory>(
      new CodeMemory(reinterpret_cast<uintptr_t>(p), nullptr, size, policy));
}

CodeMemory::~CodeMemory() {
  if (policy_ == WxPolicy::kDualMap) {
    internal::CodeMemoryFork::unlink(this);
    asmjit::VirtMem::DualMapping dm{reinterpret_cast<void*>(exec_), rw_};
    asmjit::VirtMem::releaseDualMapping(&dm, size_);
  } else {
    munmap(reinterpret_cast<void*>(exec_), size_);
  }
}

Error CodeMemory::write(uintptr_t addr, size_t len, bool published,
                        FunctionRef<void(uint8_t*, uintptr_t, size_t)> chunk) {
  if (len == 0) return ok();
  if (!contains(addr, len))
    return Error(ErrorCode::kForeignAddress, "write outside this code memory block");
  if (lost_at_fork_.load(std::memory_order_relaxed))
    return Error(ErrorCode::kSystemError,
                 "code memory at " + std::to_string(exec_) +
                     " was not duplicated when this process was forked (no memory or file "
                     "descriptor for the copy): this child may not write it (rvjit/runtime/fork.h)");
  if (policy_ == WxPolicy::kDualMap) {
    // The snapshot bound for fork (text lock held: no concurrent writer).
    const size_t end = addr + len - exec_;
    if (end > written_end_.load(std::memory_order_relaxed))
      written_end_.store(end, std::memory_order_relaxed);
    // The RW view: protections never change, so running threads need no parking.
    const size_t ps = page_size();
    for (uintptr_t a = addr, end = addr + len; a < end;) {
      const size_t n = std::min<uintptr_t>(end, (a / ps + 1) * ps) - a;
      chunk(rw_ + (a - exec_), a, n);
      a += n;
    }
    return ok();
  }
  if (!published) return flip_window(addr, len, chunk);
  auto body = [&]() -> Error { return flip_window(addr, len, chunk); };
  return with_world_parked(body);
}

// flip: the touched pages RX -> RW (never X while writable), the page-bounded writes,
// RW -> RX. One mprotect each way: if making the range writable fails, nothing is written
// (all or nothing, as a rendezvous-bounded patch must be).
Error CodeMemory::flip_window(uintptr_t addr, size_t len,
                              FunctionRef<void(uint8_t*, uintptr_t, size_t)> chunk) {
  const size_t ps = page_size();
  const uintptr_t first = addr / ps * ps;
  const size_t span = (addr + len + ps - 1) / ps * ps - first;
  void* pp = reinterpret_cast<void*>(first);
  internal::OpenFlipBatch* batch = internal::open_flip_batch();
  bool already_open = false;
  if (batch)
    for (size_t i = 0; i < batch->count && !already_open; ++i)
      already_open = first >= batch->ranges[i].first &&
                     first + span <= batch->ranges[i].first + batch->ranges[i].span;
  if (!already_open && mprotect(pp, span, PROT_READ | PROT_WRITE) != 0) {
    const int err = errno;
    mprotect(pp, span, PROT_READ | PROT_EXEC);  // undo any part that was applied
    return Error(ErrorCode::kSystemError, std::string("mprotect(RW): ") + std::strerror(err) +
                                              "; nothing written");
  }
  for (uintptr_t a = addr, end = addr + len; a < end;) {
    const size_t n = std::min<uintptr_t>(end, (a / ps + 1) * ps) - a;
    chunk(reinterpret_cast<uint8_t*>(a), a, n);
    a += n;
  }
  if (already_open) return ok();
  // Inside a PatchBatch the pages stay RW (not X: W^X holds) until the batch closes.
  if (batch && batch->count < std::size(batch->ranges)) {
    batch->ranges[batch->count++] = {first, span};
    return ok();
  }
  if (batch) batch->overflowed = true;
  if (mprotect(pp, span, PROT_READ | PROT_EXEC) != 0)  // stays RW, not X: W^X still holds
    return Error(ErrorCode::kSystemError, std::string("mprotect(RX): ") + std::strerror(errno) +
                                              "; the code is written but not executable");
  return ok();
}

namespace internal {
namespace {
OpenFlipBatch* g_open_flip_batch = nullptr;  // guarded by the text lock
}  // namespace

OpenFlipBatch* open_flip_batch() noexcept { return g_open_flip_batch; }
void set_open_flip_batch(OpenFlipBatch* batch) noexcept { g_open_flip_batch = batch; }

Error close_flip_batch(OpenFlipBatch& batch) {
  Error first_error;
  for (size_t i = 0; i < batch.count; ++i) {
    const auto& r = batch.ranges[i];
    if (mprotect(reinterpret_cast<void*>(r.first), r.span, PROT_READ | PROT_EXEC) != 0 &&
        first_error.ok())
      first_error = Error(ErrorCode::kSystemError, std::string("mprotect(RX) closing a patch batch: ") +
                                                       std::strerror(errno));
  }
  batch.count = 0;
  return first_error;
}
}  // namespace internal

}  // namespace rvjit
