#include "core/json_string.h"

#include "core/hex.h"

namespace clt::core {

void append_json_string(std::string& out, std::string_view v) {
  out += '"';
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex_digit(u >> 4);
      out += hex_digit(u);
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace clt::core
