#include "collector/model/network_summary.h"
#include "core/hex.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace clt::collector {

std::int64_t median(std::vector<std::int64_t>& values) {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const std::int64_t upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const std::int64_t lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  // Rounds toward negative infinity so +/- halves stay symmetric.
  const std::int64_t sum = lower + upper;
  return sum >= 0 ? sum / 2 : -((-sum + 1) / 2);
}

namespace {

std::string hex_of(std::uint64_t v, std::uint8_t bytes) {
  std::string s;
  core::append_be_hex(s, v, bytes);
  return s;
}

struct HopAccumulator {
  bool seen = false;
  HopSample first;
  std::uint16_t namespace_id = 0;
  std::uint32_t packets = 0;
  std::uint32_t queue_max = 0;
  bool has_queue = false;
  std::int64_t start = std::numeric_limits<std::int64_t>::max();
  std::int64_t end = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> delays;
  // The previous node's timestamp, and whether it stayed the same on every
  // packet. A sender that fills its own entry at socket level (CLT's
  // IPV6_HOPOPTS) stamps it once, when CLT is enabled for the span, so every
  // later packet of the span looks delayed by the time since then. Only the
  // earliest packet then measures the link: its delay is the minimum.
  std::int64_t prev_first = -1;
  bool prev_constant = true;

  // One packet's sample of this hop; prev_us: the previous node's timestamp
  // in the same packet (-1: none).
  void add(const HopSample& h, std::int64_t prev_us, std::uint16_t packet_namespace) {
    if (!seen) {
      seen = true;
      first = h;
      namespace_id = packet_namespace;
    }
    ++packets;
    if (h.has_queue_depth) {
      has_queue = true;
      queue_max = std::max(queue_max, h.queue_depth);
    }
    if (h.timestamp_us < 0) return;
    const std::int64_t from = prev_us >= 0 ? prev_us : h.timestamp_us;
    start = std::min(start, std::min(from, h.timestamp_us));
    end = std::max(end, h.timestamp_us);
    if (prev_us < 0) return;
    delays.push_back(h.timestamp_us - prev_us);
    if (prev_first < 0)
      prev_first = prev_us;
    else if (prev_us != prev_first)
      prev_constant = false;
  }
};

// Adds a hop in path order, keeping the path text and the slowest hop.
void append_hop(NetworkSummary& out, HopSummary s, const NodeNames& names) {
  if (s.delay_us && (!out.slowest_hop_delay_us || *s.delay_us > *out.slowest_hop_delay_us)) {
    out.slowest_hop_delay_us = s.delay_us;
    out.slowest_hop = names.label(s.node_id);
  }
  if (!out.path.empty()) out.path += " > ";
  out.path += names.label(s.node_id);
  out.hops.push_back(std::move(s));
}

}  // namespace

NetworkSummary summarize(const JoinKey& key, std::span<const PacketMeta> meta,
                         std::span<const HopSample> hops, const NodeNames& names) {
  NetworkSummary out;
  out.key = key;
  out.ids_lost = !key.has_ids();
  out.packets = static_cast<std::uint32_t>(meta.size());

  std::size_t max_nodes = 0;
  for (const auto& m : meta) max_nodes = std::max<std::size_t>(max_nodes, m.node_count);
  std::vector<HopAccumulator> acc(max_nodes);

  std::int64_t recv_min = std::numeric_limits<std::int64_t>::max();
  std::int64_t recv_max = std::numeric_limits<std::int64_t>::min();
  std::size_t at = 0;
  for (const auto& m : meta) {
    recv_min = std::min(recv_min, m.received_us);
    recv_max = std::max(recv_max, m.received_us);
    for (std::size_t k = 0; k < m.node_count && at + k < hops.size(); ++k)
      acc[k].add(hops[at + k], k > 0 ? hops[at + k - 1].timestamp_us : -1, m.namespace_id);
    at += m.node_count;
  }

  std::int64_t net_start = std::numeric_limits<std::int64_t>::max();
  std::int64_t net_end = std::numeric_limits<std::int64_t>::min();
  for (std::size_t k = 0; k < acc.size(); ++k) {
    HopAccumulator& a = acc[k];
    HopSummary s;
    s.hop = static_cast<int>(k + 1);
    s.node_id = a.first.node_id;
    if (const std::string* n = names.find(s.node_id)) s.name = *n;
    s.namespace_id = a.namespace_id;
    if (a.first.has_hop_limit) s.hop_limit = a.first.hop_limit;
    if (a.first.has_interfaces) {
      s.ingress_id = a.first.ingress_id;
      s.egress_id = a.first.egress_id;
    }
    if (a.has_queue) s.queue_depth_max = a.queue_max;
    if (a.first.namespace_data_len)
      s.namespace_data_hex = hex_of(a.first.namespace_data, a.first.namespace_data_len);
    s.packets = a.packets;
    if (k > 0 && !a.delays.empty()) {
      s.delay_us = a.prev_constant && a.delays.size() > 1
                       ? *std::min_element(a.delays.begin(), a.delays.end())
                       : median(a.delays);
    }
    if (a.start <= a.end) {
      s.start_us = a.start;
      s.duration_us = a.end - a.start;
      net_start = std::min(net_start, a.start);
      net_end = std::max(net_end, a.end);
    } else {
      s.start_us = recv_min;
      s.duration_us = 0;
    }
    append_hop(out, std::move(s), names);
  }
  if (net_start <= net_end) {
    out.start_us = net_start;
    out.duration_us = net_end - net_start;
  } else if (!meta.empty()) {
    out.start_us = recv_min;
    out.duration_us = recv_max - recv_min;
  }
  return out;
}

NetworkSummary summarize(const JoinKey& key, const aggregate::SpanAggregate& a,
                         const NodeNames& names) {
  NetworkSummary out;
  out.key = key;
  out.ids_lost = a.ids_lost || !key.has_ids();
  out.overflow = a.overflow;
  out.packets = static_cast<std::uint32_t>(std::min<std::uint64_t>(a.packets, UINT32_MAX));
  std::int64_t net_start = std::numeric_limits<std::int64_t>::max();
  std::int64_t net_end = std::numeric_limits<std::int64_t>::min();
  for (std::size_t k = 0; k < a.hop_count; ++k) {
    const aggregate::HopAggregate& h = a.hops[k];
    HopSummary s;
    s.hop = static_cast<int>(k + 1);
    s.node_id = h.first.node_id;
    if (const std::string* n = names.find(s.node_id)) s.name = *n;
    s.namespace_id = a.namespace_id;
    if (h.first.has_hop_limit) s.hop_limit = h.first.hop_limit;
    if (h.first.has_interfaces) {
      s.ingress_id = h.first.ingress_id;
      s.egress_id = h.first.egress_id;
    }
    if (!h.queue_depth.empty()) {
      s.queue_depth_max = static_cast<std::uint32_t>(h.queue_depth.max());
      s.queue_depth_p50 = static_cast<std::uint32_t>(h.queue_depth.quantile(0.5));
    }
    if (h.first.namespace_data_len)
      s.namespace_data_hex = hex_of(h.first.namespace_data, h.first.namespace_data_len);
    s.packets = static_cast<std::uint32_t>(std::min<std::uint64_t>(h.packets, UINT32_MAX));
    if (k > 0 && !h.delay_us.empty()) {
      s.delay_us = h.typical_delay_us();
      s.delay_p90_us = h.delay_us.quantile(0.9);
      s.delay_p99_us = h.delay_us.quantile(0.99);
      s.delay_min_us = h.delay_us.min();
      s.delay_max_us = h.delay_us.max();
    }
    if (h.first_timestamp_us >= 0) {
      // As from packets: a hop starts at the previous node's stamp.
      s.start_us = h.previous_timestamp_us >= 0
                       ? std::min(h.previous_timestamp_us, h.first_timestamp_us)
                       : h.first_timestamp_us;
      s.duration_us = h.last_timestamp_us - s.start_us;
      net_start = std::min(net_start, s.start_us);
      net_end = std::max(net_end, h.last_timestamp_us);
    } else {
      s.start_us = a.first_captured_us;
    }
    append_hop(out, std::move(s), names);
  }
  if (net_start <= net_end) {
    out.start_us = net_start;
    out.duration_us = net_end - net_start;
  } else {
    out.start_us = a.first_captured_us;
    out.duration_us = a.last_captured_us - a.first_captured_us;
  }
  return out;
}

}  // namespace clt::collector
