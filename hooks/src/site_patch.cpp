#include "site_patch.h"

#include <mutex>
#include <vector>

#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/patch.h"
#include "rvjit/runtime/stop_the_world.h"

namespace rvjit::hooks_internal {
namespace {

constexpr unsigned kT0 = 5;
using Kind = HookPatchEvent::Kind;

Error write_all(const std::vector<SiteWrite>& writes, bool atomic_words) {
  const PatchFlags flags = atomic_words ? PatchFlags::kAtomicWord : PatchFlags::kNone;
  for (const SiteWrite& w : writes)
    if (Error err = patch_insn_write(reinterpret_cast<void*>(w.at), &w.word, 4, flags)) return err;
  return Error();
}

void report_writes(const HookPatchObserver* observer, const std::vector<SiteWrite>& writes) {
  if (!observer || !*observer) return;
  for (const SiteWrite& w : writes)
    (void)(*observer)(HookPatchEvent{Kind::kSiteWritten, w.at, 4, w.word, SyncStrategy::kAuto});
}

Error sync_step(SyncStrategy used) {
  if (used == SyncStrategy::kMembarrier) return membarrier_sync_core();
  if (used == SyncStrategy::kFlushSyscall) return flush_icache_all_threads();
  return Error();
}

// Membarrier / flush path: one aligned store per word, then one sync. A failed sync puts
// word 0 of every site back (`undo`) so the code matches the manager's unchanged state.
Result<SyncStrategy> write_then_sync(const std::vector<SiteWrite>& writes,
                                     const std::vector<SiteWrite>& undo, SyncStrategy used,
                                     const BatchOptions& o) {
  if (Error err = write_all(writes, true)) {
    (void)write_all(undo, true);  // the words written before the failure
    return err;
  }
  report_writes(o.observer, writes);
  Error sync = notify(o.observer ? *o.observer : HookPatchObserver{},
                      HookPatchEvent{Kind::kSyncBegin, 0, 0, 0, used});
  if (!sync) sync = sync_step(used);
  if (sync) {
    (void)write_all(undo, true);
    report_writes(o.observer, undo);
    (void)sync_step(used);  // best effort: the restored words are what every hart had
    local_fence_i();
    return Error(sync.code(), sync.message() + " (the sites were restored)");
  }
  local_fence_i();
  (void)notify(o.observer ? *o.observer : HookPatchObserver{},
               HookPatchEvent{Kind::kSyncDone, 0, 0, 0, used});
  return used;
}

}  // namespace

Error notify(const HookPatchObserver& observer, const HookPatchEvent& event) {
  return observer ? observer(event) : Error();
}

Error encode_site(const SitePatch& p, std::vector<SiteWrite>& out) {
  if (!p.enable) {
    out.push_back({p.entry, p.layout == SiteLayout::kOneWord ? kDisabledOneWord : kDisabledTwoWord0});
    return Error();
  }
  const int64_t off = static_cast<int64_t>(p.trampoline) - static_cast<int64_t>(p.entry);
  if (p.layout == SiteLayout::kOneWord) {
    if (!enc::is_int<21>(off))
      return Error(ErrorCode::kBranchOutOfRange,
                   "hooks: trampoline " + std::to_string(off) + " bytes from a one_word site");
    out.push_back({p.entry, enc::j_type(enc::kOpJal, kT0, off)});  // jal t0, trampoline
    return Error();
  }
  if (!enc::fits_hi_lo(off))
    return Error(ErrorCode::kBranchOutOfRange, "hooks: trampoline beyond +-2 GiB of a two_word site");
  const enc::HiLo hl = enc::split_hi_lo(off);
  if (p.bind)  // word 1 first: word 0 is still `j .+8`, nothing runs word 1 yet
    out.push_back({p.entry + 4, enc::i_type(enc::kOpJalr, 0, kT0, kT0, hl.lo12)});  // jalr t0, lo(t0)
  out.push_back({p.entry, enc::u_type(enc::kOpAuipc, kT0, hl.hi20)});  // auipc t0, hi
  return Error();
}

SyncStrategy resolve_sync(SyncStrategy requested, WxPolicy policy, bool any_two_word) {
  // two_word sites keep the seed's strategy (the reference the layout is there for); under
  // flip the write window parks every thread anyway.
  if (any_two_word || policy == WxPolicy::kFlip) return SyncStrategy::kStopTheWorld;
  const CoherenceProbe& probe = coherence_init();
  const bool membarrier = probe.membarrier_sync_core.status == ProbeStatus::kAvailable;
  const bool flush = probe.flush_syscall.status == ProbeStatus::kAvailable;
  switch (requested) {
    case SyncStrategy::kAuto:
      return membarrier ? SyncStrategy::kMembarrier
                        : flush ? SyncStrategy::kFlushSyscall : SyncStrategy::kStopTheWorld;
    case SyncStrategy::kMembarrier:
      return membarrier ? requested : SyncStrategy::kStopTheWorld;
    case SyncStrategy::kFlushSyscall:
      return flush ? requested : SyncStrategy::kStopTheWorld;
    case SyncStrategy::kStopTheWorld:
      return requested;
  }
  return SyncStrategy::kStopTheWorld;
}

Error sync_all_threads(SyncStrategy used, std::chrono::milliseconds rendezvous_timeout,
                       const HookPatchObserver& observer) {
  if (Error e = notify(observer, HookPatchEvent{Kind::kSyncBegin, 0, 0, 0, used})) return e;
  if (used == SyncStrategy::kStopTheWorld) {
    // Every parked thread executes FENCE.I after the release, the caller before return.
    StopOptions opt;
    opt.timeout = rendezvous_timeout;
    if (Error e = stop_the_world([] { return Error(); }, opt)) return e;
  } else {
    if (Error e = sync_step(used)) return e;
    local_fence_i();
  }
  (void)notify(observer, HookPatchEvent{Kind::kSyncDone, 0, 0, 0, used});
  return Error();
}

Result<SyncStrategy> patch_sites(std::span<const SitePatch> patches, const BatchOptions& o) {
  std::vector<SiteWrite> writes, undo;
  writes.reserve(patches.size() + 1);
  bool any_two_word = false;
  for (const SitePatch& p : patches) {
    if (Error err = encode_site(p, writes)) return err;
    SitePatch before = p;  // the state each site is in now, for the undo of a failed sync
    before.enable = !p.enable;
    before.bind = false;
    if (Error err = encode_site(before, undo)) return err;
    any_two_word |= p.layout == SiteLayout::kTwoWord;
  }
  const SyncStrategy used = resolve_sync(o.requested, o.policy, any_two_word);
  if (writes.empty()) return used;

  // As ftrace holds text_mutex around stop_machine: a parked thread must not hold it.
  std::lock_guard<std::recursive_mutex> text(text_lock());
  if (used != SyncStrategy::kStopTheWorld) return write_then_sync(writes, undo, used, o);

  // The seed: every registered thread parks; we write; the release increment frees them;
  // each runs FENCE.I before it returns to JIT code (stop_the_world.h), the caller too.
  // No PC fixup: no thread can be between two words that change (site_patch.h), in the
  // innermost signal frame or any outer one.
  const HookPatchObserver none;
  if (Error e = notify(o.observer ? *o.observer : none, HookPatchEvent{Kind::kSyncBegin, 0, 0, 0, used}))
    return e;
  StopOptions opt;
  opt.timeout = o.rendezvous_timeout;
  // One flip window for the whole batch (PatchBatch): every other thread is parked. No
  // allocation and no observer in here: a parked thread may hold the malloc lock.
  auto write_batch = [&]() -> Error {
    PatchBatch batch;
    Error err = write_all(writes, false);
    if (err) (void)write_all(undo, false);  // a half-written batch is never left behind
    Error closed = batch.close();
    return err ? err : closed;
  };
  if (Error err = stop_the_world(write_batch, opt)) return err;
  report_writes(o.observer, writes);
  (void)notify(o.observer ? *o.observer : none, HookPatchEvent{Kind::kSyncDone, 0, 0, 0, used});
  return used;
}

}  // namespace rvjit::hooks_internal
