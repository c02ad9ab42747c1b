// HookManager (hook_manager.h): the control side. Every control operation
//   1. changes the configuration (an ops enabled, a filter, a new function),
//   2. applies it as ONE transaction (Impl::apply): new SiteDispatch lists for sites it
//      enables are published, the sites whose state changes are patched in ONE batch with
//      ONE sync, then the other lists change; if the batch fails, the lists are put back
//      and the configuration change is reverted, so a failed call leaves the manager and
//      the code as they were;
//   3. runs one grace period and frees everything it replaced.
// Order matters: a site is enabled only after its list is published, and a list is taken
// away only after its site is disabled, so an enabled site never finds stale data.
// Trampoline sets are written and synced at install, before any site can link to them.
#include "rvjit/hooks/hook_manager.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#include "fork_guard.h"
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
  HookSignature sig;         // as declared at install
  uintptr_t trampoline = 0;  // entry trampoline of its layout, bound at install
  bool fast_trampoline = false;  // `trampoline` is a fast entry (slot.fast is read)
  // The fast exit path of its set (fast_trampoline only): what exit records name.
  uintptr_t fast_ret = 0, stub_entry_exit = 0, stub_exit = 0;
  bool site_enabled = false;
  bool word1_bound = false;  // two_word: word 1 holds its `jalr` (written once)
  std::vector<OpsRecord*> attached;  // what slot.dispatch lists
};

struct OpsEntry {
  std::unique_ptr<OpsRecord> record;
  HookFilter filter;
  bool enabled = false;
};

struct TrampolineRec {
  TrampolineSet set;
  bool synced = false;  // every thread can fetch it: sites may link to it
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
  const bool args = (ops.flags & RVJIT_HOOK_ENTRY_ARGS) != 0;
  const bool ret = (ops.flags & RVJIT_HOOK_EXIT_RET) != 0;
  if (entry && args)
    return Error(ErrorCode::kInvalidArgument, "hook ops: ENTRY and ENTRY_ARGS share one callback field");
  if (exit && ret)
    return Error(ErrorCode::kInvalidArgument, "hook ops: EXIT and EXIT_RET share one callback field");
  if (!entry && !exit && !args && !ret)
    return Error(ErrorCode::kInvalidArgument,
                 "hook ops: flags name neither ENTRY, ENTRY_ARGS, EXIT nor EXIT_RET");
  if ((entry && !ops.entry) || (exit && !ops.exit) || (args && !ops.entry_args) ||
      (ret && !ops.exit_ret))
    return Error(ErrorCode::kInvalidArgument, "hook ops: a callback named in flags is null");
  if (ops.flags & ~uint32_t{RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT | RVJIT_HOOK_MODIFY_REGS |
                            RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET})
    return Error(ErrorCode::kInvalidArgument, "hook ops: unknown flag bits");
  return Error();
}

// The two readings of the callback union (hooks.h): by the flag that names it.
rvjit_hook_fn entry_of(const rvjit_hook_ops& o) {
  return (o.flags & RVJIT_HOOK_ENTRY_ARGS) ? nullptr : o.entry;
}
rvjit_hook_args_fn args_of(const rvjit_hook_ops& o) {
  return (o.flags & RVJIT_HOOK_ENTRY_ARGS) ? o.entry_args : nullptr;
}
// The dispatchers call what is non-null: only what the flags name.
rvjit_hook_fn exit_of(const rvjit_hook_ops& o) {
  return (o.flags & RVJIT_HOOK_EXIT) ? o.exit : nullptr;
}
rvjit_hook_ret_fn ret_of(const rvjit_hook_ops& o) {
  return (o.flags & RVJIT_HOOK_EXIT_RET) ? o.exit_ret : nullptr;
}
Callbacks* make_callbacks(const rvjit_hook_ops& o) {
  return new Callbacks{entry_of(o), exit_of(o), o.user_data, o.flags, args_of(o), ret_of(o)};
}

// What an entry-only fast record calls at a return: a frame pushed while an exit ops
// was attached may return through the fast return trampoline after it was replaced.
void no_exit(uint64_t, uint64_t, const rvjit_hook_args_info*) {}

uint32_t read_word(const AssembledCode& code, size_t offset) {
  uint32_t w;
  std::memcpy(&w, code.code.data() + offset, 4);
  return w;
}

// The one hook site of `code`, checked: inside the code, 8-aligned after an 8-byte hook
// word, and holding the disabled pattern (emit_hook_prologue).
Result<const PatchSiteMark*> find_site(const AssembledCode& code, std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "hooks install '" + std::string(name) + "': " + why);
  };
  const PatchSiteMark* site = nullptr;
  for (const PatchSiteMark& m : code.patch_sites) {
    if (!is_hook_site_tag(m.tag)) continue;
    if (site) return bad("more than one hook site");
    site = &m;
  }
  if (!site) return bad("no hook site (emit_hook_prologue)");
  const SiteLayout layout = hook_site_layout(site->tag);
  const size_t size = code.code.size(), len = site_size(layout);
  if (site->length != len) return bad("the site mark's length is not the layout's");
  if (site->offset > size || size - site->offset < len)
    return bad("the site at offset " + std::to_string(site->offset) + " (" + std::to_string(len) +
               " bytes) lies beyond the code's " + std::to_string(size) + " bytes");
  if (site->offset < 8 || site->offset % 8 != 0 || code.alignment < 8)
    return bad("the hook word before the site is not 8-byte aligned");
  const bool disabled =
      layout == SiteLayout::kOneWord
          ? read_word(code, site->offset) == kDisabledOneWord
          : read_word(code, site->offset) == kDisabledTwoWord0 &&
                read_word(code, site->offset + 4) == kUnboundTwoWord1;
  if (!disabled)
    return bad(std::string("the bytes at the site are not a disabled ") + site_layout_name(layout) +
               " site (emit_hook_prologue)");
  return site;
}

}  // namespace

struct HookManager::Impl {
  CodeCache& cache;
  HookManagerOptions opt;
  mutable std::mutex mu;  // serialises control operations (not taken by dispatchers)
  std::vector<std::unique_ptr<FunctionRec>> functions;
  std::unordered_map<std::string, FunctionRec*> by_name;
  // Records of installs that failed after publication: their HookSlot stays valid for as
  // long as the manager (a hook word points at it).
  std::vector<std::unique_ptr<FunctionRec>> failed_installs;
  std::vector<OpsEntry> ops;  // registration order
  uint64_t next_id = 1;
  std::map<uintptr_t, TrampolineRec> trampolines;  // by entry_one_word address
  HookStats stats;

  // Replaced data, freed after the next grace period; ids unregistered whose data is in it.
  std::vector<const SiteDispatch*> retired_dispatch;
  std::vector<const Callbacks*> retired_callbacks;
  std::vector<const FastRecord*> retired_fast;
  std::vector<std::unique_ptr<OpsRecord>> retired_ops;
  std::vector<HookOpsId> pending_unregister;

  Impl(CodeCache& c, const HookManagerOptions& o) : cache(c), opt(o) {}

  OpsEntry* find_ops(HookOpsId id) {
    for (OpsEntry& e : ops)
      if (e.record->id == id) return &e;
    return nullptr;
  }
  Error unknown(HookOpsId id, const char* what) {
    return Error(ErrorCode::kNotFound, std::string(what) + ": no hook ops with id " + std::to_string(id));
  }
  std::vector<FunctionRec*> all_functions() {
    std::vector<FunctionRec*> out;
    out.reserve(functions.size());
    for (auto& f : functions) out.push_back(f.get());
    return out;
  }

  std::vector<OpsRecord*> wanted(const FunctionRec& f) const {
    std::vector<OpsRecord*> out;
    for (const OpsEntry& e : ops)
      if (e.enabled && e.filter.matches(f.name)) out.push_back(e.record.get());
    return out;
  }

  Result<TrampolineSet> trampoline_for(const FunctionRec& f);
  // The fast record `f` gets with `list` attached: nullptr when the general path must run
  // (not exactly one ops, or one that asks for more than ENTRY_ARGS). Sets *oom on
  // allocation failure.
  static FastRecord* make_fast(const FunctionRec& f, const std::vector<OpsRecord*>& list, bool* oom);
  static FastRecord* make_fast_with(const FunctionRec& f, const Callbacks* cb, bool* oom);
  // Publishes `rec` as f's fast record (release: its fields before the pointer) and
  // retires the old one to the next grace period.
  void publish_fast(FunctionRec& f, const FastRecord* rec) {
    if (!f.fast_trampoline) return;
    const FastRecord* old = f.slot.fast.exchange(rec, std::memory_order_acq_rel);
    if (old) retired_fast.push_back(old);
  }
  Error write_trampoline_set(const FunctionRec& f, TrampolineSet* out);
  Error sync_trampolines(TrampolineRec& t);
  Error bind(FunctionRec& f);
  Error apply(const std::vector<FunctionRec*>& scope);
  // mutate(); apply to every function; on error revert() (apply already put the lists and
  // the code back), so the call fails with nothing changed.
  template <class Mutate, class Revert>
  Error transact(Mutate mutate, Revert revert) {
    mutate();
    Error err = apply(all_functions());
    if (err) revert();
    return err;
  }
  Error reclaim();
  // After a call whose guarantee does not depend on freeing (enable, disable, ...): a
  // grace period that times out keeps the data for the next one.
  void reclaim_when_possible() { (void)reclaim(); }
};

// Writes a new trampoline set in the function's region (plain stores through the code
// cache; nothing can reach it yet).
Error HookManager::Impl::write_trampoline_set(const FunctionRec& f, TrampolineSet* out) {
  Result<AssembledTrampolines> t = assemble_trampolines(asymmetric_fence());
  if (!t.ok()) return t.error();
  const std::vector<uint8_t>& bytes = t->code.code;
  // 4 spare bytes so the set (and its 8-byte pool) can start 8-byte aligned.
  const size_t size = (bytes.size() + 4 + 3) & ~size_t{3};
  Result<uintptr_t> slot = cache.reserve_trampoline(f.handle, size);
  if (!slot.ok()) return slot.error();
  const uintptr_t base = (*slot + 7) & ~uintptr_t{7};
  std::vector<uint8_t> image = bytes;
  if (Error e = apply_relocations(image.data(), base, t->code)) return e;
  if (Error e = patch_insn_write(reinterpret_cast<void*>(base), image.data(), image.size()))
    return e;
  (void)notify(opt.patch_observer, HookPatchEvent{HookPatchEvent::Kind::kTrampolineWritten, base,
                                                  image.size(), 0, SyncStrategy::kAuto});
  *out = TrampolineSet{base + t->entry_one_word_offset, base + t->entry_two_word_offset,
                       base + t->ret_offset, {}};
  if (t->fast_ret_offset != 0) {
    out->fast_ret = base + t->fast_ret_offset;
    out->stub_entry_exit = base + t->stub_entry_exit_offset;
    out->stub_exit = base + t->stub_exit_offset;
  }
  for (int l = 0; l < 2; ++l)
    for (int k = 0; k < kFastArities; ++k)
      out->fast[l][k] = t->fast_offset[l][k] ? base + t->fast_offset[l][k] : 0;
  return Error();
}

// Makes a written set fetchable by every thread before any site links to it (as Linux
// syncs a BPF trampoline before text_poke links it): under Ziccif another hart could fetch
// a new `jal` before the batch's sync and then trampoline bytes it never synced.
Error HookManager::Impl::sync_trampolines(TrampolineRec& t) {
  if (t.synced) return Error();
  const SyncStrategy s = resolve_sync(opt.sync, cache.policy(), false);
  if (Error e = sync_all_threads(s, opt.rendezvous_timeout, opt.patch_observer)) return e;
  t.synced = true;
  ++stats.trampoline_syncs;
  return Error();
}

// A synced trampoline set within jal reach of the function's site, reusing one when
// possible (regions are <= 1 MiB, so at most a few sets exist).
Result<TrampolineSet> HookManager::Impl::trampoline_for(const FunctionRec& f) {
  const uintptr_t site = f.slot.entry;
  auto it = trampolines.lower_bound(site > kJalReach ? site - kJalReach + 64 : 0);
  for (; it != trampolines.end() && it->first < site + kJalReach - 64; ++it) {
    const int64_t d1 = static_cast<int64_t>(it->second.set.entry_one_word) - static_cast<int64_t>(site);
    const int64_t d2 = static_cast<int64_t>(it->second.set.entry_two_word) - static_cast<int64_t>(site);
    if (!enc::is_int<21>(d1) || !enc::is_int<21>(d2)) continue;
    if (Error e = sync_trampolines(it->second)) return e;  // an earlier sync failed
    return it->second.set;
  }
  TrampolineSet set;
  if (Error e = write_trampoline_set(f, &set)) return e;
  TrampolineRec& rec = trampolines.emplace(set.entry_one_word, TrampolineRec{set, false}).first->second;
  if (Error e = sync_trampolines(rec)) return e;  // kept unsynced: the next use retries
  return set;
}

// At install: the function's trampolines, fixed for its lifetime (a two_word site's word 1
// is written once, so its target can never change).
Error HookManager::Impl::bind(FunctionRec& f) {
  Result<TrampolineSet> t = trampoline_for(f);
  if (!t.ok()) return t.error();
  f.trampoline = f.layout == SiteLayout::kOneWord ? t->entry_one_word : t->entry_two_word;
  // A declared signature the fast entries cover: the site links to the fast entry of its
  // arity for good (it falls back to the general entry by itself, per call).
  if (f.sig.int_args >= 0 && f.sig.int_args < kFastArities && f.sig.fp_args == 0) {
    const uintptr_t fast = t->fast[f.layout == SiteLayout::kOneWord ? 0 : 1][f.sig.int_args];
    const int64_t d = static_cast<int64_t>(fast) - static_cast<int64_t>(f.slot.entry);
    if (fast != 0 && enc::is_int<21>(d)) {
      f.trampoline = fast;
      f.fast_trampoline = true;
      f.fast_ret = t->fast_ret;
      f.stub_entry_exit = t->stub_entry_exit;
      f.stub_exit = t->stub_exit;
    }
  }
  // release: visible to a dispatcher before the site that leads there is enabled.
  f.slot.return_trampoline.store(t->ret, std::memory_order_release);
  return Error();
}

// The kinds the fast trampolines run (hook_slot.h, FastRecord); anything else asks for
// more (ctx callbacks, MODIFY_REGS): the general path.
FastRecord* HookManager::Impl::make_fast_with(const FunctionRec& f, const Callbacks* cb, bool* oom) {
  const rvjit_hook_args_info info{cb->user_data, f.slot.entry, f.slot.name};
  FastRecord rec{info, nullptr, nullptr, no_exit, 0};
  if (cb->flags == RVJIT_HOOK_ENTRY_ARGS) {
    rec.fn = cb->entry_args;
  } else if (cb->flags == (RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET) && f.stub_entry_exit) {
    rec = FastRecord{info, reinterpret_cast<rvjit_hook_args_fn>(f.stub_entry_exit), cb->entry_args,
                     cb->exit_ret, f.fast_ret};
  } else if (cb->flags == RVJIT_HOOK_EXIT_RET && f.stub_exit) {
    rec = FastRecord{info, reinterpret_cast<rvjit_hook_args_fn>(f.stub_exit), nullptr, cb->exit_ret,
                     f.fast_ret};
  } else {
    return nullptr;
  }
  auto* r = new (std::nothrow) FastRecord(rec);
  if (!r) *oom = true;
  return r;
}

FastRecord* HookManager::Impl::make_fast(const FunctionRec& f, const std::vector<OpsRecord*>& list,
                                         bool* oom) {
  if (!f.fast_trampoline || list.size() != 1) return nullptr;
  return make_fast_with(f, list[0]->callbacks.load(std::memory_order_acquire), oom);
}

Error HookManager::Impl::apply(const std::vector<FunctionRec*>& scope) {
  enum class Action { kData, kEnable, kDisable };
  struct Step {
    FunctionRec* f;
    std::vector<OpsRecord*> want;
    Action action;
    SiteDispatch* list = nullptr;  // the new list (nullptr: none)
    FastRecord* fast = nullptr;    // the new fast record (nullptr: none)
  };
  std::vector<Step> steps;
  for (FunctionRec* f : scope) {
    std::vector<OpsRecord*> want = wanted(*f);
    if (want == f->attached) continue;
    const Action a = want.empty() ? (f->site_enabled ? Action::kDisable : Action::kData)
                                  : (f->site_enabled ? Action::kData : Action::kEnable);
    steps.push_back(Step{f, std::move(want), a});
  }
  // 1. Every new list, before anything visible changes.
  for (Step& s : steps) {
    if (s.want.empty()) continue;
    bool oom = false;
    s.list = make_dispatch(s.want);
    s.fast = s.list ? make_fast(*s.f, s.want, &oom) : nullptr;
    if (!s.list || oom) {
      for (Step& t : steps) {
        std::free(t.list);
        delete t.fast;
      }
      return Error(ErrorCode::kOutOfMemory, "hooks: no memory for a dispatch list");
    }
  }
  // 2. Sites about to be enabled get their lists first (they do not jump yet).
  // release: the list's contents before its pointer (pairs with the dispatcher's acquire).
  std::vector<SitePatch> patches;
  for (Step& s : steps) {
    if (s.action == Action::kData) continue;
    FunctionRec* f = s.f;
    const bool enable = s.action == Action::kEnable;
    if (enable) {
      (void)f->slot.dispatch.exchange(s.list, std::memory_order_acq_rel);  // was nullptr
      publish_fast(*f, s.fast);  // replaces nullptr (or a record retired already)
    }
    patches.push_back(SitePatch{f->slot.entry, f->trampoline, f->layout, enable,
                                enable && f->layout == SiteLayout::kTwoWord && !f->word1_bound});
  }
  // 3. One batch, one sync. On failure the code is as it was: put the lists back.
  if (!patches.empty()) {
    BatchOptions bo{opt.sync, cache.policy(), opt.rendezvous_timeout, &opt.patch_observer};
    Result<SyncStrategy> used = patch_sites(patches, bo);
    if (!used.ok()) {
      for (Step& s : steps) {
        if (s.action == Action::kEnable) {
          s.f->slot.dispatch.store(nullptr, std::memory_order_release);
          retired_dispatch.push_back(s.list);  // a stale-fetching thread may hold it
          publish_fast(*s.f, nullptr);         // retires s.fast
          if (!s.f->fast_trampoline) delete s.fast;
        } else {
          std::free(s.list);  // never published
          delete s.fast;
        }
      }
      return used.error();
    }
    ++stats.batches;
    ++stats.syncs;
    stats.sites_patched += patches.size();
    stats.last_sync = *used;
  }
  // 4. Commit. Disabled sites no longer jump: take their lists away (a thread already past
  // the site finds nullptr or the old list, which stays valid until the grace period).
  for (Step& s : steps) {
    FunctionRec* f = s.f;
    if (s.action == Action::kEnable) {
      if (!f->fast_trampoline) delete s.fast;
      f->site_enabled = true;
      f->word1_bound |= f->layout == SiteLayout::kTwoWord;
    } else {
      if (s.action == Action::kDisable) f->site_enabled = false;
      const SiteDispatch* old = f->slot.dispatch.exchange(s.list, std::memory_order_acq_rel);
      if (old) retired_dispatch.push_back(old);
      publish_fast(*f, s.fast);
      if (!f->fast_trampoline) delete s.fast;
    }
    f->attached = std::move(s.want);
  }
  return Error();
}

Error HookManager::Impl::reclaim() {
  if (retired_dispatch.empty() && retired_callbacks.empty() && retired_ops.empty() &&
      retired_fast.empty())
    return Error();
  if (Error e = grace_period(opt.grace_timeout)) return e;  // keep them; retry next time
  ++stats.grace_periods;
  for (const SiteDispatch* d : retired_dispatch) std::free(const_cast<SiteDispatch*>(d));
  for (const Callbacks* c : retired_callbacks) delete c;
  for (const FastRecord* r : retired_fast) delete r;
  retired_fast.clear();
  retired_dispatch.clear();
  retired_callbacks.clear();
  retired_ops.clear();
  pending_unregister.clear();
  return Error();
}

HookManager::HookManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  track_manager_mutex(&impl_->mu);
}

Result<std::unique_ptr<HookManager>> HookManager::create(CodeCache& cache,
                                                         const HookManagerOptions& options) {
  init_thread_states();
  coherence_init();
  return std::unique_ptr<HookManager>(new HookManager(std::make_unique<Impl>(cache, options)));
}

HookManager::~HookManager() {
  untrack_manager_mutex(&impl_->mu);
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (OpsEntry& e : impl_->ops) {
    impl_->retired_callbacks.push_back(e.record->callbacks.load(std::memory_order_relaxed));
    e.enabled = false;
  }
  (void)impl_->apply(impl_->all_functions());
  (void)impl_->reclaim();
  for (auto& f : impl_->functions) (void)impl_->cache.release(f->handle);
}

Result<HookedFunction> HookManager::install(const AssembledCode& code, std::string_view name,
                                            HookSignature sig) {
  Result<const PatchSiteMark*> found = find_site(code, name);
  if (!found.ok()) return found.error();
  const PatchSiteMark* site = *found;

  std::lock_guard<std::mutex> lock(impl_->mu);
  auto rec = std::make_unique<FunctionRec>();
  rec->name = std::string(name);
  rec->slot.name = rec->name.c_str();
  rec->layout = hook_site_layout(site->tag);
  rec->sig = sig;
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
  Error err = impl_->bind(*f);
  if (!err) {
    impl_->functions.push_back(std::move(rec));
    impl_->by_name[f->name] = f;
    err = impl_->apply({f});
    if (err) {  // nothing attached (apply is all or nothing): take it out again
      rec = std::move(impl_->functions.back());
      impl_->functions.pop_back();
      impl_->by_name.erase(f->name);
    }
  }
  if (err) {
    (void)impl_->cache.release(f->handle);  // never handed out, never enabled
    impl_->failed_installs.push_back(std::move(rec));
    return err;
  }
  return HookedFunction{f->code, f->slot.entry, f->layout, f->fast_trampoline};
}

Result<HookOpsId> HookManager::register_ops(const rvjit_hook_ops& ops, HookFilter filter) {
  if (Error e = check_ops(ops)) return e;
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry e{std::make_unique<OpsRecord>(), std::move(filter), false};
  e.record->id = impl_->next_id++;
  e.record->callbacks.store(make_callbacks(ops), std::memory_order_release);
  const HookOpsId id = e.record->id;
  impl_->ops.push_back(std::move(e));
  return id;
}

Error HookManager::enable(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "enable");
  if (e->enabled) return Error();
  if (Error err = impl_->transact([&] { e->enabled = true; }, [&] { e->enabled = false; }))
    return err;
  impl_->reclaim_when_possible();
  return Error();
}

Error HookManager::disable(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "disable");
  if (!e->enabled) return Error();
  if (Error err = impl_->transact([&] { e->enabled = false; }, [&] { e->enabled = true; }))
    return err;
  impl_->reclaim_when_possible();
  return Error();
}

Error HookManager::set_filter(HookOpsId id, HookFilter filter) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "set_filter");
  auto exchange = [&] { std::swap(e->filter, filter); };
  if (!e->enabled) {
    exchange();
    return Error();
  }
  if (Error err = impl_->transact(exchange, exchange)) return err;
  impl_->reclaim_when_possible();
  return Error();
}

Error HookManager::swap(HookOpsId id, rvjit_hook_fn entry, rvjit_hook_fn exit, void* user_data) {
  rvjit_hook_args_fn args = nullptr;
  rvjit_hook_ret_fn ret = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    OpsEntry* e = impl_->find_ops(id);
    if (!e) return impl_->unknown(id, "swap");
    const Callbacks* cur = e->record->callbacks.load(std::memory_order_relaxed);
    args = cur->entry_args;
    ret = cur->exit_ret;
  }
  rvjit_hook_ops next{};
  if (args) next.entry_args = args;  // an ENTRY_ARGS ops keeps its callback
  else next.entry = entry;
  if (ret) next.exit_ret = ret;  // an EXIT_RET ops keeps its callback
  else next.exit = exit;
  next.user_data = user_data;
  return swap(id, next);
}

Error HookManager::swap(HookOpsId id, const rvjit_hook_ops& ops) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "swap");
  const Callbacks* cur = e->record->callbacks.load(std::memory_order_relaxed);
  rvjit_hook_ops next = ops;
  next.flags = cur->flags;
  if (Error err = check_ops(next)) return err;
  auto* fresh = make_callbacks(next);
  // The fast records of the sites it alone is attached to name the callbacks themselves:
  // new ones, made before anything is published.
  std::vector<std::pair<FunctionRec*, FastRecord*>> fast;
  for (auto& f : impl_->functions) {
    if (!f->fast_trampoline || f->attached.size() != 1 || f->attached[0] != e->record.get()) continue;
    bool oom = false;
    FastRecord* r = Impl::make_fast_with(*f, fresh, &oom);
    if (oom) {
      for (auto& p : fast) delete p.second;
      delete fresh;
      return Error(ErrorCode::kOutOfMemory, "hooks: no memory for a fast record");
    }
    fast.emplace_back(f.get(), r);
  }
  // release: the new Callbacks' fields before the pointer (pairs with the dispatchers'
  // acquire). The old one is freed only after the grace period: no thread enters it after
  // swap() returns, and none is still inside it (kBusy: synchronize() completes it).
  const Callbacks* old = e->record->callbacks.exchange(fresh, std::memory_order_acq_rel);
  for (auto& p : fast) impl_->publish_fast(*p.first, p.second);
  impl_->retired_callbacks.push_back(old);
  return impl_->reclaim();
}

Error HookManager::unregister(HookOpsId id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto& pending = impl_->pending_unregister;
  if (std::find(pending.begin(), pending.end(), id) != pending.end())
    return impl_->reclaim();  // an earlier call detached it; wait again
  OpsEntry* e = impl_->find_ops(id);
  if (!e) return impl_->unknown(id, "unregister");
  // 1. Detach it from every site (one batch). On failure it stays registered as it was.
  if (e->enabled) {
    if (Error err = impl_->transact([&] { e->enabled = false; }, [&] { e->enabled = true; }))
      return err;
  }
  // 2. No list names it any more; after one grace period no thread can still hold it.
  auto it = std::find_if(impl_->ops.begin(), impl_->ops.end(),
                         [&](const OpsEntry& x) { return x.record->id == id; });
  impl_->retired_callbacks.push_back(it->record->callbacks.load(std::memory_order_relaxed));
  impl_->retired_ops.push_back(std::move(it->record));
  impl_->ops.erase(it);
  pending.push_back(id);  // until the grace period completes
  return impl_->reclaim();
}

Error HookManager::synchronize() {
  std::lock_guard<std::mutex> lock(impl_->mu);
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
