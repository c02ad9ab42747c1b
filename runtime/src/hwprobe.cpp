// riscv_hwprobe: which optional ISA extensions the harts have (hwprobe.h).
#include "rvjit/runtime/hwprobe.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace rvjit {
namespace {

// arch/riscv/include/uapi/asm/hwprobe.h (Linux 6.12).
[[maybe_unused]] constexpr long kSysRiscvHwprobe = 258;
enum : int64_t {
  kKeyMvendorid = 0, kKeyMarchid = 1, kKeyMimpid = 2, kKeyBaseBehavior = 3, kKeyImaExt0 = 4,
};
constexpr uint64_t kBaseBehaviorIma = 1;
constexpr int kBitFd = 0, kBitC = 1, kBitV = 2, kBitZba = 3, kBitZbb = 4, kBitZbs = 5,
              kBitZicboz = 6, kBitZbc = 7, kBitZfa = 32, kBitZtso = 33, kBitZacas = 34,
              kBitZicond = 35, kBitZihintpause = 36, kBitZca = 43, kBitZcb = 44,
              kBitZawrs = 48;

struct HwprobePair {
  int64_t key;
  uint64_t value;
};

IsaExtensions g_isa;
std::once_flag g_once;

void probe() {
  HwprobePair pairs[] = {{kKeyMvendorid, 0}, {kKeyMarchid, 0}, {kKeyMimpid, 0},
                         {kKeyBaseBehavior, 0}, {kKeyImaExt0, 0}};
#if defined(__riscv)
  // cpusetsize 0, cpus NULL: the answer holds for every online hart.
  long rc = syscall(kSysRiscvHwprobe, pairs, sizeof(pairs) / sizeof(pairs[0]), 0UL, nullptr, 0U);
#else
  long rc = -1;
  errno = ENOSYS;
#endif
  if (rc != 0) {
    g_isa.error_number = errno;
    return;
  }
  g_isa.probed = true;
  g_isa.mvendorid = pairs[0].value;
  g_isa.marchid = pairs[1].value;
  g_isa.mimpid = pairs[2].value;
  // A key the kernel does not know comes back as -1; then its value is meaningless.
  g_isa.base_ima = pairs[3].key != -1 && (pairs[3].value & kBaseBehaviorIma);
  const uint64_t e = pairs[4].key != -1 ? pairs[4].value : 0;
  g_isa.ima_ext_0 = e;
  auto bit = [e](int b) { return ((e >> b) & 1) != 0; };
  g_isa.fd = bit(kBitFd);
  g_isa.c = bit(kBitC);
  g_isa.v = bit(kBitV);
  g_isa.zba = bit(kBitZba);
  g_isa.zbb = bit(kBitZbb);
  g_isa.zbs = bit(kBitZbs);
  g_isa.zbc = bit(kBitZbc);
  g_isa.zicboz = bit(kBitZicboz);
  g_isa.zfa = bit(kBitZfa);
  g_isa.ztso = bit(kBitZtso);
  g_isa.zacas = bit(kBitZacas);
  g_isa.zicond = bit(kBitZicond);
  g_isa.zihintpause = bit(kBitZihintpause);
  g_isa.zca = bit(kBitZca);
  g_isa.zcb = bit(kBitZcb);
  g_isa.zawrs = bit(kBitZawrs);
}

}  // namespace

const IsaExtensions& isa_extensions() {
  std::call_once(g_once, probe);
  return g_isa;
}

JitTarget jit_target_from(const IsaExtensions& isa) {
  JitTarget t = JitTarget::base();
  if (!isa.probed) return t;
  if (isa.c) t = t.with(TargetExt::kC);
  if (isa.zba) t = t.with(TargetExt::kZba);
  if (isa.zbb) t = t.with(TargetExt::kZbb);
  if (isa.zbs) t = t.with(TargetExt::kZbs);
  if (isa.zicond) t = t.with(TargetExt::kZicond);
  if (isa.zfa) t = t.with(TargetExt::kZfa);
  if (isa.zcb) t = t.with(TargetExt::kZcb);
  return t;
}

JitTarget jit_target_from_hwprobe() { return jit_target_from(isa_extensions()); }

}  // namespace rvjit
