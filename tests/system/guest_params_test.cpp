// The harness's own plumbing: rvjit.<key>=<value> on the kernel command line reaches the
// tests as RVJIT_<KEY>. scripts/system-test.sh always passes rvjit.timeout, so this checks
// the path other tests rely on for their parameters (e.g. a soak duration).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

TEST(GuestParams, KernelCommandLineReachesTheEnvironment) {
  std::ifstream in("/proc/cmdline");
  std::string cmdline;
  std::getline(in, cmdline);
  auto pos = cmdline.find("rvjit.timeout=");
  if (pos == std::string::npos) GTEST_SKIP() << "not booted by scripts/system-test.sh";
  std::string expected = cmdline.substr(pos + 14, cmdline.find(' ', pos) - (pos + 14));
  const char* env = std::getenv("RVJIT_TIMEOUT");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(std::string(env), expected);
}

}  // namespace
