#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"

namespace ioam_api {
class IOAMTrace;
}

namespace clt::collector {

// One node's data from one packet, as much as the join needs. Fields not
// selected by the trace type stay unset (has_* false).
struct HopSample {
  std::uint32_t node_id = 0;
  std::uint32_t ingress_id = 0;
  std::uint32_t egress_id = 0;
  std::uint32_t queue_depth = 0;
  std::uint64_t namespace_data = 0;
  std::int64_t timestamp_us = -1;  // -1: the trace type or the node gave none
  std::uint8_t hop_limit = 0;
  std::uint8_t namespace_data_len = 0;  // bytes: 0, 4 or 8
  bool has_hop_limit = false;
  bool has_interfaces = false;
  bool has_queue_depth = false;
};

// One packet's report: ids, namespace, trace type and where its hops are.
struct PacketMeta {
  std::int64_t received_us = 0;
  std::uint32_t trace_type = 0;  // 24 bits
  std::uint16_t namespace_id = 0;
  std::uint8_t node_count = 0;
};

struct JoinKey {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  friend bool operator==(const JoinKey&, const JoinKey&) = default;
  bool has_ids() const { return !core::is_zero(trace_id) && !core::is_zero(span_id); }
};

struct JoinKeyHash {
  std::size_t operator()(const JoinKey& k) const noexcept;
};

// More nodes than any IOAM option can hold is malformed.
inline constexpr std::size_t kMaxHopsPerReport = 64;

// Reads a report into key/meta and appends its hops to `hops`. Returns false
// with `error` set when the report cannot be a real trace (too many nodes, a
// timestamp fraction of a second beyond one second, ...); then nothing is appended.
bool read_report(const ioam_api::IOAMTrace& report, std::int64_t received_us, JoinKey& key,
                 PacketMeta& meta, std::vector<HopSample>& hops, std::string& error);

// Microseconds since the epoch from an IOAM timestamp (seconds + microsecond
// fraction, as Linux fills it); -1 when a part is missing or "unavailable".
std::int64_t ioam_timestamp_us(bool has_secs, std::uint32_t secs, bool has_frac,
                               std::uint32_t frac);

}  // namespace clt::collector
