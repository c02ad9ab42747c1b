// Seeded bug "migration without the icache-flush prctl", system mode (docs/icache-check.md):
// booted as /init of a real kernel under the checker's system-mode plugin with -smp 2. A
// thread writes a function on hart 0, runs its own fence.i there (correct for hart 0),
// then migrates to hart 1 and calls the function. Hart 1 never synced those bytes: rule
// "fresh". The twin first asks the kernel for PR_RISCV_SET_ICACHE_FLUSH_CTX (Linux 6.10),
// which makes the switch to the thread on its new hart run fence.i there: clean.
//
// Reports like rvjit_system_tests (scripts/system-test.sh reads the lines): one
// "RVJIT-TEST SeededMigration.<variant> PASS|FAIL", then "RVJIT-SYSTEM-END ...", then it
// powers the machine off. The variant comes from the kernel command line,
// rvjit.variant=bug|twin (RVJIT_SYSTEM_ARGS="variant=bug").
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "seeded_code.h"

namespace {

using namespace seeded;

constexpr int kPrRiscvSetIcacheFlushCtx = 71;    // include/uapi/linux/prctl.h (6.10)
constexpr unsigned long kCtxSwFenceiOn = 0, kScopePerThread = 1;

std::string variant_from_cmdline() {
  std::ifstream in("/proc/cmdline");
  const std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = cmd.find("rvjit.variant=");
  if (at == std::string::npos) return "";
  const auto start = at + std::strlen("rvjit.variant=");
  return cmd.substr(start, cmd.find_first_of(" \n", start) - start);
}

bool run_on_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) return false;
  sched_yield();
  return sched_getcpu() == cpu;
}

// The scenario; returns an error text, or "" when the function ran right on both harts.
std::string scenario(bool bug, uint32_t* code) {
  if (!bug && prctl(kPrRiscvSetIcacheFlushCtx, kCtxSwFenceiOn, kScopePerThread, 0, 0) != 0)
    return std::string("prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX): ") + std::strerror(errno);
  if (!run_on_cpu(0)) return "could not run on cpu 0";
  // A new function in never-executed (zero) bytes of the page: fresh code, not a Ziccif
  // replacement of one instruction by another (which a hart may fetch either way).
  uint32_t* fresh = code + 256;
  fresh[0] = li_a0(42);  // plain stores on hart 0
  fresh[1] = kRet;
  fence_i();             // hart 0 is synced; hart 1 is not
  if (as_fn(fresh)() != 42) return "wrong result on cpu 0";
  if (!run_on_cpu(1)) return "could not migrate to cpu 1";
  if (as_fn(fresh)() != 42) return "wrong result on cpu 1";  // QEMU is coherent: always 42
  return "";
}

void line(const char* fmt, const char* a, const char* b = "") {
  std::printf(fmt, a, b);
  std::fflush(stdout);
}

}  // namespace

int main() {
  mkdir("/proc", 0755);
  mount("proc", "/proc", "proc", 0, nullptr);
  const std::string v = variant_from_cmdline();
  const bool known = v == "bug" || v == "twin";
  std::string problem = known ? "" : "rvjit.variant must be bug or twin, got '" + v + "'";
  // Every page this program will touch is resident first: a page fault on an executable
  // page between the store and the migration flushes every hart (flush_icache_pte) and
  // would hide the bug. The code page is touched (first mapping: a flush) before the store,
  // and the warm-up runs once on hart 1 afterwards: Linux 6.12 marks the other harts'
  // icaches stale at that flush (flush_icache_mm) and hart 1 runs its deferred fence.i when
  // it next switches to this process, which must happen before the store, not after.
  auto* code = static_cast<uint32_t*>(map_rwx(4096));
  code[0] = kNop;
  code[1] = kRet;
  if (mlockall(MCL_CURRENT) != 0 && problem.empty())
    problem = std::string("mlockall: ") + std::strerror(errno);
  if (problem.empty()) run_on_cpu(1), run_on_cpu(0), as_fn(code)();  // warm both paths
  if (problem.empty()) problem = scenario(v == "bug", code);
  const std::string name = "SeededMigration." + (known ? v : std::string("unknown"));
  if (!problem.empty()) line("seeded migration: %s%s\n", problem.c_str());
  line("RVJIT-TEST %s %s\n", name.c_str(), problem.empty() ? "PASS" : "FAIL");
  std::printf("RVJIT-SYSTEM-END passed=%d failed=%d skipped=0\n", problem.empty() ? 1 : 0,
              problem.empty() ? 0 : 1);
  std::fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  return 1;
}
