// The runtime's metadata heap: mimalloc heaps dedicated to rvjit's own bookkeeping (code
// cache tables, function records, names), apart from the application's malloc.
//
// mimalloc heaps are thread-local for allocation: only the thread that created a heap may
// allocate from it (mi_heap_new/mi_heap_malloc), while mi_free works from any thread. So
// each thread that allocates runtime metadata gets its own rvjit heap, created on first
// use; every block can be freed by any thread. When a thread exits, mimalloc moves its
// heap's live blocks to that thread's backing heap (mi_heap_delete semantics): blocks stay
// valid and freeable. In practice only threads that install or release code allocate
// here, always while holding the text lock (patch.h).
//
// Not async-signal-safe: signal handlers never allocate (nor free) runtime metadata.
#pragma once

#include <cstddef>
#include <new>

namespace rvjit {

// nullptr when out of memory.
void* meta_alloc(size_t size) noexcept;
void meta_free(void* p) noexcept;

// An allocator for standard containers that keeps their storage in the metadata heap.
template <class T>
struct MetaAllocator {
  using value_type = T;
  MetaAllocator() noexcept = default;
  template <class U>
  MetaAllocator(const MetaAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) {
    void* p = meta_alloc(n * sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { meta_free(p); }
  template <class U>
  bool operator==(const MetaAllocator<U>&) const noexcept { return true; }
};

}  // namespace rvjit
