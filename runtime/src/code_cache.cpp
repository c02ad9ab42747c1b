// CodeCache: create, install/publish, name table, find, release, trampolines, stats
// (code_cache.h). Regions, the PC table and the listeners live in their own files
// (code_cache_impl.h lists them).
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

#include "code_cache_impl.h"
#include "code_cache_internal.h"
#include "rvjit/runtime/fork.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/icache.h"
#include "rvjit/runtime/meta_heap.h"
#include "rvjit/runtime/patch.h"

namespace rvjit {

using namespace code_cache_detail;

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
  // Before any layer built on this cache registers its own fork handlers (fork.h).
  ensure_runtime_fork_handlers();

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

}  // namespace rvjit
