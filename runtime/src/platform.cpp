// The platform report (platform.h).
#include "rvjit/runtime/platform.h"

#include <cstdlib>
#include <cstring>

namespace rvjit {

const char* runtime_arch();  // runtime_info.cpp

const char* sync_mechanism_name(SyncMechanism m) noexcept {
  switch (m) {
    case SyncMechanism::kMembarrierSyncCore: return "membarrier_sync_core";
    case SyncMechanism::kFlushSyscall: return "flush_syscall";
    case SyncMechanism::kStopTheWorld: return "stop_the_world";
  }
  return "?";
}

PlatformReport platform_report() {
  PlatformReport r;
  r.arch = runtime_arch();
  r.coherence = coherence_init();
  r.wx = wx_probe();
  r.isa = isa_extensions();
  Result<WxPolicy> p = choose_wx_policy();
  r.policy_ok = p.ok();
  if (p.ok()) {
    r.policy = *p;
    const char* env = std::getenv("RVJIT_WX_POLICY");
    r.policy_note = env && *env ? "forced by RVJIT_WX_POLICY" : "chosen by the start-up probe";
  } else {
    r.policy_note = p.error().to_string();
  }
  if (r.coherence.membarrier_sync_core.status == ProbeStatus::kAvailable)
    r.cross_thread_sync = SyncMechanism::kMembarrierSyncCore;
  else if (r.coherence.flush_syscall.status == ProbeStatus::kAvailable)
    r.cross_thread_sync = SyncMechanism::kFlushSyscall;
  else
    r.cross_thread_sync = SyncMechanism::kStopTheWorld;
  return r;
}

namespace {
void line(std::string& s, const char* key, const std::string& value) {
  s += "  ";
  s += key;
  s.append(key && std::strlen(key) < 28 ? 28 - std::strlen(key) : 1, ' ');
  s += value;
  s += '\n';
}
std::string probe_text(const PrimitiveProbe& p) {
  std::string t = probe_status_name(p.status);
  if (p.status == ProbeStatus::kUnavailable) t += std::string(" (") + std::strerror(p.error_number) + ")";
  return t;
}
}  // namespace

std::string platform_report_text(const PlatformReport& r) {
  std::string s = "rvjit platform report\n";
  line(s, "arch", r.arch);
  s += "W^X code memory\n";
  line(s, "dual_map mappable", r.wx.dual_map_mappable ? "yes" : "no");
  line(s, "dual_map coherent", r.wx.dual_map_coherent ? "yes" : "no");
  line(s, "probe", r.wx.detail);
  line(s, "policy", r.policy_ok ? std::string(wx_policy_name(r.policy)) + " (" + r.policy_note + ")"
                                : "REFUSED: " + r.policy_note);
  s += "icache coherence\n";
  line(s, "fence.i (local)", probe_text(r.coherence.fence_i));
  line(s, "riscv_flush_icache flags=0", probe_text(r.coherence.flush_syscall));
  line(s, "membarrier SYNC_CORE", probe_text(r.coherence.membarrier_sync_core));
  line(s, "prctl ICACHE_FLUSH_CTX", probe_text(r.coherence.icache_flush_ctx));
  line(s, "migration cover", migration_cover_name(r.coherence.migration_cover));
  line(s, "cross-thread sync (best)", sync_mechanism_name(r.cross_thread_sync));
  s += "  (available = the call succeeded; an emulator may accept a call it does not model:\n"
       "   qemu-user never models a stale icache, so only the W^X probe above is evidence)\n";
  s += "ISA extensions (riscv_hwprobe)\n";
  if (!r.isa.probed) {
    line(s, "riscv_hwprobe", std::string("unavailable (") + std::strerror(r.isa.error_number) +
                                 "): only rv64gc forms are used");
  } else {
    std::string present, absent;
    auto ext = [&](const char* n, bool b) { (b ? present : absent) += std::string(n) + " "; };
    ext("fd", r.isa.fd); ext("c", r.isa.c); ext("v", r.isa.v); ext("zba", r.isa.zba);
    ext("zbb", r.isa.zbb); ext("zbs", r.isa.zbs); ext("zbc", r.isa.zbc);
    ext("zicond", r.isa.zicond); ext("zicboz", r.isa.zicboz); ext("zfa", r.isa.zfa);
    ext("zacas", r.isa.zacas); ext("zawrs", r.isa.zawrs); ext("zca", r.isa.zca);
    ext("zcb", r.isa.zcb); ext("zihintpause", r.isa.zihintpause); ext("ztso", r.isa.ztso);
    line(s, "present", present);
    line(s, "absent", absent);
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(r.isa.ima_ext_0));
    line(s, "IMA_EXT_0", buf);
  }
  return s;
}

}  // namespace rvjit
