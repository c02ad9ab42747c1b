// The helper sets: this project's test helpers and the bpf_conformance suite's standard
// set (numbering and behaviour as its uBPF plugin registers them; ebpf/helpers.h).
#include <cstring>

#include "ebpf/helpers.h"

namespace rvjit::ebpf {
namespace {

constexpr uint64_t kEfault = static_cast<uint64_t>(-14);  // -EFAULT, as Linux helpers

uint64_t gather_bytes(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, void*) {
  return (a & 0xff) << 32 | (b & 0xff) << 24 | (c & 0xff) << 16 | (d & 0xff) << 8 | (e & 0xff);
}

// Integer square root by bisection: exact for the whole 64-bit range (no floating point,
// so the result cannot depend on the host's double rounding).
uint64_t sqrti(uint64_t x, uint64_t, uint64_t, uint64_t, uint64_t, void*) {
  uint64_t lo = 0, hi = 0xffffffffULL;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (mid * mid <= x) lo = mid; else hi = mid - 1;
  }
  return lo;
}

uint64_t sum5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, void*) {
  return a + b + c + d + e;
}

bool accessible(uint64_t addr, uint64_t size) {
  const ProgramMemory* m = current_program_memory();
  return m != nullptr && m->contains(addr, size);
}

uint64_t memfrob(uint64_t p, uint64_t n, uint64_t, uint64_t, uint64_t, void*) {
  if (n == 0) return 0;
  if (!accessible(p, n)) return kEfault;
  auto* bytes = reinterpret_cast<uint8_t*>(p);
  for (uint64_t i = 0; i < n; ++i) bytes[i] ^= 42;
  return 0;
}

uint64_t no_op(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, void*) { return 0; }

// Each byte is checked before it is read: a string may end only inside the program's
// memory.
uint64_t strcmp_ext(uint64_t a, uint64_t b, uint64_t, uint64_t, uint64_t, void*) {
  for (uint64_t i = 0;; ++i) {
    if (!accessible(a + i, 1) || !accessible(b + i, 1)) return kEfault;
    const unsigned char ca = *reinterpret_cast<const unsigned char*>(a + i);
    const unsigned char cb = *reinterpret_cast<const unsigned char*>(b + i);
    if (ca != cb) return static_cast<uint64_t>(static_cast<int64_t>(ca) - cb);
    if (ca == 0) return 0;
  }
}

uint64_t unwind(uint64_t x, uint64_t, uint64_t, uint64_t, uint64_t, void*) { return x; }

}  // namespace

void register_test_helpers(HelperRegistry& registry) {
  // The ids are fresh in a new registry; a clash would be a programming error here.
  (void)registry.add(1, "gather_bytes", gather_bytes);
  (void)registry.add(4, "sqrti", sqrti);
  (void)registry.add(6, "sum5", sum5);
}

void register_conformance_helpers(HelperRegistry& registry) {
  (void)registry.add(0, "gather_bytes", gather_bytes);
  (void)registry.add(1, "memfrob", memfrob);
  (void)registry.add(2, "no_op", no_op);
  (void)registry.add(3, "sqrti", sqrti);
  (void)registry.add(4, "strcmp_ext", strcmp_ext);
  (void)registry.add(5, "unwind", unwind, nullptr, HelperExit::kEndsProgramOnZero);
}

Error register_helper_set(HelperRegistry& registry, std::string_view name) {
  if (name == "test") {
    register_test_helpers(registry);
  } else if (name == "conformance") {
    register_conformance_helpers(registry);
  } else {
    return Error(ErrorCode::kNotFound,
                 "unknown helper set '" + std::string(name) + "' (available: test, conformance)");
  }
  return ok();
}

}  // namespace rvjit::ebpf
