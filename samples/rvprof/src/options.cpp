#include "rvprof/options.h"

#include <algorithm>
#include <charconv>

namespace rvprof {
namespace {

using rvjit::ErrorCode;

bool parse_u64(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

}  // namespace

const char* usage() {
  return "usage: rvprof [options] [program.data]\n"
         "Runs an eBPF program (.data test file; default: samples/programs/fib.data) on the\n"
         "RV64 JIT with entry and exit hooks on every JIT'd function; prints a table per\n"
         "function and writes profile.folded, flamegraph.svg and trace.json.\n"
         "  --engine jit|interpreter   interpreter: no JIT, no hooks, no profile (default jit)\n"
         "  --sync auto|stop_the_world|membarrier|flush_syscall   how patched sites sync\n"
         "  --layout one_word|two_word hook site layout the JIT emits (default one_word)\n"
         "  --filter GLOB              hook only functions matching GLOB (default *)\n"
         "  --top N                    rows in the table (0 = all; default 20)\n"
         "  --sort self|total|calls|name   table order (default self)\n"
         "  --out DIR                  output directory (default <build>/rvprof-out)\n"
         "  --attach-ms N              enable the hooks N ms after the run starts (hot attach)\n"
         "  --detach-ms N              disable them at N ms (hot detach)\n"
         "  --burst ON:OFF             bursty tracing: hooks on ON ms of every ON+OFF ms\n"
         "  --duration MS              run the program repeatedly for MS ms\n"
         "  --repeat N                 run it N times (both: whichever ends later)\n"
"  --threads N                run it on N threads at once (each: --repeat/--duration)\n"
         "  --budget N                 eBPF instruction budget per run (default 1000000)\n"
         "  --max-events N             trace events kept per thread (default 262144)\n"
         "  --log-events N             hook events logged per thread before they are\n"
         "                             aggregated (default 1048576, 24 bytes each)\n"
         "  --timeline                 print every hook switch (when, how long it took)\n"
         "  --clock auto|monotonic     timestamps: the time CSR where readable (auto), or\n"
         "                             clock_gettime(CLOCK_MONOTONIC) on every call\n"
         "  --quiet                    do not print the table\n"
         "Without --duration/--repeat one run; with attach/detach/burst rvprof runs the\n"
         "program repeatedly for long enough (see docs/rvprof.md).\n";
}

uint64_t Options::effective_duration_ms() const {
  if (duration_ms) return *duration_ms;
  if (repeat || !timed()) return 0;
  uint64_t d = 200;
  if (attach_ms) d = std::max(d, *attach_ms + 100);
  if (detach_ms) d = std::max(d, *detach_ms + 50);
  if (burst_on_ms) d = std::max(d, 10 * (*burst_on_ms + *burst_off_ms));
  return d;
}

rvjit::Result<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  auto bad = [](const std::string& m) { return rvjit::Error(ErrorCode::kInvalidArgument, m); };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    auto number = [&](uint64_t& out) -> bool {
      std::string s;
      return value(s) && parse_u64(s, out);
    };
    std::string s;
    uint64_t n = 0;
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--engine") {
      if (!value(o.engine) || !one_of(o.engine, {"jit", "interpreter"}))
        return bad("--engine takes jit or interpreter");
    } else if (a == "--sync") {
      if (!value(o.sync) ||
          !one_of(o.sync, {"auto", "stop_the_world", "membarrier", "flush_syscall"}))
        return bad("--sync takes auto, stop_the_world, membarrier or flush_syscall");
    } else if (a == "--layout") {
      if (!value(o.layout) || !one_of(o.layout, {"one_word", "two_word"}))
        return bad("--layout takes one_word or two_word");
    } else if (a == "--filter") {
      if (!value(o.filter) || o.filter.empty()) return bad("--filter takes a glob");
    } else if (a == "--top") {
      if (!number(n)) return bad("--top takes a number");
      o.table.top = n;
    } else if (a == "--sort") {
      if (!value(s) || !parse_sort_key(s, o.table.sort))
        return bad("--sort takes self, total, calls or name");
    } else if (a == "--out") {
      if (!value(o.out_dir) || o.out_dir.empty()) return bad("--out takes a directory");
    } else if (a == "--attach-ms") {
      if (!number(n)) return bad("--attach-ms takes milliseconds");
      o.attach_ms = n;
    } else if (a == "--detach-ms") {
      if (!number(n)) return bad("--detach-ms takes milliseconds");
      o.detach_ms = n;
    } else if (a == "--burst") {
      uint64_t on = 0, off = 0;
      const size_t colon = value(s) ? s.find(':') : std::string::npos;
      if (colon == std::string::npos || !parse_u64(s.substr(0, colon), on) ||
          !parse_u64(s.substr(colon + 1), off) || on == 0 || off == 0)
        return bad("--burst takes ON:OFF milliseconds, both > 0");
      o.burst_on_ms = on;
      o.burst_off_ms = off;
    } else if (a == "--duration") {
      if (!number(n) || n == 0) return bad("--duration takes milliseconds > 0");
      o.duration_ms = n;
    } else if (a == "--repeat") {
      if (!number(n) || n == 0) return bad("--repeat takes a count > 0");
      o.repeat = n;
    } else if (a == "--threads") {
      if (!number(n) || n == 0 || n > 64) return bad("--threads takes 1..64");
      o.threads = n;
    } else if (a == "--budget") {
      if (!number(n) || n == 0) return bad("--budget takes a count > 0");
      o.budget = n;
    } else if (a == "--max-events") {
      if (!number(n)) return bad("--max-events takes a count");
      o.max_events = n;
    } else if (a == "--log-events") {
      if (!number(n) || n < 2) return bad("--log-events takes a count >= 2");
      o.log_events = n;
    } else if (a == "--clock") {
      if (!value(o.clock) || !one_of(o.clock, {"auto", "monotonic"}))
        return bad("--clock takes auto or monotonic");
    } else if (a == "--timeline") {
      o.show_timeline = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return bad("unknown option " + a);
    } else if (o.program.empty()) {
      o.program = a;
    } else {
      return bad("more than one program: " + o.program + " and " + a);
    }
  }
  if (o.attach_ms && o.detach_ms && *o.detach_ms <= *o.attach_ms)
    return bad("--detach-ms must be later than --attach-ms");
  return o;
}

}  // namespace rvprof
