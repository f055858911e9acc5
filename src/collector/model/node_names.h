#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace clt::collector {

// Display names of IOAM node ids, from the configuration.
class NodeNames {
 public:
  void set(std::uint32_t node_id, std::string name) { names_[node_id] = std::move(name); }
  // nullptr when the id has no name.
  const std::string* find(std::uint32_t node_id) const {
    auto it = names_.find(node_id);
    return it == names_.end() ? nullptr : &it->second;
  }
  // The name, or the id in decimal.
  std::string label(std::uint32_t node_id) const {
    const std::string* n = find(node_id);
    return n ? *n : std::to_string(node_id);
  }
  bool empty() const { return names_.empty(); }

  // "1=athos"; false with `error` set when it is not ID=NAME.
  bool parse_assignment(std::string_view text, std::string& error);
  // A JSON file {"node_names": {"1": "athos", ...}}; false with `error` set.
  bool load_file(const std::string& path, std::string& error);
  // The same from its text; `source` names it in errors.
  bool load_text(std::string_view text, std::string_view source, std::string& error);

 private:
  std::map<std::uint32_t, std::string> names_;
};

}  // namespace clt::collector
