#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/hex.h"

namespace clt::core {

// W3C / OpenTelemetry ids, big-endian bytes as they travel in the packet.
// A 64-bit trace id is carried with its high 8 bytes zero.
using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

std::string to_hex(const TraceId& id);
std::string to_hex(const SpanId& id);

// Parses exactly 2*N hex digits (either case); nullopt otherwise.
// An id as OTLP carries it (raw bytes): false unless exactly N bytes, not all
// zero (the invalid id).
template <std::size_t N>
bool id_from_bytes(std::string_view bytes, std::array<std::uint8_t, N>& out) {
  if (bytes.size() != N) return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = static_cast<std::uint8_t>(bytes[i]);
    nonzero = nonzero || out[i] != 0;
  }
  return nonzero;
}

std::optional<TraceId> parse_trace_id(std::string_view hex);
std::optional<SpanId> parse_span_id(std::string_view hex);

inline bool is_zero(const TraceId& id) {
  for (auto b : id)
    if (b) return false;
  return true;
}
inline bool is_zero(const SpanId& id) {
  for (auto b : id)
    if (b) return false;
  return true;
}

// Big-endian helpers shared by the wire code and the API encoders.
inline std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace clt::core
