// The fetch model's rules (model.h): what a store records, what a sync moves, how a fetch
// is judged.
#include "model.h"

#include <cstring>

namespace icache_check {
namespace {

// Atomically a = max(a, v). acq_rel: the fence/store it publishes is ordered with the
// records written before it (pairs with the acquire loads in maybe_unsynced and fetch).
void atomic_max(std::atomic<uint64_t>& a, uint64_t v) {
  uint64_t cur = a.load(std::memory_order_acquire);
  while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_acq_rel)) {
  }
}

}  // namespace

const char* hazard_name(HazardKind k) {
  switch (k) {
    case HazardKind::kFresh: return "fresh";
    case HazardKind::kStaleAfterSync: return "stale-after-sync";
    case HazardKind::kMixed: return "mixed";
  }
  return "?";
}

bool is_valid_insn_word(uint32_t w) {
  if (w == 0 || w == 0xffffffffu) return false;
  if ((w & 3) != 3) return false;           // a compressed instruction (or two)
  return ((w >> 2) & 7) != 7;               // 48-bit and longer encodings
}

Page* Model::find_page(uint64_t key) {
  const uint64_t pk = key & ~(kPageSize - 1);
  Shard& sh = shard(pk);
  std::shared_lock<std::shared_mutex> g(sh.lock);
  auto it = sh.pages.find(pk);
  return it == sh.pages.end() ? nullptr : it->second.get();
}

Page* Model::page(uint64_t key, const PageInit& init) {
  if (Page* p = find_page(key)) return p;
  const uint64_t pk = key & ~(kPageSize - 1);
  Shard& sh = shard(pk);
  std::unique_lock<std::shared_mutex> g(sh.lock);
  auto& slot = sh.pages[pk];
  if (!slot) {
    auto p = std::make_unique<Page>();
    p->sync_seq = init.sync_seq;
    p->pre_store = init.pre_store;
    p->last_store_seq.store(init.pre_store.seq, std::memory_order_relaxed);
    if (init.content) {
      std::memcpy(p->value.data(), init.content, kPageSize);
      p->known.fill(1);
    }
    slot = std::move(p);
    // A store from before the page was tracked may still be unsynced on some hart.
    if (init.pre_store.seq) atomic_max(last_store_, init.pre_store.seq);
  }
  return slot.get();
}

void Model::store(Page* page, uint64_t key, unsigned size, const uint8_t* data, uint64_t pc,
                  unsigned hart) {
  uint64_t s;
  {
    std::lock_guard<std::mutex> g(page->lock);
    if (page->dormant) return;
    s = next_seq();
    const StoreInfo info{s, pc, hart};
    const uint64_t end = key + size;
    for (uint64_t w = key & ~uint64_t{3}; w < end; w += 4) {
      const uint32_t idx = static_cast<uint32_t>((w & (kPageSize - 1)) / 4);
      const uint32_t old = page->value[idx];
      const bool old_known = page->known[idx];
      uint8_t bytes[4];
      std::memcpy(bytes, &old, 4);
      unsigned covered = 0;
      for (unsigned b = 0; b < 4; ++b) {
        if (w + b >= key && w + b < end) {
          bytes[b] = data[w + b - key];
          ++covered;
        }
      }
      uint32_t now;
      std::memcpy(&now, bytes, 4);
      // A word a store rewrites with the bytes it held changes nothing a hart can fetch.
      if (old_known && now == old) continue;
      // Atomic stores (relaxed): ran_stale_translation() reads both without the page lock.
      // The GCC builtins, as the plugin is built as C++17 (no std::atomic_ref).
      __atomic_store_n(&page->value[idx], now, __ATOMIC_RELAXED);
      __atomic_store_n(&page->known[idx], static_cast<uint8_t>(old_known || covered == 4),
                       __ATOMIC_RELAXED);
      // Ziccif: an aligned word (fetched atomically) replaced whole, one valid instruction
      // by another. A wider store that changes several words is judged word by word; a hart
      // running two of them in a row is the "mixed" rule.
      const bool ziccif = covered == 4 && old_known && is_valid_insn_word(old) &&
                          is_valid_insn_word(now);
      page->last[idx] = info;
      if (!ziccif) page->fresh[idx] = s;
    }
  }
  atomic_max(page->last_store_seq, s);
  atomic_max(last_store_, s);
  stores_.fetch_add(1, std::memory_order_relaxed);
}

void Model::make_dormant(Page* page) {
  std::lock_guard<std::mutex> g(page->lock);
  page->last.clear();
  page->fresh.clear();
  page->known.fill(0);
  page->pre_store = StoreInfo{};
  page->dormant = true;
}

void Model::wake(Page* page) {
  std::lock_guard<std::mutex> g(page->lock);
  if (!page->dormant) return;
  page->dormant = false;
  page->sync_seq = next_seq();
}

void Model::forget(Page* page, uint64_t key, unsigned size) {
  std::lock_guard<std::mutex> g(page->lock);
  for (uint64_t w = key & ~uint64_t{3}; w < key + size; w += 4)
    page->known[(w & (kPageSize - 1)) / 4] = 0;
}

uint64_t Model::fetches_judged() const {
  uint64_t n = 0;
  for (const Hart& h : harts_) n += h.judged.load(std::memory_order_relaxed);
  return n;
}

void Model::raise_fence(unsigned hart, uint64_t seq) { atomic_max(harts_[hart].fence, seq); }

void Model::fence(unsigned hart) {
  raise_fence(hart, next_seq());
  harts_[hart].window_end = 0;
}

void Model::sync_all(unsigned caller) {
  const uint64_t s = next_seq();
  atomic_max(global_sync_, s);
  const unsigned n = hart_count_.load(std::memory_order_acquire);
  for (unsigned h = 0; h < n; ++h) raise_fence(h, s);
  // After the fences: judge_word() reads the sync point, then a fence (pairs with it).
  atomic_max(harts_[caller].sync_point, s);
}

void Model::sync_local(unsigned caller) {
  const uint64_t s = next_seq();
  raise_fence(caller, s);
  atomic_max(harts_[caller].sync_point, s);
}

void Model::hart_start(unsigned hart) {
  Hart& h = harts_[hart];
  h.fence.store(global_sync_.load(std::memory_order_acquire), std::memory_order_release);
  h.sync_point.store(0, std::memory_order_release);
  h.window_end = 0;
  unsigned n = hart_count_.load(std::memory_order_acquire);
  while (n <= hart && !hart_count_.compare_exchange_weak(n, hart + 1, std::memory_order_acq_rel)) {
  }
}

uint64_t Model::fence_now(unsigned hart, uint64_t read_before) const {
  const uint64_t now = harts_[hart].fence.load(std::memory_order_acquire);
  return now > read_before ? now : read_before;
}

Model::Verdict Model::judge_word(unsigned hart, uint64_t key, uint64_t fence, Page* p,
                                 Hazard* out) {
  if (!p) p = find_page(key);
  if (!p) return Verdict::kClean;
  // Fast path: nothing stored to this page since the hart's fence point (the page's
  // pre-tracking store raised last_store_seq too).
  if (p->last_store_seq.load(std::memory_order_acquire) <= fence) return Verdict::kClean;
  const uint32_t idx = static_cast<uint32_t>((key & (kPageSize - 1)) / 4);
  std::lock_guard<std::mutex> g(p->lock);
  if (p->dormant) return Verdict::kClean;
  // A sync by another hart may have completed since the caller read `fence`: the fetch
  // overlapped it and may see the new bytes, so judge by the hart's fence as it is now.
  fence = fence_now(hart, fence);
  const uint64_t eff = fence > p->sync_seq ? fence : p->sync_seq;
  auto it = p->last.find(idx);
  if (it == p->last.end()) {
    // Never stored while tracked: only a store before the page became code can be unsynced.
    if (p->pre_store.seq <= eff) return Verdict::kClean;
    *out = Hazard{HazardKind::kFresh, hart, key, p->pre_store, fence};
    return Verdict::kHazard;
  }
  const StoreInfo st = it->second;
  if (st.seq <= eff) return Verdict::kClean;
  auto fr = p->fresh.find(idx);
  if (fr != p->fresh.end() && fr->second > eff) {
    *out = Hazard{HazardKind::kFresh, hart, key, st, fence};
    return Verdict::kHazard;
  }
  // The writer's sync point first, then this hart's fence again: sync_all() raises every
  // fence before the sync point (acq_rel; this acquire pairs with it), so a global sync whose
  // sync point is seen here has raised the fence read after it. Only a sync that did not
  // reach this hart (a local flush) leaves the hazard standing.
  if (harts_[st.hart].sync_point.load(std::memory_order_acquire) > st.seq &&
      fence_now(hart, fence) < st.seq) {
    *out = Hazard{HazardKind::kStaleAfterSync, hart, key, st, fence};
    return Verdict::kHazard;
  }
  *out = Hazard{HazardKind::kMixed, hart, key, st, fence};  // used if it turns out mixed
  return Verdict::kWindow;
}

bool Model::ran_stale_translation(uint64_t key, uint32_t executed, Page* p, uint64_t fence,
                                  StoreInfo* store) {
  if (!p || (key & 3) != 0) return false;
  const uint32_t idx = static_cast<uint32_t>((key & (kPageSize - 1)) / 4);
  // Fast path, no lock: the bytes match (relaxed: a racing store is judged below).
  if (!__atomic_load_n(&p->known[idx], __ATOMIC_RELAXED) ||
      __atomic_load_n(&p->value[idx], __ATOMIC_RELAXED) == executed)
    return false;
  std::lock_guard<std::mutex> g(p->lock);
  if (p->dormant || !p->known[idx] || p->value[idx] == executed) return false;
  auto it = p->last.find(idx);
  // Never stored while tracked: the difference predates the model's view; no verdict.
  if (it == p->last.end()) return false;
  // Under the page lock the last store and value[idx] agree. A store after the fence point
  // read before the fetch is the Ziccif window (old bytes allowed); a sync that completed
  // during the fetch is not counted either (`fence` is older than it).
  if (it->second.seq > fence) return false;
  *store = it->second;
  return true;
}

bool Model::fetch_as_of(unsigned hart, uint64_t key, unsigned len, Page* page, uint64_t fence,
                        Hazard* out) {
  Hart& h = harts_[hart];
  h.judged.store(h.judged.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  const uint64_t w0 = key & ~uint64_t{3};
  const uint64_t w1 = (key + len - 1) & ~uint64_t{3};
  Hazard first{}, second{};
  const Verdict v0 = judge_word(hart, w0, fence, page, &first);
  if (v0 == Verdict::kHazard) {
    *out = first;
    return true;
  }
  Verdict v1 = Verdict::kClean;
  if (w1 != w0) {
    const bool same_page = (w1 & ~(kPageSize - 1)) == (w0 & ~(kPageSize - 1));
    v1 = judge_word(hart, w1, fence, same_page ? page : nullptr, &second);
    if (v1 == Verdict::kHazard) {
      *out = second;
      return true;
    }
  }
  if (v0 != Verdict::kWindow && v1 != Verdict::kWindow) {
    h.window_end = 0;
    return false;
  }
  // An instruction straddling two words of which one is a replaced word, or a replaced word
  // right after another one this hart just ran: old and new may mix.
  const bool straddles = w1 != w0;
  const bool follows = h.window_end == key && h.window_seq == fence;
  h.window_end = key + len;
  h.window_seq = fence;
  if (straddles || follows) {
    *out = v0 == Verdict::kWindow ? first : second;
    out->kind = HazardKind::kMixed;
    return true;
  }
  return false;
}

}  // namespace icache_check
