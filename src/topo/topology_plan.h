#pragma once

// Turns a topology into the ordered steps that build it: `ip` / `tc`
// commands and sysctl writes inside each namespace. Pure: nothing runs here.

#include <string>
#include <string_view>
#include <vector>

#include "topo/topology.h"

namespace clt::topo {

struct Step {
  enum class Kind { kCommand, kSysctl };
  Kind kind = Kind::kCommand;
  std::vector<std::string> argv;  // kCommand
  std::string netns;              // kSysctl: namespace to write in
  std::string key;                // kSysctl: path under /proc/sys, e.g. net/ipv6/ioam6_id
  std::string value;              // kSysctl
  int line = 0;                   // line of the file the step comes from (0: none)

  // Shell-like text of the step, for --dry-run and error messages.
  std::string to_string() const;
};

// Namespace names in node order: prefix + node name.
std::vector<std::string> namespace_names(const Topology& topology, std::string_view prefix);

std::vector<Step> plan_up(const Topology& topology, std::string_view prefix);

// Valid prefixes: letters, digits, '-', '_', '.', at most 32 characters.
bool valid_prefix(std::string_view prefix);

}  // namespace clt::topo
