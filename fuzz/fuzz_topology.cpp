// libFuzzer target: a .topo file (docs/topology.md) through the topology
// parser and its checks. Bad input must be refused with "SOURCE:LINE:
// problem", bounded; nothing may crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "topo/topology_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto topology = clt::topo::parse_topology(text, "fuzz.topo", error);
  if (!topology) {
    // The reason names the file and stays short whatever the input.
    if (error.rfind("fuzz.topo:", 0) != 0 || error.size() > 4096) __builtin_trap();
  }
  return 0;
}
