// HookManager (hook_manager.h): the control side. Every control operation
//   1. recomputes which ops each function should carry (registration order),
//   2. publishes new SiteDispatch lists for functions whose set changed (data),
//   3. patches the sites whose state changes, all in ONE batch with ONE sync,
//   4. unpublishes lists of sites it disabled, then
//   5. runs one grace period and frees everything it replaced.
// Order matters: a site is enabled only after its list is published, and a list is taken
// away only after its site is disabled, so an enabled site never finds stale data.
#include "rvjit/hooks/hook_manager.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "hook_slot.h"
#include "site_patch.h"
#include "thread_state.h"
#include "trampoline.h"
#include "rvjit/jit/encoding.h"
#include "rvjit/runtime/coherence.h"
#include "rvjit/runtime/patch.h"

namespace rvjit {

using namespace hooks_internal;

namespace {

constexpr int64_t kJalReach = int64_t{1} << 20;

struct FunctionRec {
  std::string name;
  HookSlot slot;
  CodeHandle handle;
  InstalledCode code;
  SiteLayout layout = SiteLayout::kOneWord;
  uintptr_t trampoline = 0;  // entry trampoline of its layout
  bool site_enabled = false;
  std::vector<OpsRecord*> attached;  // what slot.dispatch lists
};

struct OpsEntry {
  std::unique_ptr<OpsRecord> record;
  HookFilter filter;
  bool enabled = false;
};

SiteDispatch* make_dispatch(const std::vector<OpsRecord*>& ops) {
  const size_t bytes = sizeof(SiteDispatch) + sizeof(OpsRecord*) * (ops.size() - 1);
  auto* d = static_cast<SiteDispatch*>(std::malloc(bytes));
  if (!d) return nullptr;
  d->count = static_cast<uint32_t>(ops.size());
  std::copy(ops.begin(), ops.end(), d->ops);
  return d;
}

Error check_ops(const rvjit_hook_ops& ops) {
  const bool entry = (ops.flags & RVJIT_HOOK_ENTRY) != 0, exit = (ops.flags & RVJIT_HOOK_EXIT) != 0;
  if (!entry && !exit)
    return Error(ErrorCode::kInvalidArgument, "hook ops: flags name neither ENTRY nor EXIT");
  if ((entry && !ops.entry) || (exit && !ops.exit))
    return Error(ErrorCode::kInvalidArgument, "hook ops: a callback named in flags is null");
  if (ops.flags & ~uint32_t{RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT | RVJIT_HOOK_MODIFY_REGS})
    return Error(ErrorCode::kInvalidArgument, "hook ops: unknown flag bits");
  return Error();
}

}  // namespace

struct HookManager::Impl {
  CodeCache& cache;
  HookManagerOptions opt;
  mutable std::mutex mu;  // serialises control operations (not taken by dispatchers)
  std::vector<std::unique_ptr<FunctionRec>> functions;
  std::unordered_map<std::string, FunctionRec*> by_name;
  std::vector<OpsEntry> ops;  // registration order
  uint64_t next_id = 1;
  std::map<uintptr_t, TrampolineSet> trampolines;  // by entry_one_word address
  HookStats stats;

  // Replaced data, freed after the next grace period.
  std::vector<const SiteDispatch*> retired_dispatch;
  std::vector<const Callbacks*> retired_callbacks;
  std::vector<std::unique_ptr<OpsRecord>> retired_ops;

  Impl(CodeCache& c, const HookManagerOptions& o) : cache(c), opt(o) {}

  OpsEntry* find_ops(HookOpsId id) {
    for (OpsEntry& e : ops)
      if (e.record->id == id) return &e;
    return nullptr;
  }
  Error unknown(HookOpsId id, const char* what) {
    return Error(ErrorCode::kNotFound, std::string(what) + ": no hook ops with id " + std::to_string(id));
  }

  std::vector<OpsRecord*> wanted(const FunctionRec& f) const {
    std::vector<OpsRecord*> out;
    for (const OpsEntry& e : ops)
      if (e.enabled && e.filter.matches(f.name)) out.push_back(e.record.get());
    return out;
  }

  Result<TrampolineSet> trampoline_for(const FunctionRec& f);
  Error apply(const std::vector<FunctionRec*>& scope);
  Error reclaim();
};

// A trampoline set within jal reach of the function's site, reusing one when possible
// (regions are <= 1 MiB, so at most a few sets exist).
Result<TrampolineSet> HookManager::Impl::trampoline_for(const FunctionRec& f) {
  const uintptr_t site = f.slot.entry;
  auto it = trampolines.lower_bound(site > kJalReach ? site - kJalReach + 64 : 0);
  for (; it != trampolines.end() && it->first < site + kJalReach - 64; ++it) {
    const int64_t d1 = static_cast<int64_t>(it->second.entry_one_word) - static_cast<int64_t>(site);
    const int64_t d2 = static_cast<int64_t>(it->second.entry_two_word) - static_cast<int64_t>(site);
    if (enc::is_int<21>(d1) && enc::is_int<21>(d2)) return it->second;
  }
  Result<AssembledTrampolines> t = assemble_trampolines();
  if (!t.ok()) return t.error();
  const std::vector<uint8_t>& bytes = t->code.code;
  // 4 spare bytes so the set (and its 8-byte pool) can start 8-byte aligned.
  const size_t size = (bytes.size() + 4 + 3) & ~size_t{3};
  Result<uintptr_t> slot = cache.reserve_trampoline(f.handle, size);
  if (!slot.ok()) return slot.error();
  const uintptr_t base = (*slot + 7) & ~uintptr_t{7};
  std::vector<uint8_t> image = bytes;
  if (Error e = apply_relocations(image.data(), base, t->code)) return e;
  // Written before any site points at it; the batch's sync makes it visible with the site.
  if (Error e = patch_insn_write(reinterpret_cast<void*>(base), image.data(), image.size()))
    return e;
  TrampolineSet set{base + t->entry_one_word_offset, base + t->entry_two_word_offset,
                    base + t->ret_offset};
  trampolines.emplace(set.entry_one_word, set);
  return set;
}

Error HookManager::Impl::apply(const std::vector<FunctionRec*>& scope) {
  std::vector<SitePatch> patches;
  std::vector<FunctionRec*> to_enable, to_disable;
  for (FunctionRec* f : scope) {
    std::vector<OpsRecord*> want = wanted(*f);
    if (want == f->attached) continue;
    if (want.empty()) {
      // Keep the list until the site no longer jumps (below, after the batch).
      if (f->site_enabled) {
        patches.push_back(SitePatch{f->slot.entry, 0, f->layout, false});
        to_disable.push_back(f);
      }
      continue;
    }
    SiteDispatch* d = make_dispatch(want);
    if (!d) return Error(ErrorCode::kOutOfMemory, "hooks: no memory for a dispatch list");
    // release: the list's contents before its pointer (pairs with the dispatcher's acquire).
    const SiteDispatch* old = f->slot.dispatch.exchange(d, std::memory_order_acq_rel);
    if (old) retired_dispatch.push_back(old);
    f->attached = std::move(want);
    if (f->site_enabled) continue;  // data only: the site already jumps
    if (f->trampoline == 0) {
      Result<TrampolineSet> t = trampoline_for(*f);
      if (!t.ok()) return t.error();
      f->trampoline = f->layout == SiteLayout::kOneWord ? t->entry_one_word : t->entry_two_word;
      // release: visible to a dispatcher before the site that leads there is enabled.
      f->slot.return_trampoline.store(t->ret, std::memory_order_release);
    }
    patches.push_back(SitePatch{f->slot.entry, f->trampoline, f->layout, true});
    to_enable.push_back(f);
  }
  if (!patches.empty()) {
    Result<SyncStrategy> used =
        patch_sites(patches, opt.sync, cache.policy(), opt.rendezvous_timeout);
    if (!used.ok()) {
      // Nothing was patched (the rendezvous aborts before its callback runs; sites are
      // encoded before any write). Sites that were to be enabled lose their new lists;
      // the caller restores its own state and applies again.
      for (FunctionRec* f : to_enable) {
        const SiteDispatch* d = f->slot.dispatch.exchange(nullptr, std::memory_order_acq_rel);
        if (d) retired_dispatch.push_back(d);
        f->attached.clear();
      }
      (void)reclaim();
      return used.error();
    }
    for (FunctionRec* f : to_enable) f->site_enabled = true;
    ++stats.batches;
    ++stats.syncs;
    stats.sites_patched += patches.size();
    stats.last_sync = *used;
  }
  // Disabled sites no longer jump; now take their lists away (a thread already past the
  // site finds nullptr or the old list, which stays valid until the grace period).
  for (FunctionRec* f : to_disable) {
    f->site_enabled = false;
    f->attached.clear();
    const SiteDispatch* old = f->slot.dispatch.exchange(nullptr, std::memory_order_acq_rel);
    if (old) retired_dispatch.push_back(old);
  }
  return reclaim();
}

Error HookManager::Impl::reclaim() {
  if (retired_dispatch.empty() && retired_callbacks.empty() && retired_ops.empty())
    return Error();
  if (Error e = grace_period(opt.grace_timeout)) return e;  // keep them; retry next time
  ++stats.grace_periods;
  for (const SiteDispatch* d : retired_dispatch) std::free(const_cast<SiteDispatch*>(d));
  for (const Callbacks* c : retired_callbacks) delete c;
  retired_dispatch.clear();
  retired_callbacks.clear();
  retired_ops.clear();
  return Error();
}

HookManager::HookManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HookManager>> HookManager::create(CodeCache& cache,
                                                         const HookManagerOptions& options) {
  init_thread_states();
  coherence_init();
  return std::unique_ptr<HookManager>(new HookManager(std::make_unique<Impl>(cache, options)));
}

HookManager::~HookManager() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (OpsEntry& e : impl_->ops) {
    impl_->retired_callbacks.push_back(e.record->callbacks.load(std::memory_order_relaxed));
    e.enabled = false;
  }
  std::vector<FunctionRec*> all;
  for (auto& f : impl_->functions) all.push_back(f.get());
  (void)impl_->apply(all);
  for (auto& f : impl_->functions) (void)impl_->cache.release(f->handle);
}

Result<HookedFunction> HookManager::install(const AssembledCode& code, std::string_view name) {
  const PatchSiteMark* site = nullptr;
  for (const PatchSiteMark& m : code.patch_sites) {
    if (!is_hook_site_tag(m.tag)) continue;
    if (site)
      return Error(ErrorCode::kInvalidArgument,
                   "hooks install '" + std::string(name) + "': more than one hook site");
    site = &m;
  }
  if (!site)
    return Error(ErrorCode::kInvalidArgument,
                 "hooks install '" + std::string(name) + "': no hook site (emit_hook_prologue)");
  const SiteLayout layout = hook_site_layout(site->tag);
  if (site->offset < 8 || site->offset % 8 != 0 || code.alignment < 8 ||
      site->length != site_size(layout))
    return Error(ErrorCode::kInvalidArgument,
                 "hooks install '" + std::string(name) + "': the hook word before the site is not 8-byte aligned");

  std::lock_guard<std::mutex> lock(impl_->mu);
  auto rec = std::make_unique<FunctionRec>();
  rec->name = std::string(name);
  rec->slot.name = rec->name.c_str();
  rec->layout = layout;
  // The hook word points at the slot from the moment the code is published; it never
  // changes afterwards, so dispatchers read it with a plain load.
  AssembledCode copy = code;
  const HookSlot* slot_ptr = &rec->slot;
  std::memcpy(copy.code.data() + site->offset - 8, &slot_ptr, sizeof slot_ptr);
  Result<InstalledCode> ic = impl_->cache.install(copy, name);
  if (!ic.ok()) return ic.error();
  rec->code = *ic;
  rec->handle = ic->handle;
  rec->slot.entry = ic->entry + site->offset;
  FunctionRec* f = rec.get();
  impl_->functions.push_back(std::move(rec));
  impl_->by_name[f->name] = f;
  if (Error e = impl_->apply({f})) return e;
  return HookedFunction{f->code, f->slot.entry, f->layout};
}

Result<HookOpsId> HookManager::register_ops(const rvjit_hook_ops& ops, HookFilter filter) {
  if (Error e = check_ops(ops)) return e;
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry e{std::make_unique<OpsRecord>(), std::move(filter), false};
  e.record->id = impl_->next_id++;
  e.record->callbacks.store(new Callbacks{ops.entry, ops.exit, ops.user_data, ops.flags},
                            std::memory_order_release);
  const HookOpsId id = e.record->id;
  impl_->ops.push_back(std::move(e));
  return id;
}

namespace {
std::vector<FunctionRec*> all_functions(std::vector<std::unique_ptr<FunctionRec>>& v) {
  std::vector<FunctionRec*> out;
  out.reserve(v.size());
  for (auto& f : v) out.push_back(f.get());
  return out;
}
}  // namespace

Error HookManager::enable(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "enable");
  if (e->enabled) return Error();
  e->enabled = true;
  Error err = impl_->apply(all_functions(impl_->functions));
  if (err) {
    e->enabled = false;
    (void)impl_->apply(all_functions(impl_->functions));  // data only: nothing to patch back
  }
  return err;
}

Error HookManager::disable(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "disable");
  if (!e->enabled) return Error();
  e->enabled = false;
  Error err = impl_->apply(all_functions(impl_->functions));
  if (err) {
    e->enabled = true;
    (void)impl_->apply(all_functions(impl_->functions));
  }
  return err;
}

Error HookManager::set_filter(HookOpsId id, HookFilter filter) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "set_filter");
  std::swap(e->filter, filter);
  if (!e->enabled) return Error();
  Error err = impl_->apply(all_functions(impl_->functions));
  if (err) {
    std::swap(e->filter, filter);
    (void)impl_->apply(all_functions(impl_->functions));
  }
  return err;
}

Error HookManager::swap(HookOpsId id, rvjit_hook_fn entry, rvjit_hook_fn exit, void* user_data) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "swap");
  const Callbacks* cur = e->record->callbacks.load(std::memory_order_relaxed);
  rvjit_hook_ops next{entry, exit, user_data, cur->flags};
  if (Error err = check_ops(next)) return err;
  // release: the new Callbacks' fields before the pointer (pairs with the dispatchers'
  // acquire). The old one is freed only after the grace period: no thread enters it after
  // swap() returns, and none is still inside it.
  const Callbacks* old = e->record->callbacks.exchange(
      new Callbacks{entry, exit, user_data, cur->flags}, std::memory_order_acq_rel);
  impl_->retired_callbacks.push_back(old);
  return impl_->reclaim();
}

Error HookManager::unregister(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "unregister");
  // 1. Detach it from every site (one batch). On failure it stays registered as it was.
  if (e->enabled) {
    e->enabled = false;
    if (Error err = impl_->apply(all_functions(impl_->functions))) {
      e->enabled = true;
      (void)impl_->apply(all_functions(impl_->functions));
      return err;
    }
  }
  // 2. No list names it any more; after one grace period no thread can still hold it.
  auto it = std::find_if(impl_->ops.begin(), impl_->ops.end(),
                         [&](const OpsEntry& x) { return x.record->id == id; });
  impl_->retired_callbacks.push_back(it->record->callbacks.load(std::memory_order_relaxed));
  impl_->retired_ops.push_back(std::move(it->record));
  impl_->ops.erase(it);
  return impl_->reclaim();
}

Error HookManager::set_sync_strategy(SyncStrategy s) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->opt.sync = s;
  return Error();
}

SyncStrategy HookManager::sync_strategy() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->opt.sync;
}

SyncStrategy HookManager::effective_sync(SiteLayout layout) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return resolve_sync(impl_->opt.sync, impl_->cache.policy(), layout == SiteLayout::kTwoWord);
}

HookStats HookManager::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  HookStats s = impl_->stats;
  s.functions = impl_->functions.size();
  s.ops = impl_->ops.size();
  s.enabled_sites = 0;
  for (const auto& f : impl_->functions) s.enabled_sites += f->site_enabled;
  s.shadow_overflows = shadow_overflows();
  return s;
}

Result<bool> HookManager::site_enabled(std::string_view name) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->by_name.find(std::string(name));
  if (it == impl_->by_name.end())
    return Error(ErrorCode::kNotFound, "no hooked function '" + std::string(name) + "'");
  return it->second->site_enabled;
}

}  // namespace rvjit
