#pragma once

// A JSON string literal: quotes, backslash escapes for '"' and '\', \u00XX
// for control characters; other bytes (UTF-8 included) as they are. The one
// hand-written JSON quoting in clt, for writers that avoid a DOM per record.

#include <string>
#include <string_view>

namespace clt::core {

void append_json_string(std::string& out, std::string_view v);

}  // namespace clt::core
