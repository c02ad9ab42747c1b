// The eBPF instruction encoding of RFC 9669, as plain constants and one 8-byte struct.
//
// Everything that decodes or encodes instructions (assembler, verifier, interpreter and
// the coming RV64 JIT) shares these names so that an opcode is spelled one way only.
// An instruction is 8 bytes: opcode (8 bits), dst (4), src (4), offset (16, signed),
// imm (32, signed). The 64-bit immediate load (lddw) takes two consecutive slots.
#pragma once

#include <cstdint>

namespace rvjit::ebpf {

// One instruction slot. Fields are kept decoded (not bit-packed) because every consumer
// reads them individually; the encoding is rebuilt only by to_raw()/from_raw().
struct Insn {
  uint8_t opcode = 0;
  uint8_t dst = 0;  // 0..15 as encoded; the verifier rejects >10
  uint8_t src = 0;  // 0..15 as encoded; the verifier rejects >10
  int16_t off = 0;
  int32_t imm = 0;

  // The ubpf/bpf_conformance "raw" form: the slot read as a little-endian 64-bit word.
  static Insn from_raw(uint64_t raw) noexcept {
    Insn i;
    i.opcode = static_cast<uint8_t>(raw & 0xff);
    i.dst = static_cast<uint8_t>((raw >> 8) & 0xf);
    i.src = static_cast<uint8_t>((raw >> 12) & 0xf);
    i.off = static_cast<int16_t>(static_cast<uint16_t>(raw >> 16));
    i.imm = static_cast<int32_t>(static_cast<uint32_t>(raw >> 32));
    return i;
  }
  uint64_t to_raw() const noexcept {
    return uint64_t{opcode} | (uint64_t{dst} & 0xf) << 8 | (uint64_t{src} & 0xf) << 12 |
           uint64_t{static_cast<uint16_t>(off)} << 16 |
           uint64_t{static_cast<uint32_t>(imm)} << 32;
  }
  bool operator==(const Insn&) const = default;
};

namespace op {
// Instruction classes (low 3 bits).
inline constexpr uint8_t kClassMask = 0x07;
inline constexpr uint8_t kLd = 0x00, kLdx = 0x01, kSt = 0x02, kStx = 0x03;
inline constexpr uint8_t kAlu = 0x04, kJmp = 0x05, kJmp32 = 0x06, kAlu64 = 0x07;

// Arithmetic and jump instructions: source bit and 4-bit operation code.
inline constexpr uint8_t kSrcMask = 0x08;
inline constexpr uint8_t kSrcK = 0x00, kSrcX = 0x08;  // immediate / register operand
inline constexpr uint8_t kCodeMask = 0xf0;
inline constexpr uint8_t kAdd = 0x00, kSub = 0x10, kMul = 0x20, kDiv = 0x30, kOr = 0x40,
                         kAnd = 0x50, kLsh = 0x60, kRsh = 0x70, kNeg = 0x80, kMod = 0x90,
                         kXor = 0xa0, kMov = 0xb0, kArsh = 0xc0, kEnd = 0xd0;
inline constexpr uint8_t kJa = 0x00, kJeq = 0x10, kJgt = 0x20, kJge = 0x30, kJset = 0x40,
                         kJne = 0x50, kJsgt = 0x60, kJsge = 0x70, kCall = 0x80,
                         kExit = 0x90, kJlt = 0xa0, kJle = 0xb0, kJslt = 0xc0, kJsle = 0xd0;

// Load and store instructions: mode (top 3 bits) and size (2 bits).
inline constexpr uint8_t kModeMask = 0xe0;
inline constexpr uint8_t kModeImm = 0x00, kModeAbs = 0x20, kModeInd = 0x40, kModeMem = 0x60,
                         kModeMemsx = 0x80, kModeAtomic = 0xc0;
inline constexpr uint8_t kSizeMask = 0x18;
inline constexpr uint8_t kSizeW = 0x00, kSizeH = 0x08, kSizeB = 0x10, kSizeDw = 0x18;

// Whole opcodes used by name in several places.
inline constexpr uint8_t kLddw = kLd | kModeImm | kSizeDw;        // 0x18
inline constexpr uint8_t kCallInsn = kJmp | kCall;                // 0x85
// callx: a helper call through a register. RFC 9669 defines only the immediate form; this
// is the bpf_conformance suite's and uBPF's convention (the suite assembles `call %rN` so):
// dst holds the helper number at run time, src, offset and imm are zero (LLVM 19+ and
// Linux also put the register in dst; older LLVM put it in imm, which is refused).
inline constexpr uint8_t kCallxInsn = kJmp | kCall | kSrcX;       // 0x8d
inline constexpr uint8_t kExitInsn = kJmp | kExit;                // 0x95
inline constexpr uint8_t kJa32Insn = kJmp32 | kJa;                // 0x06 ("gotol")

// Atomic operations live in the imm field of {ATOMIC, W|DW, STX}.
inline constexpr int32_t kAtomicFetch = 0x01;
inline constexpr int32_t kAtomicAdd = 0x00, kAtomicOr = 0x40, kAtomicAnd = 0x50,
                         kAtomicXor = 0xa0, kAtomicXchg = 0xe0 | kAtomicFetch,
                         kAtomicCmpxchg = 0xf0 | kAtomicFetch;

// src field of CALL: helper by number, local BPF-to-BPF call, helper by BTF id.
inline constexpr uint8_t kCallHelper = 0, kCallLocal = 1, kCallBtf = 2;
}  // namespace op

inline constexpr uint8_t insn_class(uint8_t opcode) { return opcode & op::kClassMask; }
// Width in bytes of a load/store opcode's size field.
inline constexpr unsigned access_size(uint8_t opcode) {
  switch (opcode & op::kSizeMask) {
    case op::kSizeB: return 1;
    case op::kSizeH: return 2;
    case op::kSizeW: return 4;
    default: return 8;
  }
}

// Registers: r0 return value, r1-r5 arguments (caller-saved), r6-r9 callee-saved,
// r10 read-only frame pointer.
inline constexpr unsigned kNumRegs = 11;
inline constexpr uint8_t kFramePointer = 10;
// Stack bytes each call frame owns below its r10 (RFC 9669 / Linux use 512).
inline constexpr uint64_t kStackPerFrame = 512;
// Deepest BPF-to-BPF call chain, counting main as frame 1.
inline constexpr unsigned kMaxCallDepth = 64;

}  // namespace rvjit::ebpf
