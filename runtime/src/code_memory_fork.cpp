// dual_map code memory across fork() (rvjit/runtime/fork.h).
//
// Why a snapshot in the parent rather than a copy in the child: after fork the child's
// views are still the parent's memfd until the child handler remaps them, and the parent
// resumes (and may patch) as soon as its own handler returns. A copy made by the child
// could catch a patch half-way. The prepare handler runs with the text lock held, so no
// code write is in progress: what it copies is exactly the code at the fork.
// Cost: one memfd per dual_map block and a copy of the part of it ever written, per fork.
#include "code_memory_fork.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace rvjit::internal {
namespace {

std::mutex g_list_mutex;  // leaf lock: nothing is taken while it is held
CodeMemory* g_head = nullptr;

// A memfd holding the first `bytes` (page-rounded) of the block, or -1.
int snapshot(uintptr_t exec, size_t size, size_t bytes) noexcept {
  const int fd = memfd_create("rvjit-code-fork", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    return -1;
  }
  const size_t ps = page_size();
  const size_t n = std::min(size, (bytes + ps - 1) / ps * ps);
  // Read through the executable view (readable): pages never written stay holes.
  for (size_t done = 0; done < n;) {
    const ssize_t w = pwrite(fd, reinterpret_cast<const void*>(exec + done), n - done,
                             static_cast<off_t>(done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      return -1;
    }
    done += static_cast<size_t>(w);
  }
  return fd;
}

// Maps `fd` over [addr, addr+size) with `prot`, at the same address.
bool map_over(void* addr, size_t size, int prot, int fd) noexcept {
  return mmap(addr, size, prot, MAP_SHARED | MAP_FIXED, fd, 0) == addr;
}

}  // namespace

void CodeMemoryFork::link(CodeMemory* m) noexcept {
  std::lock_guard<std::mutex> g(g_list_mutex);
  m->fork_next_ = g_head;
  if (g_head) g_head->fork_prev_ = m;
  g_head = m;
}

void CodeMemoryFork::unlink(CodeMemory* m) noexcept {
  std::lock_guard<std::mutex> g(g_list_mutex);
  if (m->fork_prev_) m->fork_prev_->fork_next_ = m->fork_next_;
  else if (g_head == m) g_head = m->fork_next_;
  if (m->fork_next_) m->fork_next_->fork_prev_ = m->fork_prev_;
  m->fork_prev_ = m->fork_next_ = nullptr;
}

void CodeMemoryFork::prepare() noexcept {
  g_list_mutex.lock();
  for (CodeMemory* m = g_head; m; m = m->fork_next_)
    m->fork_fd_ = snapshot(m->exec_, m->size_, m->written_end_.load(std::memory_order_relaxed));
}

void CodeMemoryFork::parent() noexcept {
  for (CodeMemory* m = g_head; m; m = m->fork_next_) {
    if (m->fork_fd_ >= 0) close(m->fork_fd_);
    m->fork_fd_ = -1;
  }
  g_list_mutex.unlock();
}

void CodeMemoryFork::child() noexcept {
  for (CodeMemory* m = g_head; m; m = m->fork_next_) {
    void* rx = reinterpret_cast<void*>(m->exec_);
    const bool remapped = m->fork_fd_ >= 0 &&
                          map_over(rx, m->size_, PROT_READ | PROT_EXEC, m->fork_fd_) &&
                          map_over(m->rw_, m->size_, PROT_READ | PROT_WRITE, m->fork_fd_);
    if (!remapped) {
      // Never keep the parent's views: the block becomes inaccessible here, and writes
      // are refused with an error that says why (CodeMemory::write).
      mmap(rx, m->size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      mmap(m->rw_, m->size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      m->lost_at_fork_.store(true, std::memory_order_relaxed);
    }
    if (m->fork_fd_ >= 0) close(m->fork_fd_);
    m->fork_fd_ = -1;
  }
  // Locked by this (the only) thread in prepare; a default mutex has no owner check.
  g_list_mutex.unlock();
}

}  // namespace rvjit::internal
