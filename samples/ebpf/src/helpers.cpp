#include "ebpf/helpers.h"

#include <limits>

namespace rvjit::ebpf {

Error HelperRegistry::add(int32_t id, std::string name, HelperFn fn, void* context,
                          HelperExit exit) {
  if (fn == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "helper " + std::to_string(id) + ": null function");
  }
  if (helpers_.count(id) != 0) {
    return Error(ErrorCode::kBusy, "helper " + std::to_string(id) + " already registered as " +
                                       helpers_[id].name);
  }
  helpers_[id] = Helper{std::move(name), fn, context, exit};
  return ok();
}

const Helper* HelperRegistry::find(int32_t id) const {
  auto it = helpers_.find(id);
  return it == helpers_.end() ? nullptr : &it->second;
}

const Helper* HelperRegistry::find_by_register(uint64_t value) const {
  const int64_t v = static_cast<int64_t>(value);
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return nullptr;
  }
  return find(static_cast<int32_t>(v));
}

namespace {

thread_local const ProgramMemory* t_program_memory = nullptr;

}  // namespace

bool ProgramMemory::contains(uint64_t addr, uint64_t size) const {
  auto in = [&](uint64_t lo, uint64_t hi) { return addr >= lo && addr <= hi && size <= hi - addr; };
  return (mem_hi > mem_lo && in(mem_lo, mem_hi)) || (stack_hi > stack_lo && in(stack_lo, stack_hi));
}

const ProgramMemory* current_program_memory() { return t_program_memory; }

ProgramMemoryScope::ProgramMemoryScope(const ProgramMemory& memory)
    : memory_(memory), previous_(t_program_memory) {
  t_program_memory = &memory_;
}

ProgramMemoryScope::~ProgramMemoryScope() { t_program_memory = previous_; }

}  // namespace rvjit::ebpf
