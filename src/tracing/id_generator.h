#pragma once

#include <atomic>
#include <cstdint>

#include "tracing/span_context.h"

namespace clt::tracing {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual TraceId new_trace_id() = 0;
  virtual SpanId new_span_id() = 0;
};

// Ids from SplitMix64 over an atomic counter whose start and stride come from
// the kernel's random source (getrandom): lock-free from any thread, never
// zero, and distinct within one generator because the mix is a bijection.
class RandomIdGenerator final : public IdGenerator {
 public:
  RandomIdGenerator();
  TraceId new_trace_id() override;
  SpanId new_span_id() override;

 private:
  std::uint64_t next();
  std::atomic<std::uint64_t> counter_;
  std::uint64_t stride_;
  std::uint64_t key_;
};

}  // namespace clt::tracing
