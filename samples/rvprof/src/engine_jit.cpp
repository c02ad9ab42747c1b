// --engine jit: the profile. Every JIT'd eBPF function is a named rvjit function with a
// hook site; one ops (the Collector's entry/exit callbacks) is registered on the
// executable's HookManager and switched on and off by the Timeline while the program runs
// on this thread.
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "run.h"
#include "rvprof/clock.h"
#include "rvprof/collector.h"
#include "rvprof/output.h"
#include "rvprof/profile.h"
#include "rvprof/timeline.h"

#if defined(RVJIT_EBPF_JIT) && RVJIT_EBPF_JIT
#include "ebpf/jit.h"
#include "rvjit/hooks/hook_manager.h"

namespace rvprof {
namespace {

class ManagerSwitch final : public HookSwitch {
 public:
  ManagerSwitch(rvjit::HookManager& m, rvjit::HookOpsId id, Collector& c)
      : m_(m), id_(id), c_(c) {}
  // disable() also stops the exits of calls in flight: a new collector window first.
  rvjit::Error on() override {
    c_.new_window();
    return m_.enable(id_);
  }
  rvjit::Error off() override { return m_.disable(id_); }

 private:
  rvjit::HookManager& m_;
  rvjit::HookOpsId id_;
  Collector& c_;
};

}  // namespace

bool jit_available() { return true; }

int run_jit(const Options& o, const LoadedProgram& p) {
  rvjit::ebpf::JitOptions jo;
  jo.layout = o.layout == "two_word" ? rvjit::SiteLayout::kTwoWord : rvjit::SiteLayout::kOneWord;
  jo.sync = rvjit::parse_sync_strategy(o.sync).value();  // validated by parse_options
  // [rvprof-load]
  rvjit::ebpf::JitEngine engine(jo);
  auto loaded = engine.load_jit(*p.program, p.helpers);
  if (!loaded.ok()) {
    std::fprintf(stderr, "rvprof: jit: %s\n", loaded.error().to_string().c_str());
    return 1;
  }
  rvjit::ebpf::JitExecutable& exe = *loaded.value();
  rvjit::HookManager& hooks = exe.hooks();
  // [rvprof-load-end]

  CollectorOptions co;
  co.max_events = o.max_events;
  co.max_log = o.log_events;
  co.max_threads = o.threads + 1;
  Collector collector(co);
  // [rvprof-register]
  auto id = hooks.register_ops(collector.ops(), rvjit::HookFilter::glob(o.filter));
  if (!id.ok()) {
    std::fprintf(stderr, "rvprof: register hooks: %s\n", id.error().to_string().c_str());
    return 1;
  }
  // [rvprof-register-end]
  ManagerSwitch sw(hooks, id.value(), collector);
  TimelinePlan plan{o.attach_ms, o.detach_ms, o.burst_on_ms, o.burst_off_ms};
  Timeline timeline(plan, sw);
  if (auto e = timeline.start()) {
    std::fprintf(stderr, "rvprof: enable hooks: %s\n", e.to_string().c_str());
    return 1;
  }
  RunSummary s = run_on_threads(exe, p, o);
  timeline.stop();
  const rvjit::HookStats hs = hooks.stats();
  // After unregister no thread is inside the callbacks: the collector may be read.
  if (auto e = hooks.unregister(id.value()))
    std::fprintf(stderr, "rvprof: unregister hooks: %s\n", e.to_string().c_str());

  // What the callbacks logged and left for later: aggregated here, after the runs (a
  // full log was aggregated inside a callback, counted in the runs' time).
  size_t pending = 0;
  for (size_t i = 0; i < collector.thread_count(); ++i) pending += collector.thread(i).logged();
  const uint64_t aggregate_t0 = now_ns();
  Profile profile = build_profile(collector);
  const double aggregate_ms = static_cast<double>(now_ns() - aggregate_t0) / 1e6;
  profile.sampling = Sampling{timeline.sampled(), timeline.wall_ns(), timeline.on_ns()};
  if (timeline.sampled()) {
    // Surely on: end of an enable .. start of the next disable; surely off: the converse.
    const uint64_t t0 = timeline.origin_ns();
    std::vector<Span> surely_on, surely_off;
    uint64_t off_since = t0;  // hooks start off when there is an attach time
    bool on = false;
    for (const Transition& tr : timeline.transitions()) {
      if (!tr.error.empty()) continue;
      const uint64_t begin = t0 + tr.begin_ns, end = begin + tr.call_ns;
      if (tr.on && !on) {
        if (begin > off_since) surely_off.push_back(Span{off_since, begin});
        surely_on.push_back(Span{end, UINT64_MAX});
        on = true;
      } else if (!tr.on && on) {
        surely_on.back().end_ns = begin;
        off_since = end;
        on = false;
      }
    }
    if (!on) surely_off.push_back(Span{off_since, UINT64_MAX});
    measure_slowdown(s.spans, surely_on, surely_off, profile.sampling);
  }

  std::string result;
  const bool ok = describe_result(p, s, result);
  size_t fast = 0;  // sites whose declared signature got the hooks' fast trampolines
  for (const auto& f : exe.functions()) fast += f.fast_entry;
  std::printf("rvprof: %s, engine jit, %zu JIT'd function(s) (%zu with fast hook entries), "
              "layout %s, sync %s (used: %s)\n",
              p.path.c_str(), exe.functions().size(), fast, o.layout.c_str(), o.sync.c_str(),
              rvjit::sync_strategy_name(hs.last_sync));
  std::printf("rvprof: %llu run(s) on %llu thread(s) in %.3f ms; %s\n",
              static_cast<unsigned long long>(s.runs), static_cast<unsigned long long>(o.threads),
              s.wall_ns / 1e6, result.c_str());
  if (o.sync != "auto" && rvjit::sync_strategy_name(hs.last_sync) != o.sync && hs.syncs > 0)
    std::printf("rvprof: note: --sync %s was not used for these sites (see docs/rvprof.md)\n",
                o.sync.c_str());
  std::printf("rvprof: hooks: %llu batch(es), %llu sync(s), %llu site patch(es), %zu "
              "switch(es)%s%s\n",
              static_cast<unsigned long long>(hs.batches),
              static_cast<unsigned long long>(hs.syncs),
              static_cast<unsigned long long>(hs.sites_patched), timeline.transitions().size(),
              timeline.error().empty() ? "" : "; switch error: ", timeline.error().c_str());
  if (o.show_timeline)
    for (const Transition& tr : timeline.transitions())
      std::printf("rvprof: timeline %10.3f ms  hooks %-3s (%.3f ms)%s%s\n", tr.t_ns / 1e6,
                  tr.on ? "on" : "off", tr.call_ns / 1e6, tr.error.empty() ? "" : " ",
                  tr.error.c_str());
  std::printf("rvprof: aggregated %zu logged hook event(s) after the runs in %.3f ms\n", pending,
              aggregate_ms);
  if (hs.shadow_overflows)
    std::printf("rvprof: %llu call(s) deeper than the hook shadow stack were not traced\n",
                static_cast<unsigned long long>(hs.shadow_overflows));
  for (const auto& f : exe.functions())
    if (profile.function_index(f.name) < 0 && rvjit::HookFilter::glob(o.filter).matches(f.name))
      std::printf("rvprof: %s: JIT'd, not called while hooked\n", f.name.c_str());

  if (!o.quiet) {
    std::fflush(stdout);
    write_table(std::cout, profile, o.table);
    std::cout.flush();
  }
  const std::string title = "rvprof: " + p.path;
  auto out = write_outputs(profile, o.out_dir, title, o.table);
  if (!out.ok()) {
    std::fprintf(stderr, "rvprof: %s\n", out.error().to_string().c_str());
    return 1;
  }
  std::printf("rvprof: flame graph (SVG):  %s\n", out.value().svg.c_str());
  std::printf("rvprof: trace (Perfetto):   %s\n", out.value().trace.c_str());
  std::printf("rvprof: folded stacks:      %s\n", out.value().folded.c_str());
  std::printf("rvprof: full table:         %s\n", out.value().table.c_str());
  if (!timeline.error().empty()) return 1;
  return ok ? 0 : 1;
}

}  // namespace rvprof

#else  // the JIT engine is not built in this tree yet

namespace rvprof {
bool jit_available() { return false; }
int run_jit(const Options&, const LoadedProgram&) {
  std::fprintf(stderr, "rvprof: the eBPF JIT engine is not part of this build "
                       "(samples/ebpf has no JitEngine yet); try --engine interpreter\n");
  return 2;
}
}  // namespace rvprof

#endif
