#include "ui/ui_assets.h"

#include <algorithm>

#include "ui/ui_assets_table.h"

namespace clt::ui {

const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  const auto entries = generated::entries();
  const auto it = std::lower_bound(
      entries.begin(), entries.end(), path,
      [](const generated::AssetEntry& e, std::string_view p) { return e.path < p; });
  if (it == entries.end() || it->path != path) return nullptr;
  return &it->asset;
}

}  // namespace clt::ui
