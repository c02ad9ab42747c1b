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

struct Encoded {
  uintptr_t at;
  uint32_t words[2];
  size_t len;
};

Error write_all(const std::vector<Encoded>& enc, bool atomic_words) {
  for (const Encoded& e : enc) {
    const PatchFlags flags = (atomic_words && e.len == 4) ? PatchFlags::kAtomicWord : PatchFlags::kNone;
    if (Error err = patch_insn_write(reinterpret_cast<void*>(e.at), e.words, e.len, flags))
      return err;
  }
  return Error();
}

}  // namespace

Error encode_site(const SitePatch& p, uint32_t words[2], size_t* len) {
  *len = site_size(p.layout);
  if (!p.enable) {
    words[0] = words[1] = enc::kNop;
    return Error();
  }
  const int64_t off = static_cast<int64_t>(p.trampoline) - static_cast<int64_t>(p.entry);
  if (p.layout == SiteLayout::kOneWord) {
    if (!enc::is_int<21>(off))
      return Error(ErrorCode::kBranchOutOfRange,
                   "hooks: trampoline " + std::to_string(off) + " bytes from a one_word site");
    words[0] = enc::j_type(enc::kOpJal, kT0, off);  // jal t0, trampoline
    return Error();
  }
  if (!enc::fits_hi_lo(off))
    return Error(ErrorCode::kBranchOutOfRange, "hooks: trampoline beyond +-2 GiB of a two_word site");
  const enc::HiLo hl = enc::split_hi_lo(off);
  words[0] = enc::u_type(enc::kOpAuipc, kT0, hl.hi20);               // auipc t0, hi
  words[1] = enc::i_type(enc::kOpJalr, 0, kT0, kT0, hl.lo12);        // jalr t0, lo(t0)
  return Error();
}

SyncStrategy resolve_sync(SyncStrategy requested, WxPolicy policy, bool any_two_word) {
  // A two_word site can only change with every thread parked (a thread between its two
  // words is moved back by the rendezvous); under flip the write window parks them anyway.
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

Result<SyncStrategy> patch_sites(std::span<const SitePatch> patches, SyncStrategy requested,
                                 WxPolicy policy, std::chrono::milliseconds rendezvous_timeout) {
  std::vector<Encoded> enc;
  enc.reserve(patches.size());
  std::vector<PcFixupRange> fixups;
  bool any_two_word = false;
  for (const SitePatch& p : patches) {
    Encoded e{p.entry, {0, 0}, 0};
    if (Error err = encode_site(p, e.words, &e.len)) return err;
    enc.push_back(e);
    if (p.layout == SiteLayout::kTwoWord) {
      any_two_word = true;
      fixups.push_back(PcFixupRange{p.entry, p.entry + 8});
    }
  }
  const SyncStrategy used = resolve_sync(requested, policy, any_two_word);
  if (enc.empty()) return used;

  // As ftrace holds text_mutex around stop_machine: a parked thread must not hold it.
  std::lock_guard<std::recursive_mutex> text(text_lock());
  if (used == SyncStrategy::kStopTheWorld) {
    // The seed: every registered thread parks; we write; the release increment frees them;
    // each runs FENCE.I before it returns to JIT code (stop_the_world.h), the caller too.
    StopOptions opt;
    opt.timeout = rendezvous_timeout;
    opt.fixups = fixups;
    // One flip window for the whole batch (PatchBatch): every other thread is parked.
    auto write_batch = [&]() -> Error {
      PatchBatch batch;
      Error err = write_all(enc, false);
      Error closed = batch.close();
      return err ? err : closed;
    };
    if (Error err = stop_the_world(write_batch, opt)) return err;
    return used;
  }
  // one_word sites, dual_map: each site is one aligned 32-bit store, so a running thread
  // fetches the old or the new instruction, never a mix (Ziccif). Then one sync makes
  // every thread execute FENCE.I (membarrier SYNC_CORE / riscv_flush_icache flags 0); the
  // text lock's release orders our stores before it. The caller fences for itself.
  if (Error err = write_all(enc, true)) return err;
  Error sync = used == SyncStrategy::kMembarrier ? membarrier_sync_core() : flush_icache_all_threads();
  if (sync) return sync;
  local_fence_i();
  return used;
}

}  // namespace rvjit::hooks_internal
