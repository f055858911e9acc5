#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/direction.h"
#include "core/ioam_trace.h"
#include "core/packet.h"

namespace clt::core {

struct JsonContext {
  std::uint64_t frame = 0;  // 1-based frame number (or a sequence number)
  std::int64_t time_sec = 0;
  std::int32_t time_usec = 0;
  const Ipv6Address* src = nullptr;
  const Ipv6Address* dst = nullptr;
  bool truncated = false;  // the capture cut the packet after its Hop-by-Hop header
  // Which way the packet went, where the receiving node told (clt agent);
  // none where nothing tells (clt decode of a capture file).
  std::optional<Direction> direction{};
};

// Appends one JSON object (no newline) describing a trace, in the format of
// `clt decode` and `clt agent --jsonl`. Appends to out; reuse out to avoid
// allocating per trace.
void append_trace_json(std::string& out, const Trace& trace, const JsonContext& ctx);
// {"frame": N, "error": "<reason>"}
void append_error_json(std::string& out, std::uint64_t frame, DecodeError error);
// Text form of an IPv6 address (RFC 5952, as inet_ntop).
void append_ipv6(std::string& out, const Ipv6Address& a);

}  // namespace clt::core
