// fork() and the runtime (issue 13, items 1 and 7; rvjit/runtime/fork.h). Every child is
// bounded by alarm(): a hang ends it with SIGALRM, which the parent reports.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/code_memory.h"
#include "rvjit/runtime/patch.h"

namespace {

using namespace rvjit;

// Forks; the child runs body() under alarm(30) and exits with its result. Returns the
// child's exit code, or 100 + signal when it died (SIGALRM: it hung).
template <class Body>
int in_child(Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(30);
    _exit(body());
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 99;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

AssembledCode return_k(int k) {
  Assembler a;
  a.addi(reg::a0, reg::zero, k);
  a.ret();
  return std::move(a.finalize().value());
}

// Item 7. Another thread holds the text lock at the moment of fork(). Old code: the child
// inherited it locked by a thread that does not exist there, and its first install hung
// (SIGALRM, exit 114). Now the prepare handler waits for the lock, so the child's is free.
TEST(RuntimeFork, ChildInstallsWhileAParentThreadHeldTheTextLock) {
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok()) << cache.error().to_string();
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    std::lock_guard<std::recursive_mutex> g(text_lock());
    holding.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  });
  while (!holding.load()) std::this_thread::yield();
  const int rc = in_child([&] {
    auto f = (*cache)->install(return_k(7), "in_child");
    return f.ok() && f->as<long (*)()>()() == 7 ? 0 : 1;
  });
  holder.join();
  EXPECT_EQ(rc, 0) << "100+N: the child died of signal N (14: SIGALRM, it hung)";
  EXPECT_TRUE((*cache)->install(return_k(8), "in_parent").ok());
}

// Item 7. A fork from inside a text-lock section: the child holds it as deeply as the
// parent did, may install under it and release it.
TEST(RuntimeFork, ForkInsideATextLockSection) {
  auto cache = CodeCache::create();
  ASSERT_TRUE(cache.ok());
  int rc = 0;
  {
    std::lock_guard<std::recursive_mutex> g(text_lock());
    rc = in_child([&] {
      auto f = (*cache)->install(return_k(9), "nested_child");
      if (!f.ok() || f->as<long (*)()>()() != 9) return 1;
      text_lock().unlock();  // the child's copy of our guard's level
      std::atomic<int> other{0};
      std::thread t([&] {  // another thread can take it now
        other.store(text_lock().try_lock() ? 1 : 2);
        if (other.load() == 1) text_lock().unlock();
      });
      t.join();
      return other.load() == 1 ? 0 : 2;
    });
  }
  EXPECT_EQ(rc, 0) << "100+N: the child died of signal N";
}

// Item 1, at the memory level (qemu-user cannot execute through dual_map, but its views
// share pages like the kernel's): after fork, a write in the child through the runtime is
// never seen by the parent, and the child starts from the parent's bytes. Old code: both
// views were the same MAP_SHARED memfd, so the parent saw the child's bytes.
TEST(RuntimeFork, DualMapChildWritesAreNotSeenByTheParent) {
  auto mem = CodeMemory::create(page_size() * 2, WxPolicy::kDualMap);
  ASSERT_TRUE(mem.ok()) << mem.error().to_string();
  CodeMemory& m = **mem;
  const uint32_t parent_word = 0x11111111u, child_word = 0x22222222u;
  auto put = [&](uint32_t w) {
    std::lock_guard<std::recursive_mutex> g(text_lock());
    auto chunk = [&](uint8_t* dst, uintptr_t, size_t n) { std::memcpy(dst, &w, n); };
    return m.write(m.begin() + 4, 4, false, chunk);
  };
  ASSERT_TRUE(put(parent_word).ok());
  auto word_at = [&] { uint32_t v; std::memcpy(&v, reinterpret_cast<void*>(m.begin() + 4), 4); return v; };
  const int rc = in_child([&] {
    if (word_at() != parent_word) return 1;  // the child starts from the parent's code
    if (!put(child_word).ok()) return 2;
    return word_at() == child_word ? 0 : 3;  // and sees its own write
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(word_at(), parent_word) << "the child's write reached the parent's code";
  ASSERT_TRUE(put(0x33333333u).ok());  // the parent still writes its own code
  EXPECT_EQ(word_at(), 0x33333333u);
}

}  // namespace
