// JitTarget: the optional ISA extensions the code being assembled may use. An Assembler
// emits an instruction of an optional extension only when its extension is in the
// target; otherwise the method records the sticky error kUnsupported
// ("sh1add: extension Zba not enabled for this target") and emits nothing. Automatic
// compression (set_auto_compress) only ever happens when C is in the target.
//
//   rvjit::Assembler a;
//   a.set_target(rvjit::jit_target_from_hwprobe());   // runtime: what the harts have
//   a.set_target(rvjit::JitTarget::base());           // RV64IMAFD + Zicsr/Zifencei only
//   if (a.target().has(rvjit::TargetExt::kZbb)) a.max(a0, a0, a1); else ...
//
// The default target has every extension (JitTarget::all()), so an Assembler that is
// never told otherwise emits everything it is asked to, as it always did. What the
// Assembler picks on its own (li's Zba/Zbb/Zbs steps, Zcb compression) needs a target
// declared with set_target(): without one it assumes RV64GC only
// (AssemblerCore::selection_target()). RV64I, M, A, F, D, Zicsr and Zifencei are the
// baseline (RV64GC minus C) and are never checked.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace rvjit {

// One bit per optional extension the Assembler knows.
enum class TargetExt : uint8_t {
  kC,       // the compressed instructions (c_* methods of insn/c.h, auto-compression)
  kZba,     // insn/zba.h (and c.zext.w of Zcb)
  kZbb,     // insn/zbb.h (and c.sext.b/c.zext.h/c.sext.h of Zcb)
  kZbs,     // insn/zbs.h
  kZicond,  // insn/zicond.h
  kZfa,     // insn/zfa.h
  kZcb,     // insn/zcb.h
};
inline constexpr unsigned kTargetExtCount = 7;

// The extension's name as the ISA manual writes it ("C", "Zba", ...); "?" if unknown.
constexpr const char* target_ext_name(TargetExt e) {
  switch (e) {
    case TargetExt::kC: return "C";
    case TargetExt::kZba: return "Zba";
    case TargetExt::kZbb: return "Zbb";
    case TargetExt::kZbs: return "Zbs";
    case TargetExt::kZicond: return "Zicond";
    case TargetExt::kZfa: return "Zfa";
    case TargetExt::kZcb: return "Zcb";
  }
  return "?";
}

// A set of TargetExt: a small value type (one byte of bits), cheap to copy and compare.
class JitTarget {
 public:
  // The empty set: the baseline only (same as base()).
  constexpr JitTarget() = default;
  constexpr JitTarget(std::initializer_list<TargetExt> exts) {
    for (TargetExt e : exts) bits_ |= bit(e);
  }
  static constexpr JitTarget base() { return JitTarget(); }
  static constexpr JitTarget all() { return from_bits((1u << kTargetExtCount) - 1); }
  static constexpr JitTarget from_bits(uint32_t bits) {
    JitTarget t;
    t.bits_ = bits & ((1u << kTargetExtCount) - 1);
    return t;
  }

  constexpr bool has(TargetExt e) const { return (bits_ & bit(e)) != 0; }
  constexpr JitTarget with(TargetExt e) const { return from_bits(bits_ | bit(e)); }
  constexpr JitTarget without(TargetExt e) const { return from_bits(bits_ & ~bit(e)); }
  constexpr uint32_t bits() const { return bits_; }

  friend constexpr bool operator==(JitTarget, JitTarget) = default;

 private:
  static constexpr uint32_t bit(TargetExt e) { return 1u << static_cast<unsigned>(e); }
  uint32_t bits_ = 0;
};

}  // namespace rvjit
