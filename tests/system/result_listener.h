// The guest's contract with scripts/system-test.sh: one line per finished test,
//   RVJIT-TEST <Suite.Name> PASS|FAIL|SKIP
// written with a single write(2) so kernel messages cannot split it, and counters kept in
// memory shared with PID 1, so the end marker stays right even when the test process
// crashes or hangs halfway.
#pragma once

#include <gtest/gtest.h>

#include <atomic>

namespace rvjit::system {

struct SharedResults {
  std::atomic<int> passed{0};
  std::atomic<int> failed{0};
  std::atomic<int> skipped{0};
  char current[256] = {};  // the test running now, for a crash or hang report
};

// Writes one whole line to stdout (the console) with a single write(2).
void write_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

class ResultLines : public testing::EmptyTestEventListener {
 public:
  explicit ResultLines(SharedResults* shared) : shared_(shared) {}
  void OnTestStart(const testing::TestInfo& info) override;
  void OnTestEnd(const testing::TestInfo& info) override;

 private:
  SharedResults* shared_;
};

}  // namespace rvjit::system
