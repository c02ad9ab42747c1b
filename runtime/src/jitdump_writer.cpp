// JitdumpWriter: perf's jitdump format, written with one writev(2) per record on an
// O_APPEND descriptor so a record is never interleaved with another.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "rvjit/runtime/jitdump.h"

namespace rvjit {
namespace {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

Error sys_error(const std::string& what, const std::string& path) {
  return Error(ErrorCode::kSystemError,
               "jitdump: " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

uint32_t jitdump::native_elf_mach() {
#if defined(__riscv)
  return kEmRiscv;
#elif defined(__x86_64__)
  return kEmX86_64;
#elif defined(__aarch64__)
  return kEmAarch64;
#else
  return 0;  // EM_NONE: perf inject then cannot build ELF files, but the dump is valid
#endif
}

std::string JitdumpWriter::default_path() {
  const char* dir = std::getenv("JITDUMPDIR");
  std::string d = (dir && *dir) ? dir : "/tmp";
  return d + "/jit-" + std::to_string(static_cast<long>(getpid())) + ".dump";
}

Result<std::unique_ptr<JitdumpWriter>> JitdumpWriter::open(const std::string& path) {
  std::string p = path.empty() ? default_path() : path;
  // O_RDWR, not O_WRONLY: the marker mapping below needs a readable descriptor.
  int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("cannot create", p);

  jitdump::FileHeader h{};
  h.magic = jitdump::kMagic;
  h.version = jitdump::kVersion;
  h.total_size = sizeof(h);
  h.elf_mach = jitdump::native_elf_mach();
  h.pid = static_cast<uint32_t>(getpid());
  h.timestamp = monotonic_ns();
  h.flags = 0;  // timestamps are CLOCK_MONOTONIC, not the arch cycle counter
  if (::write(fd, &h, sizeof(h)) != static_cast<ssize_t>(sizeof(h))) {
    Error e = sys_error("cannot write header to", p);
    ::close(fd);
    return e;
  }

  // The marker: perf record logs an MMAP event only for executable mappings (data
  // mappings need --data). Mapping the file's first page PROT_EXEC makes the file name
  // jit-<pid>.dump appear in perf.data, which is how `perf inject --jit` finds the dump.
  // The mapping is never executed and never writable, so it does not break W^X.
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* marker = mmap(nullptr, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  if (marker == MAP_FAILED) {
    Error e = sys_error("cannot map the perf marker of", p);
    ::close(fd);
    return e;
  }
  return std::unique_ptr<JitdumpWriter>(new JitdumpWriter(fd, marker, page, std::move(p)));
}

JitdumpWriter::~JitdumpWriter() { (void)close(); }

void JitdumpWriter::write_all(const void* const* parts, const size_t* sizes, int count) {
  iovec iov[4];
  size_t total = 0;
  for (int i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<void*>(parts[i]);
    iov[i].iov_len = sizes[i];
    total += sizes[i];
  }
  ssize_t w;
  do {
    w = ::writev(fd_, iov, count);
  } while (w < 0 && errno == EINTR);
  if (w != static_cast<ssize_t>(total) && error_.ok()) {
    error_ = Error(ErrorCode::kSystemError,
                   "jitdump: write to " + path_ + " failed: " +
                       (w < 0 ? std::strerror(errno) : "short write"));
  }
}

void JitdumpWriter::on_code_load(const CodeLoadEvent& event) {
  const char* name = event.name ? event.name : "";
  size_t name_size = std::strlen(name) + 1;
  size_t code_size = event.bytes ? event.size : 0;
  uint64_t total = sizeof(jitdump::RecordHeader) + sizeof(jitdump::CodeLoadBody) +
                   name_size + code_size;

  jitdump::RecordHeader rh{};
  rh.id = jitdump::kCodeLoad;
  rh.timestamp = monotonic_ns();
  jitdump::CodeLoadBody body{};
  body.pid = static_cast<uint32_t>(getpid());
  body.tid = static_cast<uint32_t>(syscall(SYS_gettid));
  body.vma = event.address;
  body.code_addr = event.address;
  body.code_size = code_size;
  body.code_index = event.code_index;

  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return;
  if (total > UINT32_MAX) {  // total_size is a u32 in the format
    if (error_.ok())
      error_ = Error(ErrorCode::kInvalidArgument,
                     std::string("jitdump: record for ") + name + " exceeds 4 GiB");
    return;
  }
  rh.total_size = static_cast<uint32_t>(total);
  const void* parts[] = {&rh, &body, name, event.bytes};
  const size_t sizes[] = {sizeof(rh), sizeof(body), name_size, code_size};
  write_all(parts, sizes, code_size ? 4 : 3);
}

Error JitdumpWriter::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return error_;
  jitdump::RecordHeader rh{};
  rh.id = jitdump::kCodeClose;
  rh.total_size = sizeof(rh);
  rh.timestamp = monotonic_ns();
  const void* parts[] = {&rh};
  const size_t sizes[] = {sizeof(rh)};
  write_all(parts, sizes, 1);
  munmap(marker_, marker_size_);
  ::close(fd_);
  fd_ = -1;
  return error_;
}

Error JitdumpWriter::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace rvjit
