// Symbols: perf map first (JIT code), then QEMU's ELF symbols (symbols.h).
#include "symbols.h"

#include <cinttypes>
#include <cstdio>

namespace icache_check {

void Symbols::note_elf(uint64_t pc, const char* symbol) {
  if (!symbol || !*symbol) return;
  std::lock_guard<std::mutex> g(lock_);
  elf_.emplace(pc, symbol);
}

std::string Symbols::describe(uint64_t pc, long pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/tmp/perf-%ld.map", pid);
  if (FILE* f = std::fopen(path, "r")) {
    char name[512];
    uint64_t start, size;
    std::string best;
    // Later lines win: a released range may be reused by newer code.
    while (std::fscanf(f, "%" SCNx64 " %" SCNx64 " %511[^\n]", &start, &size, name) == 3) {
      if (pc >= start && pc < start + size) {
        char off[32];
        std::snprintf(off, sizeof off, "+0x%" PRIx64, pc - start);
        best = std::string(name) + off + " (perf map)";
      }
    }
    std::fclose(f);
    if (!best.empty()) return best;
  }
  std::lock_guard<std::mutex> g(lock_);
  auto it = elf_.find(pc);
  return it == elf_.end() ? std::string() : std::string(it->second);
}

}  // namespace icache_check
