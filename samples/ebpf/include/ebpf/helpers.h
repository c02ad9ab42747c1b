// Helper functions the embedding program offers to eBPF code through `call N` (and
// `callx rN`, which calls the helper whose number is in rN at run time).
//
// A helper is a plain C-ABI function pointer taking r1..r5 and an opaque context, and
// returning the new r0. The plain pointer (no std::function) is deliberate: the RV64 JIT
// calls it directly with r1..r5 in a0..a4 and the context in a5.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "rvjit/error.h"

namespace rvjit::ebpf {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                              uint64_t r5, void* context);

// What a call of the helper does to the program besides setting r0.
enum class HelperExit {
  kReturns,            // execution continues after the call
  kEndsProgramOnZero,  // a return value of 0 ends the whole program at once with r0 = 0,
                       // from any call depth (uBPF's "unwind" helper, helper 5 of the
                       // bpf_conformance suite's set)
};

struct Helper {
  std::string name;
  HelperFn fn = nullptr;
  void* context = nullptr;
  HelperExit exit = HelperExit::kReturns;
};

class HelperRegistry {
 public:
  // kInvalidArgument for a null function, kBusy if `id` is already registered.
  Error add(int32_t id, std::string name, HelperFn fn, void* context = nullptr,
            HelperExit exit = HelperExit::kReturns);
  // nullptr when `id` is not registered.
  const Helper* find(int32_t id) const;
  // The helper a callx names: `value` is the register's content, read as a signed 64-bit
  // number; nullptr when it is outside the int32 range of helper numbers or unregistered.
  const Helper* find_by_register(uint64_t value) const;
  const std::map<int32_t, Helper>& all() const { return helpers_; }

 private:
  std::map<int32_t, Helper> helpers_;
};

// The memory a running program may access: its mem region and its whole stack. Each
// engine publishes it for the calling thread for the duration of Executable::run(), so
// helpers that take pointers (memfrob, strcmp_ext) can refuse addresses outside it.
struct ProgramMemory {
  uint64_t mem_lo = 0, mem_hi = 0;      // [mem_lo, mem_hi); empty when mem is
  uint64_t stack_lo = 0, stack_hi = 0;  // every frame of the run
  bool contains(uint64_t addr, uint64_t size) const;
};
// nullptr outside run() on this thread.
const ProgramMemory* current_program_memory();
// Publishes `memory` for this thread until destroyed (restores the previous one: runs nest
// when a helper runs another program).
class ProgramMemoryScope {
 public:
  explicit ProgramMemoryScope(const ProgramMemory& memory);
  ~ProgramMemoryScope();
  ProgramMemoryScope(const ProgramMemoryScope&) = delete;
  ProgramMemoryScope& operator=(const ProgramMemoryScope&) = delete;

 private:
  ProgramMemory memory_;
  const ProgramMemory* previous_;
};

// The helpers this project's test programs call (ubpf-compatible numbering where one
// exists):
//   1 gather_bytes(a,b,c,d,e) = a<<32 | b<<24 | c<<16 | d<<8 | e   (each taken as a byte)
//   4 sqrti(x)                = floor(sqrt(x)) for a 64-bit unsigned x
//   6 sum5(a,b,c,d,e)         = a+b+c+d+e (wrapping)
void register_test_helpers(HelperRegistry& registry);

// The bpf_conformance suite's standard set, numbered as its uBPF plugin registers them:
//   0 gather_bytes(a,b,c,d,e)  as above
//   1 memfrob(p, n)            XORs n bytes at p with 42; returns 0
//   2 no_op()                  returns 0
//   3 sqrti(x)                 floor(sqrt(x))
//   4 strcmp_ext(a, b)         strcmp of two NUL-terminated strings
//   5 unwind(x)                returns x; a 0 ends the program (HelperExit::kEndsProgramOnZero)
// memfrob and strcmp_ext only touch the running program's memory (ProgramMemory): for a
// range outside it they change nothing and return (uint64_t)-14 (-EFAULT, as Linux
// helpers do for a bad pointer).
void register_conformance_helpers(HelperRegistry& registry);

// The named sets offered by ebpf-run --helpers: "test" (register_test_helpers, the
// default) and "conformance". kNotFound for another name (the message lists them).
Error register_helper_set(HelperRegistry& registry, std::string_view name);

}  // namespace rvjit::ebpf
