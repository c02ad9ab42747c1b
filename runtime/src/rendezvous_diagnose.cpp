// Failure diagnosis for the rendezvous caller (never runs in a signal handler): does a
// thread that does not answer block the rendezvous signal?
//
// /proc/self/task/<tid>/status lists SigBlk as a bit mask. Under qemu-user the mask shows
// the HOST signal numbers QEMU maps the guest's real-time signals to (guest SIGRTMIN+3 is
// host 41, not 37), so the bit is not derived from the signal number: the caller blocks
// the signal on itself for a moment and looks which bit appears in its own SigBlk.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "rendezvous_state.h"

namespace rvjit::detail {
namespace {

// SigBlk of a thread of this process, or false when it cannot be read.
bool read_sigblk(pid_t tid, unsigned long long* mask) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/status", static_cast<int>(tid));
  FILE* f = std::fopen(path, "re");
  if (!f) return false;
  char line[256];
  bool found = false;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "SigBlk:", 7) == 0) {
      found = std::sscanf(line + 7, "%llx", mask) == 1;
      break;
    }
  }
  std::fclose(f);
  return found;
}

// The SigBlk bit(s) that stand for `signo` on this system (0: could not tell).
unsigned long long signal_bit(int signo) {
  sigset_t one, old;
  sigemptyset(&one);
  sigaddset(&one, signo);
  unsigned long long before = 0, during = 0;
  pthread_sigmask(SIG_BLOCK, &one, &old);
  const bool was_blocked = sigismember(&old, signo) == 1;
  const bool ok_during = read_sigblk(current_tid(), &during);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  const bool ok_before = read_sigblk(current_tid(), &before);
  if (!ok_during || !ok_before || was_blocked) return 0;
  return during & ~before;
}

}  // namespace

// Whether thread `tid` blocks `signo` (false also when it cannot be told).
bool thread_blocks_signal(pid_t tid, int signo) {
  static const unsigned long long bit = signal_bit(signo);  // the caller holds the stw lock
  if (bit == 0) return false;
  unsigned long long mask = 0;
  return read_sigblk(tid, &mask) && (mask & bit) != 0;
}

}  // namespace rvjit::detail
