// The profiler's one clock: CLOCK_MONOTONIC in nanoseconds. Called first thing in every
// hook callback (vDSO on Linux: no syscall, no lock, no allocation).
#pragma once

#include <cstdint>
#include <ctime>

namespace rvprof {

inline uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace rvprof
