// The profiler's outputs. Each writer is a pure function of a Profile into a stream.
//
//   table   one row per function: calls, self, total, mean; sorted, top N. When the run was
//           sampled (bursty tracing, attach/detach) the header says so and est. columns
//           give measured / fraction-observed next to the measured numbers.
//   folded  Brendan Gregg's folded stacks: "main;fib;fib 12345" (self time in ns, one line
//           per calling-context path) - flamegraph.pl and speedscope read it.
//   svg     a self-contained interactive flame graph: an embedded script (click to zoom,
//           reset, search with the matched share, details on hover), no external
//           reference, names escaped.
//   trace   Chrome trace-event JSON ("X" complete events, ts/dur in microseconds,
//           pid/tid, thread names) - chrome://tracing and ui.perfetto.dev open it.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "rvprof/profile.h"

namespace rvprof {

enum class SortKey { kSelf, kTotal, kCalls, kName };
// "self", "total", "calls", "name"; false when unknown.
bool parse_sort_key(std::string_view text, SortKey& out);

struct TableOptions {
  SortKey sort = SortKey::kSelf;
  size_t top = 0;  // 0: every function
};

void write_table(std::ostream& out, const Profile& p, const TableOptions& options = {});
void write_folded(std::ostream& out, const Profile& p);
void write_svg(std::ostream& out, const Profile& p, std::string_view title);
void write_chrome_trace(std::ostream& out, const Profile& p, std::string_view process_name);

// Escaping shared by the writers (exposed for the tests).
std::string xml_escape(std::string_view s);
std::string json_escape(std::string_view s);  // without the surrounding quotes

}  // namespace rvprof
