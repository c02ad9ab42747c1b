// Program::create: the static verifier. One pass validates each slot's encoding, a second
// derives function boundaries from local calls, a third checks control flow against them.
#include <algorithm>
#include <cstdio>
#include <set>

#include "ebpf/program.h"

namespace rvjit::ebpf {
namespace {

std::string hex8(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

Error bad(uint32_t pc, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, what + " at pc " + std::to_string(pc));
}
Error unsupported(uint32_t pc, const std::string& what) {
  return Error(ErrorCode::kUnsupported, what + " at pc " + std::to_string(pc));
}
Error unknown_opcode(uint32_t pc, uint8_t opcode) {
  return bad(pc, "unknown opcode " + hex8(opcode));
}

bool writes_dst(const Insn& i) {
  switch (insn_class(i.opcode)) {
    case op::kAlu:
    case op::kAlu64:
    case op::kLdx:
    case op::kLd:
      return true;
    default:
      return false;
  }
}

// ALU and ALU64: operation code, source bit, offset and imm as RFC 9669 section 4.
Error check_alu(uint32_t pc, const Insn& i) {
  const bool is64 = insn_class(i.opcode) == op::kAlu64;
  const bool reg_src = (i.opcode & op::kSrcMask) == op::kSrcX;
  const uint8_t code = i.opcode & op::kCodeMask;
  if (code > op::kEnd) return unknown_opcode(pc, i.opcode);
  if (code == op::kEnd) {
    // ALU: TO_LE (src bit 0) / TO_BE (src bit 1); ALU64: only the unconditional bswap.
    if (is64 && reg_src) return unknown_opcode(pc, i.opcode);
    if (i.imm != 16 && i.imm != 32 && i.imm != 64) {
      return bad(pc, "byte swap width " + std::to_string(i.imm) + " is not 16, 32 or 64");
    }
    if (i.off != 0 || i.src != 0) return bad(pc, "byte swap with nonzero offset/src");
    return ok();
  }
  if (code == op::kNeg) {
    if (reg_src) return unknown_opcode(pc, i.opcode);
    if (i.off != 0) return bad(pc, "neg with nonzero offset");
    return ok();
  }
  if (code == op::kDiv || code == op::kMod) {
    if (i.off != 0 && i.off != 1) {
      return bad(pc, "div/mod offset " + std::to_string(i.off) + " is not 0 or 1 (signed)");
    }
  } else if (code == op::kMov) {
    // MOVSX: the offset is the source width to sign-extend from (register source only).
    const bool ok_off = i.off == 0 || (reg_src && (i.off == 8 || i.off == 16 || (is64 && i.off == 32)));
    if (!ok_off) return bad(pc, "mov offset " + std::to_string(i.off) + " is not a valid movsx width");
  } else if (i.off != 0) {
    return bad(pc, "nonzero offset " + std::to_string(i.off) + " on an ALU instruction");
  }
  return ok();
}

Error check_jmp(uint32_t pc, const Insn& i) {
  const bool is32 = insn_class(i.opcode) == op::kJmp32;
  const uint8_t code = i.opcode & op::kCodeMask;
  const bool reg_src = (i.opcode & op::kSrcMask) == op::kSrcX;
  if (code > op::kJsle) return unknown_opcode(pc, i.opcode);
  if (code == op::kCall) {
    if (is32) return unknown_opcode(pc, i.opcode);
    if (reg_src) {  // callx (isa.h): the helper number is in dst at run time
      if (i.src != 0 || i.off != 0 || i.imm != 0) {
        return bad(pc, "callx with nonzero src/offset/imm (the register holding the helper "
                       "number is dst; the other fields are reserved)");
      }
      return ok();
    }
    if (i.src == op::kCallBtf) return unsupported(pc, "call by BTF id");
    if (i.src != op::kCallHelper && i.src != op::kCallLocal) {
      return bad(pc, "call with invalid src " + std::to_string(i.src));
    }
    if (i.dst != 0 || i.off != 0) return bad(pc, "call with nonzero dst/offset");
    return ok();
  }
  if (code == op::kExit) {
    if (is32 || reg_src) return unknown_opcode(pc, i.opcode);
    return ok();
  }
  if (code == op::kJa) {
    if (reg_src) return unknown_opcode(pc, i.opcode);
    // JMP: offset is the target; JMP32 ("gotol"): imm is, offset must be 0.
    if (is32 && i.off != 0) return bad(pc, "gotol with nonzero offset");
    return ok();
  }
  return ok();
}

Error check_load_store(uint32_t pc, const Insn& i) {
  const uint8_t cls = insn_class(i.opcode);
  const uint8_t mode = i.opcode & op::kModeMask;
  const uint8_t size = i.opcode & op::kSizeMask;
  switch (cls) {
    case op::kLd:
      if (i.opcode == op::kLddw) return ok();  // checked with its second slot by the caller
      if (mode == op::kModeAbs || mode == op::kModeInd) {
        return unsupported(pc, "legacy packet access opcode " + hex8(i.opcode));
      }
      return unknown_opcode(pc, i.opcode);
    case op::kLdx:
      if (mode == op::kModeMem) return ok();
      if (mode == op::kModeMemsx && size != op::kSizeDw) return ok();
      return unknown_opcode(pc, i.opcode);
    case op::kSt:
      if (mode == op::kModeMem) return ok();
      return unknown_opcode(pc, i.opcode);
    default:  // kStx
      if (mode == op::kModeMem) return ok();
      if (mode == op::kModeAtomic && (size == op::kSizeW || size == op::kSizeDw)) {
        switch (i.imm) {
          case op::kAtomicAdd: case op::kAtomicAdd | op::kAtomicFetch:
          case op::kAtomicOr: case op::kAtomicOr | op::kAtomicFetch:
          case op::kAtomicAnd: case op::kAtomicAnd | op::kAtomicFetch:
          case op::kAtomicXor: case op::kAtomicXor | op::kAtomicFetch:
          case op::kAtomicXchg: case op::kAtomicCmpxchg:
            return ok();
          default:
            return bad(pc, "unknown atomic operation " + std::to_string(i.imm));
        }
      }
      return unknown_opcode(pc, i.opcode);
  }
}

bool writes_src(const Insn& i) {  // atomics with FETCH return the old value in src
  return insn_class(i.opcode) == op::kStx && (i.opcode & op::kModeMask) == op::kModeAtomic &&
         (i.imm & op::kAtomicFetch) != 0 && i.imm != op::kAtomicCmpxchg;
}

bool is_jump_with_target(const Insn& i) {
  const uint8_t cls = insn_class(i.opcode);
  if (cls != op::kJmp && cls != op::kJmp32) return false;
  const uint8_t code = i.opcode & op::kCodeMask;
  return code != op::kCall && code != op::kExit;
}

}  // namespace

size_t Program::function_index(uint32_t pc) const {
  auto it = std::upper_bound(functions_.begin(), functions_.end(), pc,
                             [](uint32_t p, const Function& f) { return p < f.start; });
  return static_cast<size_t>(it - functions_.begin()) - 1;
}

Result<Program> Program::create(std::vector<Insn> insns, const std::map<uint32_t, std::string>& labels) {
  const int64_t n = static_cast<int64_t>(insns.size());
  if (n == 0) return Error(ErrorCode::kInvalidArgument, "empty program");
  if (n > (int64_t{1} << 24)) return Error(ErrorCode::kInvalidArgument, "program too large");

  // Pass 1: each slot on its own; mark the second halves of lddw.
  std::vector<bool> lddw_tail(insns.size(), false);
  std::set<int32_t> helpers;
  std::set<uint32_t> starts{0};
  for (int64_t pc = 0; pc < n; ++pc) {
    const Insn& i = insns[pc];
    const uint32_t upc = static_cast<uint32_t>(pc);
    if (i.dst >= kNumRegs) return bad(upc, "invalid destination register r" + std::to_string(i.dst));
    if (i.src >= kNumRegs && i.opcode != op::kCallInsn) {
      return bad(upc, "invalid source register r" + std::to_string(i.src));
    }
    const uint8_t cls = insn_class(i.opcode);
    Error e;
    if (cls == op::kAlu || cls == op::kAlu64) e = check_alu(upc, i);
    else if (cls == op::kJmp || cls == op::kJmp32) e = check_jmp(upc, i);
    else e = check_load_store(upc, i);
    if (e) return e;
    if ((writes_dst(i) && i.dst == kFramePointer) || (writes_src(i) && i.src == kFramePointer)) {
      return bad(upc, "write to read-only frame pointer r10");
    }
    if (i.opcode == op::kLddw) {
      if (pc + 1 >= n) return bad(upc, "lddw is missing its second slot");
      const Insn& next = insns[pc + 1];
      if (next.opcode != 0 || next.dst != 0 || next.src != 0 || next.off != 0) {
        return bad(upc + 1, "malformed second slot of lddw");
      }
      if (i.src != 0) return unsupported(upc, "lddw pseudo source " + std::to_string(i.src));
      if (i.off != 0) return bad(upc, "lddw with nonzero offset");
      lddw_tail[pc + 1] = true;
      ++pc;
      continue;
    }
    if (i.opcode == op::kCallInsn) {
      if (i.src == op::kCallHelper) {
        helpers.insert(i.imm);
      } else {
        const int64_t target = pc + 1 + int64_t{i.imm};
        if (target < 0 || target >= n) {
          return bad(upc, "call local target " + std::to_string(target) + " outside the program");
        }
        starts.insert(static_cast<uint32_t>(target));
      }
    }
  }

  Program p;
  for (auto it = starts.begin(); it != starts.end(); ++it) {
    if (lddw_tail[*it]) return bad(*it, "call local target is the second slot of lddw");
    Function f;
    f.start = *it;
    auto next = std::next(it);
    f.end = next == starts.end() ? static_cast<uint32_t>(n) : *next;
    auto label = labels.find(f.start);
    if (label != labels.end()) f.name = label->second;
    else f.name = f.start == 0 ? "main" : "func_" + std::to_string(f.start);
    p.functions_.push_back(std::move(f));
  }
  p.insns_ = std::move(insns);

  // Pass 3: control flow against function boundaries.
  for (const Function& f : p.functions_) {
    for (uint32_t pc = f.start; pc < f.end; ++pc) {
      const Insn& i = p.insns_[pc];
      if (lddw_tail[pc]) continue;
      if (!is_jump_with_target(i)) continue;
      const int64_t delta = i.opcode == op::kJa32Insn ? int64_t{i.imm} : int64_t{i.off};
      const int64_t target = int64_t{pc} + 1 + delta;
      if (target < 0 || target >= n) {
        return bad(pc, "jump to " + std::to_string(target) + " outside the program");
      }
      if (target < f.start || target >= f.end) {
        return bad(pc, "jump to " + std::to_string(target) + " leaves function " + f.name);
      }
      if (lddw_tail[target]) return bad(pc, "jump into the middle of lddw");
    }
    // The last slot decides whether execution could fall off the function's end.
    uint32_t last = f.end - 1;
    if (lddw_tail[last]) return bad(last, "function " + f.name + " ends without exit");
    const Insn& li = p.insns_[last];
    const bool ends = li.opcode == op::kExitInsn || li.opcode == (op::kJmp | op::kJa) ||
                      li.opcode == op::kJa32Insn;
    if (!ends) return bad(last, "function " + f.name + " ends without exit or jump (falls through)");
  }
  p.helpers_used_.assign(helpers.begin(), helpers.end());
  return p;
}

}  // namespace rvjit::ebpf
