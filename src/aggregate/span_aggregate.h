#pragma once

#include <cstdint>
#include <vector>

#include "aggregate/node_fields.h"
#include "core/direction.h"
#include "core/ids.h"
#include "core/ioam_trace.h"
#include "core/packet.h"
#include "sketch/log_sketch.h"

namespace clt::aggregate {

// One node of a span's path: the k-th node of each of its packets.
struct HopAggregate {
  NodeFields first;  // as the first packet gave it (id, interfaces, hop limit, data)
  std::uint64_t packets = 0;
  sketch::LogSketch delay_us;  // one-way delay from the previous node
  sketch::LogSketch queue_depth;
  std::int64_t first_timestamp_us = -1;  // -1: no timestamps
  std::int64_t last_timestamp_us = -1;
  // The previous node's timestamp in the first packet that had one, and
  // whether every later packet had that same one: a sender that fills its
  // own entry at socket level stamps it once per span, so later packets look
  // delayed by the time since; then only the smallest delay measures the link.
  std::int64_t previous_timestamp_us = -1;
  bool previous_constant = true;

  // Adds one packet's node; previous_us: the previous node's timestamp in
  // the same packet (-1: none, or this is the first node).
  void add(const NodeFields& node, std::int64_t previous_us);
  void merge(const HopAggregate& other);
  void clear();
  // The delay figure a hop is shown with: the median, or the smallest delay
  // when the previous node stamped once per span. Requires a delay sample.
  std::int64_t typical_delay_us() const;
};

// The IOAM telemetry of one span (or of one id-less group) over some packets.
struct SpanAggregate {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  bool ids_lost = false;
  bool overflow = false;
  std::uint16_t namespace_id = 0;
  std::uint32_t trace_type = 0;
  core::Ipv6Address source{};
  core::Ipv6Address destination{};
  core::Direction direction = core::Direction::kRequest;
  std::uint64_t packets = 0;
  std::int64_t first_captured_us = 0;
  std::int64_t last_captured_us = 0;
  // Path order. Hops beyond hop_count keep their room for reuse.
  std::vector<HopAggregate> hops;
  std::size_t hop_count = 0;

  // Starts an empty aggregate for the trace's span and direction, keeping
  // the room of earlier use (no allocation once warm).
  void reset(const core::Trace& trace, const core::Ipv6Address& src, const core::Ipv6Address& dst);
  // One packet's trace, captured at captured_us.
  void add(const core::Trace& trace, std::int64_t captured_us);
  // Another aggregate of the same span: counts add, sketches merge, hop k
  // with hop k.
  void merge(const SpanAggregate& other);
};

}  // namespace clt::aggregate
