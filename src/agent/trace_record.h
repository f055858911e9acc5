#pragma once

#include <array>
#include <cstdint>

#include "core/direction.h"
#include "core/ioam_trace.h"
#include "core/packet.h"

namespace clt::agent {

// Where a reported trace's data came from.
enum class TraceSource : std::uint8_t {
  kCaptureAndEvent,  // ids from the packet, nodes (local one included) from the event
  kCaptureOnly,      // no matching event: nodes before this one only
  kEventOnly,        // no matching packet: every node, but no ids
};

const char* to_string(TraceSource source);

// Largest filled node area: an IOAM option holds at most 255 - 2 bytes.
inline constexpr std::size_t kMaxNodeBytes = 256;

// One trace to report, self-contained (no pointers into a ring or a netlink
// buffer) so that it can sit in the report queue. Fixed size: no allocation.
struct TraceRecord {
  TraceSource source = TraceSource::kCaptureOnly;
  std::uint16_t namespace_id = 0;
  std::uint8_t node_len = 0;
  std::uint32_t trace_type = 0;
  core::TraceFlags flags;
  std::uint8_t remaining_len = 0;
  core::Layout layout = core::Layout::kClt;
  bool ids_intact = false;
  bool has_addresses = false;
  // As the receiving node judged it (DirectionClassifier); kRequest when it
  // could not (an event without its packet, UDP, ...).
  core::Direction direction = core::Direction::kRequest;
  core::TraceId trace_id{};
  core::SpanId span_id{};
  core::Ipv6Address src{};
  core::Ipv6Address dst{};
  std::int64_t time_sec = 0;
  std::int32_t time_usec = 0;
  std::uint16_t node_bytes_len = 0;
  // Filled node entries as laid out in the option: last node on the path first.
  std::array<std::uint8_t, kMaxNodeBytes> node_bytes{};
};

// The trace's header fields and ids into the record (nodes, source,
// addresses and times are the caller's).
void set_trace_header(const core::Trace& trace, TraceRecord& record);

// Rebuilds a core::Trace (nodes in path order) from a record; out's node views
// point into record. Returns the node decode outcome.
core::DecodeError to_trace(const TraceRecord& record, core::Trace& out);

}  // namespace clt::agent
