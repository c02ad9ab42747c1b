// rvjit_system_tests: the guest side of scripts/system-test.sh.
//
// As PID 1 of a freshly booted kernel it mounts /proc, /sys and /dev, reads its parameters
// from /proc/cmdline (rvjit.filter=<gtest filter>, rvjit.timeout=<s>; every
// rvjit.<key>=<value> also becomes the environment variable RVJIT_<KEY>), runs the linked
// GoogleTest tests in a child process, prints
//   RVJIT-TEST <Suite.Name> PASS|FAIL|SKIP        (one per test)
//   RVJIT-SYSTEM-END passed=N failed=M skipped=K  (always, last)
// and powers the machine off. The tests run in a child because PID 1 must never die (the
// kernel panics) and because a crash or a hang of one test must still produce an end
// marker that counts it as a failure.
//
// Run by hand (not PID 1) it does the same minus mounting and power-off; gtest flags on
// the command line work as usual.
#include <fcntl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "result_listener.h"

namespace {

using rvjit::system::SharedResults;
using rvjit::system::write_line;

struct Params {
  std::string filter;
  int timeout_s = 240;  // the test child's limit; the host's QEMU timeout is the backstop
  std::string seen;     // every rvjit.* parameter, echoed in the start line
};

void mount_or_warn(const char* src, const char* target, const char* type) {
  mkdir(target, 0755);  // usually packed in the cpio already
  if (mount(src, target, type, 0, nullptr) != 0 && errno != EBUSY)
    write_line("rvjit-init: mount %s on %s failed: %s", type, target, strerror(errno));
}

void setup_as_init() {
  mount_or_warn("proc", "/proc", "proc");
  mount_or_warn("sysfs", "/sys", "sysfs");
  mount_or_warn("devtmpfs", "/dev", "devtmpfs");
  mkdir("/tmp", 01777);
  // Console loglevel 5: warnings, errors and panics still reach the log, but routine
  // kernel notices no longer interleave with the result lines.
  klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, nullptr, 5);
}

// Parameters come from the kernel command line: rvjit.<key>=<value>.
Params read_params() {
  Params p;
  std::ifstream in("/proc/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream words(cmdline);
  std::string w;
  while (words >> w) {
    if (w.rfind("rvjit.", 0) != 0) continue;
    auto eq = w.find('=');
    if (eq == std::string::npos) continue;
    std::string key = w.substr(6, eq - 6), value = w.substr(eq + 1);
    p.seen += (p.seen.empty() ? "" : " ") + w.substr(6);
    if (key == "filter") p.filter = value;
    if (key == "timeout") p.timeout_s = std::atoi(value.c_str());
    std::string env = "RVJIT_";
    for (char c : key) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    setenv(env.c_str(), value.c_str(), 1);
  }
  if (p.timeout_s <= 0) p.timeout_s = 240;
  return p;
}

[[noreturn]] void run_tests_child(std::vector<std::string> args, SharedResults* shared) {
  // Line-buffered: if a test crashes, everything printed before it is on the console.
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  testing::InitGoogleTest(&argc, argv.data());
  testing::UnitTest::GetInstance()->listeners().Append(new rvjit::system::ResultLines(shared));
  int rc = RUN_ALL_TESTS();
  fflush(stdout);
  _exit(rc == 0 ? 0 : 1);
}

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Waits for the test child with a deadline; returns the extra failures to count (a crash,
// a hang, or a gtest error that ran no test).
int supervise(pid_t child, const Params& p, SharedResults* shared) {
  const double deadline = now_s() + p.timeout_s;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r == child) break;
    if (r < 0 && errno != EINTR) {
      write_line("RVJIT-SYSTEM-ERROR waitpid: %s", strerror(errno));
      return 1;
    }
    if (now_s() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      write_line("RVJIT-TEST %s FAIL", shared->current[0] ? shared->current : "(between-tests)");
      write_line("RVJIT-SYSTEM-ERROR tests still running after %d s: killed", p.timeout_s);
      return 1;
    }
    usleep(20000);
  }
  if (WIFSIGNALED(status)) {
    write_line("RVJIT-TEST %s FAIL", shared->current[0] ? shared->current : "(between-tests)");
    write_line("RVJIT-SYSTEM-ERROR test process killed by signal %d (%s)", WTERMSIG(status),
               strsignal(WTERMSIG(status)));
    return 1;
  }
  // Exit 1 with failures recorded is the normal "some test failed"; anything else
  // (a bad flag, a crash in gtest's own setup) is an error of its own.
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0 && shared->failed.load() == 0) {
    write_line("RVJIT-SYSTEM-ERROR test process exited with %d and reported no failure", code);
    return 1;
  }
  return 0;
}

// A "threadsafe" death test re-executes this program to run one statement in a fresh
// process; that child must be plain gtest, without the supervisor and its markers.
bool is_death_test_child(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--gtest_internal_run_death_test", 31) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (is_death_test_child(argc, argv)) {
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
  }
  const bool as_init = getpid() == 1;
  Params params;
  std::vector<std::string> args(argv, argv + argc);
  if (as_init) {
    setup_as_init();
    params = read_params();
    if (!params.filter.empty()) args.push_back("--gtest_filter=" + params.filter);
    args.push_back("--gtest_color=no");  // the console is a tty; the log is read as text
  }
  write_line("RVJIT-SYSTEM-START pid=%d params: %s", static_cast<int>(getpid()),
             params.seen.empty() ? "(none)" : params.seen.c_str());

  // Counters shared with the child survive its crash.
  void* mem = mmap(nullptr, sizeof(SharedResults), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int extra_failures = 0;
  SharedResults* shared = nullptr;
  if (mem == MAP_FAILED) {
    write_line("RVJIT-SYSTEM-ERROR mmap: %s", strerror(errno));
    extra_failures = 1;
  } else {
    shared = new (mem) SharedResults();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) run_tests_child(args, shared);
    if (child < 0) {
      write_line("RVJIT-SYSTEM-ERROR fork: %s", strerror(errno));
      extra_failures = 1;
    } else {
      extra_failures = supervise(child, params, shared);
    }
  }
  const int passed = shared ? shared->passed.load() : 0;
  const int failed = (shared ? shared->failed.load() : 0) + extra_failures;
  const int skipped = shared ? shared->skipped.load() : 0;
  write_line("RVJIT-SYSTEM-END passed=%d failed=%d skipped=%d", passed, failed, skipped);

  if (!as_init) return failed == 0 ? 0 : 1;
  // Let the UART drain before the machine goes away, then power off (QEMU exits).
  tcdrain(STDOUT_FILENO);
  sync();
  reboot(RB_POWER_OFF);
  write_line("rvjit-init: reboot(RB_POWER_OFF) failed: %s", strerror(errno));
  // Returning from PID 1 panics the kernel; with panic=-1 and -no-reboot QEMU then exits.
  return 1;
}
