// eBPF -> RV64 code generation, one eBPF function at a time.
//
// Register map (fixed for the whole program; constants in ebpf/jit_abi.h):
//   r0 -> a5      r1..r5 -> a0..a4   (arguments of local calls and helpers: a hook's
//                                     entry callback sees the eBPF arguments as a0..a4)
//   r6..r9 -> s1..s4                 (callee-saved, as eBPF requires: a function saves
//                                     the ones it writes)
//   r10 -> s5                        (the caller moves it down 512 bytes around a call)
// Fixed registers, set by the entry thunk and shared by every function of a run:
//   s0 depth limit (stack base + 2 frames)   s6 instruction budget left
//   s7 mem_lo   s8 mem_hi   s9 stack top (main's r10)   s10 JitContext*   s11 status
// s6 and s11 are written by callees on purpose (they are run-global, never saved); the
// hook trampolines and helpers are psABI code, so they preserve every s register.
// Temporaries: t0 address / faulting address, t1 error pc / scratch, t2 t3 scratch;
// t6 is the assembler's relaxation scratch and is never live.
//
// Function shape:
//   hook word, hook site (emit_hook_prologue), prologue (record r10 for RunStack if the
//   function stores; save ra unless it is a leaf, and the written s1..s4), body with
//   every exit emitted in place (the live r1..r5 -> ctx->regs, a0 = r0, restore, ret),
//   failure return, error tail, stubs.
// Errors never unwind: a failing check sets s11 (Fault | size << 8), t0 = address,
// t1 = pc, and the function returns through its normal epilogue; every caller tests s11
// after a local call (in the next segment's check) and returns too. So each hooked frame
// returns normally and the hook manager's shadow stack of exit hooks stays balanced even
// when a run fails.
//
// Instruction budget, exactly as the interpreter counts it: the code is cut into
// segments in which only the last instruction can fault, call or have an effect outside
// the registers (memory access, call, exit, jump) or takes two slots (lddw); jump targets
// start segments. A segment of N instructions starting at pc b subtracts N from s6 just
// before its last instruction (the others only change registers); if that goes negative
// with r instructions left (r < N), the interpreter would have run b..b+r-1 (pure
// register operations, unobservable after an error) and stopped at pc b + r, which is
// what the stub reports: pc = b + N + s6. The same branch covers the depth check of a
// call ending the segment and the failure of a call just before it (budget_check).
//
// Memory: every access is checked like the interpreter's Region::contains, against the
// current frame's stack [r10 - 512, stack top) and the mem region (the stack first for
// addresses made from r10, the mem region first for the others), except r10 + off
// with -512 <= off, off + size <= 0 (always inside the current frame). Atomics are then
// checked for natural alignment and use RV64A with aq+rl (sequentially consistent, like
// the interpreter's __atomic builtins); cmpxchg is an lr/sc loop. Plain loads and stores
// may be misaligned, as in eBPF: RV64 Linux executes or emulates misaligned accesses.
//
// Calls: local calls always go through the callee's hook site, so recursion is traced
// frame by frame: a jal to the function's own site for recursion, auipc+jalr to a callee
// already installed (the engine installs the last function first), else a load from the
// executable's entry table (its address is a literal of the code; the table is filled
// after every function is installed, before any run). The depth check is one compare
// against s0. r1..r5 after a local call are the callee's in the interpreter; the JIT
// hands back through ctx->regs only those a caller reads (jit_liveness.cpp: usually
// none), and keeps only those around a helper call.
// Helpers are called at their absolute address through the literal pool (kFar). A callx
// calls callx_dispatch (jit_engine.cpp) with the register's value, the registry and the
// context: it finds the helper at run time and reports an unknown number or a helper
// that ended the program in ctx->status, which the code tests after the call. A helper
// that ends the program (HelperExit::kEndsProgramOnZero) and returned 0 sets s11 to
// kUnwound: like a fault, every frame then returns at once, and run() answers r0 = 0.
#include "ebpf/jit_compiler.h"

#include <cstddef>
#include <string>
#include <vector>

#include "alu.h"
#include "ebpf/isa.h"
#include "ebpf/jit_abi.h"
#include "rvjit/jit/assembler.h"

namespace rvjit::ebpf::jit {
namespace {

constexpr Gp kAddr = reg::t0, kT1 = reg::t1, kT2 = reg::t2, kT3 = reg::t3;
constexpr uint16_t kArgMask = 0x3e;  // r1..r5

bool fits12(int64_t v) { return v >= -2048 && v <= 2047; }

bool is_lddw(const Insn& i) { return i.opcode == op::kLddw; }

// Whether `i` ends a budget segment (see the top of the file).
bool ends_segment(const Insn& i) {
  switch (insn_class(i.opcode)) {
    case op::kLd:  // lddw: two slots, so it must be last for pc = start + count to hold
    case op::kJmp:
    case op::kJmp32:
    case op::kLdx:
    case op::kSt:
    case op::kStx: return true;
    default: return false;
  }
}

// A failure path emitted after the body: sets the status (and pc unless the budget stub
// computes it), then joins the error tail.
struct Stub {
  Label label;
  uint64_t status;
  uint32_t pc;
  int64_t budget_end = -1;  // >= 0: budget stub, pc = budget_end + s6
};

// The shared failure path of a combined check (budget_check).
struct CheckStub {
  Label label;
  bool after_call;  // test s11 first: the call before the segment failed
  Label budget;     // the budget stub
  Label depth;      // valid: the segment ends in a local call; its depth stub
};

class FunctionCompiler {
 public:
  FunctionCompiler(const Program& p, size_t index, const HelperRegistry& helpers,
                   const CallTargets& targets, SiteLayout layout)
      : p_(p), index_(index), fn_(p.functions()[index]), helpers_(helpers), targets_(targets),
        exit_live_(targets.liveness->exit_live[index] & kArgMask),
        live_after_(live_after(p, index, *targets.liveness)), layout_(layout) {}

  Result<AssembledCode> compile() {
    a_.set_relax_scratch(reg::t6);
    analyse();
    // [ebpf-jit-prologue]
    entry_ = a_.new_label();
    emit_hook_prologue(a_, layout_, entry_);  // hook word + disabled site: callers enter here
    prologue();                              // then the function's own frame
    // [ebpf-jit-prologue-end]
    restore_ = a_.new_label();
    error_tail_ = a_.new_label();
    uint32_t segment = fn_.start;
    for (uint32_t pc = fn_.start; pc < fn_.end; pc += is_lddw(p_[pc]) ? 2 : 1) {
      if (leader_[pc - fn_.start]) {
        a_.bind(label(pc));
        segment = pc;
      }
      if (is_segment_end(pc)) budget_check(segment, pc);
      insn(pc);
    }
    epilogue();
    stubs();
    return a_.finalize();
  }

 private:
  const Insn& at(uint32_t pc) const { return p_[pc]; }
  Gp R(uint8_t r) const { return kMap[r]; }
  uint32_t next(uint32_t pc) const { return pc + (is_lddw(at(pc)) ? 2 : 1); }

  Label label(uint32_t pc) {
    Label& l = labels_[pc - fn_.start];
    if (!l.valid()) l = a_.new_label();
    return l;
  }

  // Segment leaders and the callee-saved registers this function writes.
  void analyse() {
    const size_t n = fn_.end - fn_.start;
    leader_.assign(n + 1, false);
    labels_.assign(n + 1, Label{});
    leader_[0] = true;
    auto mark = [&](int64_t pc) {
      if (pc >= fn_.start && pc < fn_.end) leader_[pc - fn_.start] = true;
    };
    for (uint32_t pc = fn_.start; pc < fn_.end; pc = next(pc)) {
      const Insn& i = at(pc);
      const uint8_t cls = insn_class(i.opcode);
      if (ends_segment(i)) mark(next(pc));
      if ((cls == op::kJmp || cls == op::kJmp32) && i.opcode != op::kCallInsn &&
          i.opcode != op::kCallxInsn && i.opcode != op::kExitInsn) {
        const int64_t delta = i.opcode == op::kJa32Insn ? int64_t{i.imm} : int64_t{i.off};
        mark(int64_t{pc} + 1 + delta);
      }
      // Registers written: ALU dst, loads, lddw; atomics with FETCH write src.
      int written = -1;
      if (cls == op::kAlu || cls == op::kAlu64 || cls == op::kLdx || cls == op::kLd) written = i.dst;
      if (cls == op::kStx && (i.opcode & op::kModeMask) == op::kModeAtomic &&
          (i.imm & op::kAtomicFetch))
        written = i.src;
      if (written >= 6 && written <= 9) saves_[written - 6] = true;
      if (i.opcode == op::kCallInsn || i.opcode == op::kCallxInsn) calls_ = true;
      if (cls == op::kSt || cls == op::kStx) stores_ = true;
    }
  }

  // Whether pc is the last instruction of its segment.
  bool is_segment_end(uint32_t pc) const {
    const uint32_t q = next(pc);
    return ends_segment(at(pc)) || q >= fn_.end || leader_[q - fn_.start];
  }

  bool is_local_call(uint32_t pc) const {
    return at(pc).opcode == op::kCallInsn && at(pc).src == op::kCallLocal;
  }

  // Instructions in the segment starting at `pc` (lddw counts once).
  int64_t segment_length(uint32_t pc) const {
    int64_t n = 0;
    for (uint32_t q = pc; q < fn_.end;) {
      ++n;
      const bool ends = ends_segment(at(q));
      q = next(q);
      if (ends || q >= fn_.end || leader_[q - fn_.start]) break;
    }
    return n;
  }

  // A leaf (no calls) keeps ra in place; with nothing to save it has no frame at all.
  int frame_size() const {
    int n = calls_ ? 1 : 0;
    for (bool s : saves_) n += s;
    return (n * 8 + 15) / 16 * 16;
  }

  void prologue() {
    if (stores_) {  // ctx->lowest_r10 = min(it, r10): how much stack the next run zeroes
      Label low_enough = a_.new_label();
      a_.ld(kT1, kCtx, kCtxLowestR10);
      a_.bgeu(R(kFramePointer), kT1, low_enough);
      a_.sd(R(kFramePointer), kCtx, kCtxLowestR10);
      a_.bind(low_enough);
    }
    if (frame_size() == 0) return;
    a_.addi(reg::sp, reg::sp, -frame_size());
    int slot = 0;
    if (calls_) a_.sd(reg::ra, reg::sp, 8 * slot++);
    for (int k = 0; k < 4; ++k) {
      if (saves_[k]) a_.sd(R(6 + k), reg::sp, 8 * slot++);
    }
  }

  // An eBPF exit, emitted in place (a jump to a shared one would be one more taken
  // branch per call).
  void exit_insn() {
    store_regs(exit_live_);  // only what a caller reads (jit_liveness.cpp)
    a_.mv(reg::a0, R(0));
    return_to_caller();
  }

  void return_to_caller() {
    if (frame_size() != 0) {
      int slot = 0;
      if (calls_) a_.ld(reg::ra, reg::sp, 8 * slot++);
      for (int k = 0; k < 4; ++k) {
        if (saves_[k]) a_.ld(R(6 + k), reg::sp, 8 * slot++);
      }
      a_.addi(reg::sp, reg::sp, frame_size());
    }
    a_.ret();
  }

  // The failure paths: return with s11 set (and the fault's address and pc recorded).
  void epilogue() {
    a_.bind(restore_);
    return_to_caller();
    a_.bind(error_tail_);
    a_.sd(kAddr, kCtx, kCtxFaultAddr);
    a_.sd(kT1, kCtx, kCtxFaultPc);
    a_.j(restore_);
  }

  void stubs() {
    for (const CheckStub& c : check_stubs_) {
      a_.bind(c.label);
      if (c.after_call) a_.bnez(kStatus, restore_);  // the call failed or unwound
      if (c.depth.valid()) {
        a_.bltz(kBudget, c.budget);  // the interpreter counts the call before checking depth
        a_.j(c.depth);
      } else {
        a_.j(c.budget);
      }
    }
    for (const Stub& s : stubs_) {
      a_.bind(s.label);
      if (s.budget_end >= 0) {
        a_.li(kT1, s.budget_end);
        a_.add(kT1, kT1, kBudget);
      } else {
        a_.li(kT1, s.pc);
      }
      a_.li(kStatus, static_cast<int64_t>(s.status));
      a_.j(error_tail_);
    }
  }

  Label stub(uint64_t status, uint32_t pc, int64_t budget_end = -1) {
    Label l = a_.new_label();
    stubs_.push_back(Stub{l, status, pc, budget_end});
    return l;
  }

  // Emitted before the last instruction `last` of the segment starting at `start`: the
  // others only change registers, so checking here stops the run before any effect, as
  // the interpreter does. One branch covers up to three failures: the budget, the call
  // just before the segment failing (s11 != 0) and a local call at its end going too
  // deep; the stub sorts out which, in the interpreter's order.
  void budget_check(uint32_t start, uint32_t last) {
    const int64_t n = segment_length(start);
    if (fits12(-n)) {
      a_.addi(kBudget, kBudget, -n);
    } else {
      a_.li(kT1, n);
      a_.sub(kBudget, kBudget, kT1);
    }
    const Label budget = stub(kFaultBudget, start, int64_t{start} + n);
    const bool after_call = start > fn_.start && is_local_call(start - 1);
    const bool call = is_local_call(last);
    if (!after_call && !call) return a_.bltz(kBudget, budget);
    // Depth: the callee's frame [r10 - 1024, r10 - 512) must lie above the stack base
    // (the interpreter's frames.size() + 1 >= kMaxCallDepth): r10 >= stack base + 1024.
    // r10 - limit is negative exactly then (both are user addresses, far below 2^63).
    Gp acc = kBudget;
    if (call) {
      a_.sub(kT1, R(kFramePointer), kDepthLimit);
      a_.or_(kT1, kT1, acc);
      acc = kT1;
    }
    if (after_call) {  // s11 is a small positive status after a failure, else 0
      a_.neg(kT2, kStatus);
      a_.or_(kT1, kT2, acc);
      acc = kT1;
    }
    CheckStub c{a_.new_label(), after_call, budget, call ? stub(kFaultCallDepth, last) : Label{}};
    check_stubs_.push_back(c);
    a_.bltz(acc, c.label);
  }

  // rd = rs + imm (rd may be rs); kT1 is the scratch for a large imm.
  void add_imm(Gp rd, Gp rs, int64_t imm) {
    if (fits12(imm)) {
      a_.addi(rd, rs, imm);
    } else {
      a_.li(kT1, imm);
      a_.add(rd, rs, kT1);
    }
  }

  void zext32(Gp r) {
    a_.slli(r, r, 32);
    a_.srli(r, r, 32);
  }

  // kAddr = base + off, checked against the current stack and the mem region exactly
  // like the interpreter's Region::contains (addr >= lo && addr <= hi && size <= hi-addr).
  void checked_address(Gp base, int16_t off, unsigned size, Fault kind, uint32_t pc) {
    add_imm(kAddr, base, off);
    // r10 + off with -512 <= off and off + size <= 0 lies in the current frame, which is
    // always inside [r10 - 512, stack top): the common stack access needs no check.
    if (base == R(kFramePointer) && off >= -static_cast<int64_t>(kStackPerFrame) &&
        off + static_cast<int64_t>(size) <= 0)
      return;
    // Either region will do, so the order only decides the speed: the stack first for
    // addresses made from r10, the mem region first for the others.
    Label ok = a_.new_label(), fail = stub(kind | uint64_t{size} << 8, pc);
    if (base == R(kFramePointer)) {
      Label try_mem = a_.new_label();
      stack_check(size, try_mem, ok);
      a_.bind(try_mem);
      mem_check(size, fail, fail);
    } else {
      Label try_stack = a_.new_label();
      mem_check(size, try_stack, ok);
      a_.bind(try_stack);
      stack_check(size, fail, fail);
    }
    a_.bind(ok);
  }

  // Is [kAddr, kAddr + size) inside [r10 - 512, stack top)? Branches to `in` or `out`
  // (in == out: falls through when inside).
  void stack_check(unsigned size, Label out, Label in) {
    a_.addi(kT1, R(kFramePointer), -static_cast<int64_t>(kStackPerFrame));
    region_check(kT1, kStackTop, size, out, in);
  }
  void mem_check(unsigned size, Label out, Label in) { region_check(kMemLo, kMemHi, size, out, in); }
  void region_check(Gp lo, Gp hi, unsigned size, Label out, Label in) {
    a_.bltu(kAddr, lo, out);
    a_.bltu(hi, kAddr, out);
    a_.sub(kT1, hi, kAddr);
    a_.sltiu(kT1, kT1, size);
    if (in == out) a_.bnez(kT1, out);
    else a_.beqz(kT1, in);
  }

  void insn(uint32_t pc) {
    const Insn& i = at(pc);
    switch (insn_class(i.opcode)) {
      case op::kAlu64: alu64(i); break;
      case op::kAlu: alu32(i); break;
      case op::kJmp:
      case op::kJmp32: jump(i, pc); break;
      case op::kLd: a_.li(R(i.dst), static_cast<int64_t>(uint64_t{static_cast<uint32_t>(i.imm)} |
                                                      uint64_t{static_cast<uint32_t>(at(pc + 1).imm)} << 32));
        break;
      case op::kLdx: load(i, pc); break;
      case op::kSt:
      case op::kStx:
        if ((i.opcode & op::kModeMask) == op::kModeAtomic) atomic(i, pc);
        else store(i, pc);
        break;
      default: a_.report(ErrorCode::kInvalidArgument, "unexpected opcode at pc " + std::to_string(pc));
    }
  }

  void load(const Insn& i, uint32_t pc) {
    const unsigned size = access_size(i.opcode);
    checked_address(R(i.src), i.off, size, kFaultLoad, pc);
    const bool sx = (i.opcode & op::kModeMask) == op::kModeMemsx;
    const Gp d = R(i.dst);
    switch (size) {
      case 1: sx ? a_.lb(d, kAddr, 0) : a_.lbu(d, kAddr, 0); break;
      case 2: sx ? a_.lh(d, kAddr, 0) : a_.lhu(d, kAddr, 0); break;
      case 4: sx ? a_.lw(d, kAddr, 0) : a_.lwu(d, kAddr, 0); break;
      default: a_.ld(d, kAddr, 0); break;
    }
  }

  void store(const Insn& i, uint32_t pc) {
    const unsigned size = access_size(i.opcode);
    checked_address(R(i.dst), i.off, size, kFaultStore, pc);
    Gp v = reg::zero;
    if (insn_class(i.opcode) == op::kStx) {
      v = R(i.src);
    } else if (i.imm != 0) {
      a_.li(kT2, i.imm);
      v = kT2;
    }
    switch (size) {
      case 1: a_.sb(v, kAddr, 0); break;
      case 2: a_.sh(v, kAddr, 0); break;
      case 4: a_.sw(v, kAddr, 0); break;
      default: a_.sd(v, kAddr, 0); break;
    }
  }

  void atomic(const Insn& i, uint32_t pc) {
    const unsigned size = access_size(i.opcode);
    checked_address(R(i.dst), i.off, size, kFaultAtomic, pc);
    a_.andi(kT1, kAddr, size - 1);
    a_.bnez(kT1, stub(kFaultMisaligned | uint64_t{size} << 8, pc));
    const bool w = size == 4;
    const bool fetch = (i.imm & op::kAtomicFetch) != 0;
    const Gp s = R(i.src);
    const Gp rd = fetch ? s : reg::zero;
    constexpr AtomicOrder kSeqCst = AtomicOrder::kAqRl;
    if (i.imm == op::kAtomicCmpxchg) {
      // lr/sc loop. lr.w sign-extends the word it reads, so the expected value (r0's low
      // half) is sign-extended the same way before comparing; r0 gets the old value
      // zero-extended, as the interpreter does.
      const Gp r0 = R(0);
      Label retry = a_.new_label(), done = a_.new_label();
      if (w) a_.addiw(kT2, r0, 0);
      else a_.mv(kT2, r0);
      a_.bind(retry);
      if (w) a_.lr_w(kT1, kAddr, kSeqCst);
      else a_.lr_d(kT1, kAddr, kSeqCst);
      a_.bne(kT1, kT2, done);
      if (w) a_.sc_w(kT3, s, kAddr, AtomicOrder::kRl);
      else a_.sc_d(kT3, s, kAddr, AtomicOrder::kRl);
      a_.bnez(kT3, retry);
      a_.bind(done);
      a_.mv(r0, kT1);
      if (w) zext32(r0);
      return;
    }
    switch (i.imm & ~op::kAtomicFetch) {
      case op::kAtomicAdd: w ? a_.amoadd_w(rd, s, kAddr, kSeqCst) : a_.amoadd_d(rd, s, kAddr, kSeqCst); break;
      case op::kAtomicOr: w ? a_.amoor_w(rd, s, kAddr, kSeqCst) : a_.amoor_d(rd, s, kAddr, kSeqCst); break;
      case op::kAtomicAnd: w ? a_.amoand_w(rd, s, kAddr, kSeqCst) : a_.amoand_d(rd, s, kAddr, kSeqCst); break;
      case op::kAtomicXor: w ? a_.amoxor_w(rd, s, kAddr, kSeqCst) : a_.amoxor_d(rd, s, kAddr, kSeqCst); break;
      case op::kAtomicXchg & ~op::kAtomicFetch:
        w ? a_.amoswap_w(rd, s, kAddr, kSeqCst) : a_.amoswap_d(rd, s, kAddr, kSeqCst);
        break;
      default: a_.report(ErrorCode::kInvalidArgument, "unexpected atomic at pc " + std::to_string(pc));
    }
    if (fetch && w) zext32(s);  // the old word, zero-extended
  }

  // Operand of an ALU64 instruction with an immediate: in a register (kT1), or x0.
  Gp imm_reg(int64_t v, Gp scratch) {
    if (v == 0) return reg::zero;
    a_.li(scratch, v);
    return scratch;
  }

  void alu64(const Insn& i) {
    const uint8_t code = i.opcode & op::kCodeMask;
    const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
    const Gp d = R(i.dst);
    const int64_t imm = i.imm;  // sign-extended, as the interpreter takes it
    if (code == op::kEnd) return byte_swap(d, i.imm, true);
    if (code == op::kNeg) return a_.neg(d, d);
    if (code == op::kMov) {
      if (!x) return a_.li(d, static_cast<int64_t>(detail::alu64(op::kMov, i.off, 0, static_cast<uint64_t>(imm))));
      const Gp s = R(i.src);
      switch (i.off) {
        case 8: a_.slli(d, s, 56); a_.srai(d, d, 56); return;
        case 16: a_.slli(d, s, 48); a_.srai(d, d, 48); return;
        case 32: a_.addiw(d, s, 0); return;
        default: if (d != s) a_.mv(d, s); return;
      }
    }
    if (!x) {  // immediate forms that have an RV64 immediate instruction
      switch (code) {
        case op::kAdd: if (fits12(imm)) return a_.addi(d, d, imm); break;
        case op::kSub: if (fits12(-imm)) return a_.addi(d, d, -imm); break;
        case op::kOr: if (fits12(imm)) return a_.ori(d, d, imm); break;
        case op::kAnd: if (fits12(imm)) return a_.andi(d, d, imm); break;
        case op::kXor: if (fits12(imm)) return a_.xori(d, d, imm); break;
        case op::kLsh: return a_.slli(d, d, imm & 63);
        case op::kRsh: return a_.srli(d, d, imm & 63);
        case op::kArsh: return a_.srai(d, d, imm & 63);
        case op::kDiv: if (imm == 0) return a_.li(d, 0); break;  // x / 0 = 0
        case op::kMod: if (imm == 0) return;                     // x % 0 = x
        default: break;
      }
    }
    const Gp s = x ? R(i.src) : imm_reg(imm, kT1);
    const bool sgn = i.off == 1;
    switch (code) {
      case op::kAdd: a_.add(d, d, s); break;
      case op::kSub: a_.sub(d, d, s); break;
      case op::kMul: a_.mul(d, d, s); break;
      case op::kOr: a_.or_(d, d, s); break;
      case op::kAnd: a_.and_(d, d, s); break;
      case op::kXor: a_.xor_(d, d, s); break;
      case op::kLsh: a_.sll(d, d, s); break;   // sll/srl/sra use the low 6 bits: & 63
      case op::kRsh: a_.srl(d, d, s); break;
      case op::kArsh: a_.sra(d, d, s); break;
      case op::kDiv:
        // RV64 gives all ones for x/0 and LLONG_MIN for LLONG_MIN/-1 (RFC 9669 wants the
        // latter too); x/0 = 0 by masking with (s != 0 ? ~0 : 0), taken before d changes.
        if (x) { a_.snez(kT2, s); a_.neg(kT2, kT2); }
        sgn ? a_.div(d, d, s) : a_.divu(d, d, s);
        if (x) a_.and_(d, d, kT2);
        break;
      case op::kMod:  // RV64 already gives x%0 = x and LLONG_MIN%-1 = 0
        sgn ? a_.rem(d, d, s) : a_.remu(d, d, s);
        break;
      default: a_.report(ErrorCode::kInvalidArgument, "unexpected ALU64 operation");
    }
  }

  void alu32(const Insn& i) {
    const uint8_t code = i.opcode & op::kCodeMask;
    const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
    const Gp d = R(i.dst);
    const int64_t imm = i.imm;  // low 32 bits are what counts; sign-extended for addiw & co
    if (code == op::kEnd) return byte_swap(d, i.imm, x);
    if (code == op::kMov) {
      if (!x) return a_.li(d, static_cast<int64_t>(detail::alu32(op::kMov, 0, 0, static_cast<uint32_t>(i.imm))));
      const Gp s = R(i.src);
      if (i.off == 8 || i.off == 16) {
        a_.slli(d, s, 64 - i.off);
        a_.srai(d, d, 64 - i.off);
        return zext32(d);
      }
      a_.slli(d, s, 32);
      a_.srli(d, d, 32);
      return;
    }
    const bool sgn = i.off == 1;
    bool done = false;
    if (!x) {
      done = true;
      switch (code) {
        case op::kAdd: if (fits12(imm)) a_.addiw(d, d, imm); else done = false; break;
        case op::kSub: if (fits12(-imm)) a_.addiw(d, d, -imm); else done = false; break;
        case op::kOr: if (fits12(imm)) a_.ori(d, d, imm); else done = false; break;
        case op::kAnd: if (fits12(imm)) a_.andi(d, d, imm); else done = false; break;
        case op::kXor: if (fits12(imm)) a_.xori(d, d, imm); else done = false; break;
        case op::kLsh: a_.slliw(d, d, imm & 31); break;
        case op::kRsh: a_.srliw(d, d, imm & 31); break;
        case op::kArsh: a_.sraiw(d, d, imm & 31); break;
        case op::kDiv: if (static_cast<uint32_t>(imm) == 0) a_.li(d, 0); else done = false; break;
        case op::kMod: if (static_cast<uint32_t>(imm) != 0) done = false; break;  // x%0: zext below
        default: done = false; break;
      }
    }
    if (!done) {
      const Gp s = x ? R(i.src) : imm_reg(imm, kT1);
      switch (code) {
        case op::kAdd: a_.addw(d, d, s); break;
        case op::kSub: a_.subw(d, d, s); break;
        case op::kMul: a_.mulw(d, d, s); break;
        case op::kOr: a_.or_(d, d, s); break;
        case op::kAnd: a_.and_(d, d, s); break;
        case op::kXor: a_.xor_(d, d, s); break;
        case op::kLsh: a_.sllw(d, d, s); break;  // the *w shifts use the low 5 bits: & 31
        case op::kRsh: a_.srlw(d, d, s); break;
        case op::kArsh: a_.sraw(d, d, s); break;
        case op::kNeg: a_.negw(d, d); break;
        case op::kDiv:
          // As ALU64, on the low halves: the zero test looks at the low 32 bits only.
          if (x) { a_.slli(kT2, s, 32); a_.snez(kT2, kT2); a_.neg(kT2, kT2); }
          sgn ? a_.divw(d, d, s) : a_.divuw(d, d, s);
          if (x) a_.and_(d, d, kT2);
          break;
        case op::kMod: sgn ? a_.remw(d, d, s) : a_.remuw(d, d, s); break;
        default: a_.report(ErrorCode::kInvalidArgument, "unexpected ALU operation");
      }
    }
    zext32(d);
  }

  // END / bswap: to_be reverses the low `width` bits' bytes; otherwise only truncates
  // (eBPF data and RV64 are both little-endian). Base ISA only (no Zbb rev8).
  void byte_swap(Gp d, int32_t width, bool to_be) {
    if (!to_be) {
      if (width == 16) { a_.slli(d, d, 48); a_.srli(d, d, 48); }
      else if (width == 32) zext32(d);
      return;
    }
    const int bytes = width / 8;
    for (int k = 0; k < bytes; ++k) {
      if (k == 0) a_.andi(kT1, d, 0xff);
      else { a_.srli(kT1, d, 8 * k); if (k != 7) a_.andi(kT1, kT1, 0xff); }
      const int shift = 8 * (bytes - 1 - k);
      if (shift) a_.slli(kT1, kT1, shift);
      if (k == 0) a_.mv(kT2, kT1);
      else a_.or_(kT2, kT2, kT1);
    }
    a_.mv(d, kT2);
  }

  void jump(const Insn& i, uint32_t pc) {
    if (i.opcode == op::kExitInsn) return exit_insn();
    if (i.opcode == op::kCallInsn) return i.src == op::kCallLocal ? call_local(i, pc) : call_helper(i, pc);
    if (i.opcode == op::kCallxInsn) return callx(i, pc);
    if (i.opcode == op::kJa32Insn) return a_.j(label(static_cast<uint32_t>(int64_t{pc} + 1 + i.imm)));
    const Label target = label(static_cast<uint32_t>(int64_t{pc} + 1 + i.off));
    const uint8_t code = i.opcode & op::kCodeMask;
    if (code == op::kJa) return a_.j(target);
    const bool is32 = insn_class(i.opcode) == op::kJmp32;
    const bool x = (i.opcode & op::kSrcMask) == op::kSrcX;
    const bool unsigned_cmp = code == op::kJgt || code == op::kJge || code == op::kJlt || code == op::kJle;
    Gp lhs = R(i.dst), rhs = reg::zero;
    if (!is32) {
      rhs = x ? R(i.src) : imm_reg(i.imm, kT2);
    } else if (unsigned_cmp) {  // compare the zero-extended low halves
      a_.slli(kT1, lhs, 32); a_.srli(kT1, kT1, 32);
      lhs = kT1;
      if (x) { a_.slli(kT2, R(i.src), 32); a_.srli(kT2, kT2, 32); rhs = kT2; }
      else rhs = imm_reg(static_cast<uint32_t>(i.imm), kT2);
    } else if (code != op::kJset) {  // signed and (in)equality: the sign-extended halves
      a_.addiw(kT1, lhs, 0);
      lhs = kT1;
      if (x) { a_.addiw(kT2, R(i.src), 0); rhs = kT2; }
      else rhs = imm_reg(i.imm, kT2);
    } else {
      rhs = x ? R(i.src) : imm_reg(i.imm, kT2);
    }
    switch (code) {
      case op::kJeq: a_.beq(lhs, rhs, target); break;
      case op::kJne: a_.bne(lhs, rhs, target); break;
      case op::kJgt: a_.bgtu(lhs, rhs, target); break;
      case op::kJge: a_.bgeu(lhs, rhs, target); break;
      case op::kJlt: a_.bltu(lhs, rhs, target); break;
      case op::kJle: a_.bleu(lhs, rhs, target); break;
      case op::kJsgt: a_.bgt(lhs, rhs, target); break;
      case op::kJsge: a_.bge(lhs, rhs, target); break;
      case op::kJslt: a_.blt(lhs, rhs, target); break;
      case op::kJsle: a_.ble(lhs, rhs, target); break;
      case op::kJset:
        a_.and_(kT1, lhs, rhs);
        if (is32) a_.addiw(kT1, kT1, 0);  // only the low half counts
        a_.bnez(kT1, target);
        break;
      default: a_.report(ErrorCode::kInvalidArgument, "unexpected jump at pc " + std::to_string(pc));
    }
  }

  void call_local(const Insn& i, uint32_t pc) {
    const uint32_t target = static_cast<uint32_t>(int64_t{pc} + 1 + i.imm);
    const size_t callee = p_.function_index(target);
    // The depth check is in the segment's budget check (budget_check).
    a_.addi(R(kFramePointer), R(kFramePointer), -static_cast<int64_t>(kStackPerFrame));
    // [ebpf-jit-call-local]
    // Always through the callee's hook site (its entry), so hooks see every call.
    if (callee == index_) {
      a_.jal(reg::ra, entry_);  // recursion: our own site
    } else if (targets_.installed != nullptr && targets_.installed[callee] != 0) {
      a_.call_abs(targets_.installed[callee], Assembler::Reach::kNear);  // auipc + jalr
    } else {  // not installed yet: its entry from the table, filled before any run
      a_.ld_label(kT1, a_.pool_constant(reinterpret_cast<uint64_t>(targets_.entry_table + callee)));
      a_.ld(kT1, kT1, 0);
      a_.jalr(reg::ra, kT1, 0);
    }
    // [ebpf-jit-call-local-end]
    a_.addi(R(kFramePointer), R(kFramePointer), kStackPerFrame);
    // A failed (or unwound) callee: the next segment's check returns at once.
    a_.mv(R(0), reg::a0);
    load_regs(after(pc));  // the callee's exit left these in the context
  }

  // r1..r5 live after the instruction at pc.
  uint16_t after(uint32_t pc) const { return live_after_[pc - fn_.start] & kArgMask; }
  void store_regs(uint16_t mask) {
    for (int k = 0; k < 5; ++k) {
      if (mask & (1u << (1 + k))) a_.sd(R(1 + k), kCtx, kCtxRegs + 8 * k);
    }
  }
  void load_regs(uint16_t mask) {
    for (int k = 0; k < 5; ++k) {
      if (mask & (1u << (1 + k))) a_.ld(R(1 + k), kCtx, kCtxRegs + 8 * k);
    }
  }

  // Helpers leave r1..r5 unchanged in the interpreter, but clobber a0..a4 here: the ones
  // read later are kept in the context around the call.
  void save_args(uint32_t pc) { store_regs(after(pc)); }
  void restore_args_and_take_r0(uint32_t pc) {
    a_.mv(R(0), reg::a0);
    load_regs(after(pc));
  }

  void call_helper(const Insn& i, uint32_t pc) {
    const Helper* h = helpers_.find(i.imm);
    if (h == nullptr) {
      a_.report(ErrorCode::kNotFound, "unknown helper " + std::to_string(i.imm));
      return;
    }
    save_args(pc);
    const uint64_t context = reinterpret_cast<uint64_t>(h->context);
    if (context == 0) a_.li(reg::a5, 0);
    else a_.li_pool(reg::a5, context);
    a_.call_abs(reinterpret_cast<uint64_t>(h->fn), Assembler::Reach::kFar);
    if (h->exit == HelperExit::kEndsProgramOnZero) {
      Label goes_on = a_.new_label();
      a_.bnez(reg::a0, goes_on);
      a_.li(kStatus, static_cast<int64_t>(kUnwound));
      a_.j(restore_);  // a0 = 0: every frame returns, run() answers r0 = 0
      a_.bind(goes_on);
    }
    restore_args_and_take_r0(pc);
  }

  // callx rD: a0..a4 = r1..r5 already; a5 = rD (r0's register: rD may be r0 itself),
  // a6 = the registry, a7 = the context.
  void callx(const Insn& i, uint32_t pc) {
    save_args(pc);
    if (R(i.dst) != reg::a5) a_.mv(reg::a5, R(i.dst));
    a_.li_pool(reg::a6, reinterpret_cast<uint64_t>(&helpers_));
    a_.mv(reg::a7, kCtx);
    a_.call_abs(reinterpret_cast<uint64_t>(&callx_dispatch), Assembler::Reach::kFar);
    Label fine = a_.new_label();
    a_.ld(kT1, kCtx, kCtxStatus);
    a_.beqz(kT1, fine);
    // Unknown helper (fault_addr = the number) or unwound: the error tail records the pc.
    a_.mv(kStatus, kT1);
    a_.ld(kAddr, kCtx, kCtxFaultAddr);
    a_.li(kT1, pc);
    a_.j(error_tail_);
    a_.bind(fine);
    restore_args_and_take_r0(pc);
  }

  const Program& p_;
  size_t index_;
  const Function& fn_;
  const HelperRegistry& helpers_;
  CallTargets targets_;
  uint16_t exit_live_;                // r1..r5 this function's callers read after it
  std::vector<uint16_t> live_after_;  // per slot: registers live after it
  SiteLayout layout_;
  Assembler a_;
  std::vector<bool> leader_;
  std::vector<Label> labels_;
  bool saves_[4] = {};
  bool calls_ = false;   // any call or callx: ra must be saved
  bool stores_ = false;  // any store or atomic: RunStack must know how deep
  std::vector<Stub> stubs_;
  std::vector<CheckStub> check_stubs_;
  Label entry_, restore_, error_tail_;
};

}  // namespace

Result<AssembledCode> compile_function(const Program& program, size_t index,
                                       const HelperRegistry& helpers,
                                       const CallTargets& targets, SiteLayout layout) {
  if (index >= program.functions().size()) {
    return Error(ErrorCode::kInvalidArgument, "no function " + std::to_string(index));
  }
  if (targets.entry_table == nullptr || targets.liveness == nullptr ||
      targets.liveness->exit_live.size() != program.functions().size() ||
      targets.liveness->entry_live.size() != program.functions().size()) {
    return Error(ErrorCode::kInvalidArgument, "compile_function: incomplete CallTargets");
  }
  return FunctionCompiler(program, index, helpers, targets, layout).compile();
}

}  // namespace rvjit::ebpf::jit
