#include "result_listener.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace rvjit::system {

void write_line(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > static_cast<int>(sizeof buf) - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  // gtest's own printer writes through stdio: flush it first so the lines stay in order.
  fflush(stdout);
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(STDOUT_FILENO, buf + off, n - off);
    if (w <= 0) return;
    off += w;
  }
}

void ResultLines::OnTestStart(const testing::TestInfo& info) {
  snprintf(shared_->current, sizeof shared_->current, "%s.%s", info.test_suite_name(),
           info.name());
}

void ResultLines::OnTestEnd(const testing::TestInfo& info) {
  const testing::TestResult* r = info.result();
  const char* verdict = "PASS";
  if (r->Skipped()) {
    verdict = "SKIP";
    shared_->skipped.fetch_add(1);
  } else if (r->Failed()) {
    verdict = "FAIL";
    shared_->failed.fetch_add(1);
  } else {
    shared_->passed.fetch_add(1);
  }
  shared_->current[0] = '\0';
  write_line("RVJIT-TEST %s.%s %s", info.test_suite_name(), info.name(), verdict);
}

}  // namespace rvjit::system
