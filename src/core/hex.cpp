#include "core/hex.h"

namespace clt::core {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void to_hex(const std::uint8_t* bytes, std::size_t n, char* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = hex_digit(bytes[i] >> 4);
    out[2 * i + 1] = hex_digit(bytes[i]);
  }
}

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + 2 * n);
  to_hex(bytes, n, out.data() + at);
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  append_hex(out, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return out;
}

void append_be_hex(std::string& out, std::uint64_t v, std::size_t bytes) {
  std::uint8_t b[8];
  bytes = bytes > sizeof b ? sizeof b : bytes;
  for (std::size_t i = 0; i < bytes; ++i)
    b[i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
  append_hex(out, b, bytes);
}

bool parse_hex(std::string_view text, std::uint8_t* out, bool lower_only) {
  if (text.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const char h = text[i], l = text[i + 1];
    if (lower_only && ((h >= 'A' && h <= 'F') || (l >= 'A' && l <= 'F'))) return false;
    const int high = hex_value(h);
    const int low = hex_value(l);
    if (high < 0 || low < 0) return false;
    out[i / 2] = static_cast<std::uint8_t>((high << 4) | low);
  }
  return true;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out(text.size() / 2, '\0');
  if (!parse_hex(text, reinterpret_cast<std::uint8_t*>(out.data()))) return std::nullopt;
  return out;
}

}  // namespace clt::core
