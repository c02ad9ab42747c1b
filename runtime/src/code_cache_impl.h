// CodeCache internals shared by its files (private to rvjit_runtime):
//   code_cache.cpp            create, install/publish, find, release, trampolines, stats
//   code_cache_regions.cpp    the region allocator (bump allocation, reuse after a rendezvous)
//   code_cache_pc_table.cpp   the lock-free PC table (lookup_pc, resolve_published) and
//                             the retire/reclaim of its metadata
//   code_cache_listeners.cpp  the listeners the environment asks for
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rvjit/runtime/code_cache.h"
#include "rvjit/runtime/meta_heap.h"

namespace rvjit::code_cache_detail {

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


PcArray* new_pc_array(size_t capacity);

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


// ---- process-wide, read by signal handlers (code_cache_pc_table.cpp) ------------------
extern std::atomic<Region*> g_regions[kMaxGlobalRegions];
extern std::atomic<size_t> g_high_water;
extern std::atomic<long> g_readers;
extern std::atomic<uint64_t> g_next_id;

// Retired metadata is freed only when no reader can hold it (text lock held).
void free_record(void* p);
void free_pc_array(void* p);
void free_region(void* p);
void try_reclaim();
void retire(void* p, void (*fn)(void*));

inline uintptr_t align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }
std::string hex(uintptr_t v);
const PcEntry* find_entry(const PcArray* a, uintptr_t pc);
Region* region_of(uintptr_t addr);

}  // namespace rvjit::code_cache_detail

namespace rvjit {

struct CodeCache::Impl {
  using Region = code_cache_detail::Region;
  using Record = code_cache_detail::Record;
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


}  // namespace rvjit
