// The GDB JIT interface: the two ABI symbols and GdbJitRegistrar.
#include "rvjit/runtime/gdb_jit.h"

#include <cstring>

extern "C" {

// The version is set statically: gdb may read the descriptor before any code runs.
// Weak, both of them: a process that also links another JIT's definitions (LLVM ORC's)
// gets one pair, and since the layout is the GDB ABI's, every registrar shares one list.
__attribute__((weak, used, visibility("default"))) jit_descriptor __jit_debug_descriptor = {
    1, JIT_NOACTION, nullptr, nullptr};

// noinline + the asm barrier: the call must really happen (gdb's breakpoint is here),
// and an empty function would otherwise be folded away or merged with another.
__attribute__((weak, noinline, used, visibility("default"))) void __jit_debug_register_code() {
  __asm__ volatile("" ::: "memory");
}

}  // extern "C"

namespace rvjit {
namespace {

// The list is process-wide: every change to it and the notification are one step.
std::mutex& descriptor_mutex() {
  static std::mutex mu;
  return mu;
}

void notify_locked(jit_code_entry* entry, uint32_t action) {
  __jit_debug_descriptor.relevant_entry = entry;
  __jit_debug_descriptor.action_flag = action;
  __jit_debug_register_code();
  __jit_debug_descriptor.action_flag = JIT_NOACTION;
  __jit_debug_descriptor.relevant_entry = nullptr;
}

}  // namespace

GdbJitRegistrar::~GdbJitRegistrar() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [index, r] : by_index_) unregister_locked(*r);
  by_index_.clear();
}

void GdbJitRegistrar::on_code_load(const CodeLoadEvent& event) {
  auto elf = build_gdb_jit_elf(event.name, event.address, event.size);
  std::lock_guard<std::mutex> lock(mu_);
  if (!elf.ok()) {
    if (error_.ok()) error_ = elf.error();
    return;
  }
  if (by_index_.count(event.code_index)) {
    if (error_.ok())
      error_ = Error(ErrorCode::kInvalidArgument,
                     "gdb jit: code index " + std::to_string(event.code_index) +
                         " registered twice");
    return;
  }
  auto r = std::make_unique<Registration>();
  r->elf = std::move(elf).value();
  r->entry.symfile_addr = reinterpret_cast<const char*>(r->elf.data());
  r->entry.symfile_size = r->elf.size();

  std::lock_guard<std::mutex> dlock(descriptor_mutex());
  jit_code_entry* head = __jit_debug_descriptor.first_entry;
  r->entry.next_entry = head;
  r->entry.prev_entry = nullptr;
  if (head) head->prev_entry = &r->entry;
  __jit_debug_descriptor.first_entry = &r->entry;
  notify_locked(&r->entry, JIT_REGISTER_FN);
  by_index_.emplace(event.code_index, std::move(r));
}

void GdbJitRegistrar::unregister_locked(Registration& r) {
  std::lock_guard<std::mutex> dlock(descriptor_mutex());
  jit_code_entry* e = &r.entry;
  if (e->prev_entry)
    e->prev_entry->next_entry = e->next_entry;
  else
    __jit_debug_descriptor.first_entry = e->next_entry;
  if (e->next_entry) e->next_entry->prev_entry = e->prev_entry;
  // gdb reads the entry (it finds its objfile by the entry's address) before we free it.
  notify_locked(e, JIT_UNREGISTER_FN);
  e->next_entry = e->prev_entry = nullptr;
}

void GdbJitRegistrar::on_code_release(const CodeReleaseEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_index_.find(event.code_index);
  if (it == by_index_.end()) return;  // loaded before this registrar existed
  unregister_locked(*it->second);
  by_index_.erase(it);
}

size_t GdbJitRegistrar::registered_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_index_.size();
}

Error GdbJitRegistrar::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace rvjit
