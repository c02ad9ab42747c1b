// Seeded bug "dual map": code lives in a memfd mapped twice, RW (for writing) and RX (for
// running). A new function is written through the RW view and called through the RX view
// with no sync (bug) or after fence.i (twin). The store is to another address than the
// fetch; only the shared backing makes them the same bytes: rule "fresh" through an alias.
#include <sys/mman.h>

#include "seeded_code.h"

using namespace seeded;

int main(int argc, char** argv) {
  const bool bug = is_bug(argc, argv);
  const int fd = static_cast<int>(syscall(SYS_memfd_create, "seeded-dual-map", 0));
  expect(fd >= 0 && ftruncate(fd, 4096) == 0, "memfd_create/ftruncate failed");
  auto* rw = static_cast<uint32_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  auto* rx = static_cast<uint32_t*>(mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
  expect(rw != MAP_FAILED && rx != MAP_FAILED, "mmap of the memfd views failed");
  rw[0] = li_a0(1);
  rw[1] = kRet;
  fence_i();
  expect(as_fn(rx)() == 1, "first function returned the wrong value");

  rw[16] = li_a0(9);  // a new function, written through the RW view only
  rw[17] = kRet;
  if (!bug) fence_i();
  expect(as_fn(rx + 16)() == 9, "new function returned the wrong value");
  std::puts(bug ? "dual_map bug: RW-view store ran unsynced" : "dual_map twin: done");
  return 0;
}
