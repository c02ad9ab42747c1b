// A memfd mapped twice: `rw` (read/write, never executed) and `rx` (read/execute, never
// written). The W^X layout the runtime's dual_map policy uses, built here from raw
// syscalls so the system tests check the kernel, not the runtime.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace rvjit::system {

class DualMap {
 public:
  DualMap() = default;
  DualMap(const DualMap&) = delete;
  DualMap& operator=(const DualMap&) = delete;
  ~DualMap() {
    if (rw_) munmap(rw_, size_);
    if (rx_) munmap(rx_, size_);
    if (fd_ >= 0) close(fd_);
  }

  // Returns an empty string on success, else what failed.
  std::string create(size_t size) {
    size_ = size;
    fd_ = memfd_create("rvjit-system-test", MFD_CLOEXEC);
    if (fd_ < 0) return std::string("memfd_create: ") + strerror(errno);
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return std::string("ftruncate: ") + strerror(errno);
    void* rw = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (rw == MAP_FAILED) return std::string("mmap rw: ") + strerror(errno);
    rw_ = static_cast<uint32_t*>(rw);
    void* rx = mmap(nullptr, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd_, 0);
    if (rx == MAP_FAILED) return std::string("mmap rx: ") + strerror(errno);
    rx_ = rx;
    return {};
  }

  uint32_t* rw() const { return rw_; }
  void* rx() const { return rx_; }
  template <typename Fn>
  Fn rx_as() const { return reinterpret_cast<Fn>(rx_); }

 private:
  int fd_ = -1;
  size_t size_ = 0;
  uint32_t* rw_ = nullptr;
  void* rx_ = nullptr;
};

}  // namespace rvjit::system
