#pragma once

// The options `clt decode` and `clt agent` share: how each IOAM namespace
// lays out its traces (core::Layout), as a default and per namespace.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "core/packet.h"

namespace clt::cli {

struct LayoutOptions {
  std::string default_layout = "clt";
  std::vector<unsigned> plain_namespaces;
  std::vector<unsigned> clt_namespaces;
  std::vector<unsigned> published_namespaces;
};

inline void add_layout_options(CLI::App& app, LayoutOptions& o) {
  app.add_option("--layout", o.default_layout,
                 "layout of namespaces not listed: clt (ids after the trace header, counted in "
                 "RemainingLen), plain (no ids) or published (as the published CLT kernel patch "
                 "writes it: node data after the ids)")
      ->check(CLI::IsMember({"clt", "plain", "published"}));
  const auto ns = CLI::Range(0u, 65535u);
  app.add_option("--plain-namespace", o.plain_namespaces,
                 "namespace whose traces carry no CLT ids (repeatable)")
      ->check(ns);
  app.add_option("--clt-namespace", o.clt_namespaces,
                 "namespace whose traces carry CLT ids (repeatable; with another --layout)")
      ->check(ns);
  app.add_option("--published-namespace", o.published_namespaces,
                 "namespace whose traces the published CLT kernel patch writes (repeatable)")
      ->check(ns);
}

// False, with the reason on stderr after "clt COMMAND: ", when there are more
// namespace rules than a policy holds.
inline bool layout_policy(const LayoutOptions& o, const char* command, core::LayoutPolicy& out) {
  out = core::LayoutPolicy(core::parse_layout(o.default_layout).value_or(core::Layout::kClt));
  if (out.set_all(o.plain_namespaces, core::Layout::kPlain) &&
      out.set_all(o.clt_namespaces, core::Layout::kClt) &&
      out.set_all(o.published_namespaces, core::Layout::kPublished))
    return true;
  std::fprintf(stderr, "clt %s: at most %zu namespace layout rules\n", command,
               core::kMaxLayoutRules);
  return false;
}

}  // namespace clt::cli
