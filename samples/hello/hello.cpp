// rvjit-hello: emits `addi a0, zero, <n>; ret` with rvjit's encoder, publishes it on a
// page that is writable XOR executable, calls it and reports every step.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rvjit/jit/assembler.h"
#include "rvjit/runtime/icache.h"

int main(int argc, char** argv) {
  using namespace rvjit;
  long n = argc > 1 ? std::strtol(argv[1], nullptr, 0) : 42;

  Assembler a;
  a.addi(reg::a0, reg::zero, n);
  a.ret();
  if (a.has_error()) {
    std::fprintf(stderr, "rvjit-hello: %s\n", a.error().to_string().c_str());
    return 2;
  }
  std::printf("emitted %zu bytes:", a.offset());
  for (size_t off = 0; off < a.offset(); off += 4) std::printf(" %08x", a.buffer().read32(off));
  std::printf("   (addi a0, zero, %ld; ret)\n", n);

  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) { std::perror("mmap"); return 1; }
  std::memcpy(mem, a.buffer().data(), a.offset());
  if (mprotect(mem, page, PROT_READ | PROT_EXEC) != 0) { std::perror("mprotect"); return 1; }
  local_fence_i();
  std::printf("published at %p as r-x (written while rw-, never rwx)\n", mem);

  long got = reinterpret_cast<long (*)()>(mem)();
  std::printf("called JIT code: returned %ld (%s)\n", got, got == n ? "ok" : "MISMATCH");
  munmap(mem, page);
  return got == n ? 0 : 1;
}
