// Typed RV64 operands: integer registers (Gp), FP registers (Fp), rounding modes and
// fence sets. Distinct types make "passed an FP register where an integer one goes" a
// compile error instead of a wrong encoding.
#pragma once

#include <cstdint>

namespace rvjit {

// Integer register x0..x31.
struct Gp {
  uint8_t id;
  constexpr explicit Gp(unsigned n) : id(static_cast<uint8_t>(n)) {}
  constexpr bool operator==(const Gp&) const = default;
  // x8..x15: the registers most compressed (RVC) forms can name.
  constexpr bool is_compressible() const { return id >= 8 && id <= 15; }
  constexpr unsigned creg() const { return id - 8u; }  // 3-bit RVC register field
};

// Floating-point register f0..f31.
struct Fp {
  uint8_t id;
  constexpr explicit Fp(unsigned n) : id(static_cast<uint8_t>(n)) {}
  constexpr bool operator==(const Fp&) const = default;
  constexpr bool is_compressible() const { return id >= 8 && id <= 15; }
  constexpr unsigned creg() const { return id - 8u; }
};

// Static rounding modes (the rm field); kDyn uses frm.
enum class RoundingMode : uint8_t { kRne = 0, kRtz = 1, kRdn = 2, kRup = 3, kRmm = 4, kDyn = 7 };

// FENCE predecessor/successor sets: any combination of I, O, R, W.
enum FenceSet : uint8_t { kFenceW = 1, kFenceR = 2, kFenceO = 4, kFenceI = 8,
                          kFenceRW = 3, kFenceIORW = 15 };

// Memory ordering bits of A-extension instructions.
enum class AtomicOrder : uint8_t { kNone = 0, kRl = 1, kAq = 2, kAqRl = 3 };

namespace reg {
// ABI names. "zero" is x0.
inline constexpr Gp zero{0}, ra{1}, sp{2}, gp{3}, tp{4}, t0{5}, t1{6}, t2{7};
inline constexpr Gp s0{8}, fp{8}, s1{9}, a0{10}, a1{11}, a2{12}, a3{13}, a4{14}, a5{15};
inline constexpr Gp a6{16}, a7{17}, s2{18}, s3{19}, s4{20}, s5{21}, s6{22}, s7{23};
inline constexpr Gp s8{24}, s9{25}, s10{26}, s11{27}, t3{28}, t4{29}, t5{30}, t6{31};
inline constexpr Fp ft0{0}, ft1{1}, ft2{2}, ft3{3}, ft4{4}, ft5{5}, ft6{6}, ft7{7};
inline constexpr Fp fs0{8}, fs1{9}, fa0{10}, fa1{11}, fa2{12}, fa3{13}, fa4{14}, fa5{15};
inline constexpr Fp fa6{16}, fa7{17}, fs2{18}, fs3{19}, fs4{20}, fs5{21}, fs6{22}, fs7{23};
inline constexpr Fp fs8{24}, fs9{25}, fs10{26}, fs11{27}, ft8{28}, ft9{29}, ft10{30}, ft11{31};
}  // namespace reg

// ABI name of an integer / FP register ("a0", "ft3"), as LLVM prints them.
const char* gp_name(Gp r) noexcept;
const char* fp_name(Fp r) noexcept;

}  // namespace rvjit
