// Chrome trace-event JSON (the "JSON Object Format"): complete events ("ph":"X") with
// ts/dur in microseconds (three decimals: exact nanoseconds, so nesting is preserved),
// plus process/thread name metadata. Perfetto and chrome://tracing open it.
#include <cstdio>

#include "rvprof/writers.h"

namespace rvprof {

void write_chrome_trace(std::ostream& out, const Profile& p, std::string_view process_name) {
  char buf[256];
  out << "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"tool\":\"rvprof\",\"sampling\":\""
      << json_escape(p.sampling.describe()) << "\",\"sampled\":"
      << (p.sampling.sampled ? "true" : "false");
  std::snprintf(buf, sizeof buf, ",\"wall_ns\":%llu,\"hooks_on_ns\":%llu,\"dropped_events\":%llu}",
                static_cast<unsigned long long>(p.sampling.wall_ns),
                static_cast<unsigned long long>(p.sampling.on_ns),
                static_cast<unsigned long long>(p.counters.dropped_events));
  out << buf << ",\n\"traceEvents\":[\n";
  out << "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\""
      << json_escape(process_name) << "\"}}";
  for (size_t t = 0; t < p.threads.size(); ++t) {
    const ThreadTrace& tt = p.threads[t];
    std::snprintf(buf, sizeof buf,
                  ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":"
                  "{\"name\":\"runner %zu\"}}",
                  tt.tid, t);
    out << buf;
    for (const TraceRecord& e : tt.events) {
      const uint64_t rel = e.start_ns - p.origin_ns;
      out << ",\n{\"name\":\"" << json_escape(p.functions[e.function].name) << "\"";
      std::snprintf(buf, sizeof buf,
                    ",\"cat\":\"ebpf\",\"ph\":\"X\",\"ts\":%llu.%03llu,\"dur\":%llu.%03llu,"
                    "\"pid\":1,\"tid\":%d,\"args\":{\"depth\":%u}}",
                    static_cast<unsigned long long>(rel / 1000),
                    static_cast<unsigned long long>(rel % 1000),
                    static_cast<unsigned long long>(e.duration_ns / 1000),
                    static_cast<unsigned long long>(e.duration_ns % 1000), tt.tid, e.depth);
      out << buf;
    }
  }
  out << "\n]}\n";
}

}  // namespace rvprof
