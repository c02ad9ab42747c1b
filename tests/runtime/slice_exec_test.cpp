// The vertical slice: rvjit's own encoder emits `addi a0, zero, 42; ret`, the bytes go to
// a page that is writable XOR executable (never both), and the test calls them.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/icache.h"

namespace {

using rvjit::Assembler;
namespace reg = rvjit::reg;

// True when /proc/self/maps lists a mapping that is writable and executable at once.
bool any_wx_mapping() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos || sp + 4 >= line.size()) continue;
    if (line[sp + 2] == 'w' && line[sp + 3] == 'x') return true;
  }
  return false;
}

TEST(SliceExec, EmitsAndRuns42FromAWxorXPage) {
  Assembler a;
  a.addi(reg::a0, reg::zero, 42);
  a.ret();
  ASSERT_FALSE(a.has_error()) << a.error().to_string();
  ASSERT_EQ(a.offset(), 8u);

  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  std::memcpy(mem, a.buffer().data(), a.offset());
  // Publish: RW -> RX. The page is never W and X at the same time.
  ASSERT_EQ(mprotect(mem, page, PROT_READ | PROT_EXEC), 0);
  rvjit::local_fence_i();  // this thread is the only one that will run the code
  EXPECT_FALSE(any_wx_mapping());

  auto fn = reinterpret_cast<long (*)()>(mem);
  EXPECT_EQ(fn(), 42);
  munmap(mem, page);
}

TEST(SliceExec, EncodingsAreTheIsaManualWords) {
  Assembler a;
  a.addi(reg::a0, reg::zero, 42);
  a.ret();
  ASSERT_FALSE(a.has_error());
  EXPECT_EQ(a.buffer().read32(0), 0x02a00513u);  // addi a0, zero, 42
  EXPECT_EQ(a.buffer().read32(4), 0x00008067u);  // jalr zero, 0(ra)
}

}  // namespace
