// Thin wrappers and constants for the RISC-V Linux interfaces the system tests use. The
// cross sysroot's kernel headers predate some of them (hwprobe 6.4, the icache flush
// context prctl 6.10), so the values are spelled out here, from the 6.12 uapi headers.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace rvjit::system {

inline long membarrier(int cmd, unsigned flags = 0) {
  return syscall(__NR_membarrier, cmd, flags, 0);
}

// riscv_hwprobe (syscall 258), arch/riscv/include/uapi/asm/hwprobe.h.
struct RiscvHwprobe {
  int64_t key;
  uint64_t value;
};
constexpr long kNrRiscvHwprobe = 258;
constexpr int64_t kHwprobeKeyBaseBehavior = 3;
constexpr uint64_t kHwprobeBaseBehaviorIma = 1u << 0;
constexpr int64_t kHwprobeKeyImaExt0 = 4;
constexpr uint64_t kHwprobeImaFd = 1u << 0;
constexpr uint64_t kHwprobeImaC = 1u << 1;

inline long riscv_hwprobe(RiscvHwprobe* pairs, size_t count) {
  return syscall(kNrRiscvHwprobe, pairs, count, 0, nullptr, 0);
}

// riscv_flush_icache (syscall 259): flags 0 flushes every hart running the process;
// 1 (SYS_RISCV_FLUSH_ICACHE_LOCAL) only the calling hart. The range is ignored.
constexpr long kNrRiscvFlushIcache = 259;
constexpr unsigned long kFlushIcacheLocal = 1;

inline long riscv_flush_icache(uintptr_t start, uintptr_t end, unsigned long flags) {
  return syscall(kNrRiscvFlushIcache, start, end, flags);
}

// prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX, ctx, scope), include/uapi/linux/prctl.h.
constexpr int kPrRiscvSetIcacheFlushCtx = 71;
constexpr unsigned long kPrRiscvCtxSwFenceiOn = 0;
constexpr unsigned long kPrRiscvScopePerProcess = 0;
constexpr unsigned long kPrRiscvScopePerThread = 1;

// Hand-encoded instructions, so these tests depend on nothing but the kernel.
// addi a0, zero, imm  (I-type: imm[11:0] | rs1=0 | funct3=0 | rd=a0(10) | opcode 0x13)
constexpr uint32_t addi_a0_zero(int imm) {
  return (static_cast<uint32_t>(imm) & 0xfffu) << 20 | 10u << 7 | 0x13u;
}
static_assert(addi_a0_zero(42) == 0x02a00513u);
constexpr uint32_t kRet = 0x00008067u;  // jalr zero, 0(ra)

}  // namespace rvjit::system
