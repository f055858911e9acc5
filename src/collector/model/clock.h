#pragma once

#include <chrono>
#include <cstdint>

namespace clt::collector {

// Wall-clock microseconds since the epoch (arrival times, retention).
inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace clt::collector
