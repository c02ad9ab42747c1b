// W^X by dual mapping, on the real kernel. Under qemu-user a store through the RW view is
// never seen by the RX view (QEMU tracks code per virtual page); under qemu-system with
// Linux it is (platform-facts §3). These tests pin the second behaviour, which the
// runtime's dual_map policy needs (cross-thread publication: cross_thread_patch_test.cpp).
//
// What they cannot show: QEMU does not model a stale instruction cache, so a missing
// fence.i would pass here too. They check that the interfaces deliver the new code, not
// that every fence is in place (that is argued in the runtime's docs).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dual_map.h"
#include "guest_syscalls.h"
#include "rvjit/runtime/icache.h"

namespace {

using namespace rvjit::system;
using Fn = long (*)();

// One page holding `addi a0, zero, value; ret`, published through the RW view.
void write_return_value(DualMap& m, int value) {
  m.rw()[0] = addi_a0_zero(value);
  m.rw()[1] = kRet;
}

struct MapsEntry {
  uintptr_t start = 0, end = 0;
  std::string perms;
};

std::vector<MapsEntry> read_maps() {
  std::vector<MapsEntry> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    MapsEntry e;
    char dash = 0;
    in >> std::hex >> e.start >> dash >> e.end >> e.perms;
    if (in) out.push_back(e);
  }
  return out;
}

TEST(DualMap, StoreThroughRwViewThenFenceIRunsNewCode) {
  DualMap m;
  ASSERT_EQ(m.create(4096), "");
  ASSERT_NE(static_cast<void*>(m.rw()), m.rx());
  Fn fn = m.rx_as<Fn>();

  write_return_value(m, 42);
  rvjit::local_fence_i();
  ASSERT_EQ(fn(), 42);

  // The code above has been run (and translated by QEMU): now change it in place.
  m.rw()[0] = addi_a0_zero(43);
  rvjit::local_fence_i();
  EXPECT_EQ(fn(), 43) << "the RX view still runs the old code after store + fence.i";

  // Same again, published with the all-harts flush syscall instead of a local fence.i.
  m.rw()[0] = addi_a0_zero(44);
  ASSERT_EQ(riscv_flush_icache(0, 0, 0), 0) << strerror(errno);
  EXPECT_EQ(fn(), 44) << "the RX view still runs the old code after riscv_flush_icache";
}

TEST(DualMap, NoMappingIsWritableAndExecutable) {
  DualMap m;
  ASSERT_EQ(m.create(4096), "");
  write_return_value(m, 7);
  rvjit::local_fence_i();
  ASSERT_EQ(m.rx_as<Fn>()(), 7);

  auto maps = read_maps();
  ASSERT_FALSE(maps.empty()) << "could not read /proc/self/maps";
  bool saw_rw = false, saw_rx = false;
  for (const auto& e : maps) {
    EXPECT_FALSE(e.perms[1] == 'w' && e.perms[2] == 'x')
        << std::hex << e.start << "-" << e.end << " " << e.perms;
    auto rw = reinterpret_cast<uintptr_t>(m.rw()), rx = reinterpret_cast<uintptr_t>(m.rx());
    if (rw >= e.start && rw < e.end) saw_rw = (e.perms == "rw-s");
    if (rx >= e.start && rx < e.end) saw_rx = (e.perms == "r-xs");
  }
  EXPECT_TRUE(saw_rw) << "RW view not listed as rw-s";
  EXPECT_TRUE(saw_rx) << "RX view not listed as r-xs";
}

}  // namespace
