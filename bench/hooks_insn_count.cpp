// hooks_insn_count: the RV64 program whose calls tools/hooks_insn_count.py counts,
// instruction by instruction (gdb `stepi` over qemu-riscv64's gdbstub).
//
// It installs `long f(long x) { return x + 1; }` (addi; ret) in four variants per site
// layout -- (a) no hook prologue, (b) a disabled site, (c) an enabled entry hook whose
// callback is empty, (d) entry + exit hooks with empty callbacks -- warms every variant
// up (the first hooked call of a thread claims its dispatcher slot), then calls each once
// more through hooks_insn_count_call(), the marker the gdb script stops at. Its arguments
// tell the script what is where: a0 label, a1 the entry to call, [a2, a3) the function's
// installed bytes (hook word + site + body), [a4, a5) the site.
//
// Run alone it only checks itself (site states, results) and prints the variants:
//   qemu-riscv64 -L /usr/riscv64-linux-gnu build/<dir>/bench/hooks_insn_count
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "hooks_bench_code.h"
#include "rvjit/hooks/hook_manager.h"
#include "rvjit/runtime/thread_registry.h"

using namespace rvjit;

extern "C" {
// The empty callbacks of (c) and (d): each compiles to a single `ret`.
[[gnu::noinline]] void hooks_insn_count_empty_entry(const rvjit_hook_ctx*, void*) {}
[[gnu::noinline]] void hooks_insn_count_empty_exit(const rvjit_hook_ctx*, void*) {}
// The fast path's empty entry callback (RVJIT_HOOK_ENTRY_ARGS).
[[gnu::noinline]] void hooks_insn_count_empty_args(uint64_t, uint64_t, const rvjit_hook_args_info*) {}
// The fast path's empty exit callback (RVJIT_HOOK_EXIT_RET).
[[gnu::noinline]] void hooks_insn_count_empty_ret(uint64_t, uint64_t, const rvjit_hook_args_info*) {}

// The marker: the script single-steps from here into `fn` and counts until `fn` returns
// here. Not a tail call, so the return address is inside this function.
[[gnu::noinline]] long hooks_insn_count_call(const char* label, uintptr_t fn, uintptr_t code_begin,
                                             uintptr_t code_end, uintptr_t site_begin,
                                             uintptr_t site_end, long x) {
  asm volatile("" ::"r"(label), "r"(code_begin), "r"(code_end), "r"(site_begin), "r"(site_end));
  long r = reinterpret_cast<long (*)(long)>(fn)(x);
  asm volatile("" : "+r"(r)::"memory");
  return r;
}
}

namespace {

struct Variant {
  std::string label;
  uintptr_t entry = 0, begin = 0, end = 0, site_begin = 0, site_end = 0;
};

template <class T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(r.value());
}
void must(Error e, const char* what) {
  if (e) {
    std::fprintf(stderr, "%s: %s\n", what, e.to_string().c_str());
    std::exit(1);
  }
}

}  // namespace

int main() {
  ThreadRegistration me("hooks_insn_count");
  must(me.error(), "register thread");
  auto cache = must(CodeCache::create(), "CodeCache::create");
  auto hm = must(HookManager::create(*cache), "HookManager::create");

  std::vector<Variant> vs;
  for (SiteLayout layout : {SiteLayout::kOneWord, SiteLayout::kTwoWord}) {
    const std::string l = site_layout_name(layout);
    InstalledCode plain = must(cache->install(hooks_bench::add_k(std::nullopt, 1), l + ".none"),
                               "install plain");
    vs.push_back({l + " (a) no hook prologue", plain.entry, plain.entry, plain.entry + plain.size, 0, 0});
    struct Kind {
      const char* name;
      const char* tag;
      HookSignature sig;
    };
    // (c)/(d): the fast path (signature declared: 1 integer argument, no FP; one ops with
    // an entry_args callback); the -general rows: no declared signature, ctx callbacks.
    const HookSignature one_int = HookSignature::of(1, 0);
    for (const Kind& k : {Kind{"disabled", "(b) disabled site", {}},
                          Kind{"fast_entry", "(c) entry hook, empty callback (fast: declared signature, entry_args)", one_int},
                          Kind{"fast_entry_exit", "(d) entry + exit hooks, empty callbacks (fast: declared signature, entry_args + exit_ret)", one_int},
                          Kind{"entry", "(c-general) entry hook, empty callback (no declared signature)", {}},
                          Kind{"entry_exit", "(d-general) entry + exit hooks, empty callbacks (no declared signature)", {}}}) {
      const char* kind = k.name;
      const char* tag = k.tag;
      HookedFunction f =
          must(hm->install(hooks_bench::add_k(layout, 1), l + "." + kind, k.sig), "install");
      vs.push_back({l + " " + tag, f.entry, f.code.entry, f.code.entry + f.code.size, f.entry,
                    f.entry + site_size(layout)});
    }
  }

  rvjit_hook_ops entry_ops{hooks_insn_count_empty_entry, nullptr, nullptr, RVJIT_HOOK_ENTRY};
  rvjit_hook_ops both_ops{hooks_insn_count_empty_entry, hooks_insn_count_empty_exit, nullptr,
                          RVJIT_HOOK_ENTRY | RVJIT_HOOK_EXIT};
  HookOpsId e = must(hm->register_ops(entry_ops, HookFilter::glob("*.entry")), "register entry");
  HookOpsId b = must(hm->register_ops(both_ops, HookFilter::glob("*.entry_exit")), "register both");
  rvjit_hook_ops fast_entry_ops{};
  fast_entry_ops.entry_args = hooks_insn_count_empty_args;
  fast_entry_ops.flags = RVJIT_HOOK_ENTRY_ARGS;
  rvjit_hook_ops fast_both_ops = fast_entry_ops;
  fast_both_ops.exit_ret = hooks_insn_count_empty_ret;
  fast_both_ops.flags = RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET;
  HookOpsId fe = must(hm->register_ops(fast_entry_ops, HookFilter::glob("*.fast_entry")), "register fast entry");
  HookOpsId fb = must(hm->register_ops(fast_both_ops, HookFilter::glob("*.fast_entry_exit")), "register fast both");
  must(hm->enable(e), "enable entry");
  must(hm->enable(b), "enable entry+exit");
  must(hm->enable(fe), "enable fast entry");
  must(hm->enable(fb), "enable fast entry+exit");
  for (const char* n : {"one_word.disabled", "two_word.disabled"})
    if (must(hm->site_enabled(n), "site_enabled")) return std::fprintf(stderr, "%s enabled\n", n), 1;
  for (const char* n : {"one_word.entry", "one_word.entry_exit", "two_word.entry", "two_word.entry_exit",
                        "one_word.fast_entry", "one_word.fast_entry_exit", "two_word.fast_entry",
                        "two_word.fast_entry_exit"})
    if (!must(hm->site_enabled(n), "site_enabled")) return std::fprintf(stderr, "%s disabled\n", n), 1;

  // Warm-up: the first hooked call of a thread claims its dispatcher slot; lazy PLT
  // binding resolves on first use. Counted calls are steady-state calls.
  for (int round = 0; round < 3; ++round)
    for (const Variant& v : vs)
      if (reinterpret_cast<long (*)(long)>(v.entry)(41) != 42) return std::fprintf(stderr, "bad result\n"), 1;

  std::printf("hooks_insn_count: %zu variants, warm\n", vs.size());
  for (const Variant& v : vs) {
    const long r = hooks_insn_count_call(v.label.c_str(), v.entry, v.begin, v.end, v.site_begin,
                                         v.site_end, 41);
    std::printf("  %-50s entry 0x%lx  code [0x%lx, 0x%lx)  -> %ld\n", v.label.c_str(),
                static_cast<unsigned long>(v.entry), static_cast<unsigned long>(v.begin),
                static_cast<unsigned long>(v.end), r);
    if (r != 42) return 1;
  }
  const HookStats st = hm->stats();
  std::printf("sync used by the enables: %s (policy %s)\n", sync_strategy_name(st.last_sync),
              cache->policy() == WxPolicy::kFlip ? "flip" : "dual_map");
  return 0;
}
