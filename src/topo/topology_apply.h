#pragma once

// Brings a topology up or down on this machine. Up is idempotent (a topology
// already up as planned is left alone; anything else with the same names is
// rebuilt) and all-or-nothing (a failed step removes what was built). Down
// removes every namespace of the topology, whatever state a crash left.

#include <string>
#include <string_view>

#include "topo/topology.h"

namespace clt::topo {

struct ApplyReport {
  bool ok = false;
  bool already_up = false;
  int stopped_processes = 0;
  std::string error;  // one actionable sentence when !ok
};

ApplyReport topology_up(const Topology& topology, std::string_view prefix, std::string_view source);
ApplyReport topology_down(const Topology& topology, std::string_view prefix);

// Where up records what it built (one file per topology instance).
std::string state_file(const Topology& topology, std::string_view prefix);

}  // namespace clt::topo
