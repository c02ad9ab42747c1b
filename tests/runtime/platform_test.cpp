// Platform probes: every primitive probed with a definite outcome, the wrappers agree
// with the probe, riscv_hwprobe answers (QEMU 10 and Linux >= 6.4 implement it), and the
// report says what was chosen.
#include <gtest/gtest.h>

#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/hwprobe.h"
#include "rvjit/runtime/platform.h"

namespace {

using namespace rvjit;

TEST(Platform, EveryCoherencePrimitiveIsProbed) {
  const CoherenceProbe& p = coherence_init();
  EXPECT_EQ(p.fence_i.status, ProbeStatus::kAvailable);
  for (const PrimitiveProbe* q : {&p.flush_syscall, &p.membarrier_sync_core, &p.icache_flush_ctx}) {
    EXPECT_NE(q->status, ProbeStatus::kNotProbed);
    if (q->status == ProbeStatus::kUnavailable) EXPECT_NE(q->error_number, 0);
  }
  EXPECT_EQ(&coherence_init(), &p);  // once
}

TEST(Platform, WrappersAgreeWithTheProbe) {
  const CoherenceProbe& p = coherence_init();
  Error f = flush_icache_all_threads();
  if (p.flush_syscall.status == ProbeStatus::kAvailable) {
    EXPECT_TRUE(f.ok()) << f.to_string();
  } else {
    EXPECT_EQ(f.code(), ErrorCode::kPolicyUnavailable);
  }
  Error m = membarrier_sync_core();
  if (p.membarrier_sync_core.status == ProbeStatus::kAvailable) {
    EXPECT_TRUE(m.ok()) << m.to_string();
  } else {
    EXPECT_EQ(m.code(), ErrorCode::kPolicyUnavailable);
    EXPECT_NE(m.message().find("membarrier"), std::string::npos);
  }
}

TEST(Platform, HwprobeReportsTheBaseIsa) {
  const IsaExtensions& isa = isa_extensions();
  ASSERT_TRUE(isa.probed) << "riscv_hwprobe failed: errno " << isa.error_number;
  EXPECT_TRUE(isa.base_ima);
  EXPECT_TRUE(isa.fd);  // the binaries are rv64gc: they could not run otherwise
  EXPECT_TRUE(isa.c);
  EXPECT_EQ(&isa_extensions(), &isa);
}

TEST(Platform, ReportNamesTheChoices) {
  const PlatformReport r = platform_report();
  EXPECT_STREQ(r.arch, "riscv64");
  ASSERT_TRUE(r.policy_ok) << r.policy_note;
  EXPECT_EQ(r.policy, wx_probe().chosen);
  const std::string text = platform_report_text(r);
  EXPECT_NE(text.find(std::string("policy")), std::string::npos);
  EXPECT_NE(text.find(wx_policy_name(r.policy)), std::string::npos);
  EXPECT_NE(text.find("membarrier SYNC_CORE"), std::string::npos);
  EXPECT_NE(text.find("riscv_flush_icache flags=0"), std::string::npos);
  EXPECT_NE(text.find(sync_mechanism_name(r.cross_thread_sync)), std::string::npos);
  if (r.coherence.membarrier_sync_core.status == ProbeStatus::kAvailable)
    EXPECT_EQ(r.cross_thread_sync, SyncMechanism::kMembarrierSyncCore);
}

}  // namespace
