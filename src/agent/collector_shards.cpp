#include "agent/collector_shards.h"

namespace clt::agent {

namespace {

// SplitMix64's finalizer: every input bit reaches every output bit, so the
// weights of one trace at two collectors are unrelated.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t name_seed(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return mix(h);
}

}  // namespace

CollectorShards::CollectorShards(const std::vector<std::string>& collectors) {
  seeds_.reserve(collectors.size());
  for (const std::string& c : collectors) seeds_.push_back(name_seed(c));
}

std::uint64_t CollectorShards::trace_hash(const core::TraceId& trace) {
  std::uint64_t hi = 0, lo = 0;
  for (std::size_t i = 0; i < 8; ++i) hi = (hi << 8) | trace[i];
  for (std::size_t i = 8; i < 16; ++i) lo = (lo << 8) | trace[i];
  return mix(hi ^ mix(lo));
}

std::uint64_t CollectorShards::weight(std::uint64_t trace_hash, std::uint64_t collector_seed) {
  return mix(trace_hash ^ collector_seed);
}

}  // namespace clt::agent
