// Where the Assembler writes: either a caller-provided fixed buffer (never grows; running
// out is ErrorCode::kBufferFull) or a growing heap buffer owned by the CodeBuffer.
//
// Hot path: fits(n) is one compare of the write position against `limit_`, which is the
// end of the storage normally and 0 while the buffer is blocked (the Assembler blocks it
// on its first error), so an emit checks "room left and no error yet" with a single
// branch. fits_fast(n) is the same against `fast_limit_`, which is also 0 while the owner
// has closed its fast path (set_fast_closed: the Assembler does while auto-compression is
// on), so the instruction methods test "room, no error, no compression" with that one
// compare too; fits_closed(n) is the opposite one ("room, no error, compression on") for
// their inline RVC path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace rvjit {

class CodeBuffer {
 public:
  CodeBuffer() = default;                                // growing, owned
  CodeBuffer(uint8_t* external, size_t capacity)         // fixed, caller-owned
      : data_(external), cur_(addr(external)), capacity_(capacity),
        limit_(addr(external) + capacity), fast_limit_(limit_), external_(true) {}
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;
  ~CodeBuffer() { if (!external_) std::free(data_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return cur_ - addr(data_); }
  size_t capacity() const { return capacity_; }
  bool is_external() const { return external_; }

  // True when n more bytes fit without growing and the buffer is not blocked.
  [[gnu::always_inline]] bool fits(size_t n) const { return cur_ + n <= limit_; }
  // fits(n), and the fast path is not closed (set_fast_closed).
  [[gnu::always_inline]] bool fits_fast(size_t n) const { return cur_ + n <= fast_limit_; }
  // fits(n), and the fast path is closed: the owner's other inline path (auto-compression).
  [[gnu::always_inline]] bool fits_closed(size_t n) const { return cur_ + n <= closed_limit_; }
  // Make fits() and fits_fast() fail until unblock() (used for the sticky error).
  void block() { blocked_ = true; update_limits(); }
  void unblock() { blocked_ = false; update_limits(); }
  // Make fits_fast() fail (closed) or behave as fits() again.
  void set_fast_closed(bool closed) { fast_closed_ = closed; update_limits(); }
  bool blocked() const { return blocked_; }

  // Make room for n more bytes. False when a fixed buffer is full or malloc failed.
  bool reserve_more(size_t n) {
    if (size() + n <= capacity_) return true;
    return grow(size() + n);
  }
  // Callers must have reserved; these never check.
  // The stores are typed (uint32_t / uint16_t, alignment 1), not memcpy: a memcpy is a
  // byte store, which may alias any object, so the compiler had to reload the position
  // and the limits from memory after every instruction. A typed store cannot alias them.
  [[gnu::always_inline]] void put32(uint32_t w) {
    const uintptr_t at = cur_;
    *reinterpret_cast<U32*>(at) = w;
    cur_ = at + 4;
  }
  [[gnu::always_inline]] void put16(uint16_t h) {
    const uintptr_t at = cur_;
    *reinterpret_cast<U16*>(at) = h;
    cur_ = at + 2;
  }
  // The instruction methods' whole fast path: when `ok` and fits_fast(4), store w and
  // return true; else change nothing and return false. The position and the fast limit
  // are read first, at the top, so that after a run of inlined emits the compiler has
  // them in registers (the slow path's call only forces a reload on that path).
  [[gnu::always_inline]] bool put32_if(bool ok, uint32_t w) {
    const uintptr_t at = cur_;
    const uintptr_t next = at + 4;
    if (__builtin_expect(ok & (next <= fast_limit_), 1)) {
      *reinterpret_cast<U32*>(at) = w;
      cur_ = next;
      return true;
    }
    return false;
  }
  void put_bytes(const void* p, size_t n) {
    std::memcpy(reinterpret_cast<void*>(cur_), p, n);
    cur_ += n;
  }

  uint32_t read32(size_t off) const { uint32_t w; std::memcpy(&w, data_ + off, 4); return w; }
  uint16_t read16(size_t off) const { uint16_t h; std::memcpy(&h, data_ + off, 2); return h; }
  void write32(size_t off, uint32_t w) { std::memcpy(data_ + off, &w, 4); }
  void or32(size_t off, uint32_t bits) { write32(off, read32(off) | bits); }
  void write16(size_t off, uint16_t h) { std::memcpy(data_ + off, &h, 2); }
  void truncate(size_t n) { if (n < size()) cur_ = addr(data_) + n; }
  void clear() { cur_ = addr(data_); }

 private:
  using U32 [[gnu::aligned(1)]] = uint32_t;
  using U16 [[gnu::aligned(1)]] = uint16_t;
  static uintptr_t addr(const uint8_t* p) { return reinterpret_cast<uintptr_t>(p); }

  bool grow(size_t need) {
    if (external_) return false;
    const size_t used = size();
    size_t cap = capacity_ ? capacity_ : 256;
    while (cap < need) cap *= 2;
    void* p = std::realloc(data_, cap);
    if (!p) return false;
    data_ = static_cast<uint8_t*>(p);
    cur_ = addr(data_) + used;
    capacity_ = cap;
    update_limits();
    return true;
  }
  // A limit of 0 makes every fits test fail (cur_ + n > 0 for n > 0).
  void update_limits() {
    limit_ = blocked_ ? 0 : addr(data_) + capacity_;
    fast_limit_ = blocked_ || fast_closed_ ? 0 : limit_;
    closed_limit_ = blocked_ || !fast_closed_ ? 0 : limit_;
  }

  // Positions are integers, not pointers: no pointer arithmetic on a null data_, and
  // cur_ + n <= 0 is a well-defined "never fits".
  uint8_t* data_ = nullptr;
  uintptr_t cur_ = 0;         // data_ + bytes written
  size_t capacity_ = 0;
  uintptr_t limit_ = 0;       // data_ + capacity_, or 0 while blocked
  uintptr_t fast_limit_ = 0;  // limit_, or 0 while the fast path is closed
  uintptr_t closed_limit_ = 0;  // limit_ while the fast path is closed, else 0
  bool external_ = false;
  bool blocked_ = false;
  bool fast_closed_ = false;
};

}  // namespace rvjit
