#include "core/ids.h"

namespace clt::core {

namespace {

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_id(std::string_view hex) {
  std::array<std::uint8_t, N> out{};
  if (hex.size() != 2 * N || !parse_hex(hex, out.data())) return std::nullopt;
  return out;
}

}  // namespace

std::string to_hex(const TraceId& id) {
  std::string s;
  append_hex(s, id.data(), id.size());
  return s;
}

std::string to_hex(const SpanId& id) {
  std::string s;
  append_hex(s, id.data(), id.size());
  return s;
}

std::optional<TraceId> parse_trace_id(std::string_view hex) {
  return parse_id<16>(hex);
}
std::optional<SpanId> parse_span_id(std::string_view hex) {
  return parse_id<8>(hex);
}

}  // namespace clt::core
