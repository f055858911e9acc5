#pragma once

#include <string_view>

namespace clt::topo {

// topologies/default.topo, compiled in: athos -- porthos -- aramis.
std::string_view default_topology_text();

}  // namespace clt::topo
