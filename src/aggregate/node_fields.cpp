#include "aggregate/node_fields.h"

#include "core/trace_type.h"

namespace clt::aggregate {

namespace {

using core::trace_bits::bit;
constexpr std::uint32_t kUnavailable = 0xffffffffu;

}  // namespace

std::int64_t ioam_timestamp_us(bool has_secs, std::uint32_t secs, bool has_frac,
                               std::uint32_t frac) {
  if (!has_secs || secs == kUnavailable) return -1;
  std::int64_t us = static_cast<std::int64_t>(secs) * 1000000;
  if (has_frac) {
    if (frac >= 1000000) return -1;
    us += frac;
  }
  return us;
}

NodeFields node_fields(const core::NodeData& n, std::uint32_t type, bool has_namespace_data,
                       bool has_namespace_data_wide) {
  NodeFields h;
  const bool narrow_id = type & bit(0);
  const bool wide_id = type & bit(8);
  if (narrow_id) {
    h.node_id = n.id;
  } else if (wide_id) {
    h.node_id = static_cast<std::uint32_t>(n.id_wide);
  }
  h.has_hop_limit = narrow_id || wide_id;
  h.hop_limit = n.hop_limit;
  if (type & bit(1)) {
    h.has_interfaces = true;
    h.ingress_id = n.ingress_id;
    h.egress_id = n.egress_id;
  } else if (type & bit(9)) {
    h.has_interfaces = true;
    h.ingress_id = n.ingress_id_wide;
    h.egress_id = n.egress_id_wide;
  }
  h.timestamp_us =
      ioam_timestamp_us(type & bit(2), n.timestamp_secs, type & bit(3), n.timestamp_frac);
  if (type & bit(6)) {
    h.has_queue_depth = n.queue_depth != kUnavailable;
    h.queue_depth = n.queue_depth;
  }
  if ((type & bit(5)) && has_namespace_data) {
    h.namespace_data_len = 4;
    h.namespace_data = n.namespace_data;
  } else if ((type & bit(10)) && has_namespace_data_wide) {
    h.namespace_data_len = 8;
    h.namespace_data = n.namespace_data_wide;
  }
  return h;
}

}  // namespace clt::aggregate
