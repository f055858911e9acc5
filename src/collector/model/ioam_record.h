#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "aggregate/node_fields.h"
#include "core/direction.h"
#include "core/ids.h"

namespace ioam_api {
class IOAMTrace;
}

namespace clt::collector {

// One node's data from one packet, as much as the join needs.
using HopSample = aggregate::NodeFields;
using aggregate::ioam_timestamp_us;

// One packet's report: ids, namespace, trace type and where its hops are.
struct PacketMeta {
  std::int64_t received_us = 0;
  std::uint32_t trace_type = 0;  // 24 bits
  std::uint16_t namespace_id = 0;
  std::uint8_t node_count = 0;
};

// A span's packets one way: its request and its response carry the same
// ids and are summarized apart (one network span each).
struct JoinKey {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  core::Direction direction = core::Direction::kRequest;
  friend bool operator==(const JoinKey&, const JoinKey&) = default;
  friend auto operator<=>(const JoinKey&, const JoinKey&) = default;
  bool has_ids() const { return !core::is_zero(trace_id) && !core::is_zero(span_id); }
};

struct JoinKeyHash {
  std::size_t operator()(const JoinKey& k) const noexcept;
};

// The key under which reports without CLT ids are grouped: one synthetic
// trace per second of arrival, namespace and path.
JoinKey synthetic_key(const PacketMeta& meta, std::span<const HopSample> hops);

// More nodes than any IOAM option can hold is malformed.
inline constexpr std::size_t kMaxHopsPerReport = 64;

// Reads a report into key/meta and appends its hops to `hops`. Returns false
// with `error` set when the report cannot be a real trace (too many nodes, a
// timestamp fraction of a second beyond one second, ...); then nothing is appended.
bool read_report(const ioam_api::IOAMTrace& report, std::int64_t received_us, JoinKey& key,
                 PacketMeta& meta, std::vector<HopSample>& hops, std::string& error);

}  // namespace clt::collector
