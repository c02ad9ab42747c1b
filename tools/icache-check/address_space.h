// User mode: which memory a guest virtual address names, from the guest's mmap, munmap and
// mprotect calls (seen by the plugin's syscall callbacks).
//
// A shared mapping of a file or memfd gets a key from the backing object (st_dev, st_ino,
// from fstat of the guest's descriptor: qemu-user passes descriptors through) and the file
// offset, so the RW and the RX view of a dual mapping give the same key and a store through
// one counts for the other. Every other address is its own key (private memory).
// Memory the guest never mapped itself (the ELF image and stack qemu sets up) has no mapping
// here: private, not executable until a fetch from it shows otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <utility>
#include <vector>

namespace icache_check {

class AddressSpace {
 public:
  struct Lookup {
    uint64_t key;       // see above
    bool executable;    // the mapping holding it is executable now
    bool shared;        // key names a backing object
  };
  Lookup lookup(uint64_t va) const;

  // An mmap that returned `addr`; fd < 0 or MAP_PRIVATE: private memory. Call it while the
  // descriptor is still open (at the syscall's entry).
  void on_mmap(uint64_t addr, uint64_t len, int prot, bool shared, int fd, uint64_t offset);
  void on_munmap(uint64_t addr, uint64_t len);
  void on_mprotect(uint64_t addr, uint64_t len, int prot);
  // Changes with each successful mmap/munmap/mprotect (for per-thread caches).
  uint64_t generation() const;

 private:
  struct Mapping {
    uint64_t end;
    int prot;
    uint32_t object;    // 0: private
    uint64_t offset;    // file offset of the mapping's start
  };
  void cut(uint64_t start, uint64_t end);  // removes [start, end), splitting neighbours
  uint32_t intern(uint64_t dev, uint64_t ino);

  mutable std::shared_mutex lock_;
  std::map<uint64_t, Mapping> maps_;                 // start -> mapping
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> objects_;
  uint64_t generation_ = 0;
};

}  // namespace icache_check
