// Interrupted-PC fixup (RV64, under qemu-riscv64 or a real hart). A thread is stopped
// between the two words of a site, deterministically, and the site is rewritten inside
// stop_the_world:
//
//   site+0:  sw   a2, 0(a1)       old word 0: tells the controller "I am past word 0"
//   site+4:  j    .               old word 1: spins here, i.e. BETWEEN the two words
//   site+8:  ret
//
// rewritten (both words, inside the rendezvous) to
//
//   site+0:  addi a0, zero, 2     new word 0
//   site+4:  addi a0, a0, 40      new word 1     -> returns 42 when the pair runs whole
//
// The thread is called with a0 = 1000. With the fixup its handler moves its PC from
// site+4 back to site+0: it runs the new pair and returns 42. Without the fixup it resumes
// at site+4 and runs only the new second word after the old first one: a torn pair,
// returning 1040. That run happens in a forked child so that a torn site (which in real
// code may crash) cannot take the test process down.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cstring>

#include "fork_child.h"
#include "rvjit/jit/assembler.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/icache.h"
#include "stw_workers.h"

namespace {

using namespace rvjit_test;
namespace reg = rvjit::reg;
namespace enc = rvjit::enc;

using SiteFn = long (*)(long a0, volatile int* flag, long one);

struct Site {
  uint8_t* page = nullptr;
  size_t size = 0;
  SiteFn fn() const { return reinterpret_cast<SiteFn>(page); }
  uintptr_t start() const { return reinterpret_cast<uintptr_t>(page); }
};

// Old code, from rvjit's Assembler, on a page that is RW while written, then RX.
Site make_site() {
  rvjit::Assembler a;
  a.emit32(enc::s_type(enc::kOpStore, 2, reg::a1.id, reg::a2.id, 0));  // sw a2, 0(a1)
  a.emit32(enc::j_type(enc::kOpJal, reg::zero.id, 0));                 // j .
  a.ret();
  EXPECT_FALSE(a.has_error());
  Site s;
  s.size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_NE(mem, MAP_FAILED);
  s.page = static_cast<uint8_t*>(mem);
  std::memcpy(s.page, a.buffer().data(), a.offset());
  EXPECT_EQ(mprotect(s.page, s.size, PROT_READ | PROT_EXEC), 0);
  rvjit::local_fence_i();
  return s;
}

// The new pair, written while every registered thread is parked (W^X flip of the page).
rvjit::Error rewrite_site(const Site& s) {
  rvjit::Assembler a;
  a.addi(reg::a0, reg::zero, 2);
  a.addi(reg::a0, reg::a0, 40);
  if (a.has_error()) return a.error();
  if (mprotect(s.page, s.size, PROT_READ | PROT_WRITE) != 0)
    return rvjit::Error(rvjit::ErrorCode::kSystemError, "mprotect RW");
  std::memcpy(s.page, a.buffer().data(), 8);
  if (mprotect(s.page, s.size, PROT_READ | PROT_EXEC) != 0)
    return rvjit::Error(rvjit::ErrorCode::kSystemError, "mprotect RX");
  return rvjit::ok();
}

// Runs the scenario; returns the worker's result (or -1 on a setup failure).
long run_scenario(bool fixup_enabled) {
  Site site = make_site();
  volatile int flag = 0;
  std::atomic<long> result{-1};
  std::thread worker([&] {
    rvjit::ThreadRegistration reg("site-runner");
    if (!reg.ok()) return;
    result.store(site.fn()(1000, &flag, 1));
  });
  // flag == 1: the worker executed word 0 and is now spinning on word 1 (PC == site+4).
  if (!eventually([&] { return flag == 1; })) {
    worker.detach();
    return -1;
  }
  const rvjit::PcFixupRange ranges[] = {{site.start(), site.start() + 8}};
  rvjit::StopOptions o;
  o.timeout = std::chrono::milliseconds(10000);
  o.fixups = ranges;
  o.pc_fixup_enabled = fixup_enabled;
  rvjit::Error e = rvjit::stop_the_world([&] { return rewrite_site(site); }, o);
  if (!e.ok()) {
    worker.detach();
    return -2;
  }
  worker.join();
  munmap(site.page, site.size);
  return result.load();
}

TEST(StopTheWorldFixup, ThreadStoppedBetweenTheWordsRunsTheNewPair) {
  EXPECT_EQ(run_scenario(true), 42);
}

TEST(StopTheWorldFixup, WithoutFixupTheThreadRunsATornPair) {
  const rvjit::test::ChildResult child = rvjit::test::run_in_child([]() -> int {
    const long r = run_scenario(false);
    return r == 1040 ? 0 : r == 42 ? 1 : 2;
  });
  ASSERT_TRUE(child.finished) << "the child never finished (3 attempts)";
  const int status = child.status;
  // Torn: the child either died (as torn code can) or returned the torn result.
  const bool died = WIFSIGNALED(status);
  const bool torn_result = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::printf("torn child: %s\n", died ? "died of a signal" : torn_result ? "returned 1040" : "?");
  EXPECT_TRUE(died || torn_result) << "status " << status
                                   << (WIFEXITED(status) && WEXITSTATUS(status) == 1
                                           ? ": the consistent pair ran (fixup not needed?)"
                                           : "");
}

// A worker calls a function whose two-word site is rewritten 60 times between two
// consistent versions, each time inside stop_the_world with the fixup on. Every result
// must come from one version (11 or 22, never the torn 12 / 21), and after each
// rendezvous the worker's next calls run the new version (its handler ran FENCE.I).
uint32_t pair_word(int version, int which) {
  rvjit::Assembler a;
  if (which == 0) a.addi(reg::a0, reg::zero, version);
  else a.addi(reg::a0, reg::a0, 10 * version);
  return a.buffer().read32(0);
}

TEST(StopTheWorldFixup, RepeatedRewritesNeverRunATornPair) {
  rvjit::Assembler a;
  a.addi(reg::a0, reg::zero, 1);
  a.addi(reg::a0, reg::a0, 10);
  a.ret();
  ASSERT_FALSE(a.has_error());
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* code = static_cast<uint8_t*>(mem);
  std::memcpy(code, a.buffer().data(), a.offset());
  ASSERT_EQ(mprotect(code, page, PROT_READ | PROT_EXEC), 0);
  rvjit::local_fence_i();

  std::atomic<bool> stop{false};
  std::atomic<long> last{0};
  std::atomic<uint64_t> torn{0}, calls{0};
  std::thread worker([&] {
    rvjit::ThreadRegistration reg("toggler-victim");
    auto fn = reinterpret_cast<long (*)()>(code);
    while (!stop.load(std::memory_order_relaxed)) {
      const long r = fn();
      if (r != 11 && r != 22) torn.fetch_add(1);
      last.store(r, std::memory_order_relaxed);
      calls.fetch_add(1, std::memory_order_relaxed);
    }
  });
  const uintptr_t start = reinterpret_cast<uintptr_t>(code);
  const rvjit::PcFixupRange ranges[] = {{start, start + 8}};
  rvjit::StopOptions o;
  o.timeout = std::chrono::milliseconds(10000);
  o.fixups = ranges;
  int stale = 0;
  for (int i = 0; i < 60; ++i) {
    const int version = i % 2 == 0 ? 2 : 1;
    const uint32_t words[2] = {pair_word(version, 0), pair_word(version, 1)};
    rvjit::Error e = rvjit::stop_the_world([&] {
      if (mprotect(code, page, PROT_READ | PROT_WRITE) != 0)
        return rvjit::Error(rvjit::ErrorCode::kSystemError, "mprotect RW");
      std::memcpy(code, words, sizeof words);
      if (mprotect(code, page, PROT_READ | PROT_EXEC) != 0)
        return rvjit::Error(rvjit::ErrorCode::kSystemError, "mprotect RX");
      return rvjit::ok();
    }, o);
    ASSERT_TRUE(e.ok()) << e.to_string();
    // The worker's next completed calls run the new pair.
    const uint64_t c = calls.load();
    ASSERT_TRUE(eventually([&] { return calls.load() >= c + 2; }));
    stale += last.load() != 11 * version;
  }
  stop.store(true);
  worker.join();
  munmap(mem, page);
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(stale, 0);
}

}  // namespace
