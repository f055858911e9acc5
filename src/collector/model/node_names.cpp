#include "collector/model/node_names.h"

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/text_excerpt.h"

namespace clt::collector {

namespace {

bool parse_node_id(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out <= 0xffffff;
}

}  // namespace

bool NodeNames::parse_assignment(std::string_view text, std::string& error) {
  const auto eq = text.find('=');
  std::uint32_t id = 0;
  if (eq == std::string_view::npos || !parse_node_id(text.substr(0, eq), id) ||
      eq + 1 == text.size()) {
    error = "node name '" + std::string(text) +
            "' is not ID=NAME (a node id of at most 24 bits, e.g. 1=athos)";
    return false;
  }
  set(id, std::string(text.substr(eq + 1)));
  return true;
}

bool NodeNames::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open config file " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(text.str(), path, error);
}

bool NodeNames::load_text(std::string_view text, std::string_view source, std::string& error) {
  const std::string file = "config file " + std::string(source);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = file + " is not a JSON object";
    return false;
  }
  auto it = doc.find("node_names");
  if (it == doc.end()) return true;
  if (!it->is_object()) {
    error = file + ": node_names must be an object {\"1\": \"athos\"}";
    return false;
  }
  for (const auto& [k, v] : it->items()) {
    std::uint32_t id = 0;
    if (!parse_node_id(k, id) || !v.is_string()) {
      error = file + ": node_names entry '" + core::quoted_excerpt(k) +
              "' must map a node id to a string";
      return false;
    }
    set(id, v.get<std::string>());
  }
  return true;
}

}  // namespace clt::collector
