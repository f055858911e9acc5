#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"

namespace clt::agent {

// Which collector each trace id's telemetry goes to, by rendezvous
// (highest-random-weight) hashing: every (trace id, collector) pair gets a
// pseudo-random weight, and a trace goes to the collector of the highest
// weight among those that are up. So every agent given the same collectors
// sends a trace to the same one, traces spread evenly, and when a collector
// is down only its traces move (each to its next-highest collector), and
// back when it returns.
class CollectorShards {
 public:
  // One per collector, as given (-c): the weights depend on these names, not
  // on their order.
  explicit CollectorShards(const std::vector<std::string>& collectors);

  std::size_t size() const { return seeds_.size(); }
  // The collector of the highest weight for `trace` among those `up` says
  // are up (up(i) -> bool); size() when none is.
  template <typename Up>
  std::size_t pick(const core::TraceId& trace, Up&& up) const {
    const std::uint64_t t = trace_hash(trace);
    std::size_t best = seeds_.size();
    std::uint64_t best_weight = 0;
    for (std::size_t i = 0; i < seeds_.size(); ++i) {
      if (!up(i)) continue;
      const std::uint64_t w = weight(t, seeds_[i]);
      if (best == seeds_.size() || w > best_weight) {
        best = i;
        best_weight = w;
      }
    }
    return best;
  }
  // The first choice for `trace` with every collector up.
  std::size_t preferred(const core::TraceId& trace) const {
    return pick(trace, [](std::size_t) { return true; });
  }

  static std::uint64_t trace_hash(const core::TraceId& trace);
  static std::uint64_t weight(std::uint64_t trace_hash, std::uint64_t collector_seed);

 private:
  std::vector<std::uint64_t> seeds_;
};

}  // namespace clt::agent
