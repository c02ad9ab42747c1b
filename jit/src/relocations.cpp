// apply_relocations(): patch a copy of AssembledCode.code for its final address.
// All relocations are checked first (bounds, instruction shape, range) and only then
// written, so on error `dst` is untouched. No syscalls, no allocation.
#include <cstring>
#include <string>

#include "rvjit/jit/assembled_code.h"
#include "rvjit/jit/encoding.h"

namespace rvjit {
namespace {

uint32_t load32(const uint8_t* p) { uint32_t w; std::memcpy(&w, p, 4); return w; }
void store32(uint8_t* p, uint32_t w) { std::memcpy(p, &w, 4); }

std::string where(const Relocation& r) { return "relocation at offset " + std::to_string(r.offset); }

// Validate one relocation; on success *delta is the value to encode.
Error check(const Relocation& r, uint64_t base, const AssembledCode& code) {
  const size_t need = r.kind == RelocKind::kJal ? 4 : 8;
  if (static_cast<size_t>(r.offset) + need > code.code.size()) {
    return Error(ErrorCode::kInvalidArgument, where(r) + " lies outside the " +
                                                  std::to_string(code.code.size()) + "-byte code");
  }
  const uint8_t* p = code.code.data() + r.offset;
  const int64_t delta = static_cast<int64_t>(static_cast<uint64_t>(r.target) - (base + r.offset));
  switch (r.kind) {
    case RelocKind::kPcrelHi20Lo12:
      if ((load32(p) & 0x7f) != enc::kOpAuipc) {
        return Error(ErrorCode::kInvalidArgument, where(r) + " is not an auipc");
      }
      if (!enc::fits_hi_lo(delta)) {
        return Error(ErrorCode::kBranchOutOfRange,
                     where(r) + ": target " + std::to_string(r.target) + " is " +
                         std::to_string(delta) + " bytes away, beyond auipc's +-2 GiB");
      }
      return ok();
    case RelocKind::kJal:
      if ((load32(p) & 0x7f) != enc::kOpJal) {
        return Error(ErrorCode::kInvalidArgument, where(r) + " is not a jal");
      }
      if (delta & 1) {
        return Error(ErrorCode::kMisalignedAddress, where(r) + ": odd jal offset " + std::to_string(delta));
      }
      if (!enc::is_int<21>(delta)) {
        return Error(ErrorCode::kBranchOutOfRange, where(r) + ": jal target is " +
                                                       std::to_string(delta) +
                                                       " bytes away, beyond +-1 MiB");
      }
      return ok();
    case RelocKind::kAbs64Internal:
      if (r.target < 0 || static_cast<uint64_t>(r.target) > code.code.size()) {
        return Error(ErrorCode::kInvalidArgument,
                     where(r) + ": internal target " + std::to_string(r.target) + " is outside the code");
      }
      return ok();
  }
  return Error(ErrorCode::kInvalidArgument, where(r) + ": unknown kind");
}

}  // namespace

Error apply_relocations(uint8_t* dst, uint64_t final_address, const AssembledCode& code) {
  if (dst == nullptr && !code.relocations.empty()) {
    return Error(ErrorCode::kInvalidArgument, "apply_relocations: null destination");
  }
  if (code.alignment != 0 && final_address % code.alignment != 0) {
    return Error(ErrorCode::kMisalignedAddress,
                 "apply_relocations: address " + std::to_string(final_address) +
                     " is not a multiple of the code's alignment " + std::to_string(code.alignment));
  }
  for (const Relocation& r : code.relocations) {
    if (Error e = check(r, final_address, code)) return e;
  }
  for (const Relocation& r : code.relocations) {
    uint8_t* p = dst + r.offset;
    const int64_t delta =
        static_cast<int64_t>(static_cast<uint64_t>(r.target) - (final_address + r.offset));
    switch (r.kind) {
      case RelocKind::kPcrelHi20Lo12: {
        const enc::HiLo hl = enc::split_hi_lo(delta);
        store32(p, (load32(p) & 0xfffu) | (hl.hi20 << 12));
        store32(p + 4, (load32(p + 4) & 0xfffffu) | (static_cast<uint32_t>(hl.lo12) << 20));
        break;
      }
      case RelocKind::kJal:
        store32(p, enc::j_type(enc::kOpJal, (load32(p) >> 7) & 31, delta));
        break;
      case RelocKind::kAbs64Internal: {
        const uint64_t v = final_address + static_cast<uint64_t>(r.target);
        std::memcpy(p, &v, 8);
        break;
      }
    }
  }
  return ok();
}

}  // namespace rvjit
