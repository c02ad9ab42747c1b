// Code events: how the code cache tells observers (perf map, jitdump, the GDB JIT
// interface, a VM's own tables) that code was installed or released. Listeners are called
// on the installing thread, after the code is published and before install() returns;
// they must not call back into the cache. Registration is not async-signal-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rvjit {

struct CodeLoadEvent {
  const char* name;        // NUL-terminated function name
  uint64_t address;        // executable address of the first byte
  size_t size;             // bytes of code
  const uint8_t* bytes;    // a readable copy of the code (the executable view's content)
  uint64_t code_index;     // unique, increasing id of this installation
  // Patch sites of this function, as offsets from `address` (e.g. hook entry sites).
  const uint32_t* site_offsets;
  size_t site_count;
};

struct CodeReleaseEvent {
  const char* name;
  uint64_t address;
  size_t size;
  uint64_t code_index;
};

class CodeEventListener {
 public:
  virtual ~CodeEventListener() = default;
  virtual void on_code_load(const CodeLoadEvent& event) = 0;
  virtual void on_code_release(const CodeReleaseEvent& event) {}
};

}  // namespace rvjit
