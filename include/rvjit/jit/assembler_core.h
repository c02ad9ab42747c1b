// AssemblerCore: the part of the Assembler that is not an instruction. It owns the code
// buffer, the sticky error (see rvjit/error.h) and the raw emit primitives that the
// per-extension instruction mixins (rvjit/jit/insn/*.h) call.
#pragma once

#include <cstdint>
#include <string>

#include "rvjit/error.h"
#include "rvjit/jit/code_buffer.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/jit/target.h"

namespace rvjit {

class AssemblerCore {
 public:
  AssemblerCore() = default;
  AssemblerCore(uint8_t* buffer, size_t capacity) : buf_(buffer, capacity) {}

  // First error since construction or reset(); ok() if none. Emits after an error are
  // ignored, so checking once after a sequence is enough.
  const Error& error() const { return error_; }
  bool has_error() const { return !error_.ok(); }

  size_t offset() const { return buf_.size(); }
  const CodeBuffer& buffer() const { return buf_; }
  CodeBuffer& buffer() { return buf_; }

  // Raw emission of an already encoded instruction word / halfword. The inline path is
  // one compare (room left and no error: see CodeBuffer::fits) and one store; growing,
  // running out of a fixed buffer and the ignored-after-error case are out of line.
  RVJIT_INLINE void emit32(uint32_t word) {
    if (buf_.fits(4)) [[likely]] { buf_.put32(word); return; }
    emit32_slow(word);
  }
  RVJIT_INLINE void emit16(uint16_t half) {
    if (buf_.fits(2)) [[likely]] { buf_.put16(half); return; }
    emit16_slow(half);
  }

  // For the instruction mixins' fast path (rvjit/jit/insn/rv64i.h): true when 4 bytes fit,
  // no error has been recorded and auto-compression is off, i.e. when a validated 32-bit
  // instruction may be stored directly with put32_fast(). Call put32_fast() only then.
  // One compare: the buffer's fast limit is 0 while auto-compression is on (see
  // sync_fast_path) or after an error, so this costs what emit32's room test costs.
  RVJIT_INLINE bool fast32_open() const { return buf_.fits_fast(4); }
  RVJIT_INLINE void put32_fast(uint32_t word) { buf_.put32(word); }
  RVJIT_INLINE bool put32_if(bool ok, uint32_t word) { return buf_.put32_if(ok, word); }
  // The instruction mixins' second inline path (fast_or_rvc): true when auto-compression
  // is on, 4 bytes fit and no error has been recorded; then put16_open()/put32_open()
  // (one of them, once) store without further checks.
  RVJIT_INLINE bool compress_open() const { return buf_.fits_closed(4); }
  RVJIT_INLINE void put16_open(uint16_t half) { buf_.put16(half); }
  RVJIT_INLINE void put32_open(uint32_t word) { buf_.put32(word); }

  // Whether instruction methods may pick a 2-byte RVC form on their own (off by default).
  // Takes effect only while C is in the target (set_target): auto_compress() is the
  // effective setting, requested and C available.
  void set_auto_compress(bool on) {
    want_compress_ = on;
    auto_compress_ = on && target_.has(TargetExt::kC);
    sync_fast_path();
  }
  RVJIT_INLINE bool auto_compress() const { return auto_compress_; }
  // Whether auto-compression may also pick the Zcb forms (c.lbu, c.lhu, c.lh, c.sb, c.sh,
  // c.zext.b, c.not, c.mul, and with Zbb / Zba c.sext.b, c.zext.h, c.sext.h, c.zext.w):
  // auto_compress() and Zcb in the target. Only the Zcb selection code asks.
  RVJIT_INLINE bool auto_compress_zcb() const {
    return auto_compress_ && selection_target().has(TargetExt::kZcb);
  }

  // The optional extensions the code may use (rvjit/jit/target.h); all of them by
  // default. An instruction of an extension outside the target records kUnsupported and
  // emits nothing. Kept by Assembler::reset(), like auto-compression.
  void set_target(JitTarget target) {
    target_ = target;
    target_declared_ = true;
    auto_compress_ = want_compress_ && target_.has(TargetExt::kC);
    sync_fast_path();
  }
  RVJIT_INLINE JitTarget target() const { return target_; }
  // The extensions the Assembler may pick on its own (li's Zba/Zbb/Zbs steps, Zcb
  // compression): the target once set_target() has declared one, else RV64GC only.
  // Why not the default all(): that default only means "emit what you are asked for";
  // an instruction nobody asked for must not make code illegal on a hart without the
  // extension. Declare the harts' extensions (jit_target_from_hwprobe()) to get them.
  RVJIT_INLINE JitTarget selection_target() const {
    return target_declared_ ? target_ : JitTarget{TargetExt::kC};
  }

  // Record the first error; later ones are dropped (the first is the cause).
  void report(ErrorCode code, std::string message) {
    if (error_.ok()) {
      error_ = Error(code, std::move(message));
      buf_.block();  // later emits take the slow path, which drops them
    }
  }
  // The failure reports below are cold and out of line (jit/src/assembler_core.cpp): the
  // instruction methods call them only when a check fails.
  // "<insn>: immediate <v> out of range [lo, hi]".
  RVJIT_COLD void fail_imm(const char* insn, int64_t value, int64_t lo, int64_t hi);
  // "<insn>: offset <v> is not a multiple of <align>".
  RVJIT_COLD void fail_align(const char* insn, int64_t value, int64_t align);
  // "<insn>: register x<id> <why>".
  RVJIT_COLD void fail_reg(const char* insn, unsigned reg_id, const char* why);
  // kUnsupported: "<insn>: extension <ext> not enabled for this target".
  RVJIT_COLD void fail_ext(const char* insn, TargetExt ext);

 protected:
  // The instruction methods' one-store path is for uncompressed words only.
  void sync_fast_path() { buf_.set_fast_closed(auto_compress_); }
  RVJIT_COLD void fail_buffer();
  // Out of line on purpose: keeps the inline emit small. Take the value, not its address,
  // so the caller's word never has to go through the stack.
  RVJIT_NOINLINE void emit32_slow(uint32_t word);
  RVJIT_NOINLINE void emit16_slow(uint16_t half);
  CodeBuffer buf_;
  Error error_;
  bool auto_compress_ = false;  // effective: want_compress_ && C in target_
  bool want_compress_ = false;  // as set_auto_compress() asked
  JitTarget target_ = JitTarget::all();
  bool target_declared_ = false;  // set_target() was called (see selection_target())
};

}  // namespace rvjit
