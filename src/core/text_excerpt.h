#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clt::core {

// At most `max` bytes of `text` for an error message: printable ASCII as is,
// every other byte (and '\') as \xNN, and "... (N bytes)" when cut. What a
// client or a file sent can then be echoed without flooding or corrupting
// the terminal or the log.
std::string quoted_excerpt(std::string_view text, std::size_t max = 64);

}  // namespace clt::core
