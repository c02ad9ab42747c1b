// gdb_jit_demo: the inferior of gdb_jit_backtrace_test.sh. It JITs
//   long rvjit_jit_answer(void (*cb)()) { cb(); return 42; }
// with a standard prologue (so gdb's prologue analyser can unwind it), registers it
// through GdbJitRegistrar, calls it with rvjit_gdb_break_here as the callback (gdb stops
// there and must name rvjit_jit_answer in frame #1), then releases it and calls
// rvjit_gdb_after_release (gdb must no longer know the symbol).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/gdb_jit.h"
#include "rvjit/runtime/icache.h"

extern "C" {
// Read by the gdb script (`info symbol rvjit_gdb_jit_addr`).
volatile uint64_t rvjit_gdb_jit_addr = 0;
__attribute__((noinline)) void rvjit_gdb_break_here() { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void rvjit_gdb_after_release() { __asm__ volatile("" ::: "memory"); }
}

namespace {
namespace enc = rvjit::enc;
constexpr unsigned kZero = 0, kRa = 1, kSp = 2, kS0 = 8, kA0 = 10;
constexpr uint32_t addi(unsigned rd, unsigned rs1, int imm) {
  return enc::i_type(enc::kOpImm, 0, rd, rs1, imm);
}
constexpr uint32_t sd(unsigned rs2, int off, unsigned rs1) {
  return enc::s_type(enc::kOpStore, 3, rs1, rs2, off);
}
constexpr uint32_t ld(unsigned rd, int off, unsigned rs1) {
  return enc::i_type(enc::kOpLoad, 3, rd, rs1, off);
}
constexpr uint32_t jalr(unsigned rd, unsigned rs1, int off) {
  return enc::i_type(enc::kOpJalr, 0, rd, rs1, off);
}
}  // namespace

int main() {
  const uint32_t code[] = {
      addi(kSp, kSp, -16), sd(kRa, 8, kSp), sd(kS0, 0, kSp), addi(kS0, kSp, 16),
      jalr(kRa, kA0, 0),  // cb()
      addi(kA0, kZero, 42),
      ld(kRa, 8, kSp),     ld(kS0, 0, kSp), addi(kSp, kSp, 16), jalr(kZero, kRa, 0),
  };
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 2;
  std::memcpy(mem, code, sizeof(code));
  if (mprotect(mem, page, PROT_READ | PROT_EXEC) != 0) return 3;
  rvjit::local_fence_i();
  const uint64_t addr = reinterpret_cast<uint64_t>(mem);
  rvjit_gdb_jit_addr = addr;

  rvjit::GdbJitRegistrar registrar;
  registrar.on_code_load({"rvjit_jit_answer", addr, sizeof(code),
                          reinterpret_cast<const uint8_t*>(mem), 1, nullptr, 0});
  if (!registrar.last_error().ok() || registrar.registered_count() != 1) {
    std::fprintf(stderr, "registration failed: %s\n", registrar.last_error().to_string().c_str());
    return 4;
  }
  long r = reinterpret_cast<long (*)(void (*)())>(mem)(&rvjit_gdb_break_here);
  registrar.on_code_release({"rvjit_jit_answer", addr, sizeof(code), 1});
  rvjit_gdb_after_release();
  std::printf("rvjit_jit_answer returned %ld, %zu registered after release\n", r,
              registrar.registered_count());
  munmap(mem, page);
  return r == 42 && registrar.registered_count() == 0 ? 0 : 1;
}
