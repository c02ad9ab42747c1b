// The runtime's metadata heap: one mimalloc heap per allocating thread (meta_heap.h).
#include "rvjit/runtime/meta_heap.h"

#include <mimalloc.h>

namespace rvjit {
namespace {
// Created on first use by this thread; mimalloc deletes it at thread exit (its blocks
// migrate to the backing heap and stay valid).
thread_local mi_heap_t* t_heap = nullptr;
}  // namespace

void* meta_alloc(size_t size) noexcept {
  if (!t_heap) {
    t_heap = mi_heap_new();
    if (!t_heap) return nullptr;
  }
  return mi_heap_malloc(t_heap, size ? size : 1);
}

void meta_free(void* p) noexcept { mi_free(p); }

}  // namespace rvjit
