#include "aggregate/span_aggregate.h"

#include <algorithm>

namespace clt::aggregate {

void HopAggregate::add(const NodeFields& node, std::int64_t previous_us) {
  if (packets == 0) first = node;
  ++packets;
  if (node.has_queue_depth) queue_depth.add(node.queue_depth);
  if (node.timestamp_us < 0) return;
  if (first_timestamp_us < 0 || node.timestamp_us < first_timestamp_us)
    first_timestamp_us = node.timestamp_us;
  last_timestamp_us = std::max(last_timestamp_us, node.timestamp_us);
  if (previous_us < 0) return;
  delay_us.add(node.timestamp_us - previous_us);
  if (previous_timestamp_us < 0)
    previous_timestamp_us = previous_us;
  else if (previous_us != previous_timestamp_us)
    previous_constant = false;
}

void HopAggregate::merge(const HopAggregate& other) {
  if (other.packets == 0) return;
  if (packets == 0) {
    *this = other;
    return;
  }
  packets += other.packets;
  delay_us.merge(other.delay_us);
  queue_depth.merge(other.queue_depth);
  if (other.first_timestamp_us >= 0 &&
      (first_timestamp_us < 0 || other.first_timestamp_us < first_timestamp_us))
    first_timestamp_us = other.first_timestamp_us;
  last_timestamp_us = std::max(last_timestamp_us, other.last_timestamp_us);
  if (previous_timestamp_us < 0) {
    previous_timestamp_us = other.previous_timestamp_us;
    previous_constant = other.previous_constant;
  } else if (other.previous_timestamp_us >= 0) {
    previous_constant = previous_constant && other.previous_constant &&
                        other.previous_timestamp_us == previous_timestamp_us;
  }
}

void HopAggregate::clear() {
  first = {};
  packets = 0;
  delay_us.clear();
  queue_depth.clear();
  first_timestamp_us = last_timestamp_us = previous_timestamp_us = -1;
  previous_constant = true;
}

std::int64_t HopAggregate::typical_delay_us() const {
  if (previous_constant && delay_us.count() > 1) return delay_us.min();
  return delay_us.quantile(0.5);
}

void SpanAggregate::reset(const core::Trace& trace, const core::Ipv6Address& src,
                          const core::Ipv6Address& dst) {
  trace_id = trace.trace_id;
  span_id = trace.span_id;
  ids_lost = trace.layout != core::Layout::kPlain && !trace.ids_intact;
  overflow = false;
  namespace_id = trace.namespace_id;
  trace_type = trace.trace_type;
  source = src;
  destination = dst;
  direction = core::Direction::kRequest;
  packets = 0;
  first_captured_us = last_captured_us = 0;
  for (std::size_t k = 0; k < hop_count; ++k) hops[k].clear();
  hop_count = 0;
}

void SpanAggregate::add(const core::Trace& trace, std::int64_t captured_us) {
  if (packets == 0 || captured_us < first_captured_us) first_captured_us = captured_us;
  last_captured_us = std::max(last_captured_us, captured_us);
  ++packets;
  overflow = overflow || trace.flags.overflow;
  if (trace.node_count > hops.size()) hops.resize(trace.node_count);
  hop_count = std::max<std::size_t>(hop_count, trace.node_count);
  std::int64_t previous_us = -1;
  for (std::size_t k = 0; k < trace.node_count; ++k) {
    const NodeFields node = node_fields(trace.nodes[k], trace.trace_type);
    hops[k].add(node, k > 0 ? previous_us : -1);
    previous_us = node.timestamp_us;
  }
}

void SpanAggregate::merge(const SpanAggregate& other) {
  if (other.packets == 0) return;
  if (packets == 0) {
    *this = other;
    return;
  }
  first_captured_us = std::min(first_captured_us, other.first_captured_us);
  last_captured_us = std::max(last_captured_us, other.last_captured_us);
  packets += other.packets;
  ids_lost = ids_lost || other.ids_lost;
  overflow = overflow || other.overflow;
  if (other.hop_count > hops.size()) hops.resize(other.hop_count);
  for (std::size_t k = 0; k < other.hop_count; ++k) hops[k].merge(other.hops[k]);
  hop_count = std::max(hop_count, other.hop_count);
}

}  // namespace clt::aggregate
