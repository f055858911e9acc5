#include "core/ids.h"

namespace clt::core {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_hex(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

void to_hex(const std::uint8_t* bytes, std::size_t n, char* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
}

std::string to_hex(const TraceId& id) {
  std::string s(32, '0');
  to_hex(id.data(), id.size(), s.data());
  return s;
}

std::string to_hex(const SpanId& id) {
  std::string s(16, '0');
  to_hex(id.data(), id.size(), s.data());
  return s;
}

std::optional<TraceId> parse_trace_id(std::string_view hex) {
  return parse_hex<16>(hex);
}
std::optional<SpanId> parse_span_id(std::string_view hex) {
  return parse_hex<8>(hex);
}

}  // namespace clt::core
