// Names for guest code addresses in hazard reports: the JIT's perf map
// (/tmp/perf-<pid>.map, "START SIZE name" in hex, written by the rvjit runtime with
// RVJIT_PERF_MAP=1) and the ELF symbols QEMU knows for translated instructions.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace icache_check {

class Symbols {
 public:
  // Remembers QEMU's ELF symbol for an instruction (called at translation).
  void note_elf(uint64_t pc, const char* symbol);
  // "name+0xoff", or "" when nothing is known. Re-reads the perf map of `pid` (the map
  // grows while the program runs; reports are rare).
  std::string describe(uint64_t pc, long pid);

 private:
  std::mutex lock_;
  std::unordered_map<uint64_t, const char*> elf_;
};

}  // namespace icache_check
