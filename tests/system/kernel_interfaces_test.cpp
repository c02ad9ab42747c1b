// The Linux 6.12 interfaces the runtime's sync strategies rest on (platform-facts §5),
// checked one syscall at a time on the real kernel. Each test asserts what the kernel
// answers, including its refusals, so a kernel config or version that lacks an interface
// shows up here first rather than as a mysterious fallback in the runtime.
#include <gtest/gtest.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "guest_syscalls.h"

namespace {

using namespace rvjit::system;

TEST(Membarrier, QueryListsPrivateExpeditedSyncCore) {
  long mask = membarrier(MEMBARRIER_CMD_QUERY);
  ASSERT_GE(mask, 0) << strerror(errno);
  EXPECT_TRUE(mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) << "mask " << mask;
  EXPECT_TRUE(mask & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) << "mask " << mask;
}

// The command is refused until the process registered: the runtime must register at init.
// Registration belongs to the mm and survives fork, so this runs as a "threadsafe" death
// test: gtest re-executes the program, a fresh process that never registered.
TEST(Membarrier, SyncCoreWithoutRegisterIsEperm) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        long r = membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
      },
      testing::ExitedWithCode(0), "")
      << "expected -1/EPERM before REGISTER";
}

TEST(Membarrier, RegisterThenSyncCoreSucceeds) {
  ASSERT_EQ(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE), 0)
      << strerror(errno);
  EXPECT_EQ(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE), 0) << strerror(errno);
}

TEST(IcacheFlushCtx, PerProcessFenceIOnSucceeds) {
  EXPECT_EQ(prctl(kPrRiscvSetIcacheFlushCtx, kPrRiscvCtxSwFenceiOn, kPrRiscvScopePerProcess,
                  0, 0),
            0)
      << strerror(errno);
}

TEST(IcacheFlushCtx, PerThreadFenceIOnSucceeds) {
  EXPECT_EQ(prctl(kPrRiscvSetIcacheFlushCtx, kPrRiscvCtxSwFenceiOn, kPrRiscvScopePerThread,
                  0, 0),
            0)
      << strerror(errno);
}

TEST(IcacheFlushCtx, UnknownScopeIsEinval) {
  errno = 0;
  EXPECT_EQ(prctl(kPrRiscvSetIcacheFlushCtx, kPrRiscvCtxSwFenceiOn, 2, 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Hwprobe, AnswersBaseBehaviorAndImaExt0) {
  RiscvHwprobe pairs[2] = {{kHwprobeKeyBaseBehavior, 0}, {kHwprobeKeyImaExt0, 0}};
  // cpusetsize 0 and cpus NULL: the answer that holds for every online hart.
  ASSERT_EQ(riscv_hwprobe(pairs, 2), 0) << strerror(errno);
  EXPECT_EQ(pairs[0].key, kHwprobeKeyBaseBehavior);
  EXPECT_TRUE(pairs[0].value & kHwprobeBaseBehaviorIma) << "base " << pairs[0].value;
  EXPECT_EQ(pairs[1].key, kHwprobeKeyImaExt0);
  // This program is built for rv64gc: F, D and C must be there or it would not run.
  EXPECT_TRUE(pairs[1].value & kHwprobeImaFd) << "ima_ext_0 " << pairs[1].value;
  EXPECT_TRUE(pairs[1].value & kHwprobeImaC) << "ima_ext_0 " << pairs[1].value;
  std::printf("hwprobe: base_behavior=%#llx ima_ext_0=%#llx\n",
              static_cast<unsigned long long>(pairs[0].value),
              static_cast<unsigned long long>(pairs[1].value));
}

TEST(Hwprobe, UnknownKeyIsMarkedMinusOne) {
  RiscvHwprobe pair = {0x7fff0000, 123};
  ASSERT_EQ(riscv_hwprobe(&pair, 1), 0) << strerror(errno);
  EXPECT_EQ(pair.key, -1);
  EXPECT_EQ(pair.value, 0u);
}

TEST(FlushIcacheSyscall, AllHartsFlagZeroSucceeds) {
  static const uint32_t words[4] = {};
  auto start = reinterpret_cast<uintptr_t>(words);
  EXPECT_EQ(riscv_flush_icache(start, start + sizeof words, 0), 0) << strerror(errno);
}

TEST(FlushIcacheSyscall, LocalFlagSucceeds) {
  EXPECT_EQ(riscv_flush_icache(0, 0, kFlushIcacheLocal), 0) << strerror(errno);
}

TEST(FlushIcacheSyscall, ReservedFlagIsEinval) {
  errno = 0;
  EXPECT_EQ(riscv_flush_icache(0, 0, 2), -1);
  EXPECT_EQ(errno, EINVAL);
}

}  // namespace
