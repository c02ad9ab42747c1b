// CodeCache's lock-free PC table: per region an address-sorted array published by
// release stores, a global reader counter, and retire/reclaim of what readers may still
// hold (code_cache.h, "PC lookup").
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "code_cache_impl.h"
#include "code_cache_internal.h"

namespace rvjit {
namespace code_cache_detail {

PcArray* new_pc_array(size_t capacity) {
  void* p = meta_alloc(sizeof(PcArray) + (capacity - 1) * sizeof(PcEntry));
  if (!p) return nullptr;
  auto* a = static_cast<PcArray*>(p);
  a->capacity = capacity;
  new (&a->count) std::atomic<size_t>(0);
  return a;
}


// ---- process-wide, read by signal handlers -----------------------------------------
// Slots of every region of every cache; a reader scans [0, g_high_water).
std::atomic<Region*> g_regions[kMaxGlobalRegions];
std::atomic<size_t> g_high_water{0};
// Readers in lookup_pc. seq_cst on both sides: a writer that swaps a pointer and then
// reads 0 here knows every later reader sees the new pointer (see try_reclaim).
std::atomic<long> g_readers{0};
std::atomic<uint64_t> g_next_id{1};

// ---- retired metadata: freed only when no reader can hold it (text lock) -----------
namespace {
struct Retired {
  void* p;
  void (*free_fn)(void*);
};
std::vector<Retired, MetaAllocator<Retired>>& retired() {
  static auto* v = new std::vector<Retired, MetaAllocator<Retired>>();
  return *v;
}
}  // namespace

void free_record(void* p) {
  auto* r = static_cast<Record*>(p);
  meta_free(r->name);
  r->~Record();
  meta_free(r);
}
void free_pc_array(void* p) { meta_free(p); }
void free_region(void* p) {
  auto* r = static_cast<Region*>(p);
  if (PcArray* a = r->pcs.load(std::memory_order_relaxed)) meta_free(a);
  delete r;  // unmaps its code memory
}

// Called after the retired objects were unlinked by seq_cst stores. If no reader is
// inside lookup_pc now, none can still hold them: a reader that enters later (after this
// load in the seq_cst order) loads the new pointers. Otherwise try again next time.
void try_reclaim() {
  auto& v = retired();
  if (v.empty() || g_readers.load(std::memory_order_seq_cst) != 0) return;
  for (const Retired& r : v) r.free_fn(r.p);
  v.clear();
}

void retire(void* p, void (*fn)(void*)) {
  try {
    retired().push_back({p, fn});
  } catch (const std::bad_alloc&) {
    // Cannot remember it: leaking is safe, freeing now is not.
  }
}


std::string hex(uintptr_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The entry of `a` containing pc, or nullptr. Works for readers and writers alike.
const PcEntry* find_entry(const PcArray* a, uintptr_t pc) {
  // acquire pairs with the release store of count in append_entry: entries [0, n) are
  // complete.
  const size_t n = a->count.load(std::memory_order_acquire);
  size_t lo = 0, hi = n;  // first entry with start > pc
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (a->e[mid].start <= pc) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return nullptr;
  const PcEntry* e = &a->e[lo - 1];
  return pc < e->end ? e : nullptr;
}

Region* region_of(uintptr_t addr) {
  const size_t hw = g_high_water.load(std::memory_order_acquire);
  for (size_t i = 0; i < hw; ++i) {
    Region* r = g_regions[i].load(std::memory_order_seq_cst);
    if (r && addr >= r->begin && addr < r->end) return r;
  }
  return nullptr;
}


}  // namespace code_cache_detail

using namespace code_cache_detail;

Error CodeCache::Impl::append_entry(Region* r, Record* rec) {
  PcArray* a = r->pcs.load(std::memory_order_relaxed);  // the only writer: text lock
  size_t n = a->count.load(std::memory_order_relaxed);
  if (n == a->capacity) {
    PcArray* bigger = new_pc_array(a->capacity * 2);
    if (!bigger) return Error(ErrorCode::kOutOfMemory, "code cache: no memory to grow the PC table");
    std::memcpy(bigger->e, a->e, n * sizeof(PcEntry));
    bigger->count.store(n, std::memory_order_relaxed);
    // seq_cst: readers switch to the copy; ordered before try_reclaim's load of
    // g_readers, so the old array is freed only once no reader can hold it.
    r->pcs.store(bigger, std::memory_order_seq_cst);
    retire(a, free_pc_array);
    try_reclaim();
    a = bigger;
  }
  a->e[n] = PcEntry{rec->start, rec->start + rec->size, rec};
  // release pairs with the acquire load of count in find_entry: a reader that counts
  // this entry sees it (and its record) complete.
  a->count.store(n + 1, std::memory_order_release);
  return ok();
}


bool CodeCache::lookup_pc(uintptr_t pc, PcInfo* out) noexcept {
  bool found = false;
  g_readers.fetch_add(1, std::memory_order_seq_cst);  // pairs with try_reclaim's load
  if (Region* r = region_of(pc)) {
    const PcArray* a = r->pcs.load(std::memory_order_seq_cst);
    const PcEntry* e = find_entry(a, pc);
    if (e && e->rec->live.load(std::memory_order_acquire)) {
      out->start = e->start;
      out->size = e->end - e->start;
      out->code_index = e->rec->id;
      size_t n = std::min(e->rec->name_len, sizeof(out->name) - 1);
      for (size_t i = 0; i < n; ++i) out->name[i] = e->rec->name[i];
      out->name[n] = '\0';
      found = true;
    }
  }
  // release: our reads of the retired objects happen before a writer that sees the
  // counter drop (its seq_cst load) frees them.
  g_readers.fetch_sub(1, std::memory_order_release);
  return found;
}


// ---- for patch_insn_write ------------------------------------------------------------
Result<CodeMemory*> internal::resolve_published(uintptr_t addr, size_t len) {
  Region* r = region_of(addr);
  if (r) {
    const uintptr_t tn = r->tramp_next.load(std::memory_order_relaxed);
    if (addr >= r->tramp_begin && addr + len <= tn) return r->mem.get();
    const PcEntry* e = find_entry(r->pcs.load(std::memory_order_relaxed), addr);
    if (e && e->rec->live.load(std::memory_order_relaxed) && addr + len <= e->end) return r->mem.get();
  }
  return Error(ErrorCode::kForeignAddress,
               "patch_insn_write: [" + hex(addr) + ", " + hex(addr + len) +
                   ") is not inside one published JIT function or trampoline slot");
}


}  // namespace rvjit
