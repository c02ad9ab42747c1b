#include <algorithm>
#include <cstdio>
#include <numeric>

#include "rvprof/writers.h"

namespace rvprof {

bool parse_sort_key(std::string_view text, SortKey& out) {
  if (text == "self") out = SortKey::kSelf;
  else if (text == "total") out = SortKey::kTotal;
  else if (text == "calls") out = SortKey::kCalls;
  else if (text == "name") out = SortKey::kName;
  else return false;
  return true;
}

void write_table(std::ostream& out, const Profile& p, const TableOptions& options) {
  std::vector<size_t> order(p.functions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto key = [&](size_t i) -> uint64_t {
    const FunctionStats& f = p.functions[i];
    switch (options.sort) {
      case SortKey::kTotal: return f.total_ns;
      case SortKey::kCalls: return f.calls;
      default: return f.self_ns;
    }
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (options.sort == SortKey::kName) return p.functions[a].name < p.functions[b].name;
    if (key(a) != key(b)) return key(a) > key(b);
    return p.functions[a].name < p.functions[b].name;
  });
  const size_t shown = options.top && options.top < order.size() ? options.top : order.size();

  uint64_t self_sum = 0;
  for (const auto& f : p.functions) self_sum += f.self_ns;
  const bool sampled = p.sampling.sampled;
  const double frac = p.sampling.fraction();

  char line[512];
  out << "# " << p.sampling.describe() << "\n";
  if (sampled)
    out << "# times are measured while hooked (they include the hooks' cost); calls are "
           "complete calls seen, est.calls = calls / the observed fraction\n";
  if (sampled) {
    std::snprintf(line, sizeof line, "%-24s %10s %12s %10s %7s %12s %12s\n", "function",
                  "calls", "est.calls", "self ms", "self%", "total ms", "mean us");
  } else {
    std::snprintf(line, sizeof line, "%-24s %10s %10s %7s %12s %12s\n", "function", "calls",
                  "self ms", "self%", "total ms", "mean us");
  }
  out << line;
  for (size_t k = 0; k < shown; ++k) {
    const FunctionStats& f = p.functions[order[k]];
    const double self_pct = self_sum ? 100.0 * f.self_ns / self_sum : 0.0;
    if (sampled && frac > 0) {
      std::snprintf(line, sizeof line, "%-24s %10llu %12.0f %10.3f %6.1f%% %12.3f %12.3f\n",
                    f.name.c_str(), static_cast<unsigned long long>(f.calls), f.calls / frac,
                    f.self_ns / 1e6, self_pct, f.total_ns / 1e6, f.mean_ns() / 1e3);
    } else {
      std::snprintf(line, sizeof line, "%-24s %10llu %10.3f %6.1f%% %12.3f %12.3f\n",
                    f.name.c_str(), static_cast<unsigned long long>(f.calls), f.self_ns / 1e6,
                    self_pct, f.total_ns / 1e6, f.mean_ns() / 1e3);
    }
    out << line;
  }
  if (shown < order.size())
    out << "# " << (order.size() - shown) << " more function(s) not shown (--top)\n";
  const ThreadCounters& c = p.counters;
  if (c.cut_frames || p.open_frames || c.unmatched_exits)
    out << "# windows: " << (c.cut_frames + p.open_frames)
        << " call(s) open when the hooks went off and " << c.unmatched_exits
        << " exit(s) of calls entered before the hooks came on are not counted\n";
  if (c.dropped_events || c.closed_unpaired || c.too_deep || c.tree_full ||
      c.too_many_functions || p.threads_dropped) {
    std::snprintf(line, sizeof line,
                  "# lost: %llu trace events dropped, %llu unpaired frames, %llu too deep, "
                  "%llu not in tree, %llu over the function limit, %llu threads over the "
                  "thread limit\n",
                  (unsigned long long)c.dropped_events, (unsigned long long)c.closed_unpaired,
                  (unsigned long long)c.too_deep, (unsigned long long)c.tree_full,
                  (unsigned long long)c.too_many_functions, (unsigned long long)p.threads_dropped);
    out << line;
  }
}

void write_folded(std::ostream& out, const Profile& p) {
  for (const StackStats& s : p.stacks) {
    if (s.self_ns == 0 && s.calls == 0) continue;
    out << s.folded() << ' ' << s.self_ns << '\n';
  }
}

}  // namespace rvprof
