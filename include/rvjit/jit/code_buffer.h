// Where the Assembler writes: either a caller-provided fixed buffer (never grows; running
// out is ErrorCode::kBufferFull) or a growing heap buffer owned by the CodeBuffer.
//
// Hot path: fits(n) is one compare against `limit_`, which equals the capacity normally
// and 0 while the buffer is blocked (the Assembler blocks it on its first error), so an
// emit checks "room left and no error yet" with a single branch. fits_fast(n) is the same
// against `fast_limit_`, which is also 0 while the owner has closed its fast path
// (set_fast_closed: the Assembler does while auto-compression is on), so the
// instruction methods test "room, no error, no compression" with that one compare too.
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
      : data_(external), capacity_(capacity), limit_(capacity), fast_limit_(capacity),
        external_(true) {}
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;
  ~CodeBuffer() { if (!external_) std::free(data_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool is_external() const { return external_; }

  // True when n more bytes fit without growing and the buffer is not blocked.
  [[gnu::always_inline]] bool fits(size_t n) const { return size_ + n <= limit_; }
  // fits(n), and the fast path is not closed (set_fast_closed).
  [[gnu::always_inline]] bool fits_fast(size_t n) const { return size_ + n <= fast_limit_; }
  // Make fits() and fits_fast() fail until unblock() (used for the sticky error).
  void block() { blocked_ = true; limit_ = 0; fast_limit_ = 0; }
  void unblock() { blocked_ = false; limit_ = capacity_; update_fast_limit(); }
  // Make fits_fast() fail (closed) or behave as fits() again.
  void set_fast_closed(bool closed) { fast_closed_ = closed; update_fast_limit(); }
  bool blocked() const { return blocked_; }

  // Make room for n more bytes. False when a fixed buffer is full or malloc failed.
  bool reserve_more(size_t n) {
    if (size_ + n <= capacity_) return true;
    return grow(size_ + n);
  }
  // Callers must have reserved; these never check.
  // The position is read once and written once (a byte store may alias size_, so
  // `size_ += 4` after it would reload it).
  [[gnu::always_inline]] void put32(uint32_t w) {
    const size_t at = size_;
    std::memcpy(data_ + at, &w, 4);
    size_ = at + 4;
  }
  [[gnu::always_inline]] void put16(uint16_t h) {
    const size_t at = size_;
    std::memcpy(data_ + at, &h, 2);
    size_ = at + 2;
  }
  void put_bytes(const void* p, size_t n) { std::memcpy(data_ + size_, p, n); size_ += n; }

  uint32_t read32(size_t off) const { uint32_t w; std::memcpy(&w, data_ + off, 4); return w; }
  uint16_t read16(size_t off) const { uint16_t h; std::memcpy(&h, data_ + off, 2); return h; }
  void write32(size_t off, uint32_t w) { std::memcpy(data_ + off, &w, 4); }
  void write16(size_t off, uint16_t h) { std::memcpy(data_ + off, &h, 2); }
  void truncate(size_t n) { if (n < size_) size_ = n; }
  void clear() { size_ = 0; }

 private:
  bool grow(size_t need) {
    if (external_) return false;
    size_t cap = capacity_ ? capacity_ : 256;
    while (cap < need) cap *= 2;
    void* p = std::realloc(data_, cap);
    if (!p) return false;
    data_ = static_cast<uint8_t*>(p);
    capacity_ = cap;
    limit_ = blocked_ ? 0 : cap;
    update_fast_limit();
    return true;
  }
  void update_fast_limit() { fast_limit_ = blocked_ || fast_closed_ ? 0 : capacity_; }

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t limit_ = 0;       // capacity_, or 0 while blocked
  size_t fast_limit_ = 0;  // limit_, or 0 while the fast path is closed
  bool external_ = false;
  bool blocked_ = false;
  bool fast_closed_ = false;
};

}  // namespace rvjit
