// A refused PR_RISCV_SET_ICACHE_FLUSH_CTX is compensated, not only reported (issue 13,
// item 5). qemu-user refuses the prctl (EINVAL), so here the fallback path is the one
// taken: every sync that relies on threads' own FENCE.I (stop_the_world, install) also
// marks every hart stale with riscv_flush_icache(flags 0) (or membarrier SYNC_CORE), and
// the platform report says so. On a kernel that accepts the prctl the cover is the prctl
// and no extra call is made. The first test must stay first: it checks that the W^X probe,
// when it is the first thing a process asks for, runs after the prctl.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/platform.h"
#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;

TEST(MigrationCover, WxProbeRunsAfterThePrctl) {
  const WxProbe& wx = wx_probe();  // the first runtime call of this process
  EXPECT_NE(wx.icache_flush_ctx, ProbeStatus::kNotProbed)
      << "the W^X probe ran before prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX)";
  EXPECT_EQ(wx.icache_flush_ctx, coherence_init().icache_flush_ctx.status);
}

TEST(MigrationCover, RefusedPrctlIsCoveredAfterEveryLocalFenceSync) {
  const CoherenceProbe& p = coherence_init();
  if (p.icache_flush_ctx.status == ProbeStatus::kAvailable) {
    EXPECT_EQ(p.migration_cover, MigrationCover::kIcacheFlushCtx);
  } else {
    // qemu-user implements riscv_flush_icache (a no-op for it, as every fetch is
    // coherent there), so the cover must be a real call, never "none".
    ASSERT_TRUE(p.migration_cover == MigrationCover::kFlushSyscall ||
                p.migration_cover == MigrationCover::kMembarrier)
        << migration_cover_name(p.migration_cover);
  }
  std::printf("migration cover: %s\n", migration_cover_name(p.migration_cover));
  const bool covers = p.migration_cover == MigrationCover::kFlushSyscall ||
                      p.migration_cover == MigrationCover::kMembarrier;

  // stop_the_world with a registered thread parked: one cover call before the release.
  std::atomic<bool> stop{false}, ready{false};
  std::thread worker([&] {
    ThreadRegistration reg("cover-worker");
    ready.store(reg.ok());
    while (!stop.load()) std::this_thread::yield();
  });
  while (!ready.load()) std::this_thread::yield();
  const unsigned long long before_stw = migration_cover_syncs();
  ASSERT_TRUE(stop_the_world([] { return ok(); }).ok());
  EXPECT_EQ(migration_cover_syncs() - before_stw, covers ? 1u : 0u);
  stop.store(true);
  worker.join();

  // install: one cover call after the installer's own FENCE.I.
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  Assembler a;
  a.addi(reg::a0, reg::zero, 5);
  a.ret();
  auto code = a.finalize();
  ASSERT_TRUE(code.ok());
  const unsigned long long before_install = migration_cover_syncs();
  auto fn = (*cache)->install(*code, "covered");
  ASSERT_TRUE(fn.ok()) << fn.error().to_string();
  EXPECT_EQ(migration_cover_syncs() - before_install, covers ? 1u : 0u);
  EXPECT_EQ(fn->as<long (*)()>()(), 5);
  EXPECT_EQ(migration_cover_failures(), 0u);

  // The report says which cover is in force.
  const std::string text = platform_report_text(platform_report());
  EXPECT_NE(text.find("migration cover"), std::string::npos) << text;
  EXPECT_NE(text.find(migration_cover_name(p.migration_cover)), std::string::npos) << text;
}

}  // namespace
