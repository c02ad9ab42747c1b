// The platform report: everything the runtime probed at start-up and what it chose, as a
// struct (for programs) and as text (for people; `rvjit-platform` prints it).
#pragma once

#include <string>

#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/code_memory.h"
#include "rvjit/runtime/hwprobe.h"

namespace rvjit {

// Cross-thread sync mechanisms, best first, as far as the probes can tell.
enum class SyncMechanism : uint8_t {
  kMembarrierSyncCore,  // membarrier(PRIVATE_EXPEDITED_SYNC_CORE)
  kFlushSyscall,        // riscv_flush_icache(.., 0)
  kStopTheWorld,        // the signal rendezvous; every thread runs FENCE.I itself
};
const char* sync_mechanism_name(SyncMechanism m) noexcept;

struct PlatformReport {
  const char* arch = "";          // "riscv64" or "host"
  WxProbe wx;                     // the dual-map probe
  bool policy_ok = false;         // choose_wx_policy() succeeded
  WxPolicy policy = WxPolicy::kFlip;
  std::string policy_note;        // where the choice came from, or the refusal
  CoherenceProbe coherence;
  IsaExtensions isa;
  SyncMechanism cross_thread_sync = SyncMechanism::kStopTheWorld;  // best available
};

// Runs every probe (once) and collects the results. Not async-signal-safe.
PlatformReport platform_report();
std::string platform_report_text(const PlatformReport& report);

}  // namespace rvjit
