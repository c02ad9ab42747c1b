#include "run_stack.h"

#include <cstring>

namespace rvjit::ebpf {
namespace {

constexpr size_t kWords = RunStack::kBytes / sizeof(uint64_t);

struct ThreadStack {
  std::unique_ptr<uint64_t[]> buffer;
  size_t dirty = 0;  // the top `dirty` bytes may be non-zero
  bool in_use = false;
};

ThreadStack& thread_stack() {
  thread_local ThreadStack s;
  return s;
}

}  // namespace

RunStack::RunStack() {
  ThreadStack& t = thread_stack();
  if (t.in_use) {  // nested run
    own_ = std::make_unique<uint64_t[]>(kWords);  // value-initialized: zero
    data_ = own_.get();
    return;
  }
  if (!t.buffer) {
    t.buffer = std::make_unique<uint64_t[]>(kWords);
  } else if (t.dirty != 0) {
    std::memset(reinterpret_cast<char*>(t.buffer.get()) + kBytes - t.dirty, 0, t.dirty);
  }
  t.dirty = kBytes;  // until done() says less
  t.in_use = true;
  data_ = t.buffer.get();
}

void RunStack::done(uint64_t lowest_r10) {
  const uint64_t lowest = lowest_r10 - kStackPerFrame;
  dirty_ = lowest <= base() ? kBytes : static_cast<size_t>(top() - lowest);
  if (dirty_ > kBytes) dirty_ = kBytes;
}

RunStack::~RunStack() {
  if (own_) return;
  ThreadStack& t = thread_stack();
  t.dirty = dirty_;
  t.in_use = false;
}

bool RunStack::helpers_may_write(const Program& program) {
  if (!program.helpers_used().empty()) return true;
  for (const Insn& i : program.insns()) {
    if (i.opcode == op::kCallxInsn) return true;
  }
  return false;
}

}  // namespace rvjit::ebpf
