// Issue 13 item 2: a thread that executed the first word of a two_word site and is then
// inside ANOTHER signal handler (a VM's SIGPROF, a GC safepoint signal, a SIGSEGV handler)
// when the rendezvous arrives. The rendezvous handler only sees the innermost frame (the
// other handler); the outer context resumes between the site's words after the release.
//
// The scenario, made deterministic: a JIT stub raises SIGUSR1 on its own thread (tgkill
// from an `ecall`, so the interrupted context is the stub's). The SIGUSR1 handler makes
// the outer context "call the hooked function and execute the site's first word as it is
// right now": it sets ra (return to the stub), a0 (the argument) and applies word 0's
// architectural effect to the context (nop: pc = site+4; auipc t0: t0 = site + hi,
// pc = site+4; `j .+8`: pc = site+8) -- exactly the state the kernel would record had the
// signal arrived right after word 0. Then the handler waits while the controller toggles
// the site (one rendezvous, which nests on top of the SIGUSR1 handler), and returns.
//
// With the seed layout (nop;nop <-> auipc;jalr), enabling while the outer context sits
// at site+4 after the old `nop` runs the new `jalr t0, lo(t0)` with a stale t0: a torn
// pair that jumps into the void (the child dies). The layout in the tree toggles only
// word 0 (`j .+8` <-> `auipc t0, hi`, the `jalr` fixed), so no frame can be between two
// words that change: the call returns x + 5 in both directions.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "fork_child.h"
#include "hooked_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;

// State shared with the SIGUSR1 handler (lock-free atomics only).
std::atomic<uintptr_t> g_site{0};
std::atomic<int> g_in_handler{0};
std::atomic<int> g_go{0};
std::atomic<uint32_t> g_word0_seen{0};

// riscv glibc: uc_mcontext.__gregs[0] is the pc, [1..31] are x1..x31.
constexpr int kPc = 0, kRa = 1, kT0 = 5, kS1 = 9, kA0 = 10;

int64_t sext(uint64_t v, unsigned bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Applies the architectural effect of the site's current first word to `gregs`.
void execute_word0(unsigned long* gregs, uintptr_t site) {
  const uint32_t w0 = *reinterpret_cast<const volatile uint32_t*>(site);
  g_word0_seen.store(w0, std::memory_order_relaxed);
  if ((w0 & 0x7f) == enc::kOpAuipc && ((w0 >> 7) & 31) == 5) {
    gregs[kT0] = site + sext(w0 & 0xfffff000u, 32);
    gregs[kPc] = site + 4;
  } else if ((w0 & 0x7f) == enc::kOpJal && ((w0 >> 7) & 31) == 0) {
    gregs[kPc] = site + sext(((w0 >> 31) << 20) | (((w0 >> 12) & 0xff) << 12) |
                                 (((w0 >> 20) & 1) << 11) | (((w0 >> 21) & 0x3ff) << 1),
                             21);
  } else {  // nop (the seed's disabled word)
    gregs[kPc] = site + 4;
  }
}

void on_usr1(int, siginfo_t*, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
  unsigned long* gregs = uc->uc_mcontext.__gregs;
  gregs[kRa] = gregs[kPc];   // the hooked function returns to the stub, after its ecall
  gregs[kA0] = gregs[kS1];   // its argument, kept by the stub in s1
  execute_word0(gregs, g_site.load(std::memory_order_relaxed));
  g_in_handler.store(1, std::memory_order_release);
  timespec start{}, now{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (g_go.load(std::memory_order_acquire) == 0) {  // bounded: never a hang
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 30) break;
    sched_yield();
  }
}

// long kick(long x, long pid, long tid): raises SIGUSR1 on this thread with x in s1 and
// t0 = 0 (a torn jalr through t0 jumps near address 0), then returns a0.
struct Stub {
  void* page = nullptr;
  size_t size = 0;
  using Fn = long (*)(long, long, long);
  Fn fn() const { return reinterpret_cast<Fn>(page); }
};

Stub make_stub() {
  Assembler a;
  a.addi(reg::sp, reg::sp, -16);
  a.sd(reg::ra, reg::sp, 0);
  a.sd(reg::s1, reg::sp, 8);
  a.mv(reg::s1, reg::a0);
  a.mv(reg::a0, reg::a1);
  a.mv(reg::a1, reg::a2);
  a.li(reg::a2, SIGUSR1);
  a.li(reg::a7, SYS_tgkill);
  a.li(reg::t0, 0);
  a.emit32(0x00000073);  // ecall: the handler runs when it returns
  a.ld(reg::ra, reg::sp, 0);
  a.ld(reg::s1, reg::sp, 8);
  a.addi(reg::sp, reg::sp, 16);
  a.ret();
  Stub s;
  if (a.has_error()) return s;
  s.size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return s;
  std::memcpy(mem, a.buffer().data(), a.offset());
  if (mprotect(mem, s.size, PROT_READ | PROT_EXEC) != 0) return s;
  local_fence_i();
  s.page = mem;
  return s;
}

std::atomic<int> g_entries{0};
void count_entry(const rvjit_hook_ctx*, void*) { g_entries.fetch_add(1); }

enum class Toggle { kEnable, kDisable };

// Runs the scenario; returns the hooked call's result, or a negative setup failure.
long run_nested(Toggle toggle) {
  ThreadRegistration me("nested-main");
  auto cache = CodeCache::create();
  if (!cache.ok()) return -1;
  HookManagerOptions opt;
  opt.rendezvous_timeout = std::chrono::milliseconds(20000);
  auto hm = HookManager::create(**cache, opt);
  if (!hm.ok()) return -2;
  auto f = (*hm)->install(rvjit::testing::add_k_function(SiteLayout::kTwoWord, 5), "nested");
  if (!f.ok()) return -3;
  rvjit_hook_ops ops{count_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto id = (*hm)->register_ops(ops, HookFilter::all());
  if (!id.ok()) return -4;
  if (toggle == Toggle::kDisable && !(*hm)->enable(*id).ok()) return -5;
  Stub stub = make_stub();
  if (!stub.page) return -6;
  struct sigaction sa {};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);  // the rendezvous signal must be able to nest
  if (sigaction(SIGUSR1, &sa, nullptr) != 0) return -7;
  g_site = f->entry;
  g_in_handler = 0;
  g_go = 0;
  std::atomic<long> result{-100};
  std::thread worker([&] {
    ThreadRegistration reg("nested-worker");
    if (!reg.ok()) return;
    result = stub.fn()(1000, getpid(), static_cast<long>(syscall(SYS_gettid)));
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (g_in_handler.load(std::memory_order_acquire) == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  if (g_in_handler.load() == 0) {
    g_go = 1;
    worker.join();
    return -8;
  }
  // The rendezvous of this call parks the worker on top of its SIGUSR1 handler.
  const Error e = toggle == Toggle::kEnable ? (*hm)->enable(*id) : (*hm)->disable(*id);
  g_go.store(1, std::memory_order_release);
  worker.join();
  if (!e.ok()) return -9;
  return result.load();
}

TEST(HookNestedSignal, EnableWhileAnOuterFrameIsAfterTheFirstWordRunsNoTornPair) {
  const rvjit::test::ChildResult child = rvjit::test::run_in_child([]() -> int {
    const long r = run_nested(Toggle::kEnable);
    std::printf("enable: result %ld, word 0 seen 0x%08x\n", r, g_word0_seen.load());
    return r == 1005 ? 0 : r < 0 && r > -20 ? 2 : 1;
  });
  ASSERT_TRUE(child.finished) << "the child never finished (3 attempts)";
  EXPECT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0)
      << (WIFSIGNALED(child.status) ? "the child died of signal " + std::to_string(WTERMSIG(child.status)) +
                                          " (a torn pair: old word 0, new word 1)"
                                    : "exit status " + std::to_string(WEXITSTATUS(child.status)) +
                                          " (1: wrong result, 2: setup failed)");
}

TEST(HookNestedSignal, DisableWhileAnOuterFrameIsAfterTheFirstWordReturnsCorrectly) {
  const rvjit::test::ChildResult child = rvjit::test::run_in_child([]() -> int {
    const long r = run_nested(Toggle::kDisable);
    std::printf("disable: result %ld, word 0 seen 0x%08x\n", r, g_word0_seen.load());
    return r == 1005 ? 0 : r < 0 && r > -20 ? 2 : 1;
  });
  ASSERT_TRUE(child.finished) << "the child never finished (3 attempts)";
  EXPECT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0)
      << (WIFSIGNALED(child.status) ? "the child died of signal " + std::to_string(WTERMSIG(child.status))
                                    : "exit status " + std::to_string(WEXITSTATUS(child.status)));
}

}  // namespace
