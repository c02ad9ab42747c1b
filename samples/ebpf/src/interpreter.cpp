// The interpreter: one loop, one switch on the instruction class. Addresses are real host
// addresses (r1 points at the caller's buffer, r10 into a heap-allocated stack) so that
// programs behave identically under the JIT, which will use the same addresses.
#include "ebpf/interpreter.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "alu.h"
#include "run_stack.h"

namespace rvjit::ebpf {
namespace {

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Region {
  uint64_t lo = 0, hi = 0;  // [lo, hi)
  bool contains(uint64_t addr, unsigned size) const {
    return addr >= lo && addr <= hi && size <= hi - addr;
  }
};

// Caller state saved by a local call and restored by the callee's exit.
struct Frame {
  uint32_t return_pc;
  std::array<uint64_t, 4> callee_saved;  // r6-r9
  uint64_t frame_pointer;                // r10
};

class InterpretedProgram final : public Executable {
 public:
  InterpretedProgram(const Program& program, const HelperRegistry& helpers)
      : program_(program), helpers_(helpers), helpers_may_write_(RunStack::helpers_may_write(program)) {}
  Result<uint64_t> run(std::span<uint8_t> mem, const RunOptions& options) override;

 private:
  const Program& program_;
  const HelperRegistry& helpers_;
  bool helpers_may_write_;
};

// Tells the RunStack, whichever way run() returns, the lowest frame the program reached
// (where it may have stored), unless helpers may have written anywhere.
struct StackUse {
  RunStack& stack;
  bool helpers_may_write;
  uint64_t lowest_r10;
  ~StackUse() {
    if (!helpers_may_write) stack.done(lowest_r10);
  }
};

uint64_t load_le(uint64_t addr, unsigned size) {
  // memcpy: eBPF allows unaligned plain loads; the host is little-endian like eBPF data.
  switch (size) {
    case 1: { uint8_t v; std::memcpy(&v, reinterpret_cast<void*>(addr), 1); return v; }
    case 2: { uint16_t v; std::memcpy(&v, reinterpret_cast<void*>(addr), 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, reinterpret_cast<void*>(addr), 4); return v; }
    default: { uint64_t v; std::memcpy(&v, reinterpret_cast<void*>(addr), 8); return v; }
  }
}

void store_le(uint64_t addr, unsigned size, uint64_t value) {
  switch (size) {
    case 1: { uint8_t v = static_cast<uint8_t>(value); std::memcpy(reinterpret_cast<void*>(addr), &v, 1); break; }
    case 2: { uint16_t v = static_cast<uint16_t>(value); std::memcpy(reinterpret_cast<void*>(addr), &v, 2); break; }
    case 4: { uint32_t v = static_cast<uint32_t>(value); std::memcpy(reinterpret_cast<void*>(addr), &v, 4); break; }
    default: std::memcpy(reinterpret_cast<void*>(addr), &value, 8); break;
  }
}

uint64_t sign_extend(uint64_t v, unsigned size) {
  switch (size) {
    case 1: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(v)});
    case 2: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(v)});
    case 4: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(v)});
    default: return v;
  }
}

// Atomic read-modify-write; returns the old value. Real atomics (not a plain RMW) because
// the mem region may be shared with other threads of the embedding program.
template <class T>
T atomic_rmw(T* p, int32_t op_imm, T operand, T expected) {
  switch (op_imm & ~op::kAtomicFetch) {
    case op::kAtomicAdd: return __atomic_fetch_add(p, operand, __ATOMIC_SEQ_CST);
    case op::kAtomicOr: return __atomic_fetch_or(p, operand, __ATOMIC_SEQ_CST);
    case op::kAtomicAnd: return __atomic_fetch_and(p, operand, __ATOMIC_SEQ_CST);
    case op::kAtomicXor: return __atomic_fetch_xor(p, operand, __ATOMIC_SEQ_CST);
    case op::kAtomicXchg & ~op::kAtomicFetch: return __atomic_exchange_n(p, operand, __ATOMIC_SEQ_CST);
    default: {
      // cmpxchg. The comparison is done in C++ and the CAS only ever retries with a value
      // it just read. Passing the truncated 32-bit `expected` straight to
      // __atomic_compare_exchange_n made a matching CMPXCHG32 report failure when built
      // with riscv64 GCC 12 (tests/samples/ebpf/atomic-cmpxchg32-success.data under qemu),
      // most likely lr.w's sign-extended word against a zero-extended expected value.
      T old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
      while (old == expected) {
        if (__atomic_compare_exchange_n(p, &old, operand, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
          return expected;
        }
      }
      return old;
    }
  }
}

Result<uint64_t> InterpretedProgram::run(std::span<uint8_t> mem, const RunOptions& options) {
  const std::vector<Insn>& code = program_.insns();
  const uint32_t n = static_cast<uint32_t>(code.size());

  RunStack stack;  // zeroed, 8-byte aligned (aligned atomics on it work)
  const uint64_t stack_top = stack.top();
  Region mem_region;
  if (!mem.empty()) {
    mem_region.lo = reinterpret_cast<uint64_t>(mem.data());
    mem_region.hi = mem_region.lo + mem.size();
  }

  uint64_t r[kNumRegs] = {};
  r[1] = mem_region.lo;
  r[2] = mem.size();
  r[10] = stack_top;
  StackUse stack_use{stack, helpers_may_write_, stack_top};
  Region stack_region{stack_top - kStackPerFrame, stack_top};
  ProgramMemoryScope published({mem_region.lo, mem_region.hi,
                                stack.base(), stack_top});
  // r0 = helper(r1..r5); true when the helper ended the program (r0 is then 0).
  auto call_helper = [&](const Helper& h) {
    r[0] = h.fn(r[1], r[2], r[3], r[4], r[5], h.context);
    return h.exit == HelperExit::kEndsProgramOnZero && r[0] == 0;
  };
  std::vector<Frame> frames;
  frames.reserve(kMaxCallDepth);

  uint64_t executed = 0;
  uint32_t pc = 0;
  auto check_access = [&](const char* what, uint64_t addr, unsigned size, uint32_t at) -> Error {
    if (stack_region.contains(addr, size) || mem_region.contains(addr, size)) return ok();
    return Error(ErrorCode::kForeignAddress, std::string("out-of-bounds ") + what + " of " +
                 std::to_string(size) + " bytes at " + hex64(addr) + " (pc " + std::to_string(at) + ")");
  };

  for (;;) {
    if (pc >= n) {  // cannot happen for a verified program; never index out of bounds anyway
      return Error(ErrorCode::kInvalidArgument, "pc " + std::to_string(pc) + " outside the program");
    }
    if (++executed > options.instruction_budget) {
      return Error(ErrorCode::kBusy, "instruction budget of " + std::to_string(options.instruction_budget) +
                                         " exhausted (pc " + std::to_string(pc) + ")");
    }
    const Insn& i = code[pc];
    const uint8_t cls = insn_class(i.opcode);
    const uint8_t opcode_op = i.opcode & op::kCodeMask;
    const bool reg_src = (i.opcode & op::kSrcMask) == op::kSrcX;
    switch (cls) {
      case op::kAlu64:
      case op::kAlu: {
        if (opcode_op == op::kEnd) {
          r[i.dst] = detail::byte_swap(reg_src || cls == op::kAlu64, i.imm, r[i.dst]);
        } else if (cls == op::kAlu64) {
          const uint64_t src = reg_src ? r[i.src] : static_cast<uint64_t>(int64_t{i.imm});
          r[i.dst] = detail::alu64(opcode_op, i.off, r[i.dst], src);
        } else {
          const uint64_t src = reg_src ? r[i.src] : static_cast<uint32_t>(i.imm);
          r[i.dst] = detail::alu32(opcode_op, i.off, r[i.dst], src);
        }
        ++pc;
        break;
      }
      case op::kJmp:
      case op::kJmp32: {
        if (i.opcode == op::kExitInsn) {
          if (frames.empty()) return r[0];
          const Frame& f = frames.back();
          for (int k = 0; k < 4; ++k) r[6 + k] = f.callee_saved[k];
          r[10] = f.frame_pointer;
          stack_region.lo = r[10] - kStackPerFrame;
          pc = f.return_pc;
          frames.pop_back();
          break;
        }
        if (i.opcode == op::kCallxInsn) {
          const Helper* h = helpers_.find_by_register(r[i.dst]);
          if (h == nullptr) return callx_unknown_helper(r[i.dst], pc);
          if (call_helper(*h)) return r[0];
          ++pc;
          break;
        }
        if (i.opcode == op::kCallInsn) {
          if (i.src == op::kCallHelper) {
            const Helper* h = helpers_.find(i.imm);
            if (h == nullptr) return Error(ErrorCode::kNotFound, "unknown helper " + std::to_string(i.imm));
            if (call_helper(*h)) return r[0];
            ++pc;
            break;
          }
          if (frames.size() + 1 >= kMaxCallDepth) {
            return Error(ErrorCode::kBufferFull, "call depth exceeded (pc " + std::to_string(pc) + ")");
          }
          frames.push_back(Frame{pc + 1, {r[6], r[7], r[8], r[9]}, r[10]});
          r[10] -= kStackPerFrame;
          stack_use.lowest_r10 = std::min(stack_use.lowest_r10, r[10]);
          stack_region.lo = r[10] - kStackPerFrame;
          pc = static_cast<uint32_t>(int64_t{pc} + 1 + i.imm);
          break;
        }
        if (i.opcode == op::kJa32Insn) {
          pc = static_cast<uint32_t>(int64_t{pc} + 1 + i.imm);
          break;
        }
        const bool is32 = cls == op::kJmp32;
        const uint64_t src = reg_src ? r[i.src]
                             : is32  ? uint64_t{static_cast<uint32_t>(i.imm)}
                                     : static_cast<uint64_t>(int64_t{i.imm});
        if (detail::jump_taken(opcode_op, is32, r[i.dst], src)) {
          pc = static_cast<uint32_t>(int64_t{pc} + 1 + i.off);
        } else {
          ++pc;
        }
        break;
      }
      case op::kLd: {  // only lddw survives verification
        r[i.dst] = uint64_t{static_cast<uint32_t>(i.imm)} | uint64_t{static_cast<uint32_t>(code[pc + 1].imm)} << 32;
        pc += 2;
        break;
      }
      case op::kLdx: {
        const unsigned size = access_size(i.opcode);
        const uint64_t addr = r[i.src] + static_cast<uint64_t>(int64_t{i.off});
        if (Error e = check_access("load", addr, size, pc)) return e;
        const uint64_t v = load_le(addr, size);
        r[i.dst] = (i.opcode & op::kModeMask) == op::kModeMemsx ? sign_extend(v, size) : v;
        ++pc;
        break;
      }
      case op::kSt:
      case op::kStx: {
        const unsigned size = access_size(i.opcode);
        const uint64_t addr = r[i.dst] + static_cast<uint64_t>(int64_t{i.off});
        if ((i.opcode & op::kModeMask) == op::kModeAtomic) {
          if (Error e = check_access("atomic", addr, size, pc)) return e;
          if (addr % size != 0) {
            return Error(ErrorCode::kMisalignedAddress, "misaligned atomic of " + std::to_string(size) +
                         " bytes at " + hex64(addr) + " (pc " + std::to_string(pc) + ")");
          }
          const bool fetch = (i.imm & op::kAtomicFetch) != 0;
          uint64_t old;
          if (size == 4) {
            old = atomic_rmw<uint32_t>(reinterpret_cast<uint32_t*>(addr), i.imm,
                                       static_cast<uint32_t>(r[i.src]), static_cast<uint32_t>(r[0]));
          } else {
            old = atomic_rmw<uint64_t>(reinterpret_cast<uint64_t*>(addr), i.imm, r[i.src], r[0]);
          }
          if (i.imm == op::kAtomicCmpxchg) r[0] = old;  // old value, zero-extended for W
          else if (fetch) r[i.src] = old;
          ++pc;
          break;
        }
        if (Error e = check_access("store", addr, size, pc)) return e;
        const uint64_t value = cls == op::kSt ? static_cast<uint64_t>(int64_t{i.imm}) : r[i.src];
        store_le(addr, size, value);
        ++pc;
        break;
      }
      default:
        return Error(ErrorCode::kInvalidArgument, "unknown opcode at pc " + std::to_string(pc));
    }
  }
}

}  // namespace

Result<std::unique_ptr<Executable>> Interpreter::load(const Program& program, const HelperRegistry& helpers) {
  if (Error e = check_helpers(program, helpers)) return e;
  return std::unique_ptr<Executable>(new InterpretedProgram(program, helpers));
}

}  // namespace rvjit::ebpf
