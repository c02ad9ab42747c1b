// ExecPage: a page of RWX memory that holds one test function at a time, for the RV64
// execution tests (qemu-user runs stores to RWX pages after the cache flush,
// design/platform-facts.md section 3). Tests only: production code goes through the W^X
// CodeCache (rvjit/runtime/code_cache.h).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "rvjit/jit/assembler.h"

namespace rvjit::test {

class ExecPage {
 public:
  ExecPage() {
    mem_ = mmap(nullptr, kSize, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
  }
  ~ExecPage() {
    if (mem_ != MAP_FAILED) munmap(mem_, kSize);
  }
  ExecPage(const ExecPage&) = delete;
  ExecPage& operator=(const ExecPage&) = delete;

  bool ok() const { return mem_ != MAP_FAILED; }

  // Copies `size` bytes of code to the page start and returns it as a function pointer.
  template <class Fn>
  Fn* load(const uint8_t* code, size_t size) {
    std::memcpy(mem_, code, size);
    __builtin___clear_cache(static_cast<char*>(mem_), static_cast<char*>(mem_) + size);
    return reinterpret_cast<Fn*>(mem_);
  }
  // The Assembler's bytes so far (no finalize: straight-line code without labels).
  template <class Fn>
  Fn* load(const Assembler& a) {
    return load<Fn>(a.buffer().data(), a.offset());
  }

 private:
  static constexpr size_t kSize = 1 << 16;
  void* mem_;
};

}  // namespace rvjit::test
