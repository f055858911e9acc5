#pragma once

#include <cstddef>
#include <string_view>

namespace clt::otlp {

// Whether no array or object of the JSON text is nested deeper than
// max_depth (the outermost is depth 1). A scan, without parsing: run before
// a parser or a recursive walk meets a hostile nesting of 100,000 levels.
bool json_depth_within(std::string_view text, std::size_t max_depth);

}  // namespace clt::otlp
