#pragma once

#include <span>
#include <string_view>

#include "ui/ui_assets.h"

namespace clt::ui::generated {

struct AssetEntry {
  std::string_view path;
  Asset asset;
};

// Every embedded file, sorted by path (written by embed_assets.cmake).
std::span<const AssetEntry> entries();

}  // namespace clt::ui::generated
