#include "tracing/id_generator.h"

#include <sys/random.h>

#include <random>

namespace clt::tracing {
namespace {

std::uint64_t kernel_random64() {
  std::uint64_t value = 0;
  if (getrandom(&value, sizeof value, 0) == static_cast<ssize_t>(sizeof value)) return value;
  std::random_device device;  // getrandom unavailable: the library's own entropy source
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

RandomIdGenerator::RandomIdGenerator()
    : counter_(kernel_random64()), stride_(kernel_random64() | 1), key_(kernel_random64()) {}

std::uint64_t RandomIdGenerator::next() {
  for (;;) {
    const std::uint64_t value = mix(counter_.fetch_add(stride_, std::memory_order_relaxed) ^ key_);
    if (value != 0) return value;
  }
}

TraceId RandomIdGenerator::new_trace_id() {
  TraceId id;
  core::store_be64(id.data(), next());
  core::store_be64(id.data() + 8, next());
  return id;
}

SpanId RandomIdGenerator::new_span_id() {
  SpanId id;
  core::store_be64(id.data(), next());
  return id;
}

}  // namespace clt::tracing
