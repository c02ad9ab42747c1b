#include "ebpf/helpers.h"

namespace rvjit::ebpf {

Error HelperRegistry::add(int32_t id, std::string name, HelperFn fn, void* context) {
  if (fn == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "helper " + std::to_string(id) + ": null function");
  }
  if (helpers_.count(id) != 0) {
    return Error(ErrorCode::kBusy, "helper " + std::to_string(id) + " already registered as " +
                                       helpers_[id].name);
  }
  helpers_[id] = Helper{std::move(name), fn, context};
  return ok();
}

const Helper* HelperRegistry::find(int32_t id) const {
  auto it = helpers_.find(id);
  return it == helpers_.end() ? nullptr : &it->second;
}

namespace {

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

}  // namespace

void register_test_helpers(HelperRegistry& registry) {
  // The ids are fresh in a new registry; a clash would be a programming error here.
  (void)registry.add(1, "gather_bytes", gather_bytes);
  (void)registry.add(4, "sqrti", sqrti);
  (void)registry.add(6, "sum5", sum5);
}

}  // namespace rvjit::ebpf
