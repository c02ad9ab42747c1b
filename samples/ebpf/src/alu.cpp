// Defined behaviour everywhere: eBPF arithmetic wraps, so it is done on unsigned types
// and only converted to signed for comparisons, signed division and arithmetic shifts.
#include "alu.h"

#include <limits>

#include "ebpf/isa.h"

namespace rvjit::ebpf::detail {
namespace {

uint16_t bswap16(uint16_t v) { return static_cast<uint16_t>((v >> 8) | (v << 8)); }
uint32_t bswap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
uint64_t bswap64(uint64_t v) {
  return (uint64_t{bswap32(static_cast<uint32_t>(v))} << 32) | bswap32(static_cast<uint32_t>(v >> 32));
}

}  // namespace

uint64_t alu64(uint8_t code, int16_t off, uint64_t dst, uint64_t src) {
  const int64_t sd = static_cast<int64_t>(dst), ss = static_cast<int64_t>(src);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  switch (code) {
    case op::kAdd: return dst + src;
    case op::kSub: return dst - src;
    case op::kMul: return dst * src;
    case op::kDiv:
      if (src == 0) return 0;                         // RFC 9669: division by zero gives 0
      if (off == 0) return dst / src;
      if (sd == kMin && ss == -1) return dst;         // signed overflow wraps to LLONG_MIN
      return static_cast<uint64_t>(sd / ss);
    case op::kMod:
      if (src == 0) return dst;                       // modulo by zero leaves dst unchanged
      if (off == 0) return dst % src;
      if (ss == -1) return 0;                         // LLONG_MIN % -1 overflows in C; it is 0
      return static_cast<uint64_t>(sd % ss);          // sign of the dividend (truncation)
    case op::kOr: return dst | src;
    case op::kAnd: return dst & src;
    case op::kLsh: return dst << (src & 63);
    case op::kRsh: return dst >> (src & 63);
    case op::kNeg: return 0 - dst;
    case op::kXor: return dst ^ src;
    case op::kMov:
      switch (off) {
        case 8: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(src)));
        case 16: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(src)));
        case 32: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(src)));
        default: return src;
      }
    case op::kArsh: return static_cast<uint64_t>(sd >> (src & 63));
    default: return dst;  // unreachable for a verified program
  }
}

uint64_t alu32(uint8_t code, int16_t off, uint64_t dst64, uint64_t src64) {
  const uint32_t dst = static_cast<uint32_t>(dst64), src = static_cast<uint32_t>(src64);
  const int32_t sd = static_cast<int32_t>(dst), ss = static_cast<int32_t>(src);
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  uint32_t r;
  switch (code) {
    case op::kAdd: r = dst + src; break;
    case op::kSub: r = dst - src; break;
    case op::kMul: r = dst * src; break;
    case op::kDiv:
      if (src == 0) r = 0;
      else if (off == 0) r = dst / src;
      else if (sd == kMin && ss == -1) r = dst;
      else r = static_cast<uint32_t>(sd / ss);
      break;
    case op::kMod:
      // By zero: the low 32 bits stay, the upper 32 bits are zeroed like any ALU32 result.
      if (src == 0) r = dst;
      else if (off == 0) r = dst % src;
      else if (ss == -1) r = 0;
      else r = static_cast<uint32_t>(sd % ss);
      break;
    case op::kOr: r = dst | src; break;
    case op::kAnd: r = dst & src; break;
    case op::kLsh: r = dst << (src & 31); break;
    case op::kRsh: r = dst >> (src & 31); break;
    case op::kNeg: r = 0 - dst; break;
    case op::kXor: r = dst ^ src; break;
    case op::kMov:
      switch (off) {
        case 8: r = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(src))); break;
        case 16: r = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(src))); break;
        default: r = src; break;
      }
      break;
    case op::kArsh: r = static_cast<uint32_t>(sd >> (src & 31)); break;
    default: r = dst; break;
  }
  return r;
}

uint64_t byte_swap(bool to_be, int32_t width, uint64_t dst) {
  // eBPF data is little-endian on every host rvjit targets (x86_64, RV64), so TO_LE only
  // truncates and TO_BE / bswap reverse the bytes.
  switch (width) {
    case 16: return to_be ? bswap16(static_cast<uint16_t>(dst)) : (dst & 0xffff);
    case 32: return to_be ? bswap32(static_cast<uint32_t>(dst)) : (dst & 0xffffffffu);
    default: return to_be ? bswap64(dst) : dst;
  }
}

bool jump_taken(uint8_t code, bool is32, uint64_t dst, uint64_t src) {
  if (is32) {
    dst = static_cast<uint32_t>(dst);
    src = static_cast<uint32_t>(src);
  }
  const int64_t sd = is32 ? int64_t{static_cast<int32_t>(dst)} : static_cast<int64_t>(dst);
  const int64_t ss = is32 ? int64_t{static_cast<int32_t>(src)} : static_cast<int64_t>(src);
  switch (code) {
    case op::kJa: return true;
    case op::kJeq: return dst == src;
    case op::kJgt: return dst > src;
    case op::kJge: return dst >= src;
    case op::kJset: return (dst & src) != 0;
    case op::kJne: return dst != src;
    case op::kJsgt: return sd > ss;
    case op::kJsge: return sd >= ss;
    case op::kJlt: return dst < src;
    case op::kJle: return dst <= src;
    case op::kJslt: return sd < ss;
    case op::kJsle: return sd <= ss;
    default: return false;
  }
}

}  // namespace rvjit::ebpf::detail
