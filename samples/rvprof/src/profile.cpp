#include "rvprof/profile.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace rvprof {

std::string StackStats::folded() const {
  std::string s;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i) s += ';';
    s += frames[i];
  }
  return s;
}

double Sampling::fraction() const {
  if (!sampled) return 1.0;
  if (!slowdown_measured || slowdown <= 0) return time_fraction();
  const double on = static_cast<double>(surely_on_ns);
  const double off = static_cast<double>(surely_off_ns);
  const double work_on = on / slowdown;
  return work_on + off > 0 ? work_on / (work_on + off) : 1.0;
}

std::string Sampling::describe() const {
  char buf[400];
  if (!sampled) {
    std::snprintf(buf, sizeof buf, "complete: hooks on for the whole run (%.3f ms)",
                  wall_ns / 1e6);
  } else if (slowdown_measured) {
    std::snprintf(buf, sizeof buf,
                  "SAMPLED: hooks on %.3f of %.3f ms (%.1f%%); hooked runs took %.2fx as long "
                  "as unhooked ones (%llu vs %llu runs), so about %.2f%% of the work was "
                  "observed; est.calls = calls / %.4f%s",
                  on_ns / 1e6, wall_ns / 1e6, 100.0 * time_fraction(), slowdown,
                  static_cast<unsigned long long>(runs_on),
                  static_cast<unsigned long long>(runs_off), 100.0 * fraction(), fraction(),
                  runs_on < 10 || runs_off < 10 ? " (few clean runs: a rough estimate)" : "");
  } else {
    std::snprintf(buf, sizeof buf,
                  "SAMPLED: hooks on %.3f of %.3f ms (%.1f%%); est.calls = calls / %.3f "
                  "(hook slowdown not measurable here: estimates are biased low)",
                  on_ns / 1e6, wall_ns / 1e6, 100.0 * time_fraction(), fraction());
  }
  return buf;
}

namespace {

// Whether run r lies inside one of `iv`; k is a cursor advanced monotonically (runs sorted).
bool inside(const Span& r, const std::vector<Span>& iv, size_t& k) {
  while (k < iv.size() && iv[k].end_ns <= r.begin_ns) ++k;
  return k < iv.size() && iv[k].begin_ns <= r.begin_ns && r.end_ns <= iv[k].end_ns;
}

}  // namespace

void measure_slowdown(const std::vector<Span>& runs, const std::vector<Span>& surely_on,
                      const std::vector<Span>& surely_off, Sampling& s) {
  double sum_on = 0, sum_off = 0;
  uint64_t n_on = 0, n_off = 0;
  size_t k_on = 0, k_off = 0;
  for (const Span& r : runs) {
    const double d = static_cast<double>(r.end_ns - r.begin_ns);
    if (inside(r, surely_on, k_on)) {
      sum_on += d;
      ++n_on;
    } else if (inside(r, surely_off, k_off)) {
      sum_off += d;
      ++n_off;
    }
  }
  s.runs_on = n_on;
  s.runs_off = n_off;
  // The intervals' time while the program ran (from the first run's start to the last end).
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const Span& r : runs) {
    lo = std::min(lo, r.begin_ns);
    hi = std::max(hi, r.end_ns);
  }
  auto clipped = [&](const std::vector<Span>& iv) {
    uint64_t sum = 0;
    for (const Span& i : iv) {
      const uint64_t b = std::max(i.begin_ns, lo), e = std::min(i.end_ns, hi);
      if (e > b) sum += e - b;
    }
    return sum;
  };
  s.surely_on_ns = clipped(surely_on);
  s.surely_off_ns = clipped(surely_off);
  s.slowdown_measured = n_on > 0 && n_off > 0 && sum_off > 0;
  s.slowdown = s.slowdown_measured ? (sum_on / n_on) / (sum_off / n_off) : 1.0;
}

uint64_t Profile::total_calls() const {
  uint64_t n = 0;
  for (const auto& f : functions) n += f.calls;
  return n;
}

uint64_t Profile::trace_events() const {
  uint64_t n = 0;
  for (const auto& t : threads) n += t.events.size();
  return n;
}

int Profile::function_index(const std::string& name) const {
  for (size_t i = 0; i < functions.size(); ++i)
    if (functions[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

void add_counters(ThreadCounters& a, const ThreadCounters& b) {
  a.dropped_events += b.dropped_events;
  a.unmatched_exits += b.unmatched_exits;
  a.closed_unpaired += b.closed_unpaired;
  a.too_deep += b.too_deep;
  a.tree_full += b.tree_full;
  a.too_many_functions += b.too_many_functions;
  a.cut_frames += b.cut_frames;
}

}  // namespace

Profile build_profile(Collector& collector) {
  collector.drain();
  Profile p;
  std::map<std::string, uint32_t> by_name;
  std::map<std::string, StackStats> stacks;
  uint64_t origin = UINT64_MAX;

  for (size_t ti = 0; ti < collector.thread_count(); ++ti) {
    const ThreadBuffer& b = collector.thread(ti);
    add_counters(p.counters, b.counters());
    p.open_frames += b.open_frames();

    // Thread-local function index -> profile index.
    std::vector<uint32_t> map(b.function_count());
    for (uint32_t f = 0; f < b.function_count(); ++f) {
      const FunctionSlot& s = b.function(f);
      std::string name = s.name[0] ? s.name : "?";
      auto [it, fresh] = by_name.try_emplace(name, static_cast<uint32_t>(p.functions.size()));
      if (fresh) p.functions.push_back(FunctionStats{name, 0, 0, 0});
      FunctionStats& fs = p.functions[it->second];
      fs.calls += s.calls;
      fs.self_ns += s.self_ns;
      fs.total_ns += s.total_ns;
      map[f] = it->second;
    }

    // Calling-context tree -> folded paths (node 0 is the root).
    const auto& nodes = b.nodes();
    std::vector<std::string> path(b.node_count());
    for (size_t n = 1; n < b.node_count(); ++n) {
      // Parents are always created before their children: path[parent] is ready.
      const TreeNode& node = nodes[n];
      const std::string& fname = p.functions[map[node.function]].name;
      path[n] = node.parent == 0 ? fname : path[node.parent] + ";" + fname;
      StackStats& st = stacks[path[n]];
      if (st.frames.empty()) {
        st.frames = node.parent == 0 ? std::vector<std::string>{} : stacks[path[node.parent]].frames;
        st.frames.push_back(fname);
      }
      st.calls += node.calls;
      st.self_ns += node.self_ns;
      st.total_ns += node.total_ns;
    }

    ThreadTrace tt;
    tt.tid = b.tid();
    tt.events.reserve(b.event_count());
    for (size_t e = 0; e < b.event_count(); ++e) {
      const TraceEvent& ev = b.events()[e];
      tt.events.push_back(TraceRecord{ev.start_ns, ev.duration_ns, map[ev.function], ev.depth});
      origin = std::min(origin, ev.start_ns);
    }
    std::stable_sort(tt.events.begin(), tt.events.end(),
                     [](const TraceRecord& a, const TraceRecord& c) {
                       return a.start_ns != c.start_ns ? a.start_ns < c.start_ns
                                                       : a.depth < c.depth;
                     });
    p.threads.push_back(std::move(tt));
  }
  p.origin_ns = origin == UINT64_MAX ? 0 : origin;
  for (auto& [k, v] : stacks) p.stacks.push_back(std::move(v));
  p.threads_dropped = collector.threads_dropped();
  return p;
}

}  // namespace rvprof
