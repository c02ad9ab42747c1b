#include <algorithm>
#include <cstdio>
#include <thread>

#include "run.h"
#include "rvprof/clock.h"

namespace rvprof {

RunSummary run_repeatedly(rvjit::ebpf::Executable& exe, const LoadedProgram& p,
                          const Options& o) {
  RunSummary s;
  const uint64_t min_runs = o.repeat.value_or(1);
  const uint64_t duration_ns = o.effective_duration_ms() * 1'000'000ull;
  rvjit::ebpf::RunOptions ro;
  ro.instruction_budget = o.budget;
  std::vector<uint8_t> mem;
  mem.reserve(p.test.mem.size());
  const uint64_t t0 = now_ns();
  for (;;) {
    mem.assign(p.test.mem.begin(), p.test.mem.end());
    const uint64_t begin = now_ns();
    auto r = exe.run(std::span<uint8_t>(mem.data(), mem.size()), ro);
    s.spans.push_back(Span{begin, now_ns()});
    ++s.runs;
    if (!r.ok()) {
      s.error = r.error();
      break;
    }
    s.r0 = r.value();
    const uint64_t elapsed = now_ns() - t0;
    if (s.runs >= min_runs && elapsed >= duration_ns) break;
  }
  s.wall_ns = now_ns() - t0;
  return s;
}

RunSummary run_on_threads(rvjit::ebpf::Executable& exe, const LoadedProgram& p,
                          const Options& o) {
  if (o.threads <= 1) return run_repeatedly(exe, p, o);
  std::vector<RunSummary> parts(o.threads);
  std::vector<std::thread> workers;
  const uint64_t t0 = now_ns();
  for (uint64_t i = 1; i < o.threads; ++i)
    workers.emplace_back([&, i] { parts[i] = run_repeatedly(exe, p, o); });
  parts[0] = run_repeatedly(exe, p, o);
  for (auto& w : workers) w.join();
  RunSummary all;
  for (auto& part : parts) {
    all.runs += part.runs;
    if (part.error && !all.error) all.error = part.error;
    if (!part.error) all.r0 = part.r0;
    all.spans.insert(all.spans.end(), part.spans.begin(), part.spans.end());
  }
  std::sort(all.spans.begin(), all.spans.end(),
            [](const Span& a, const Span& b) { return a.begin_ns < b.begin_ns; });
  all.wall_ns = now_ns() - t0;
  return all;
}

bool describe_result(const LoadedProgram& p, const RunSummary& s, std::string& line) {
  char buf[256];
  if (s.error) {
    const std::string e = s.error->to_string();
    const bool ok = p.test.error && e.find(*p.test.error) != std::string::npos;
    std::snprintf(buf, sizeof buf, "error: %s (%s)", e.c_str(),
                  ok ? "expected: PASS" : "FAIL");
    line = buf;
    return ok;
  }
  if (p.test.result) {
    const bool ok = *p.test.result == s.r0;
    std::snprintf(buf, sizeof buf, "r0 = 0x%llx (expected 0x%llx: %s)",
                  static_cast<unsigned long long>(s.r0),
                  static_cast<unsigned long long>(*p.test.result), ok ? "PASS" : "FAIL");
    line = buf;
    return ok;
  }
  std::snprintf(buf, sizeof buf, "r0 = 0x%llx", static_cast<unsigned long long>(s.r0));
  line = buf;
  return !p.test.error;
}

}  // namespace rvprof
