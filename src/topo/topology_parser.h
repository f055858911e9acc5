#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "topo/topology.h"

namespace clt::topo {

// Parses and checks a .topo file (format: docs/topology.md). On failure
// returns nullopt and sets error to "SOURCE:LINE: problem".
std::optional<Topology> parse_topology(std::string_view text, std::string_view source,
                                       std::string& error);

}  // namespace clt::topo
