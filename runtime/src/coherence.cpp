// Icache coherence primitives: probe once, fall back, report (coherence.h).
#include "rvjit/runtime/coherence.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace rvjit {
namespace {

// Linux UAPI numbers (the cross sysroot's headers predate some of them).
[[maybe_unused]] constexpr long kSysRiscvFlushIcache = 259;         // arch/riscv/include/uapi/asm/unistd.h
constexpr int kMembarrierCmdSyncCore = 1 << 5;     // MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
constexpr int kMembarrierCmdRegisterSyncCore = 1 << 6;
[[maybe_unused]] constexpr int kPrRiscvSetIcacheFlushCtx = 71;
[[maybe_unused]] constexpr long kPrRiscvCtxSwFenceiOn = 0;
[[maybe_unused]] constexpr long kPrRiscvScopePerProcess = 0;

PrimitiveProbe from_rc(long rc) {
  PrimitiveProbe p;
  if (rc == 0) {
    p.status = ProbeStatus::kAvailable;
  } else {
    p.status = ProbeStatus::kUnavailable;
    p.error_number = errno;
  }
  return p;
}

long raw_flush_icache_all() {
#if defined(__riscv)
  // flags = 0: all harts. Never 1 (SYS_RISCV_FLUSH_ICACHE_LOCAL): see coherence.h.
  return syscall(kSysRiscvFlushIcache, 0UL, 0UL, 0UL);
#else
  errno = ENOSYS;
  return -1;
#endif
}

CoherenceProbe g_probe;
std::once_flag g_once;

void probe_all() {
#if defined(__riscv)
  local_fence_i();
  g_probe.fence_i.status = ProbeStatus::kAvailable;
  // prctl first: the fence.i's below then survive migration.
  g_probe.icache_flush_ctx = from_rc(
      prctl(kPrRiscvSetIcacheFlushCtx, kPrRiscvCtxSwFenceiOn, kPrRiscvScopePerProcess, 0, 0));
#else
  g_probe.fence_i.status = ProbeStatus::kAvailable;  // host: fetch is coherent
  errno = ENOSYS;
  g_probe.icache_flush_ctx = from_rc(-1);
#endif
  g_probe.flush_syscall = from_rc(raw_flush_icache_all());
  g_probe.membarrier_sync_core =
      from_rc(syscall(SYS_membarrier, kMembarrierCmdRegisterSyncCore, 0, 0));
  if (g_probe.membarrier_sync_core.status == ProbeStatus::kAvailable) {
    // Registered: check that the command itself runs too.
    g_probe.membarrier_sync_core = from_rc(syscall(SYS_membarrier, kMembarrierCmdSyncCore, 0, 0));
  }
}

Error unavailable(const char* what, const PrimitiveProbe& p) {
  return Error(ErrorCode::kPolicyUnavailable,
               std::string(what) + " unavailable on this platform (probe: " +
                   std::strerror(p.error_number) + ")");
}

}  // namespace

const char* probe_status_name(ProbeStatus s) noexcept {
  switch (s) {
    case ProbeStatus::kNotProbed: return "not probed";
    case ProbeStatus::kAvailable: return "available";
    case ProbeStatus::kUnavailable: return "unavailable";
  }
  return "?";
}

const CoherenceProbe& coherence_init() {
  std::call_once(g_once, probe_all);
  return g_probe;
}

Error flush_icache_all_threads() {
  const CoherenceProbe& p = coherence_init();
  if (p.flush_syscall.status != ProbeStatus::kAvailable)
    return unavailable("riscv_flush_icache", p.flush_syscall);
  if (raw_flush_icache_all() != 0)
    return Error(ErrorCode::kSystemError,
                 std::string("riscv_flush_icache: ") + std::strerror(errno));
  return ok();
}

Error membarrier_sync_core() {
  const CoherenceProbe& p = coherence_init();
  if (p.membarrier_sync_core.status != ProbeStatus::kAvailable)
    return unavailable("membarrier(PRIVATE_EXPEDITED_SYNC_CORE)", p.membarrier_sync_core);
  if (syscall(SYS_membarrier, kMembarrierCmdSyncCore, 0, 0) != 0)
    return Error(ErrorCode::kSystemError, std::string("membarrier: ") + std::strerror(errno));
  return ok();
}

}  // namespace rvjit
