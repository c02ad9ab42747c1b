// The eBPF stack of one run, shared by both engines: kMaxCallDepth frames of
// kStackPerFrame bytes, zeroed, in uint64_t storage (8-byte aligned frames, so aligned
// atomics on the stack work).
//
// Each thread keeps one buffer, and a run zeroes only what the previous run on it may
// have written. Why: zeroing all 32 KiB costs ~26 us under qemu, more than a short
// program's whole run (the JIT ran sort in ~10 us plus that), for a stack that programs
// rarely use beyond a few frames. What a run may have written: program code stores only
// inside [r10 - 512, stack top) of the frame it runs in (the bounds check), so the engine
// reports the lowest r10 from which a store can have run (done()); a helper may write
// anywhere in the stack, so a program that calls helpers reports nothing and the whole
// stack is zeroed next time. A run that never calls done() (an engine bug, an exception)
// counts as having written everything.
//
// Both engines see the same r10 for consecutive runs on one thread, so a program that
// computes with r10's value gives the same result in both (the differential tests relied
// on malloc handing the same block back before). A nested run on the same thread (a
// helper running a program) gets a fresh allocation instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ebpf/isa.h"
#include "ebpf/program.h"

namespace rvjit::ebpf {

class RunStack {
 public:
  static constexpr size_t kBytes = kStackPerFrame * kMaxCallDepth;
  RunStack();
  ~RunStack();
  RunStack(const RunStack&) = delete;
  RunStack& operator=(const RunStack&) = delete;

  uint64_t* data() const { return data_; }
  uint64_t base() const { return reinterpret_cast<uint64_t>(data_); }
  uint64_t top() const { return base() + kBytes; }

  // The run is over: program code stored only at addresses >= lowest_r10 - 512.
  void done(uint64_t lowest_r10);

  // Whether the program may write the stack outside the frames it runs in (it calls
  // helpers, which may take any stack pointer): then done() must not be called.
  static bool helpers_may_write(const Program& program);

 private:
  std::unique_ptr<uint64_t[]> own_;  // set for a nested run only
  uint64_t* data_ = nullptr;
  size_t dirty_ = kBytes;  // bytes below the top this run may have written
};

}  // namespace rvjit::ebpf
