#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "aggregate/span_aggregate.h"
#include "collector/model/ioam_record.h"
#include "collector/model/node_names.h"

namespace clt::collector {

// One IOAM node on the path, aggregated over a span's packets.
struct HopSummary {
  int hop = 0;  // 1 = first node on the path
  std::uint32_t node_id = 0;
  std::string name;  // empty when the id has no configured name
  std::uint16_t namespace_id = 0;
  std::optional<std::uint32_t> hop_limit;
  std::optional<std::uint32_t> ingress_id;
  std::optional<std::uint32_t> egress_id;
  std::optional<std::uint32_t> queue_depth_max;
  std::optional<std::string> namespace_data_hex;
  std::uint32_t packets = 0;
  std::optional<std::int64_t> delay_us;  // median one-way delay from the previous node
  // The delay distribution, from the span's sketch (1% relative error):
  // 90th and 99th percentiles, and the exact extremes.
  std::optional<std::int64_t> delay_p90_us;
  std::optional<std::int64_t> delay_p99_us;
  std::optional<std::int64_t> delay_min_us;
  std::optional<std::int64_t> delay_max_us;
  std::optional<std::uint32_t> queue_depth_p50;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
};

// What the network did for one application span (or one id-less group).
struct NetworkSummary {
  JoinKey key;  // the application span this is the child of
  bool ids_lost = false;
  bool overflow = false;
  std::uint32_t packets = 0;
  std::string path;  // "athos > porthos > aramis"
  std::optional<std::string> slowest_hop;
  std::optional<std::int64_t> slowest_hop_delay_us;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
  std::vector<HopSummary> hops;
};

// Aggregates a span's packets. `hops` holds each packet's nodes one after the
// other (meta[i].node_count of them, path order). Hop k aggregates the k-th
// node of every packet that has one; its delay is the median over packets of
// (timestamp of node k) - (timestamp of node k-1). Start and duration come
// from the timestamps, or from the receive times when the trace type has none.
NetworkSummary summarize(const JoinKey& key, std::span<const PacketMeta> meta,
                         std::span<const HopSample> hops, const NodeNames& names);

// A span's summary from its merged aggregate (what agents sent): the same
// figures, percentiles from the sketches.
NetworkSummary summarize(const JoinKey& key, const aggregate::SpanAggregate& aggregate,
                         const NodeNames& names);

// Median of values (sorts them in place); values must not be empty.
std::int64_t median(std::vector<std::int64_t>& values);

}  // namespace clt::collector
