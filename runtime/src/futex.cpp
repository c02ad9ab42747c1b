// futex(2) wrappers; see futex.h.
#include "futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace rvjit::detail {

// std::atomic<uint32_t> is a plain 32-bit word (lock-free, same layout), which the
// kernel reads; the static_asserts keep that assumption honest.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(std::atomic<uint32_t>::is_always_lock_free);

int futex_wait(std::atomic<uint32_t>* word, uint32_t expected, uint32_t bitset,
               const timespec* deadline) noexcept {
  // FUTEX_WAIT_BITSET takes an absolute timeout on CLOCK_MONOTONIC (no CLOCK_REALTIME flag).
  long r = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word),
                   FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, deadline, nullptr,
                   bitset);
  return r == 0 ? 0 : errno;
}

void futex_wake(std::atomic<uint32_t>* word, int count, uint32_t bitset) noexcept {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG,
          count, nullptr, nullptr, bitset);
}

}  // namespace rvjit::detail
