#pragma once

#include <string>
#include <vector>

#include "collector/ingest/ingest_queue.h"
#include "collector/model/ioam_record.h"
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

}  // namespace clt::collector::testing
