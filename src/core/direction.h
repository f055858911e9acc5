#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace clt::core {

// Which way a span's packets went. A request and its response carry the same
// ids on the wire (the response is bound to the request's ids), so only the
// node that receives a packet can tell: see agent/direction_classifier.h.
// Request is the default: records without a direction (older agents, UDP,
// anything not classified) are requests.
enum class Direction : std::uint8_t { kRequest = 0, kResponse = 1 };

constexpr std::string_view to_string(Direction d) {
  return d == Direction::kResponse ? "response" : "request";
}

constexpr std::optional<Direction> parse_direction(std::string_view text) {
  if (text == "request") return Direction::kRequest;
  if (text == "response") return Direction::kResponse;
  return std::nullopt;
}

}  // namespace clt::core
