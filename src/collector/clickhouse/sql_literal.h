#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/hex.h"

namespace clt::collector::clickhouse {

// A string literal of SQL: quoted, with ' and \ escaped (any byte may follow).
// The servers the store supports take no query parameters, so every value
// of a statement is one of these or a number.
std::string quote(std::string_view text);

// An id as a FixedString constant, the type of its column (so that the
// primary key serves the lookup).
template <std::size_t N>
std::string id_literal(const std::array<std::uint8_t, N>& id) {
  char hex[2 * N];
  core::to_hex(id.data(), N, hex);
  return "toFixedString(unhex('" + std::string(hex, 2 * N) + "'), " + std::to_string(N) + ")";
}

}  // namespace clt::collector::clickhouse
