#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "ui/ui_assets.h"

namespace {

using clt::ui::find_asset;

TEST(UiAssets, RootIsTheIndexDocument) {
  const auto* root = find_asset("/");
  const auto* index = find_asset("/index.html");
  ASSERT_NE(root, nullptr);
  ASSERT_EQ(root, index);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body.find("<!doctype html>"), std::string_view::npos);
  EXPECT_NE(root->body.find("src=\"/app.js\""), std::string_view::npos);
}

TEST(UiAssets, ScriptsAndStylesHaveTheirTypesAndFullBodies) {
  const auto* app = find_asset("/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  // The embedded body ends exactly where the source file does.
  EXPECT_EQ(app->body.back(), '\n');
  EXPECT_NE(app->body.find("route();"), std::string_view::npos);
  const auto* css = find_asset("/style.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  const auto* icon = find_asset("/favicon.svg");
  ASSERT_NE(icon, nullptr);
  EXPECT_EQ(icon->content_type, "image/svg+xml");
}

TEST(UiAssets, BodiesMatchTheSourceFiles) {
  for (const char* name : {"/index.html", "/app.js", "/style.css", "/model.js"}) {
    const auto* asset = find_asset(name);
    ASSERT_NE(asset, nullptr) << name;
    std::FILE* f = std::fopen((std::string(CLT_SOURCE_DIR) + "/src/ui/web" + name).c_str(), "rb");
    ASSERT_NE(f, nullptr) << name;
    std::string disk;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) disk.append(buf, n);
    std::fclose(f);
    EXPECT_EQ(asset->body, disk) << name;
  }
}

TEST(UiAssets, UnknownPathsAreNotFound) {
  EXPECT_EQ(find_asset(""), nullptr);
  EXPECT_EQ(find_asset("/trace/0123456789abcdef"), nullptr);
  EXPECT_EQ(find_asset("/app.js/"), nullptr);
  EXPECT_EQ(find_asset("app.js"), nullptr);
  EXPECT_EQ(find_asset("/../CMakeLists.txt"), nullptr);
  EXPECT_EQ(find_asset("/api/services"), nullptr);
}

}  // namespace
