// The non-coherent instruction-fetch model of rvjit-icache-check (docs/icache-check.md).
//
// Time is a global sequence number: every recorded store and every sync takes the next one.
// Each hart (vCPU) has a fence point: every store with a sequence number at or below it is
// visible to that hart's fetches. A fetch of a word stored after the hart's fence point is
// judged by the rules:
//   fresh           the unsynced bytes were not one valid instruction replaced by another
//                   with one aligned 4-byte store (new code, trampoline, literal slot, a
//                   wider or narrower store, a replaced non-instruction)
//   stale-after-sync the store is an allowed Ziccif replacement, but its writer has since
//                   reached a sync point (membarrier, flush syscall) that did not reach this
//                   hart: the program means "every hart runs the new code" and this one may not
//   mixed           two consecutively executed instructions are both unsynced replacements:
//                   the hart may run a mix of old and new words
// Anything else unsynced is the Ziccif window (old or new word, both intended): allowed.
//
// Addresses are "keys": physical addresses in system mode; in user mode the virtual address,
// or for a shared (memfd/file) mapping an identity of the backing object and offset, so a
// store through one view counts for every alias (address_space.h).
//
// Thread safety: any callback may run on any vCPU thread at the same time (MTTCG). Pages are
// found in a sharded, locked table and never freed while the model lives; a page's words are
// guarded by the page's own mutex; per-hart fence points are atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace icache_check {

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kWordsPerPage = kPageSize / 4;
constexpr unsigned kMaxHarts = 4096;

enum class HazardKind { kFresh, kStaleAfterSync, kMixed };
const char* hazard_name(HazardKind k);

// Who stored a word last.
struct StoreInfo {
  uint64_t seq = 0;       // 0: never stored while the page was tracked
  uint64_t pc = 0;
  unsigned hart = 0;
};

struct Hazard {
  HazardKind kind;
  unsigned hart;          // the fetching hart
  uint64_t key;           // the fetched word's key
  StoreInfo store;        // the unsynced store that makes it a hazard
  uint64_t hart_fence;    // the fetching hart's fence point at the fetch
};

// A page whose stores the model records word by word.
struct Page {
  std::mutex lock;
  uint64_t sync_seq = 0;               // all harts synced for stores up to here (first exec
                                       // mapping in user mode); 0 in system mode
  StoreInfo pre_store;                 // system mode: last store before it became code
  std::array<uint32_t, kWordsPerPage> value{};   // current content, as far as known
  std::array<uint8_t, kWordsPerPage> known{};    // value[] holds the real content
  std::unordered_map<uint32_t, StoreInfo> last;  // word index -> last store
  std::unordered_map<uint32_t, uint64_t> fresh;  // word index -> last non-Ziccif store seq
  std::atomic<uint64_t> last_store_seq{0};       // fast path: any store to this page after
  bool dormant = false;                // user mode: unmapped; no memory behind it yet
};

class Model {
 public:
  // How a page starts being tracked.
  struct PageInit {
    const uint32_t* content = nullptr;  // kWordsPerPage words, or nullptr when unknown
    uint64_t sync_seq = 0;              // see Page::sync_seq
    StoreInfo pre_store;                // see Page::pre_seq
  };
  // The page holding key, created from `init` when missing.
  Page* page(uint64_t key, const PageInit& init);
  // The page holding key, or nullptr when it is not tracked.
  Page* find_page(uint64_t key);

  // A store of `size` bytes of `data` (little endian, size <= 16) at `key` in `page`.
  void store(Page* page, uint64_t key, unsigned size, const uint8_t* data, uint64_t pc,
             unsigned hart);
  // User mode: the page's memory was unmapped. Its stores are forgotten and new ones are
  // ignored until wake(): new memory's first executable mapping (or fetch) is a sync, since
  // the kernel flushes every hart when a page is first mapped executable.
  void make_dormant(Page* page);
  // Ends dormancy (no-op otherwise): all earlier stores count as synced.
  void wake(Page* page);
  // The words [key, key + size) hold unknown content (stored before the page was tracked).
  void forget(Page* page, uint64_t key, unsigned size);
  // The hart ran fence.i (or the kernel made it do so).
  void fence(unsigned hart);
  // Every hart synced (membarrier SYNC_CORE, riscv_flush_icache flags 0); `caller` reached
  // a sync point.
  void sync_all(unsigned caller);
  // Only the caller synced, yet it is the caller's sync point (riscv_flush_icache flag 1).
  void sync_local(unsigned caller);
  // A new hart (user mode: a new thread) starts at the last process-wide sync.
  void hart_start(unsigned hart);

  // Judges a fetch of `len` bytes at key; returns true and fills *out for a hazard.
  // `page` (optional) is the tracked page holding key, saving the lookup.
  bool fetch(unsigned hart, uint64_t key, unsigned len, Page* page, Hazard* out) {
    return fetch_as_of(hart, key, len, page, harts_[hart].fence.load(std::memory_order_acquire),
                       out);
  }
  // fetch() once the hart's fence point has been read as `fence`. Another hart's sync may
  // complete between that read and the judgement (any vCPU runs any callback at any time),
  // so the verdict must hold for such a sync too; tests replay that interleaving here.
  bool fetch_as_of(unsigned hart, uint64_t key, unsigned len, Page* page, uint64_t fence,
                   Hazard* out);

  // The hart's fence point now (read it before the fetch it is used to judge).
  uint64_t fence_of(unsigned hart) const {
    return harts_[hart].fence.load(std::memory_order_acquire);
  }
  // The emulator's own coherence, not the program's: the hart ran `executed` (the bytes
  // the emulator translated) as the aligned 4-byte instruction at key, whose last store
  // this hart had synced when the fetch began (`fence`, read before it, is at or after
  // the store), yet memory holds other bytes. Then the emulator ran a translation of code
  // that was rewritten and synced: true, with that store in *store. Needs the page's
  // content (known words only). Cheap when the bytes match (one relaxed load).
  bool ran_stale_translation(uint64_t key, uint32_t executed, Page* page, uint64_t fence,
                             StoreInfo* store);

  // True when the hart may have unsynced stores to judge (fast path for callers).
  bool maybe_unsynced(unsigned hart) const {
    return harts_[hart].fence.load(std::memory_order_acquire) <
           last_store_.load(std::memory_order_acquire);
  }
  uint64_t now() const { return seq_.load(std::memory_order_acquire); }
  uint64_t next_seq() { return seq_.fetch_add(1, std::memory_order_acq_rel) + 1; }
  uint64_t stores_recorded() const { return stores_.load(std::memory_order_relaxed); }
  uint64_t fetches_judged() const;

 private:
  struct Hart {
    std::atomic<uint64_t> fence{0};       // stores up to here are visible to its fetches
    std::atomic<uint64_t> sync_point{0};  // its last sync syscall (writer's sync point)
    uint64_t window_end = 0;              // key just past its last fetched window word
    uint64_t window_seq = 0;              // fence point at which window_end was recorded
    std::atomic<uint64_t> judged{0};      // written by its own vCPU thread only
  };
  struct Shard {
    std::shared_mutex lock;
    std::unordered_map<uint64_t, std::unique_ptr<Page>> pages;
  };
  enum class Verdict { kClean, kWindow, kHazard };
  Verdict judge_word(unsigned hart, uint64_t key, uint64_t fence, Page* p, Hazard* out);
  void raise_fence(unsigned hart, uint64_t seq);
  // The hart's fence point now, or `read_before` if that is later (never lowers it).
  uint64_t fence_now(unsigned hart, uint64_t read_before) const;
  Shard& shard(uint64_t page_key) { return shards_[(page_key >> 12) % shards_.size()]; }

  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> last_store_{0};
  std::atomic<uint64_t> global_sync_{0};
  std::atomic<unsigned> hart_count_{0};   // harts_[0, hart_count_) have been used
  std::atomic<uint64_t> stores_{0};
  std::array<Hart, kMaxHarts> harts_;
  std::array<Shard, 64> shards_;
};

// A 4-byte word that is one valid 32-bit instruction (not a compressed pair, not 0 or ~0).
bool is_valid_insn_word(uint32_t w);

}  // namespace icache_check
