#pragma once

#include <string_view>

namespace clt::ui {

// One file of the web UI, embedded in the binary so the collector serves the
// UI without reading anything from disk and without external network access.
struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// The asset for a URL path such as "/" or "/app.js"; nullptr if there is none.
// "/" and "/index.html" are the single-page application's entry document.
const Asset* find_asset(std::string_view path);

}  // namespace clt::ui
