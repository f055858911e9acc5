#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace clt::demo {

// A constant-delay line for packets, in user space: a TUN device whose every
// packet is written back after `delay`. Routed into it (policy routing on the
// router), forwarded traffic leaves the router `delay` later, like
// `tc qdisc ... netem delay` which some kernels (this project's CI among them)
// are built without.
struct DelayLineOptions {
  std::string device = "cltdelay";
  std::chrono::microseconds delay{200000};
  std::size_t capacity = 8192;  // packets in flight; more are dropped and counted
};

struct DelayLineCounters {
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;
};

// Creates the device and forwards until stop becomes true. Returns 0, or 1
// with a one-line reason on stderr.
int run_delay_line(const DelayLineOptions& options, const std::atomic<bool>& stop,
                   DelayLineCounters& counters);

}  // namespace clt::demo
