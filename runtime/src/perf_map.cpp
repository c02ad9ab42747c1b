// PerfMapWriter: /tmp/perf-<pid>.map lines. Each line goes out in one write(2) on an
// O_APPEND descriptor, so concurrent writers (or a crash mid-way) never interleave parts
// of two lines and perf always sees whole records.
#include "rvjit/runtime/perf_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace rvjit {

std::string PerfMapWriter::default_path() {
  return "/tmp/perf-" + std::to_string(static_cast<long>(getpid())) + ".map";
}

Result<std::unique_ptr<PerfMapWriter>> PerfMapWriter::open(const std::string& path) {
  std::string p = path.empty() ? default_path() : path;
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error(ErrorCode::kSystemError,
                 "perf map: cannot open " + p + ": " + std::strerror(errno));
  }
  return std::unique_ptr<PerfMapWriter>(new PerfMapWriter(fd, std::move(p)));
}

PerfMapWriter::~PerfMapWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void PerfMapWriter::on_code_load(const CodeLoadEvent& event) {
  const char* name = event.name ? event.name : "";
  size_t name_len = std::strcspn(name, "\n");
  std::string line(32 + name_len, '\0');
  int n = std::snprintf(line.data(), line.size(), "%" PRIx64 " %zx ", event.address,
                        event.size);
  line.resize(static_cast<size_t>(n));
  line.append(name, name_len);
  line.push_back('\n');

  std::lock_guard<std::mutex> lock(mu_);
  ssize_t w;
  do {
    w = ::write(fd_, line.data(), line.size());
  } while (w < 0 && errno == EINTR);
  if (w != static_cast<ssize_t>(line.size()) && error_.ok()) {
    error_ = Error(ErrorCode::kSystemError,
                   "perf map: write to " + path_ + " failed: " +
                       (w < 0 ? std::strerror(errno) : "short write"));
  }
}

Error PerfMapWriter::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace rvjit
