// PodVector<T>: the Assembler's label and reference tables. A std::vector subset for
// trivially copyable T, grown with realloc: glibc moves large blocks with mremap (no copy,
// no page faults on the old part), where std::vector allocates anew and copies, which
// dominated the 10 M-instruction label benchmark. clear() keeps the storage, so a reused
// Assembler does not allocate. Not part of the public API (used by rvjit/jit/assembler.h).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace rvjit::detail {

template <class T>
class PodVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  PodVector() = default;
  PodVector(const PodVector&) = delete;
  PodVector& operator=(const PodVector&) = delete;
  ~PodVector() { std::free(data_); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  void clear() { size_ = 0; }

  // Constructs in place at the end (no temporary: see Assembler::Fixup).
  template <class... A>
  [[gnu::always_inline]] inline T& emplace_back(A&&... a) {
    if (size_ == capacity_) [[unlikely]] grow();
    return *::new (static_cast<void*>(data_ + size_++)) T(std::forward<A>(a)...);
  }

 private:
  [[gnu::noinline]] void grow() {
    const size_t cap = capacity_ ? capacity_ * 2 : 64;
    void* p = std::realloc(data_, cap * sizeof(T));
    if (!p) throw std::bad_alloc();  // as std::vector would
    data_ = static_cast<T*>(p);
    capacity_ = cap;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace rvjit::detail
