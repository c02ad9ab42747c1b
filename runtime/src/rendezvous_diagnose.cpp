// Failure diagnosis for the rendezvous caller: does a thread that did not answer block
// the rendezvous signal? Runs while other threads are parked (rendezvous_caller.h): it
// reads /proc with open/read/close into stack buffers and parses by hand; no stdio, no
// allocation. report_failure() builds the message after the release.
//
// /proc/self/task/<tid>/status lists SigBlk as a bit mask. Under qemu-user the mask shows
// the HOST signal numbers QEMU maps the guest's real-time signals to (guest SIGRTMIN+3 is
// host 41, not 37), so the bit is not derived from the signal number: the caller blocks
// the signal on itself for a moment and looks which bit appears in its own SigBlk.
//
// What SigBlk cannot tell: a thread inside a signal handler whose mask holds the
// rendezvous signal (another handler, or the rendezvous handler itself just before its
// sigreturn) shows it blocked too. So "blocks the signal" is only concluded at the
// deadline, for a thread outside the rendezvous handler, and the message says that a
// handler running for the whole timeout looks the same.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "rendezvous_caller.h"

namespace rvjit::detail {
namespace {

// "/proc/self/task/<tid>/status" into buf (no snprintf: it may allocate or lock).
void status_path(pid_t tid, char (&buf)[48]) {
  static constexpr char kHead[] = "/proc/self/task/";
  static constexpr char kTail[] = "/status";
  char digits[16];
  int n = 0;
  unsigned v = static_cast<unsigned>(tid);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 15);
  size_t at = 0;
  for (char c : std::string_view(kHead)) buf[at++] = c;
  while (n > 0) buf[at++] = digits[--n];
  for (char c : std::string_view(kTail)) buf[at++] = c;
  buf[at] = '\0';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SigBlk of a thread of this process, or false when it cannot be read.
bool read_sigblk(pid_t tid, unsigned long long* mask) {
  char path[48];
  status_path(tid, path);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  size_t len = 0;
  for (ssize_t got; len < sizeof buf - 1 && (got = read(fd, buf + len, sizeof buf - 1 - len)) != 0;) {
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    len += static_cast<size_t>(got);
  }
  close(fd);
  buf[len] = '\0';
  static constexpr char kKey[] = "\nSigBlk:";
  const char* p = static_cast<const char*>(memmem(buf, len, kKey, sizeof kKey - 1));
  if (!p) return false;
  p += sizeof kKey - 1;
  while (*p == ' ' || *p == '\t') ++p;
  unsigned long long m = 0;
  int digits = 0;
  for (int d; (d = hex_digit(*p)) >= 0; ++p, ++digits) m = m << 4 | static_cast<unsigned>(d);
  if (digits == 0) return false;
  *mask = m;
  return true;
}

unsigned long long g_signal_bit = 0;  // the SigBlk bit of the rendezvous signal; stw lock
int g_signal_bit_for = 0;             // the signal g_signal_bit was probed for

}  // namespace

void prepare_blocked_signal_diagnosis(int signo) noexcept {
  if (g_signal_bit_for == signo) return;
  sigset_t one, old;
  sigemptyset(&one);
  sigaddset(&one, signo);
  unsigned long long before = 0, during = 0;
  pthread_sigmask(SIG_BLOCK, &one, &old);
  const bool was_blocked = sigismember(&old, signo) == 1;
  const bool ok_during = read_sigblk(current_tid(), &during);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  const bool ok_before = read_sigblk(current_tid(), &before);
  // 0: cannot tell (the diagnosis then says "did not answer").
  g_signal_bit = (!ok_during || !ok_before || was_blocked) ? 0 : during & ~before;
  g_signal_bit_for = signo;
}

Failure diagnose_no_answer(const Awaited& a) noexcept {
  const Slot& s = state().slots[a.slot];
  Failure f;
  f.kind = Failure::Kind::kNoAnswer;
  f.tid = a.tid;
  std::memcpy(f.name, s.name, sizeof f.name);
  f.name[sizeof f.name - 1] = '\0';
  unsigned long long mask = 0;
  f.blocks_signal = g_signal_bit != 0 && s.in_handler.load(std::memory_order_relaxed) == 0 &&
                    read_sigblk(a.tid, &mask) && (mask & g_signal_bit) != 0;
  return f;
}

Error report_failure(const Failure& f, int signo, std::chrono::milliseconds timeout) {
  const std::string who = "thread " + std::to_string(f.tid) + " \"" + f.name + "\"";
  switch (f.kind) {
    case Failure::Kind::kNone:
      return ok();
    case Failure::Kind::kTgkill:
      return Error(ErrorCode::kSystemError, "stop_the_world: tgkill(" + std::to_string(f.tid) +
                                                "): " + std::strerror(f.error_number));
    case Failure::Kind::kNoAnswer:
      if (f.blocks_signal)
        return Error(ErrorCode::kSignalBlocked,
                     "stop_the_world: " + who + " blocks the rendezvous signal " +
                         std::to_string(signo) + " (it did not answer within " +
                         std::to_string(timeout.count()) +
                         " ms and its mask holds the signal: blocked, or inside a signal "
                         "handler that masks it for that long)");
      return Error(ErrorCode::kRendezvousTimeout, "stop_the_world: " + who +
                                                      " did not answer within " +
                                                      std::to_string(timeout.count()) + " ms");
  }
  return Error(ErrorCode::kSystemError, "stop_the_world: unknown failure");
}

}  // namespace rvjit::detail
