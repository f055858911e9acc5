#pragma once

#include <optional>
#include <string>
#include <string_view>

// The OTLP/JSON mapping writes trace and span ids as hex (core/hex.h) while
// the protobuf JSON mapping (and every other bytes field) uses base64: with
// these the two convert without going through a message.
namespace clt::otlp {

std::string to_base64(std::string_view bytes);
// Accepts the standard and URL-safe alphabets, with or without padding.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace clt::otlp
