#pragma once

#include <cstdint>
#include <vector>

#include "core/encode.h"
#include "core/ioam_trace.h"

namespace clt::agent::test {

inline constexpr std::uint32_t kType = 0xf60000;  // node len 6 words

// One node entry as a node with this id writes it (default topology values).
inline std::vector<std::uint8_t> entry(std::uint32_t node_id, std::uint32_t time_frac = 7) {
  core::NodeData n;
  n.hop_limit = static_cast<std::uint8_t>(65 - node_id);
  n.id = node_id;
  n.ingress_id = static_cast<std::uint16_t>(node_id * 10 + 1);
  n.egress_id = static_cast<std::uint16_t>(node_id * 10 + 2);
  n.timestamp_secs = 1'700'000'000;
  n.timestamp_frac = time_frac;
  n.namespace_data = 0xa0000000u + node_id;
  n.queue_depth = node_id;
  std::vector<std::uint8_t> out(core::node_len_for(kType) * 4u);
  core::encode_node(n, kType, out.data());
  return out;
}

// Filled entries as they sit in an option: last node on the path first.
inline std::vector<std::uint8_t> filled(std::initializer_list<std::uint32_t> path_order) {
  std::vector<std::uint8_t> out;
  std::vector<std::uint32_t> ids(path_order);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto e = entry(*it);
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

}  // namespace clt::agent::test
