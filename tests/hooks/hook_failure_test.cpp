// Issue 13: what the hook manager guarantees when a call fails or a thread does something
// hostile (docs/hooks.md "Failure semantics"). Each test names the scenario it pins; each
// failed on the code before the fix.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "fork_child.h"
#include "hooked_code.h"
#include "rvjit/hooks.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/stop_the_world.h"
#include "rvjit/runtime/thread_registry.h"

namespace {

using namespace rvjit;
using Fn1 = long (*)(long);
using Clock = std::chrono::steady_clock;

// Waits (bounded, generous: the machine may be loaded) until pred holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

struct Fixture : ::testing::Test {
  void SetUp() override {
    auto c = CodeCache::create();
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cache = std::move(c.value());
    HookManagerOptions opt;
    opt.grace_timeout = std::chrono::milliseconds(300);
    auto m = HookManager::create(*cache, opt);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    hm = std::move(m.value());
  }
  void TearDown() override {
    hm.reset();
    cache.reset();
  }
  // Installs add_k(1) under `name` and an enabled entry ops on every function.
  void hooked(const char* name, rvjit_hook_fn entry, HookedFunction* f, HookOpsId* id) {
    auto fr = hm->install(rvjit::testing::add_k_function(SiteLayout::kOneWord, 1), name);
    ASSERT_TRUE(fr.ok()) << fr.error().to_string();
    rvjit_hook_ops ops{entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
    auto r = hm->register_ops(ops, HookFilter::all());
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(hm->enable(*r).ok());
    *f = *fr;
    *id = *r;
  }
  ThreadRegistration me{"failure-main"};
  std::unique_ptr<CodeCache> cache;
  std::unique_ptr<HookManager> hm;
};

// ---- item 6: install input ----------------------------------------------------------

using InstallInput = Fixture;

AssembledCode with_site_at(const AssembledCode& code, uint32_t offset) {
  AssembledCode c = code;
  c.patch_sites.at(0).offset = offset;
  return c;
}

// Scenario: a site offset beyond the code (read/write out of bounds), equal to the code
// size (the "site" would be the next function's hook word), or at bytes that are not the
// disabled pattern. Each is kInvalidArgument naming the problem; nothing is installed.
TEST_F(InstallInput, SiteOutsideTheCodeOrNotDisabledIsRejected) {
  for (SiteLayout layout : {SiteLayout::kOneWord, SiteLayout::kTwoWord}) {
    const AssembledCode good = rvjit::testing::add_k_function(layout, 1);
    const uint32_t size = static_cast<uint32_t>(good.code.size());
    struct Case {
      uint32_t offset;
      const char* why;
    };
    for (Case c : {Case{size, "beyond"}, Case{size + 64, "beyond"}, Case{1u << 30, "beyond"},
                   Case{size - 4, "beyond"}}) {
      if (layout == SiteLayout::kOneWord && c.offset == size - 4) continue;  // fits: bytes checked below
      auto r = hm->install(with_site_at(good, c.offset & ~7u), "bad");
      ASSERT_FALSE(r.ok()) << site_layout_name(layout) << " offset " << c.offset;
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().to_string();
    }
    // Offset == size: a one-byte-past site.
    auto at_end = hm->install(with_site_at(good, size), "at_end");
    ASSERT_FALSE(at_end.ok());
    EXPECT_NE(at_end.error().message().find("beyond"), std::string::npos) << at_end.error().to_string();
    // Wrong bytes at the site: the body's first word instead of the disabled pattern.
    AssembledCode wrong = good;
    const uint32_t off = wrong.patch_sites[0].offset;
    const uint32_t addi = enc::i_type(enc::kOpImm, 0, 10, 10, 1);  // addi a0, a0, 1
    std::memcpy(wrong.code.data() + off, &addi, 4);
    auto w = hm->install(wrong, "wrong_bytes");
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(w.error().message().find("disabled"), std::string::npos) << w.error().to_string();
  }
  EXPECT_EQ(hm->stats().functions, 0u) << "a rejected install installs nothing";
  EXPECT_FALSE(cache->find("bad").ok());
  EXPECT_FALSE(cache->find("wrong_bytes").ok());
}

TEST_F(InstallInput, CApiChecksOffsetSizeAndLayout) {
  rvjit_hook_manager* m = nullptr;
  {
    char err[256] = "";
    m = rvjit_hook_manager_create(reinterpret_cast<rvjit_code_cache*>(cache.get()),
                                  RVJIT_SYNC_AUTO, err, sizeof err);
    ASSERT_NE(m, nullptr) << err;
  }
  const AssembledCode code = rvjit::testing::add_k_function(SiteLayout::kOneWord, 2);
  char err[256] = "";
  // offset == size and far beyond: an error, not a SIGSEGV.
  for (size_t off : {code.code.size(), code.code.size() + 8, size_t{1} << 33}) {
    err[0] = 0;
    EXPECT_EQ(rvjit_hook_install(m, code.code.data(), code.code.size(), off, RVJIT_SITE_ONE_WORD,
                                 "c_bad", err, sizeof err),
              0u);
    EXPECT_NE(std::string(err).find("InvalidArgument"), std::string::npos) << err;
  }
  err[0] = 0;
  EXPECT_EQ(rvjit_hook_install(m, code.code.data(), code.code.size(), code.patch_sites[0].offset,
                               static_cast<rvjit_site_layout>(7), "c_bad", err, sizeof err),
            0u);
  EXPECT_NE(std::string(err).find("layout"), std::string::npos) << err;
  const uintptr_t ok = rvjit_hook_install(m, code.code.data(), code.code.size(),
                                          code.patch_sites[0].offset, RVJIT_SITE_ONE_WORD, "c_ok",
                                          err, sizeof err);
  ASSERT_NE(ok, 0u) << err;
  EXPECT_EQ(reinterpret_cast<Fn1>(ok)(40), 42);
  rvjit_hook_manager_destroy(m);
}

// ---- item 8: failed calls leave a completable state ---------------------------------

std::atomic<bool> g_inside{false};
std::atomic<bool> g_release{false};
thread_local bool t_blocks = false;  // only the Blocked thread blocks in the callback
void blocking_entry(const rvjit_hook_ctx*, void*) {
  if (!t_blocks) return;
  g_inside = true;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!g_release && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
void noop_entry(const rvjit_hook_ctx*, void*) {}

struct Blocked {
  std::thread t;
  void start(Fn1 fn) {
    g_inside = false;
    g_release = false;
    t = std::thread([fn] {
      ThreadRegistration r("blocked-in-callback");
      t_blocks = true;
      fn(1);
    });
    ASSERT_TRUE(eventually([] { return g_inside.load(); }));
  }
  void finish() {
    g_release = true;
    if (t.joinable()) t.join();
  }
  ~Blocked() { finish(); }
};

using FailedCalls = Fixture;

// Scenario: unregister() times out in its grace period (a callback blocks). Before, the
// ops was already erased: a retry said kNotFound and the caller never learned when its
// user data was free. Now kBusy means "detached, data not yet free": unregister(id) again
// (or synchronize()) completes it.
TEST_F(FailedCalls, UnregisterBusyCanBeCompletedByRetrying) {
  HookedFunction f;
  HookOpsId id = 0;
  ASSERT_NO_FATAL_FAILURE(hooked("slow", blocking_entry, &f, &id));
  Blocked b;
  b.start(reinterpret_cast<Fn1>(f.entry));
  const Error first = hm->unregister(id);
  EXPECT_EQ(first.code(), ErrorCode::kBusy) << first.to_string();
  EXPECT_FALSE(*hm->site_enabled("slow")) << "kBusy: the ops is detached all the same";
  const Error again = hm->unregister(id);
  EXPECT_EQ(again.code(), ErrorCode::kBusy) << "still inside: " << again.to_string();
  b.finish();
  const Error done = hm->unregister(id);
  EXPECT_TRUE(done.ok()) << done.to_string();
  EXPECT_EQ(hm->unregister(id).code(), ErrorCode::kNotFound) << "completed: now it is gone";
  EXPECT_EQ(hm->stats().ops, 0u);
}

// Scenario: swap() times out in its grace period. The new callbacks are live; the old
// user data is not free until synchronize() returns ok.
TEST_F(FailedCalls, SwapBusyIsCompletedBySynchronize) {
  HookedFunction f;
  HookOpsId id = 0;
  ASSERT_NO_FATAL_FAILURE(hooked("slow_swap", blocking_entry, &f, &id));
  Blocked b;
  b.start(reinterpret_cast<Fn1>(f.entry));
  EXPECT_EQ(hm->swap(id, noop_entry, nullptr, nullptr).code(), ErrorCode::kBusy);
  EXPECT_EQ(hm->synchronize().code(), ErrorCode::kBusy);
  b.finish();
  EXPECT_TRUE(hm->synchronize().ok());
  EXPECT_EQ(reinterpret_cast<Fn1>(f.entry)(1), 2);  // the new (noop) callback, no blocking
}

// Scenario: install() fails while an enabled ops matches (its batch cannot run: a
// registered thread blocks the rendezvous signal). Before, the function stayed installed
// (in the cache and the manager) although install() returned an error.
TEST_F(FailedCalls, FailedInstallInstallsNothing) {
  HookManagerOptions opt;
  opt.rendezvous_timeout = std::chrono::milliseconds(300);
  auto m = HookManager::create(*cache, opt);
  ASSERT_TRUE(m.ok());
  auto& mgr = *m;
  auto a = mgr->install(rvjit::testing::add_k_function(SiteLayout::kTwoWord, 1), "first");
  ASSERT_TRUE(a.ok());
  rvjit_hook_ops ops{noop_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto id = mgr->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(mgr->enable(*id).ok());
  std::atomic<bool> blocking{false}, leave{false};
  std::thread blocker([&] {
    ThreadRegistration r("blocks-signal");
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, rendezvous_signal());
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    blocking = true;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!leave && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  ASSERT_TRUE(eventually([&] { return blocking.load(); }));
  const size_t before = mgr->stats().functions;
  auto b = mgr->install(rvjit::testing::add_k_function(SiteLayout::kTwoWord, 2), "second");
  leave = true;
  blocker.join();
  ASSERT_FALSE(b.ok()) << "the batch needed a rendezvous that could not complete";
  EXPECT_EQ(mgr->stats().functions, before);
  EXPECT_EQ(mgr->site_enabled("second").error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(cache->find("second").ok()) << "the failed install left the code installed";
  auto again = mgr->install(rvjit::testing::add_k_function(SiteLayout::kTwoWord, 2), "second");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_TRUE(*mgr->site_enabled("second"));
  mgr.reset();
}

// ---- item 9: grace-period parity after slot reuse -----------------------------------

void exit_thread_entry(const rvjit_hook_ctx*, void*) { pthread_exit(nullptr); }

// Scenario: a thread exits (pthread_exit) inside a callback; its slot's sequence stayed
// odd, so the next thread to take the slot read as "outside" while inside a callback and
// a grace period did not wait for it (swap returned ok with the old callback running).
TEST_F(FailedCalls, ThreadExitingInsideACallbackDoesNotInvertTheNextOwner) {
  auto quitter = hm->install(rvjit::testing::add_k_function(SiteLayout::kOneWord, 1), "quit");
  auto slow = hm->install(rvjit::testing::add_k_function(SiteLayout::kOneWord, 1), "slow_next");
  ASSERT_TRUE(quitter.ok() && slow.ok());
  rvjit_hook_ops quit_ops{exit_thread_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto q = hm->register_ops(quit_ops, HookFilter::list({"quit"}));
  rvjit_hook_ops slow_ops{blocking_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto s = hm->register_ops(slow_ops, HookFilter::list({"slow_next"}));
  ASSERT_TRUE(q.ok() && s.ok());
  ASSERT_TRUE(hm->enable(*q).ok());
  ASSERT_TRUE(hm->enable(*s).ok());
  std::thread t([&] { reinterpret_cast<Fn1>(quitter->entry)(1); });  // exits in the callback
  t.join();
  Blocked b;  // the next thread takes the freed slot (the lowest free one)
  b.start(reinterpret_cast<Fn1>(slow->entry));
  const Error e = hm->swap(*s, noop_entry, nullptr, nullptr);
  EXPECT_EQ(e.code(), ErrorCode::kBusy)
      << "a grace period must wait for the thread inside the callback: " << e.to_string();
  b.finish();
  EXPECT_TRUE(hm->synchronize().ok());
}

// ---- item 11: errno across the exit dispatcher ---------------------------------------

long set_errno_native(long x) {
  errno = 1234;
  return 2 * x;
}
void clobber_errno_exit(const rvjit_hook_ctx*, void*) { errno = EBADF; }

// Scenario: a hooked function sets errno (through a native call) and returns; an exit
// callback changed errno, so the caller saw the callback's value instead.
TEST_F(FailedCalls, ExitDispatcherPreservesErrno) {
  auto f = hm->install(rvjit::testing::call_native_function(
                           SiteLayout::kOneWord, reinterpret_cast<uintptr_t>(&set_errno_native)),
                       "sets_errno");
  ASSERT_TRUE(f.ok());
  rvjit_hook_ops ops{noop_entry, clobber_errno_exit, nullptr, RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
  auto id = hm->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(hm->enable(*id).ok());
  errno = 0;
  EXPECT_EQ(reinterpret_cast<Fn1>(f->entry)(5), 11);
  EXPECT_EQ(errno, 1234) << "the exit callback's errno leaked to the caller";
}

// ---- item 7: fork while another thread holds the manager's mutex --------------------

std::atomic<int> g_swapped_calls{0};
void swapped_entry(const rvjit_hook_ctx*, void*) { g_swapped_calls.fetch_add(1); }

// Scenario: thread A is inside swap() (holding the manager's mutex, waiting in its grace
// period for thread B's blocking callback) when the main thread forks. The child's first
// control call hung forever on the mutex copied in the locked state.
TEST(HookForkLocks, ChildCanUseTheManagerWhenForkRacedAControlCall) {
  ThreadRegistration me("fork-locks-main");
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  HookManagerOptions opt;
  opt.grace_timeout = std::chrono::milliseconds(1500);
  auto hm = HookManager::create(**cache, opt);
  ASSERT_TRUE(hm.ok());
  auto f = (*hm)->install(rvjit::testing::add_k_function(SiteLayout::kOneWord, 1), "forked");
  ASSERT_TRUE(f.ok());
  rvjit_hook_ops ops{blocking_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  auto id = (*hm)->register_ops(ops, HookFilter::all());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*hm)->enable(*id).ok());
  Blocked b;
  b.start(reinterpret_cast<Fn1>(f->entry));
  std::thread swapper([&] {
    ThreadRegistration r("swapper");
    (void)(*hm)->swap(*id, swapped_entry, nullptr, nullptr);  // holds the mutex ~1.5 s
  });
  // The swap published its callbacks: from here on the swapper holds the manager's mutex
  // until its grace period ends.
  g_swapped_calls = 0;
  ASSERT_TRUE(eventually([&] {
    reinterpret_cast<Fn1>(f->entry)(1);
    return g_swapped_calls.load() > 0;
  }));
  const rvjit::test::ChildResult child = rvjit::test::run_in_child(
      [&]() -> int {
        alarm(25);
        const HookStats s = (*hm)->stats();  // hung here before the fix
        const Error e = (*hm)->disable(*id);
        if (!e.ok()) {
          std::fprintf(stderr, "child disable: %s\n", e.to_string().c_str());
          return 2;
        }
        return s.functions == 1 && reinterpret_cast<Fn1>(f->entry)(1) == 2 ? 0 : 1;
      },
      std::chrono::seconds(30), 1);
  b.finish();
  swapper.join();
  ASSERT_TRUE(child.finished) << "the child hung on the manager's mutex";
  EXPECT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0) << "status " << child.status;
}

}  // namespace
