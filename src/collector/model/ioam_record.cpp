#include "collector/model/ioam_record.h"

#include <cstring>

#include "core/ioam_trace.h"
#include "ioam_api.pb.h"
#include "ioam_api/trace_mapping.h"

namespace clt::collector {

std::size_t JoinKeyHash::operator()(const JoinKey& k) const noexcept {
  std::uint64_t a = 0, b = 0, c = 0;
  std::memcpy(&a, k.trace_id.data(), 8);
  std::memcpy(&b, k.trace_id.data() + 8, 8);
  std::memcpy(&c, k.span_id.data(), 8);
  std::uint64_t h = a * 0x9e3779b97f4a7c15ull;
  h ^= b + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
  h ^= c + 0x94d049bb133111ebull + (h << 6) + (h >> 2);
  h ^= static_cast<std::uint64_t>(k.direction) * 0xbf58476d1ce4e5b9ull;
  // Ids that differ only in their last bytes (counters, as some generators
  // make them) differ only in the top bits so far: mixed down, or they
  // share buckets.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

JoinKey synthetic_key(const PacketMeta& meta, std::span<const HopSample> hops) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::uint64_t v) {
    h ^= v;
    h *= 0x100000001b3ull;
  };
  mix(meta.namespace_id);
  for (const auto& hop : hops) mix(hop.node_id);
  const std::uint64_t second = static_cast<std::uint64_t>(meta.received_us / 1'000'000);
  JoinKey k;
  core::store_be64(k.trace_id.data(), second | (0xc1ull << 56));
  core::store_be64(k.trace_id.data() + 8, h);
  core::store_be64(k.span_id.data(), (h ^ (second * 0x9e3779b97f4a7c15ull)) | 1);
  return k;
}

bool read_report(const ioam_api::IOAMTrace& report, std::int64_t received_us, JoinKey& key,
                 PacketMeta& meta, std::vector<HopSample>& hops, std::string& error) {
  core::Trace trace;
  if (!ioam_api_mapping::decode_ioam_trace(report, trace, error)) return false;
  key.trace_id = trace.trace_id;
  key.span_id = trace.span_id;
  key.direction = report.direction() == ioam_api::CLT_DIRECTION_RESPONSE
                      ? core::Direction::kResponse
                      : core::Direction::kRequest;
  meta.received_us = received_us;
  meta.trace_type = trace.trace_type;
  meta.namespace_id = trace.namespace_id;
  meta.node_count = trace.node_count;
  for (std::size_t i = 0; i < trace.node_count; ++i) {
    // A sender may leave namespace data out although the trace type selects
    // it: then the hop has none (not zeros).
    const auto& n = report.nodes(static_cast<int>(i));
    hops.push_back(aggregate::node_fields(trace.nodes[i], trace.trace_type,
                                          !n.namespacedata().empty(),
                                          !n.namespacedatawide().empty()));
  }
  return true;
}

}  // namespace clt::collector
