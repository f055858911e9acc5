#pragma once

// Lower-case hex, the one spelling of bytes as text in clt (ids, namespace
// data, escapes); parsing accepts either case unless said otherwise.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clt::core {

inline constexpr char kHexDigits[] = "0123456789abcdef";

// The digit for the low four bits of v.
inline char hex_digit(unsigned v) {
  return kHexDigits[v & 0xf];
}

// 0..15, or -1 for a character that is not a hex digit.
int hex_value(char c);

// 2*n characters to out (no terminator).
void to_hex(const std::uint8_t* bytes, std::size_t n, char* out);
void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n);
std::string to_hex(std::string_view bytes);
// The low `bytes` bytes of v (at most 8), most significant first.
void append_be_hex(std::string& out, std::uint64_t v, std::size_t bytes);

// Exactly text.size()/2 bytes into out; false on odd length or a non-digit.
// lower_only: upper-case digits are not digits (W3C trace context).
bool parse_hex(std::string_view text, std::uint8_t* out, bool lower_only = false);
// The bytes, nullopt on odd length or a non-digit.
std::optional<std::string> from_hex(std::string_view text);

}  // namespace clt::core
