#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/decode_error.h"
#include "core/ids.h"
#include "core/trace_type.h"

namespace clt::core {

inline constexpr std::uint8_t kIoamOptionType = 0x31;      // HbH option type for IOAM (RFC 9486)
inline constexpr std::uint8_t kIoamPreallocatedTrace = 0;  // IOAM Option-Type
inline constexpr std::uint8_t kIoamIncrementalTrace = 1;
inline constexpr std::size_t kTraceHeaderBytes = 8;
inline constexpr std::size_t kCltIdBytes = 24;  // 16-byte trace id + 8-byte span id
inline constexpr std::uint8_t kCltIdWords = 6;
// An option holds at most 255 - 2 bytes; the smallest node is 4 bytes.
inline constexpr std::size_t kMaxNodes = 64;

// How a namespace lays out its trace data:
//  kClt        CLT ids first, counted in RemainingLen, so that stock kernels
//              fill the slots after them (the default; what clt writes);
//  kPlain      a plain IOAM pre-allocated trace, no ids;
//  kPublished  as the published CLT kernel patch writes it: the ids first
//              but not counted in RemainingLen, the node data after them
//              (nodes from 32 + RemainingLen*4 bytes past the trace header).
enum class Layout : std::uint8_t { kClt, kPlain, kPublished };

// "clt", "plain", "published"; nullopt for any other name.
std::optional<Layout> parse_layout(std::string_view name);
std::string_view layout_name(Layout layout);

struct OpaqueSnapshot {
  std::uint32_t schema_id = 0;         // 24 bits
  std::span<const std::uint8_t> data;  // points into the packet
};

// One node's data. Only the fields selected by the trace type are meaningful.
struct NodeData {
  std::uint8_t hop_limit = 0;
  std::uint32_t id = 0;  // 24 bits
  std::uint16_t ingress_id = 0;
  std::uint16_t egress_id = 0;
  std::uint32_t timestamp_secs = 0;
  std::uint32_t timestamp_frac = 0;
  std::uint32_t transit_delay = 0;
  std::uint32_t namespace_data = 0;
  std::uint32_t queue_depth = 0;
  std::uint32_t checksum_complement = 0;
  std::uint64_t id_wide = 0;  // 56 bits (hop limit is shared with bit 0's)
  std::uint32_t ingress_id_wide = 0;
  std::uint32_t egress_id_wide = 0;
  std::uint64_t namespace_data_wide = 0;
  std::uint32_t buffer_occupancy = 0;
  OpaqueSnapshot oss;
};

struct TraceFlags {
  bool overflow = false;
  bool loopback = false;
  bool active = false;
};

// A decoded IOAM Pre-allocated Trace option. Views point into the packet:
// keep the packet alive while using them. No heap allocation.
struct Trace {
  std::uint16_t namespace_id = 0;
  std::uint8_t node_len = 0;  // 4-byte words per node (fixed part)
  TraceFlags flags;
  std::uint8_t remaining_len = 0;  // 4-byte words still free
  std::uint32_t trace_type = 0;    // 24 bits
  Layout layout = Layout::kClt;
  // CLT layout and RemainingLen >= 6, or the published layout (whose
  // kernel never writes over the ids).
  bool ids_intact = false;
  TraceId trace_id{};
  SpanId span_id{};
  std::uint8_t node_count = 0;
  std::array<NodeData, kMaxNodes> nodes;  // path order: nodes[0] is the first node on the path
  std::span<const std::uint8_t> option;   // the whole IOAM option, from its type byte
};

// Decodes the node entries of `data` (a sequence of filled entries as laid out
// in the option: last node on the path first) into out.nodes in path order and
// sets out.node_count. Used for the option's filled area and for the data of a
// kernel IOAM trace event.
DecodeError decode_nodes(std::span<const std::uint8_t> data, std::uint32_t trace_type,
                         std::uint8_t node_len, Trace& out);

// Decodes one IOAM option (starting at its option type byte 0x31, length in
// the second byte, whole option inside `option`).
DecodeError decode_trace_option(std::span<const std::uint8_t> option, Layout layout, Trace& out);

// The node data a decoded trace's path filled (the first node last), within
// its option: from RemainingLen words past the trace header, or past the ids
// in the published layout. Empty when there is none.
std::span<const std::uint8_t> filled_node_data(const Trace& trace);

}  // namespace clt::core
