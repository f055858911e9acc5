#pragma once

#include <cstdint>

#include "core/ioam_trace.h"

namespace clt::aggregate {

// One node's data from one packet, as much as a span's summary needs. Fields
// not selected by the trace type stay unset (has_* false).
struct NodeFields {
  std::uint32_t node_id = 0;
  std::uint32_t ingress_id = 0;
  std::uint32_t egress_id = 0;
  std::uint32_t queue_depth = 0;
  std::uint64_t namespace_data = 0;
  std::int64_t timestamp_us = -1;  // -1: the trace type or the node gave none
  std::uint8_t hop_limit = 0;
  std::uint8_t namespace_data_len = 0;  // bytes: 0, 4 or 8
  bool has_hop_limit = false;
  bool has_interfaces = false;
  bool has_queue_depth = false;
};

// The fields of node n that trace type `type` selects. A sender may leave
// namespace data out although the type selects it: then has_namespace_data*
// is false and the node has none (not zeros).
NodeFields node_fields(const core::NodeData& n, std::uint32_t type, bool has_namespace_data = true,
                       bool has_namespace_data_wide = true);

// Microseconds since the epoch from an IOAM timestamp (seconds + microsecond
// fraction, as Linux fills it); -1 when a part is missing or "unavailable".
std::int64_t ioam_timestamp_us(bool has_secs, std::uint32_t secs, bool has_frac,
                               std::uint32_t frac);

}  // namespace clt::aggregate
