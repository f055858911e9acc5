#include "collector/model/ioam_record.h"

#include <cstring>

#include "core/ioam_trace.h"
#include "core/trace_type.h"
#include "ioam_api.pb.h"
#include "ioam_api/trace_mapping.h"

namespace clt::collector {

namespace {

using core::trace_bits::bit;
constexpr std::uint32_t kUnavailable = 0xffffffffu;

}  // namespace

std::size_t JoinKeyHash::operator()(const JoinKey& k) const noexcept {
  std::uint64_t a = 0, b = 0, c = 0;
  std::memcpy(&a, k.trace_id.data(), 8);
  std::memcpy(&b, k.trace_id.data() + 8, 8);
  std::memcpy(&c, k.span_id.data(), 8);
  std::uint64_t h = a * 0x9e3779b97f4a7c15ull;
  h ^= b + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
  h ^= c + 0x94d049bb133111ebull + (h << 6) + (h >> 2);
  return static_cast<std::size_t>(h);
}

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

namespace {

// The join's view of one decoded node: only the fields the trace type selects.
HopSample hop_sample(const core::NodeData& n, std::uint32_t type, bool has_namespace_data,
                     bool has_namespace_data_wide) {
  HopSample h;
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

}  // namespace

bool read_report(const ioam_api::IOAMTrace& report, std::int64_t received_us, JoinKey& key,
                 PacketMeta& meta, std::vector<HopSample>& hops, std::string& error) {
  core::Trace trace;
  if (!ioam_api_mapping::decode_ioam_trace(report, trace, error)) return false;
  key.trace_id = trace.trace_id;
  key.span_id = trace.span_id;
  meta.received_us = received_us;
  meta.trace_type = trace.trace_type;
  meta.namespace_id = trace.namespace_id;
  meta.node_count = trace.node_count;
  for (std::size_t i = 0; i < trace.node_count; ++i) {
    // A sender may leave namespace data out although the trace type selects
    // it: then the hop has none (not zeros).
    const auto& n = report.nodes(static_cast<int>(i));
    hops.push_back(hop_sample(trace.nodes[i], trace.trace_type, !n.namespacedata().empty(),
                              !n.namespacedatawide().empty()));
  }
  return true;
}

}  // namespace clt::collector
