// Helper functions the embedding program offers to eBPF code through `call N`.
//
// A helper is a plain C-ABI function pointer taking r1..r5 and an opaque context, and
// returning the new r0. The plain pointer (no std::function) is deliberate: the RV64 JIT
// will call it directly with r1..r5 in a0..a4 and the context in a5.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "rvjit/error.h"

namespace rvjit::ebpf {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                              uint64_t r5, void* context);

struct Helper {
  std::string name;
  HelperFn fn = nullptr;
  void* context = nullptr;
};

class HelperRegistry {
 public:
  // kInvalidArgument for a null function, kBusy if `id` is already registered.
  Error add(int32_t id, std::string name, HelperFn fn, void* context = nullptr);
  // nullptr when `id` is not registered.
  const Helper* find(int32_t id) const;
  const std::map<int32_t, Helper>& all() const { return helpers_; }

 private:
  std::map<int32_t, Helper> helpers_;
};

// The helpers test programs may call (ubpf-compatible numbering where one exists):
//   1 gather_bytes(a,b,c,d,e) = a<<32 | b<<24 | c<<16 | d<<8 | e   (each taken as a byte)
//   4 sqrti(x)                = floor(sqrt(x)) for a 64-bit unsigned x
//   6 sum5(a,b,c,d,e)         = a+b+c+d+e (wrapping)
void register_test_helpers(HelperRegistry& registry);

}  // namespace rvjit::ebpf
