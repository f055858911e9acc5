#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector/ingest/ingest_queue.h"
#include "collector/model/clock.h"
#include "collector/model/ioam_record.h"
#include "core/ioam_trace.h"
#include "ioam_api.pb.h"

namespace clt::collector::testing {

struct NodeSpec {
  std::uint32_t id;
  std::uint32_t secs;
  std::uint32_t frac_us;
  std::uint32_t queue = 0;
};

// A report of trace type 0xf60000 (hop limit+id, interfaces, timestamps,
// namespace data, queue depth), ids as hex.
inline ioam_api::IOAMTrace make_report(const std::string& trace_hex, const std::string& span_hex,
                                       const std::vector<NodeSpec>& nodes) {
  ioam_api::IOAMTrace r;
  auto tid = core::parse_trace_id(trace_hex);
  auto sid = core::parse_span_id(span_hex);
  r.set_traceid_high(core::load_be64(tid->data()));
  r.set_traceid_low(core::load_be64(tid->data() + 8));
  r.set_spanid(core::load_be64(sid->data()));
  r.set_namespaceid(123);
  r.set_bitfield(0xf60000u << 8);
  std::uint32_t hl = 64;
  for (const auto& n : nodes) {
    auto* node = r.add_nodes();
    node->set_hoplimit(hl--);
    node->set_id(n.id);
    node->set_ingressid(n.id * 10 + 1);
    node->set_egressid(n.id * 10 + 2);
    node->set_timestampsecs(n.secs);
    node->set_timestampfrac(n.frac_us);
    node->set_queuedepth(n.queue);
    const char data[4] = {static_cast<char>(0xa0), 0, 0, static_cast<char>(n.id)};
    node->set_namespacedata(std::string(data, 4));
  }
  return r;
}

// Appends a report to a batch as the gRPC receiver does.
inline void add_to_batch(IngestBatch& b, const ioam_api::IOAMTrace& r, std::int64_t received_us) {
  JoinKey key;
  PacketMeta meta;
  std::string error;
  std::vector<HopSample> hops;
  read_report(r, received_us, key, meta, hops, error);
  b.keys.push_back(key);
  b.metas.push_back(meta);
  b.hops.insert(b.hops.end(), hops.begin(), hops.end());
  b.raw += r.SerializeAsString();
  b.raw_ends.push_back(static_cast<std::uint32_t>(b.raw.size()));
}

// A span summary of `packets` packets over nodes 1 and 2 (100 us apart), as
// the receivers decode it.
inline ReceivedSummary span_summary(const std::string& trace_hex, const std::string& span_hex,
                                    int packets) {
  ReceivedSummary r;
  r.key = JoinKey{*core::parse_trace_id(trace_hex), *core::parse_span_id(span_hex)};
  auto trace = std::make_unique<core::Trace>();
  trace->namespace_id = 123;
  trace->trace_type = 0xf60000;
  trace->node_len = 6;
  trace->ids_intact = true;
  trace->node_count = 2;
  trace->trace_id = r.key.trace_id;
  trace->span_id = r.key.span_id;
  for (std::uint32_t i = 0; i < 2; ++i) {
    trace->nodes[i].id = i + 1;
    trace->nodes[i].hop_limit = static_cast<std::uint8_t>(64 - i);
    trace->nodes[i].timestamp_secs = 1'700'000'000;
    trace->nodes[i].timestamp_frac = i * 100;
  }
  const core::Ipv6Address address{};
  r.aggregate.reset(*trace, address, address);
  for (int p = 0; p < packets; ++p) r.aggregate.add(*trace, 1'700'000'000'000'000 + p);
  r.received_us = now_us();
  return r;
}

}  // namespace clt::collector::testing
