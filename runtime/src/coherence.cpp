// Icache coherence primitives: probe once, fall back, report (coherence.h).
#include "rvjit/runtime/coherence.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
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
// The cover chosen by probe_all, readable without the once flag's lock (relaxed: the
// flag's completion already ordered it for every caller of coherence_init()).
std::atomic<MigrationCover> g_cover{MigrationCover::kNotNeeded};
std::atomic<unsigned long long> g_cover_syncs{0}, g_cover_failures{0};

MigrationCover choose_cover(const CoherenceProbe& p) {
#if defined(__riscv)
  if (p.icache_flush_ctx.status == ProbeStatus::kAvailable) return MigrationCover::kIcacheFlushCtx;
  if (p.flush_syscall.status == ProbeStatus::kAvailable) return MigrationCover::kFlushSyscall;
  if (p.membarrier_sync_core.status == ProbeStatus::kAvailable) return MigrationCover::kMembarrier;
  return MigrationCover::kNone;
#else
  (void)p;
  return MigrationCover::kNotNeeded;
#endif
}

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
  g_probe.migration_cover = choose_cover(g_probe);
  g_cover.store(g_probe.migration_cover, std::memory_order_relaxed);
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

const char* migration_cover_name(MigrationCover c) noexcept {
  switch (c) {
    case MigrationCover::kNotNeeded: return "not needed (coherent fetch)";
    case MigrationCover::kIcacheFlushCtx: return "prctl ICACHE_FLUSH_CTX";
    case MigrationCover::kFlushSyscall: return "riscv_flush_icache flags=0 after each local-fence sync";
    case MigrationCover::kMembarrier: return "membarrier SYNC_CORE after each local-fence sync";
    case MigrationCover::kNone: return "NONE: a migrated thread may run stale code";
  }
  return "?";
}

void cover_local_fences_for_migration() noexcept {
  long rc = 0;
  switch (g_cover.load(std::memory_order_relaxed)) {
    case MigrationCover::kFlushSyscall: rc = raw_flush_icache_all(); break;
    case MigrationCover::kMembarrier: rc = syscall(SYS_membarrier, kMembarrierCmdSyncCore, 0, 0); break;
    default: return;
  }
  g_cover_syncs.fetch_add(1, std::memory_order_relaxed);
  if (rc != 0) g_cover_failures.fetch_add(1, std::memory_order_relaxed);
}

unsigned long long migration_cover_syncs() noexcept {
  return g_cover_syncs.load(std::memory_order_relaxed);
}
unsigned long long migration_cover_failures() noexcept {
  return g_cover_failures.load(std::memory_order_relaxed);
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
