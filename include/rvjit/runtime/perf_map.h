// PerfMapWriter: the simplest profiler interface for JIT code. perf (and other tools that
// follow its convention) read /tmp/perf-<pid>.map to name samples that land in anonymous
// executable memory. Each line is `<start-hex> <size-hex> <name>`; perf takes the file
// as it is when it reports, so lines are only ever appended.
//
//   auto map = rvjit::PerfMapWriter::open();      // /tmp/perf-<pid>.map
//   if (!map.ok()) ... map.error() ...
//   cache.add_listener(map->get());
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "rvjit/error.h"
#include "rvjit/runtime/code_events.h"

namespace rvjit {

class PerfMapWriter final : public CodeEventListener {
 public:
  // Opens (creates or appends to) `path`; an empty path means /tmp/perf-<pid>.map.
  static Result<std::unique_ptr<PerfMapWriter>> open(const std::string& path = "");
  // The default path for this process: /tmp/perf-<pid>.map.
  static std::string default_path();

  ~PerfMapWriter() override;
  PerfMapWriter(const PerfMapWriter&) = delete;
  PerfMapWriter& operator=(const PerfMapWriter&) = delete;

  // Appends one line. Names with a newline are cut at it (a line is one record).
  void on_code_load(const CodeLoadEvent& event) override;
  // perf maps have no removal record: a released range is simply overwritten by the
  // next load at that address (perf uses the last matching line). Nothing to do.
  void on_code_release(const CodeReleaseEvent& event) override {}

  const std::string& path() const { return path_; }
  // First write error since open (ok() if none); listeners cannot return errors.
  Error last_error() const;

 private:
  PerfMapWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  mutable std::mutex mu_;
  Error error_;
};

}  // namespace rvjit
