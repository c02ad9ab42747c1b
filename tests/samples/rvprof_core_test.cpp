// rvprof's collector, aggregation, writers, options and timeline on synthetic events
// (explicit timestamps, so every number below is computed by hand).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <sstream>
#include <string>
#include <thread>

#include "rvprof/clock.h"
#include "rvprof/collector.h"
#include "rvprof/options.h"
#include "rvprof/output.h"
#include "rvprof/profile.h"
#include "rvprof/timeline.h"
#include "rvprof/writers.h"

// Counts every operator new of the process: the callbacks must not allocate.
static std::atomic<size_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace rvprof {
namespace {

constexpr uintptr_t kMain = 0x1000, kFib = 0x2000, kLeaf = 0x3000;

const FunctionStats& stats(const Profile& p, const std::string& name) {
  const int i = p.function_index(name);
  EXPECT_GE(i, 0) << name;
  return p.functions.at(static_cast<size_t>(i));
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t i = hay.find(needle); i != std::string::npos; i = hay.find(needle, i + 1)) ++n;
  return n;
}

// main [0,100): fib [10,40) { fib [15,25) }, leaf [50,90) { fib [60,70) }
void record_sample(Collector& c) {
  c.on_entry(kMain, "main", 0);
  c.on_entry(kFib, "fib", 10);
  c.on_entry(kFib, "fib", 15);
  c.on_exit(kFib, 25);
  c.on_exit(kFib, 40);
  c.on_entry(kLeaf, "leaf", 50);
  c.on_entry(kFib, "fib", 60);
  c.on_exit(kFib, 70);
  c.on_exit(kLeaf, 90);
  c.on_exit(kMain, 100);
}

TEST(RvprofCollector, SelfAndTotalArithmetic) {
  Collector c;
  record_sample(c);
  Profile p = build_profile(c);
  ASSERT_EQ(p.functions.size(), 3u);
  const FunctionStats& m = stats(p, "main");
  EXPECT_EQ(m.calls, 1u);
  EXPECT_EQ(m.total_ns, 100u);
  EXPECT_EQ(m.self_ns, 100u - 30u - 40u);
  const FunctionStats& f = stats(p, "fib");
  EXPECT_EQ(f.calls, 3u);
  // Self: outer fib 30-10 = 20, inner 10, under leaf 10.
  EXPECT_EQ(f.self_ns, 40u);
  // Total: outermost activations only: 30 (not 30+10) + 10.
  EXPECT_EQ(f.total_ns, 40u);
  EXPECT_DOUBLE_EQ(f.mean_ns(), 40.0 / 3.0);
  const FunctionStats& l = stats(p, "leaf");
  EXPECT_EQ(l.calls, 1u);
  EXPECT_EQ(l.self_ns, 30u);
  EXPECT_EQ(l.total_ns, 40u);
  // Self times add up to the wall time of the outermost frame.
  EXPECT_EQ(m.self_ns + f.self_ns + l.self_ns, 100u);
  EXPECT_EQ(p.counters.unmatched_exits, 0u);
  EXPECT_EQ(p.open_frames, 0u);
}

TEST(RvprofCollector, FoldedStacks) {
  Collector c;
  record_sample(c);
  Profile p = build_profile(c);
  std::ostringstream s;
  write_folded(s, p);
  EXPECT_EQ(s.str(),
            "main 30\n"
            "main;fib 20\n"
            "main;fib;fib 10\n"
            "main;leaf 30\n"
            "main;leaf;fib 10\n");
  uint64_t calls = 0;
  for (const auto& st : p.stacks) calls += st.calls;
  EXPECT_EQ(calls, p.total_calls());
}

TEST(RvprofCollector, TraceEventsOnePerCallNestedAndSorted) {
  Collector c;
  record_sample(c);
  Profile p = build_profile(c);
  ASSERT_EQ(p.threads.size(), 1u);
  const auto& ev = p.threads[0].events;
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(p.functions[ev[0].function].name, "main");
  EXPECT_EQ(ev[0].depth, 0u);
  EXPECT_EQ(ev[0].duration_ns, 100u);
  EXPECT_EQ(p.functions[ev[2].function].name, "fib");
  EXPECT_EQ(ev[2].start_ns, 15u);
  EXPECT_EQ(ev[2].depth, 2u);
  for (size_t i = 1; i < ev.size(); ++i) EXPECT_LE(ev[i - 1].start_ns, ev[i].start_ns);
}

TEST(RvprofCollector, DeepRecursionMatchesClosedForm) {
  // fib(n) calls fib(n-1) and fib(n-2): C(n) = 2*F(n+1) - 1 calls; 1973 for n = 15.
  Collector c;
  uint64_t t = 0;
  auto fib = [&](auto& self, int n) -> void {
    c.on_entry(kFib, "fib", t++);
    if (n >= 2) {
      self(self, n - 1);
      self(self, n - 2);
    }
    c.on_exit(kFib, t++);
  };
  c.on_entry(kMain, "main", t++);
  fib(fib, 15);
  c.on_exit(kMain, t++);
  Profile p = build_profile(c);
  EXPECT_EQ(stats(p, "fib").calls, 1973u);
  EXPECT_EQ(stats(p, "fib").total_ns, 2u * 1973u - 1u);  // one outermost activation
  EXPECT_EQ(stats(p, "main").total_ns, t - 1);
  EXPECT_EQ(p.trace_events(), 1974u);
  // The deepest folded path is main + 15 fibs (fib(15) .. fib(1)).
  size_t deepest = 0;
  for (const auto& st : p.stacks) deepest = std::max(deepest, st.frames.size());
  EXPECT_EQ(deepest, 16u);
}

TEST(RvprofCollector, UnmatchedAndUnpairedExitsAreCountedNotFatal) {
  Collector c;
  c.on_exit(kFib, 5);  // exit of a call that started before the attach
  c.on_entry(kMain, "main", 10);
  c.on_entry(kFib, "fib", 20);
  c.on_exit(kMain, 50);  // fib's exit was lost: closed with main
  Profile p = build_profile(c);
  EXPECT_EQ(p.counters.unmatched_exits, 1u);
  EXPECT_EQ(p.counters.closed_unpaired, 1u);
  EXPECT_EQ(stats(p, "main").calls, 1u);
  EXPECT_EQ(stats(p, "main").total_ns, 40u);
  EXPECT_EQ(stats(p, "fib").total_ns, 30u);
}

TEST(RvprofCollector, NewWindowDiscardsFramesWhoseExitWasLost) {
  Collector c;
  c.on_entry(kMain, "main", 0);
  c.on_entry(kFib, "fib", 10);
  c.on_entry(kLeaf, "leaf", 12);
  c.on_exit(kLeaf, 14);
  // Hooks off: fib's exit is never seen. Back on:
  c.new_window();
  c.on_entry(kFib, "fib", 50);
  c.on_exit(kFib, 60);
  c.on_exit(kMain, 70);  // main was entered before the window: not counted
  Profile p = build_profile(c);
  EXPECT_EQ(p.counters.cut_frames, 2u);  // main and the first fib
  EXPECT_EQ(p.counters.unmatched_exits, 1u);
  EXPECT_EQ(stats(p, "fib").calls, 1u);
  EXPECT_EQ(stats(p, "fib").total_ns, 10u);  // not inflated by the cut activation
  EXPECT_EQ(stats(p, "leaf").calls, 1u);
  EXPECT_EQ(stats(p, "main").calls, 0u);
  EXPECT_EQ(p.open_frames, 0u);
  std::ostringstream s;
  write_folded(s, p);
  // The new window's stack starts at its first frame.
  EXPECT_EQ(s.str(), "fib 10\nmain;fib;leaf 2\n");
  std::ostringstream svg;
  write_svg(svg, p, "w");
  EXPECT_EQ(count(svg.str(), "<g class=\"frame\""), 5u);  // all, fib, main, main;fib, main;fib;leaf
}

// The callbacks only log; the tables are built when the log fills up and when the
// profile is read. Wherever the drains fall (a log of 2 raw events up to one that never
// fills), the profile is the same: the recursion and the window of the two tests above.
TEST(RvprofCollector, DrainPointsDoNotChangeTheProfile) {
  auto run = [](size_t max_log) {
    CollectorOptions o;
    o.max_log = max_log;
    Collector c(o);
    record_sample(c);
    c.on_entry(kMain, "main", 200);
    c.on_entry(kFib, "fib", 210);
    c.new_window();  // fib's and main's exits are lost
    c.on_entry(kLeaf, "leaf", 250);
    c.on_exit(kLeaf, 260);
    c.on_exit(kMain, 270);
    Profile p = build_profile(c);
    std::ostringstream s;
    write_folded(s, p);
    s << "calls " << p.total_calls() << " events " << p.trace_events() << " cut "
      << p.counters.cut_frames << " unmatched " << p.counters.unmatched_exits;
    return s.str();
  };
  const std::string whole = run(1000);
  EXPECT_EQ(whole,
            "leaf 10\nmain 30\nmain;fib 20\nmain;fib;fib 10\nmain;leaf 30\nmain;leaf;fib 10\n"
            "calls 6 events 6 cut 2 unmatched 1");
  for (size_t max_log : {2u, 3u, 5u, 7u, 11u}) EXPECT_EQ(run(max_log), whole) << max_log;
}

TEST(RvprofCollector, BoundedBuffersDropAndCount) {
  CollectorOptions o;
  o.max_events = 2;
  o.max_depth = 2;
  Collector c(o);
  c.on_entry(kMain, "main", 0);
  c.on_entry(kFib, "fib", 1);
  c.on_entry(kLeaf, "leaf", 2);  // too deep: neither counted nor timed
  c.on_exit(kLeaf, 3);
  c.on_exit(kFib, 4);
  c.on_entry(kFib, "fib", 5);
  c.on_exit(kFib, 6);
  c.on_exit(kMain, 7);
  Profile p = build_profile(c);
  EXPECT_EQ(p.counters.too_deep, 1u);
  EXPECT_EQ(p.counters.unmatched_exits, 0u);
  EXPECT_EQ(stats(p, "fib").calls, 2u);  // counts stay exact when events are dropped
  EXPECT_EQ(p.trace_events(), 2u);
  EXPECT_EQ(p.counters.dropped_events, 1u);
  EXPECT_EQ(p.function_index("leaf"), -1);
}

TEST(RvprofCollector, HookCallbacksUseCtxAndPerThreadBuffers) {
  Collector c;
  auto worker = [&](int calls) {
    rvjit_hook_ctx ctx{};
    ctx.function = kFib;
    ctx.name = "fib";
    for (int i = 0; i < calls; ++i) {
      Collector::entry_callback(&ctx, &c);
      Collector::exit_callback(&ctx, &c);
    }
  };
  std::thread a(worker, 100), b(worker, 250);
  a.join();
  b.join();
  EXPECT_EQ(c.thread_count(), 2u);
  Profile p = build_profile(c);
  EXPECT_EQ(stats(p, "fib").calls, 350u);
  ASSERT_EQ(p.threads.size(), 2u);
  EXPECT_NE(p.threads[0].tid, p.threads[1].tid);
  EXPECT_EQ(p.threads[0].events.size() + p.threads[1].events.size(), 350u);
}

// The cheap kinds rvprof registers: identity from the info, nothing from a ctx.
TEST(RvprofCollector, CheapCallbacksPairEntriesWithExits) {
  Collector c;
  const rvjit_hook_ops ops = c.ops();
  ASSERT_EQ(ops.flags & RVJIT_HOOK_ENTRY_ARGS, RVJIT_HOOK_ENTRY_ARGS);
  rvjit_hook_args_info main_info{ops.user_data, kMain, "main"}, fib_info{ops.user_data, kFib, "fib"};
  rvjit_hook_ctx main_ctx{}, fib_ctx{};
  main_ctx.function = kMain;
  fib_ctx.function = kFib;
  ASSERT_EQ(ops.flags & RVJIT_HOOK_EXIT_RET, RVJIT_HOOK_EXIT_RET);
  ops.entry_args(0, 0, &main_info);
  for (int i = 0; i < 3; ++i) {
    ops.entry_args(7, 8, &fib_info);
    ops.exit_ret(55, 0, &fib_info);
  }
  ops.exit_ret(0, 0, &main_info);
  Profile p = build_profile(c);
  EXPECT_EQ(stats(p, "main").calls, 1u);
  EXPECT_EQ(stats(p, "fib").calls, 3u);
  EXPECT_EQ(p.counters.unmatched_exits, 0u);
  EXPECT_EQ(p.trace_events(), 4u);
}

TEST(RvprofCollector, CallbacksDoNotAllocate) {
  CollectorOptions o;
  o.max_events = 64;  // also overflow the trace buffer: dropping must not allocate either
  o.max_log = 100;    // and drain the log many times inside the callbacks
  Collector c(o);
  rvjit_hook_ctx main_ctx{}, fib_ctx{};
  main_ctx.function = kMain;
  main_ctx.name = "main";
  fib_ctx.function = kFib;
  fib_ctx.name = "fib";
  Collector::entry_callback(&main_ctx, &c);  // claims this thread's buffer
  const size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    Collector::entry_callback(&fib_ctx, &c);
    Collector::entry_callback(&fib_ctx, &c);
    Collector::exit_callback(&fib_ctx, &c);
    Collector::exit_callback(&fib_ctx, &c);
    if (i == 500) c.new_window();
  }
  Collector::exit_callback(&main_ctx, &c);
  EXPECT_EQ(g_allocations.load(), before);
  Profile p = build_profile(c);
  EXPECT_EQ(stats(p, "fib").calls, 2000u);
  EXPECT_EQ(p.counters.cut_frames, 1u);        // main, open at the new window
  EXPECT_EQ(p.counters.unmatched_exits, 1u);   // main's exit
  EXPECT_EQ(p.trace_events(), 64u);
  EXPECT_EQ(p.counters.dropped_events, 2000u - 64u);
}

TEST(RvprofCollector, MoreThreadsThanBuffersAreCounted) {
  CollectorOptions o;
  o.max_threads = 1;
  Collector c(o);
  c.on_entry(kMain, "main", 0);
  c.on_exit(kMain, 1);
  std::thread t([&] { c.on_entry(kMain, "main", 2); c.on_exit(kMain, 3); });
  t.join();
  EXPECT_EQ(c.threads_dropped(), 1u);
  EXPECT_EQ(stats(build_profile(c), "main").calls, 1u);
}

TEST(RvprofWriters, Escaping) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

TEST(RvprofWriters, SvgHasOneFramePerPathAndEscapedNames) {
  Collector c;
  c.on_entry(kMain, "main", 0);
  c.on_entry(kFib, "a<b&c", 10);
  c.on_exit(kFib, 90);
  c.on_exit(kMain, 100);
  Profile p = build_profile(c);
  std::ostringstream s;
  write_svg(s, p, "t&t");
  const std::string svg = s.str();
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(count(svg, "<g class=\"frame\""), 3u);  // all, main, a<b&c
  EXPECT_EQ(count(svg, "<g "), count(svg, "</g>"));
  EXPECT_NE(svg.find("a&lt;b&amp;c"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  EXPECT_NE(svg.find("t&amp;t"), std::string::npos);
  EXPECT_NE(svg.find("data-name=\"a&lt;b&amp;c\""), std::string::npos);
  // Interactive but self-contained: one embedded script, nothing fetched.
  EXPECT_EQ(count(svg, "<script"), 1u);
  EXPECT_EQ(svg.find("src="), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(RvprofWriters, ChromeTraceOneCompleteEventPerCall) {
  Collector c;
  record_sample(c);
  Profile p = build_profile(c);
  std::ostringstream s;
  write_chrome_trace(s, p, "test");
  const std::string j = s.str();
  EXPECT_EQ(count(j, "\"ph\":\"X\""), p.total_calls());
  EXPECT_EQ(count(j, "\"name\":\"fib\""), 3u);
  // Timestamps are relative to the first event, in microseconds with ns precision.
  EXPECT_NE(j.find("\"ts\":0.015,\"dur\":0.010"), std::string::npos) << j;
  EXPECT_EQ(j.front(), '{');
}

TEST(RvprofWriters, TableSortTopAndSampledEstimates) {
  Collector c;
  record_sample(c);
  Profile p = build_profile(c);
  std::ostringstream s;
  write_table(s, p, TableOptions{SortKey::kCalls, 2});
  std::string t = s.str();
  EXPECT_NE(t.find("complete"), std::string::npos);
  // fib (3 calls) first; main and leaf tie at 1 call: name order, and top 2 drops main.
  ASSERT_NE(t.find("\nleaf "), std::string::npos) << t;
  EXPECT_LT(t.find("\nfib "), t.find("\nleaf "));
  EXPECT_EQ(t.find("\nmain "), std::string::npos);
  EXPECT_NE(t.find("1 more function"), std::string::npos);

  p.sampling = Sampling{true, 1'000'000, 250'000};
  std::ostringstream s2;
  write_table(s2, p, TableOptions{SortKey::kCalls, 0});
  t = s2.str();
  EXPECT_NE(t.find("SAMPLED"), std::string::npos);
  EXPECT_NE(t.find("25.0%"), std::string::npos);
  EXPECT_NE(t.find("est.calls"), std::string::npos);
  // fib: 3 measured calls, 12 estimated at a quarter of the run observed.
  std::istringstream rows(t);
  std::string line;
  bool seen = false;
  while (std::getline(rows, line)) {
    std::istringstream r(line);
    std::string name;
    uint64_t calls = 0, est = 0;
    if (r >> name >> calls >> est && name == "fib") {
      EXPECT_EQ(calls, 3u);
      EXPECT_EQ(est, 12u);
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << t;
}

TEST(RvprofWriters, OutputFilesForTheValidator) {
  // Files the rvprof_synth_files test validates with python (XML, JSON, counts).
  Collector c;
  record_sample(c);
  c.on_entry(0x4000, "we<ird&\"name", 200);
  c.on_exit(0x4000, 300);
  Profile p = build_profile(c);
  auto out = write_outputs(p, RVPROF_TEST_OUT, "synthetic <profile>", TableOptions{});
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_NE(out.value().svg.find("flamegraph.svg"), std::string::npos);
}

TEST(RvprofSampling, SlowdownCorrectsTheWorkFraction) {
  // Hooks on [100, 200) of a 400 ns run (enable and disable took 5 ns each); unhooked
  // runs take 10, hooked ones 40.
  std::vector<Span> runs = {{0, 10}, {10, 20}, {92, 102}, {105, 145}, {145, 185}, {190, 230},
                            {250, 260}, {260, 270}};
  std::vector<Span> on = {{103, 198}};
  std::vector<Span> off = {{0, 97}, {203, UINT64_MAX}};
  Sampling s{true, 400, 100};
  measure_slowdown(runs, on, off, s);
  EXPECT_EQ(s.runs_on, 2u);   // {92, 102} and {190, 230} overlap a switch: neither
  EXPECT_EQ(s.runs_off, 4u);
  ASSERT_TRUE(s.slowdown_measured);
  EXPECT_DOUBLE_EQ(s.slowdown, 4.0);
  // Runs span [0, 270): surely on 103..198 = 95 ns, surely off 0..97 + 203..270 = 164 ns.
  EXPECT_EQ(s.surely_on_ns, 95u);
  EXPECT_EQ(s.surely_off_ns, 164u);
  // 95 ns on at a quarter speed = 23.75 ns of unhooked work, against 164 off.
  EXPECT_DOUBLE_EQ(s.fraction(), 23.75 / (23.75 + 164.0));
  EXPECT_DOUBLE_EQ(s.time_fraction(), 0.25);
  EXPECT_NE(s.describe().find("4.00x"), std::string::npos) << s.describe();

  Sampling only_on{true, 400, 100};
  measure_slowdown({{105, 145}}, on, off, only_on);
  EXPECT_FALSE(only_on.slowdown_measured);
  EXPECT_DOUBLE_EQ(only_on.fraction(), 0.25);
  EXPECT_NE(only_on.describe().find("biased low"), std::string::npos);
  EXPECT_DOUBLE_EQ(Sampling{}.fraction(), 1.0);
}

TEST(RvprofOptions, ParsesAndRejects) {
  auto o = parse_options({"--sync", "membarrier", "--layout", "two_word", "--burst", "5:15",
                          "--top", "3", "--out", "/tmp/x", "p.data"});
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o.value().sync, "membarrier");
  EXPECT_EQ(o.value().layout, "two_word");
  EXPECT_EQ(*o.value().burst_on_ms, 5u);
  EXPECT_EQ(*o.value().burst_off_ms, 15u);
  EXPECT_EQ(o.value().table.top, 3u);
  EXPECT_EQ(o.value().program, "p.data");
  EXPECT_TRUE(o.value().timed());
  EXPECT_EQ(o.value().effective_duration_ms(), 200u);

  EXPECT_FALSE(parse_options({"--sync", "fast"}).ok());
  EXPECT_FALSE(parse_options({"--burst", "5"}).ok());
  EXPECT_FALSE(parse_options({"--burst", "0:5"}).ok());
  EXPECT_FALSE(parse_options({"--attach-ms", "50", "--detach-ms", "20"}).ok());
  EXPECT_FALSE(parse_options({"--top"}).ok());
  EXPECT_FALSE(parse_options({"a.data", "b.data"}).ok());
  EXPECT_FALSE(parse_options({"--bogus"}).ok());

  auto d = parse_options({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().engine, "jit");
  EXPECT_EQ(d.value().effective_duration_ms(), 0u);  // one run
  auto a = parse_options({"--attach-ms", "300"});
  EXPECT_EQ(a.value().effective_duration_ms(), 400u);
}

TEST(RvprofOptions, ClockChoice) {
  EXPECT_EQ(parse_options({}).value().clock, "auto");
  EXPECT_EQ(parse_options({"--clock", "monotonic"}).value().clock, "monotonic");
  EXPECT_FALSE(parse_options({"--clock", "tsc"}).ok());
  EXPECT_FALSE(parse_options({"--clock"}).ok());
  EXPECT_EQ(parse_options({"--log-events", "64"}).value().log_events, 64u);
  EXPECT_FALSE(parse_options({"--log-events", "1"}).ok());
}

// The closest now_ns() comes to the middle of a CLOCK_MONOTONIC bracket around it, in
// ns, over a few tries (a preemption inside one bracket only widens that one).
uint64_t best_clock_disagreement() {
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < 16; ++i) {
    const uint64_t a = monotonic_ns(), t = now_ns(), b = monotonic_ns();
    if (t < a || t > b) {
      best = std::min(best, t < a ? a - t : t - b);
    } else {
      return 0;
    }
  }
  return best;
}

// rdtime on RV64 (qemu-user and Linux both let user mode read `time`), clock_gettime
// elsewhere; either way now_ns() is on CLOCK_MONOTONIC's scale and never runs backwards.
// Bounds are generous on purpose (a loaded machine): 1 ms plus 1% of the time since the
// calibration; a wrong rate or offset (ticks taken for ns: 2.7x here) is far outside.
TEST(RvprofClock, CalibratedClockFollowsMonotonic) {
  const ClockInfo info = calibrate_clock();
#if defined(__riscv) && __riscv_xlen == 64
  EXPECT_TRUE(info.time_csr);
  EXPECT_GT(info.ticks_per_us, 0.0);
#else
  EXPECT_FALSE(info.time_csr);
#endif
  const uint64_t start = monotonic_ns();
  uint64_t last = now_ns();
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const uint64_t since = monotonic_ns() - start;
    EXPECT_LE(best_clock_disagreement(), 1'000'000 + since / 100) << "round " << round;
    const uint64_t t = now_ns();
    EXPECT_GE(t, last);
    last = t;
  }
  const ClockInfo off = calibrate_clock(false);  // --clock monotonic
  EXPECT_FALSE(off.time_csr);
  EXPECT_EQ(best_clock_disagreement(), 0u);
  calibrate_clock();
}

class FakeSwitch : public HookSwitch {
 public:
  rvjit::Error on() override {
    ++ons;
    state = true;
    return {};
  }
  rvjit::Error off() override {
    ++offs;
    state = false;
    return {};
  }
  std::atomic<int> ons{0}, offs{0};
  std::atomic<bool> state{false};
};

TEST(RvprofTimeline, CompleteRunIsOnThroughout) {
  FakeSwitch sw;
  Timeline t(TimelinePlan{}, sw);
  ASSERT_TRUE(t.start().ok());
  EXPECT_TRUE(sw.state.load());  // on before the first call
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  t.stop();
  EXPECT_FALSE(sw.state.load());
  EXPECT_FALSE(t.sampled());
  EXPECT_EQ(sw.ons.load(), 1);
  EXPECT_EQ(sw.offs.load(), 1);
  EXPECT_EQ(t.on_ns(), t.wall_ns() - (t.transitions()[0].t_ns));
}

TEST(RvprofTimeline, AttachDetachWindow) {
  FakeSwitch sw;
  Timeline t(TimelinePlan{40, 120, {}, {}}, sw);
  ASSERT_TRUE(t.start().ok());
  EXPECT_FALSE(sw.state.load());  // not yet attached
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  t.stop();
  ASSERT_EQ(t.transitions().size(), 2u) << t.error();
  EXPECT_TRUE(t.transitions()[0].on);
  EXPECT_FALSE(t.transitions()[1].on);
  EXPECT_GE(t.transitions()[0].t_ns, 40'000'000u);
  EXPECT_GE(t.transitions()[1].t_ns, 120'000'000u);
  EXPECT_EQ(t.on_ns(), t.transitions()[1].t_ns - t.transitions()[0].t_ns);
  EXPECT_TRUE(t.sampled());
  EXPECT_LT(t.on_ns(), t.wall_ns());
}

TEST(RvprofTimeline, BurstAlternatesAndAccountsOnTime) {
  FakeSwitch sw;
  Timeline t(TimelinePlan{{}, {}, 20, 30}, sw);
  ASSERT_TRUE(t.start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(260));
  t.stop();
  const auto& tr = t.transitions();
  ASSERT_GE(tr.size(), 6u);
  uint64_t on = 0;
  for (size_t i = 0; i < tr.size(); ++i) {
    EXPECT_EQ(tr[i].on, i % 2 == 0) << i;  // strictly alternating, starting on
    if (i % 2 == 1) on += tr[i].t_ns - tr[i - 1].t_ns;
  }
  EXPECT_EQ(t.on_ns(), on);
  EXPECT_EQ(sw.ons.load(), sw.offs.load());
  // Roughly 20 of every 50 ms (loose: the emulator's scheduler is coarse).
  const double frac = static_cast<double>(t.on_ns()) / t.wall_ns();
  EXPECT_GT(frac, 0.2);
  EXPECT_LT(frac, 0.7);
}

}  // namespace
}  // namespace rvprof
