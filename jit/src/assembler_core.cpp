#include "rvjit/jit/assembler_core.h"

namespace rvjit {

void AssemblerCore::fail_imm(const char* insn, int64_t value, int64_t lo, int64_t hi) {
  report(ErrorCode::kImmediateOutOfRange,
         std::string(insn) + ": immediate " + std::to_string(value) + " out of range [" +
             std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

void AssemblerCore::fail_align(const char* insn, int64_t value, int64_t align) {
  report(ErrorCode::kMisalignedImmediate, std::string(insn) + ": offset " +
                                              std::to_string(value) +
                                              " is not a multiple of " + std::to_string(align));
}

void AssemblerCore::fail_reg(const char* insn, unsigned reg_id, const char* why) {
  report(ErrorCode::kInvalidRegister,
         std::string(insn) + ": register x" + std::to_string(reg_id) + " " + why);
}

void AssemblerCore::fail_ext(const char* insn, TargetExt ext) {
  report(ErrorCode::kUnsupported, std::string(insn) + ": extension " + target_ext_name(ext) +
                                      " not enabled for this target");
}

void AssemblerCore::emit32_slow(uint32_t word) {
  if (!error_.ok()) return;  // sticky: ignored after the first error
  if (!buf_.reserve_more(4)) return fail_buffer();
  buf_.put32(word);
}

void AssemblerCore::emit16_slow(uint16_t half) {
  if (!error_.ok()) return;
  if (!buf_.reserve_more(2)) return fail_buffer();
  buf_.put16(half);
}

void AssemblerCore::fail_buffer() {
  report(ErrorCode::kBufferFull,
         buf_.is_external()
             ? "code buffer full: " + std::to_string(buf_.capacity()) + " bytes provided"
             : std::string("code buffer: out of memory while growing"));
}

}  // namespace rvjit
