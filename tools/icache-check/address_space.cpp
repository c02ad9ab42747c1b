// AddressSpace: an interval map of the guest's own mappings (address_space.h).
#include "address_space.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <mutex>

namespace icache_check {
namespace {

constexpr uint64_t kObjectKeyBit = uint64_t{1} << 63;
constexpr unsigned kObjectShift = 40;     // offsets up to 1 TiB per object

}  // namespace

AddressSpace::Lookup AddressSpace::lookup(uint64_t va) const {
  std::shared_lock<std::shared_mutex> g(lock_);
  auto it = maps_.upper_bound(va);
  if (it == maps_.begin()) return {va, false, false};
  --it;
  const Mapping& m = it->second;
  if (va >= m.end) return {va, false, false};
  const bool exec = (m.prot & PROT_EXEC) != 0;
  if (!m.object) return {va, exec, false};
  const uint64_t key = kObjectKeyBit | (uint64_t{m.object} << kObjectShift) |
                       (m.offset + (va - it->first));
  return {key, exec, true};
}

uint64_t AddressSpace::generation() const {
  std::shared_lock<std::shared_mutex> g(lock_);
  return generation_;
}

uint32_t AddressSpace::intern(uint64_t dev, uint64_t ino) {
  auto [it, fresh] = objects_.emplace(std::make_pair(dev, ino), 0);
  if (fresh) it->second = static_cast<uint32_t>(objects_.size());
  return it->second;
}

void AddressSpace::cut(uint64_t start, uint64_t end) {
  auto it = maps_.upper_bound(start);
  if (it != maps_.begin()) --it;
  while (it != maps_.end() && it->first < end) {
    const uint64_t s = it->first;
    Mapping m = it->second;
    if (m.end <= start) {
      ++it;
      continue;
    }
    it = maps_.erase(it);
    if (s < start) maps_[s] = Mapping{start, m.prot, m.object, m.offset};
    if (m.end > end) maps_[end] = Mapping{m.end, m.prot, m.object, m.offset + (end - s)};
  }
}

void AddressSpace::on_mmap(uint64_t addr, uint64_t len, int prot, bool shared, int fd,
                           uint64_t offset) {
  struct stat st;
  const bool backed = shared && fd >= 0 && fstat(fd, &st) == 0;
  std::unique_lock<std::shared_mutex> g(lock_);
  const uint32_t object = backed ? intern(st.st_dev, st.st_ino) : 0;
  cut(addr, addr + len);
  maps_[addr] = Mapping{addr + len, prot, object, offset};
  ++generation_;
}

void AddressSpace::on_munmap(uint64_t addr, uint64_t len) {
  std::unique_lock<std::shared_mutex> g(lock_);
  cut(addr, addr + len);
  ++generation_;
}

void AddressSpace::on_mprotect(uint64_t addr, uint64_t len, int prot) {
  std::unique_lock<std::shared_mutex> g(lock_);
  // Split at both ends, then set the protection of every piece inside.
  std::vector<std::pair<uint64_t, Mapping>> inside;
  auto it = maps_.upper_bound(addr);
  if (it != maps_.begin()) --it;
  for (; it != maps_.end() && it->first < addr + len; ++it)
    if (it->second.end > addr) inside.push_back(*it);
  cut(addr, addr + len);
  for (auto& [s, m] : inside) {
    const uint64_t lo = s > addr ? s : addr;
    const uint64_t hi = m.end < addr + len ? m.end : addr + len;
    maps_[lo] = Mapping{hi, prot, m.object, m.offset + (lo - s)};
  }
  ++generation_;
}

}  // namespace icache_check
