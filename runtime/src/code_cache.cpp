// CodeCache: regions, install/publish, name table, async-signal-safe PC lookup, release
// and reclaim (code_cache.h). The environment's listeners: code_cache_listeners.cpp.
#include "rvjit/runtime/code_cache.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "code_cache_internal.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/meta_heap.h"
#include "rvjit/runtime/patch.h"

namespace rvjit {
namespace {

constexpr size_t kJalReach = size_t{1} << 20;  // jal: +-1 MiB
constexpr size_t kMaxGlobalRegions = 4096;     // regions of all caches of the process

struct Region;

struct Record {
  uint64_t id;
  uintptr_t start;
  size_t size;
  std::atomic<bool> live;  // release store in release(); acquire load in lookups
  Region* region;
  char* name;              // metadata heap, NUL-terminated
  size_t name_len;
};

struct PcEntry {
  uintptr_t start;
  uintptr_t end;
  Record* rec;
};

// Append-only, address-sorted (bump allocation) array of one region's functions.
struct PcArray {
  size_t capacity;
  std::atomic<size_t> count;
  PcEntry e[1];  // really [capacity]
};

PcArray* new_pc_array(size_t capacity) {
  void* p = meta_alloc(sizeof(PcArray) + (capacity - 1) * sizeof(PcEntry));
  if (!p) return nullptr;
  auto* a = static_cast<PcArray*>(p);
  a->capacity = capacity;
  new (&a->count) std::atomic<size_t>(0);
  return a;
}

struct Region {
  std::unique_ptr<CodeMemory> mem;
  uintptr_t begin = 0, end = 0;
  uintptr_t tramp_begin = 0, tramp_end = 0;
  std::atomic<uintptr_t> tramp_next{0};  // writers under the text lock
  uintptr_t code_begin = 0;
  uintptr_t bump = 0;                    // end of handed-out code
  size_t live = 0;                       // live functions
  std::atomic<PcArray*> pcs{nullptr};
  size_t slot = 0;                       // index in g_regions
};

// ---- process-wide, read by signal handlers -----------------------------------------
// Slots of every region of every cache; a reader scans [0, g_high_water).
std::atomic<Region*> g_regions[kMaxGlobalRegions];
std::atomic<size_t> g_high_water{0};
// Readers in lookup_pc. seq_cst on both sides: a writer that swaps a pointer and then
// reads 0 here knows every later reader sees the new pointer (see try_reclaim).
std::atomic<long> g_readers{0};
std::atomic<uint64_t> g_next_id{1};

// ---- retired metadata: freed only when no reader can hold it (text lock) -----------
struct Retired {
  void* p;
  void (*free_fn)(void*);
};
std::vector<Retired, MetaAllocator<Retired>>& retired() {
  static auto* v = new std::vector<Retired, MetaAllocator<Retired>>();
  return *v;
}

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

uintptr_t align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }

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

}  // namespace

// ---- the cache ---------------------------------------------------------------------

struct CodeCache::Impl {
  using NameMap = std::unordered_map<std::string_view, Record*, std::hash<std::string_view>,
                                     std::equal_to<>,
                                     MetaAllocator<std::pair<const std::string_view, Record*>>>;
  using IdMap = std::unordered_map<uint64_t, Record*, std::hash<uint64_t>, std::equal_to<>,
                                   MetaAllocator<std::pair<const uint64_t, Record*>>>;
  CodeCacheOptions opt;
  WxPolicy policy;
  std::vector<Region*, MetaAllocator<Region*>> regions;
  NameMap by_name;
  IdMap by_id;
  std::vector<CodeEventListener*, MetaAllocator<CodeEventListener*>> listeners;
  std::vector<uint8_t, MetaAllocator<uint8_t>> scratch;

  Result<Region*> new_region();
  Result<Region*> find_space(size_t size, size_t align);
  Error reclaim_empty_regions();
  Error append_entry(Region* r, Record* rec);
  void reset_region(Region* r);
};

Result<std::unique_ptr<CodeCache>> CodeCache::create(const CodeCacheOptions& options) {
  const size_t ps = page_size();
  const CodeCacheOptions& o = options;
  if (o.region_size == 0 || o.region_size % ps != 0 || o.region_size > kJalReach)
    return Error(ErrorCode::kInvalidArgument,
                 "region_size " + std::to_string(o.region_size) +
                     " must be a page multiple of at most 1 MiB (jal reach to the trampolines)");
  if (o.trampoline_area % ps != 0 || o.trampoline_area >= o.region_size)
    return Error(ErrorCode::kInvalidArgument,
                 "trampoline_area " + std::to_string(o.trampoline_area) +
                     " must be a page multiple smaller than region_size");
  if (o.max_regions == 0 || o.max_regions > kMaxGlobalRegions)
    return Error(ErrorCode::kInvalidArgument,
                 "max_regions must be in [1, " + std::to_string(kMaxGlobalRegions) + "]");
  Result<WxPolicy> policy = choose_wx_policy(o.policy);
  if (!policy.ok()) return policy.error();
  coherence_init();  // prctl(PR_RISCV_SET_ICACHE_FLUSH_CTX) and membarrier registration

  std::unique_ptr<CodeCache> cache(new CodeCache(*policy));
  cache->impl_ = new Impl();
  cache->impl_->opt = o;
  cache->impl_->policy = *policy;
  for (CodeEventListener* l : internal::env_listeners()) cache->impl_->listeners.push_back(l);
  return cache;
}

CodeCache::~CodeCache() {
  if (!impl_) return;
  std::lock_guard<std::recursive_mutex> g(text_lock());
  for (Region* r : impl_->regions) {
    g_regions[r->slot].store(nullptr, std::memory_order_seq_cst);
    PcArray* a = r->pcs.load(std::memory_order_relaxed);
    const size_t n = a->count.load(std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i) retire(a->e[i].rec, free_record);
    retire(r, free_region);
  }
  try_reclaim();
  delete impl_;
}

Result<Region*> CodeCache::Impl::new_region() {
  if (regions.size() >= opt.max_regions)
    return Error(ErrorCode::kCodeCacheFull, "code cache full: all " + std::to_string(opt.max_regions) +
                                                " regions of " + std::to_string(opt.region_size) +
                                                " bytes are in use");
  size_t slot = kMaxGlobalRegions;
  for (size_t i = 0; i < kMaxGlobalRegions; ++i)
    if (!g_regions[i].load(std::memory_order_relaxed)) { slot = i; break; }
  if (slot == kMaxGlobalRegions)
    return Error(ErrorCode::kCodeCacheFull, "code cache full: the process-wide region table is full");

  Result<std::unique_ptr<CodeMemory>> mem = CodeMemory::create(opt.region_size, policy);
  if (!mem.ok()) return mem.error();
  PcArray* a = new_pc_array(16);
  if (!a) return Error(ErrorCode::kOutOfMemory, "code cache: no memory for the PC table");
  auto* r = new (std::nothrow) Region();
  if (!r) {
    meta_free(a);
    return Error(ErrorCode::kOutOfMemory, "code cache: no memory for a region");
  }
  r->mem = std::move(*mem);
  r->begin = r->mem->begin();
  r->end = r->mem->end();
  r->tramp_begin = r->begin;
  r->tramp_end = r->begin + opt.trampoline_area;
  r->tramp_next.store(r->tramp_begin, std::memory_order_relaxed);
  r->code_begin = r->tramp_end;
  r->bump = r->code_begin;
  r->pcs.store(a, std::memory_order_relaxed);
  r->slot = slot;
  try {
    regions.push_back(r);
  } catch (const std::bad_alloc&) {
    free_region(r);
    return Error(ErrorCode::kOutOfMemory, "code cache: no memory for the region list");
  }
  // Publish to readers. seq_cst (hence release) store pairs with the seq_cst load in
  // region_of: a reader that sees the slot sees the region's fields complete.
  g_regions[slot].store(r, std::memory_order_seq_cst);
  size_t hw = g_high_water.load(std::memory_order_relaxed);
  // release pairs with the acquire load in region_of; the slot was stored before it.
  if (slot + 1 > hw) g_high_water.store(slot + 1, std::memory_order_release);
  return r;
}

// Under the text lock. Empty regions whose bytes are still the released functions' are
// reused only after a rendezvous (see release() in code_cache.h).
Error CodeCache::Impl::reclaim_empty_regions() {
  bool any = false;
  for (Region* r : regions) any |= (r->live == 0 && r->bump != r->code_begin);
  if (!any) return ok();
  auto nothing = []() -> Error { return ok(); };
  // Every registered thread parks (and runs FENCE.I) once, after the releases.
  if (Error e = with_world_parked(nothing)) return e;
  for (Region* r : regions)
    if (r->live == 0 && r->bump != r->code_begin) reset_region(r);
  return ok();
}

void CodeCache::Impl::reset_region(Region* r) {
  PcArray* fresh = new_pc_array(16);
  if (!fresh) return;  // keep the region as it is; try later
  PcArray* old = r->pcs.load(std::memory_order_relaxed);
  r->pcs.store(fresh, std::memory_order_seq_cst);  // unlink before retire (see try_reclaim)
  const size_t n = old->count.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) retire(old->e[i].rec, free_record);
  retire(old, free_pc_array);
  r->bump = r->code_begin;
  r->tramp_next.store(r->tramp_begin, std::memory_order_release);
  try_reclaim();
}

Result<Region*> CodeCache::Impl::find_space(size_t size, size_t align) {
  auto fits = [&](Region* r) { return align_up(r->bump, align) + size <= r->end; };
  for (int attempt = 0; attempt < 2; ++attempt) {
    // Newest region first: older ones are usually full.
    for (auto it = regions.rbegin(); it != regions.rend(); ++it)
      if (fits(*it)) return *it;
    if (regions.size() < opt.max_regions) return new_region();
    if (attempt == 0) {
      if (Error e = reclaim_empty_regions()) return e;
    }
  }
  return Error(ErrorCode::kCodeCacheFull,
               "code cache full: no room for " + std::to_string(size) + " bytes in " +
                   std::to_string(regions.size()) + " regions of " + std::to_string(opt.region_size) +
                   " bytes (max_regions " + std::to_string(opt.max_regions) + ")");
}

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

Result<InstalledCode> CodeCache::install(const AssembledCode& code, std::string_view name) {
  Impl& m = *impl_;
  const size_t size = code.code.size();
  const size_t align = code.alignment;
  if (size == 0) return Error(ErrorCode::kInvalidArgument, "install: empty code");
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, "install: empty name");
  if (align < 2 || (align & (align - 1)) != 0 || align > page_size())
    return Error(ErrorCode::kInvalidArgument,
                 "install: alignment " + std::to_string(align) + " must be a power of two in [2, page size]");
  if (size > m.opt.region_size - m.opt.trampoline_area)
    return Error(ErrorCode::kCodeCacheFull,
                 "install: " + std::to_string(size) + " bytes do not fit in a region (" +
                     std::to_string(m.opt.region_size - m.opt.trampoline_area) + " bytes of code)");

  std::lock_guard<std::recursive_mutex> guard(text_lock());
  if (m.by_name.count(name))
    return Error(ErrorCode::kInvalidArgument, "install: a function named '" + std::string(name) +
                                                  "' is already installed");
  Result<Region*> where = m.find_space(size, align);
  if (!where.ok()) return where.error();
  Region* r = *where;
  const uintptr_t addr = align_up(r->bump, align);

  // Final bytes, relocated for `addr`, in scratch memory (not yet executable).
  try {
    m.scratch.assign(code.code.begin(), code.code.end());
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kOutOfMemory, "install: no memory for the staging copy");
  }
  if (!code.relocations.empty()) {
    if (Error e = apply_relocations(m.scratch.data(), addr, code)) return e;
  }

  // Metadata first: running out of memory must not leave published code behind.
  void* rp = meta_alloc(sizeof(Record));
  char* nm = static_cast<char*>(meta_alloc(name.size() + 1));
  if (!rp || !nm) {
    meta_free(rp);
    meta_free(nm);
    return Error(ErrorCode::kOutOfMemory, "install: no memory for the function record");
  }
  std::memcpy(nm, name.data(), name.size());
  nm[name.size()] = '\0';
  auto* rec = new (rp) Record{g_next_id.fetch_add(1, std::memory_order_relaxed), addr, size, {true}, r,
                              nm, name.size()};

  // Flip: only the first page can hold published code (bump allocation); it needs the
  // world parked only if it does.
  const size_t ps = page_size();
  const bool shares_page = r->bump > r->code_begin && addr / ps * ps < r->bump;
  const uint8_t* src = m.scratch.data();
  auto copy = [&](uint8_t* w, uintptr_t exec, size_t n) { std::memcpy(w, src + (exec - addr), n); };
  if (Error e = r->mem->write(addr, size, shares_page, copy)) {
    free_record(rec);
    return e;
  }
  // Publish on this thread: its own fetches see the bytes from now on. Without the
  // icache prctl, that FENCE.I (and the receivers' in find() or at registration) may be
  // lost on migration: mark every hart stale (coherence.h).
  local_fence_i();
  cover_local_fences_for_migration();
  if (Error e = m.append_entry(r, rec)) {
    free_record(rec);  // the bytes stay unreachable; bump moves past them below
    r->bump = addr + size;
    return e;
  }
  r->bump = addr + size;
  ++r->live;
  try {
    m.by_name.emplace(std::string_view(rec->name, rec->name_len), rec);
    m.by_id.emplace(rec->id, rec);
  } catch (const std::bad_alloc&) {
    m.by_name.erase(std::string_view(rec->name, rec->name_len));
    rec->live.store(false, std::memory_order_release);
    --r->live;
    return Error(ErrorCode::kOutOfMemory, "install: no memory for the name table");
  }

  if (!m.listeners.empty()) {
    std::vector<uint32_t> sites;
    for (const PatchSiteMark& s : code.patch_sites) sites.push_back(s.offset);
    CodeLoadEvent ev{rec->name, addr, size, src, rec->id, sites.data(), sites.size()};
    for (CodeEventListener* l : m.listeners) l->on_code_load(ev);
  }
  return InstalledCode{CodeHandle{rec->id}, addr, size};
}

Result<InstalledCode> CodeCache::find(std::string_view name) const {
  std::lock_guard<std::recursive_mutex> guard(text_lock());  // acquire: pairs with install's unlock
  auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end())
    return Error(ErrorCode::kNotFound, "no installed function named '" + std::string(name) + "'");
  local_fence_i();  // the caller may run it now (code_cache.h)
  const Record* rec = it->second;
  return InstalledCode{CodeHandle{rec->id}, rec->start, rec->size};
}

Error CodeCache::release(CodeHandle handle) {
  std::lock_guard<std::recursive_mutex> guard(text_lock());
  Impl& m = *impl_;
  auto it = m.by_id.find(handle.id);
  if (it == m.by_id.end())
    return Error(ErrorCode::kNotFound,
                 "release: handle " + std::to_string(handle.id) + " is not a live function of this cache");
  Record* rec = it->second;
  // release pairs with the acquire load of `live` in lookup_pc / resolve_published.
  rec->live.store(false, std::memory_order_release);
  m.by_id.erase(it);
  m.by_name.erase(std::string_view(rec->name, rec->name_len));
  --rec->region->live;
  CodeReleaseEvent ev{rec->name, rec->start, rec->size, rec->id};
  for (CodeEventListener* l : m.listeners) l->on_code_release(ev);
  // The record stays (dead) in its region's PC table until the region is reset.
  return ok();
}

Result<uintptr_t> CodeCache::reserve_trampoline(CodeHandle near, size_t size) {
  std::lock_guard<std::recursive_mutex> guard(text_lock());
  auto it = impl_->by_id.find(near.id);
  if (it == impl_->by_id.end())
    return Error(ErrorCode::kNotFound, "reserve_trampoline: unknown handle " + std::to_string(near.id));
  if (size == 0 || size % 4 != 0)
    return Error(ErrorCode::kInvalidArgument,
                 "reserve_trampoline: size " + std::to_string(size) + " is not a positive multiple of 4");
  Region* r = it->second->region;
  const uintptr_t slot = r->tramp_next.load(std::memory_order_relaxed);
  if (slot + size > r->tramp_end)
    return Error(ErrorCode::kCodeCacheFull,
                 "reserve_trampoline: the trampoline area of the region at " + hex(r->begin) + " (" +
                     std::to_string(r->tramp_end - r->tramp_begin) + " bytes) is used up");
  // Only text-lock holders read it (resolve_published); release for a reader that does not.
  r->tramp_next.store(slot + size, std::memory_order_release);
  return slot;
}

void CodeCache::add_listener(CodeEventListener* listener) {
  std::lock_guard<std::recursive_mutex> guard(text_lock());
  impl_->listeners.push_back(listener);
}

void CodeCache::remove_listener(CodeEventListener* listener) {
  std::lock_guard<std::recursive_mutex> guard(text_lock());
  auto& v = impl_->listeners;
  v.erase(std::remove(v.begin(), v.end(), listener), v.end());
}

CodeCacheStats CodeCache::stats() const {
  std::lock_guard<std::recursive_mutex> guard(text_lock());
  CodeCacheStats s;
  s.regions = impl_->regions.size();
  s.live_functions = impl_->by_id.size();
  for (const Region* r : impl_->regions) s.bytes_used += r->bump - r->code_begin;
  s.capacity = impl_->opt.max_regions * (impl_->opt.region_size - impl_->opt.trampoline_area);
  return s;
}

// Async-signal-safe: atomics and plain reads only.
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
