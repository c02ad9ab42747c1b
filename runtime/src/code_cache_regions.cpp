// CodeCache's region allocator: regions of at most 1 MiB (trampoline area first, then
// bump-allocated code), a new region when none has room, reuse of emptied regions only
// after a rendezvous (code_cache.h, release()).
#include <new>
#include <string>

#include "code_cache_impl.h"

namespace rvjit {

using namespace code_cache_detail;

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


}  // namespace rvjit
