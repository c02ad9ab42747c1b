// The GDB JIT compilation interface (GDB manual, "JIT Compilation Interface"): how gdb
// learns the names of functions that exist only in JIT memory. The process keeps a
// doubly linked list of in-memory symbol files, rooted at the global
// __jit_debug_descriptor; gdb puts a breakpoint on __jit_debug_register_code and, each
// time it is called, reads descriptor.relevant_entry and (un)loads that symbol file.
//
// GdbJitRegistrar builds one small ELF64 symbol file per installed function (a .text
// section header at the code's address, one STT_FUNC symbol, no debug info) and links it
// in, so `bt`, `info symbol` and `break <name>` work on JIT code. Without DWARF CFI gdb
// unwinds a JIT frame with its prologue analyser, so frames of standard shape
// (addi sp,sp,-N; sd ra,..(sp)) unwind best.
//
// Only one definition of the two ABI symbols may exist per process: a VM that also links
// another JIT that defines them (LLVM's ORC, for example) must use only one of the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "rvjit/error.h"
#include "rvjit/runtime/code_events.h"

// ---- The ABI gdb looks for, by these exact names and layouts -------------------------
extern "C" {

enum rvjit_jit_actions : uint32_t {
  JIT_NOACTION = 0,
  JIT_REGISTER_FN = 1,
  JIT_UNREGISTER_FN = 2,
};

struct jit_code_entry {
  jit_code_entry* next_entry;
  jit_code_entry* prev_entry;
  const char* symfile_addr;
  uint64_t symfile_size;
};

struct jit_descriptor {
  uint32_t version;      // 1
  uint32_t action_flag;  // a rvjit_jit_actions value
  jit_code_entry* relevant_entry;
  jit_code_entry* first_entry;
};

// gdb reads this when it attaches and whenever __jit_debug_register_code is called.
extern jit_descriptor __jit_debug_descriptor;
// Called after every change of the list; gdb breakpoints it. Does nothing itself.
void __jit_debug_register_code();

}  // extern "C"

namespace rvjit {

// Builds the in-memory ELF64 symbol file for one function: ELF header (ET_EXEC, the
// machine this binary runs on: EM_RISCV on RV64), a .text section header of type
// SHT_NOBITS at `address` with `size` bytes (gdb needs a section to map the address to
// this file; the bytes themselves stay in JIT memory), .symtab with one global STT_FUNC
// symbol `name` at `address`, .strtab and .shstrtab. `machine` 0 means this binary's
// own EM_* value; tests pass EM_RISCV (243) to check an RV64 file on the host.
// kInvalidArgument for a null or empty name or a zero size.
Result<std::vector<uint8_t>> build_gdb_jit_elf(const char* name, uint64_t address,
                                                size_t size, uint16_t machine = 0);

// Registers every loaded function with gdb and unregisters it on release. Thread-safe;
// several registrars may coexist (the list and the descriptor are process-wide).
class GdbJitRegistrar final : public CodeEventListener {
 public:
  GdbJitRegistrar() = default;
  ~GdbJitRegistrar() override;  // unregisters whatever is still registered
  GdbJitRegistrar(const GdbJitRegistrar&) = delete;
  GdbJitRegistrar& operator=(const GdbJitRegistrar&) = delete;

  void on_code_load(const CodeLoadEvent& event) override;
  void on_code_release(const CodeReleaseEvent& event) override;

  // Functions this registrar currently has in gdb's list.
  size_t registered_count() const;
  // First error since construction (ok() if none); listeners cannot return errors.
  Error last_error() const;

 private:
  struct Registration {
    jit_code_entry entry{};
    std::vector<uint8_t> elf;
  };
  void unregister_locked(Registration& r);
  mutable std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<Registration>> by_index_;  // key: code_index
  Error error_;
};

}  // namespace rvjit
