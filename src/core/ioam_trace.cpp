#include "core/ioam_trace.h"

#include <algorithm>

namespace clt::core {

namespace {

using trace_bits::bit;

inline std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

// Reads the fixed part of one node entry; p has fixed_node_bytes(type) bytes.
void read_fixed_fields(const std::uint8_t* p, std::uint32_t type, NodeData& n) {
  if (type & bit(0)) {
    n.hop_limit = p[0];
    n.id = be32(p) & 0xffffff;
    p += 4;
  }
  if (type & bit(1)) {
    n.ingress_id = be16(p);
    n.egress_id = be16(p + 2);
    p += 4;
  }
  if (type & bit(2)) {
    n.timestamp_secs = be32(p);
    p += 4;
  }
  if (type & bit(3)) {
    n.timestamp_frac = be32(p);
    p += 4;
  }
  if (type & bit(4)) {
    n.transit_delay = be32(p);
    p += 4;
  }
  if (type & bit(5)) {
    n.namespace_data = be32(p);
    p += 4;
  }
  if (type & bit(6)) {
    n.queue_depth = be32(p);
    p += 4;
  }
  if (type & bit(7)) {
    n.checksum_complement = be32(p);
    p += 4;
  }
  if (type & bit(8)) {
    n.hop_limit = p[0];
    n.id_wide = load_be64(p) & 0x00ffffffffffffffULL;
    p += 8;
  }
  if (type & bit(9)) {
    n.ingress_id_wide = be32(p);
    n.egress_id_wide = be32(p + 4);
    p += 8;
  }
  if (type & bit(10)) {
    n.namespace_data_wide = load_be64(p);
    p += 8;
  }
  if (type & bit(11)) {
    n.buffer_occupancy = be32(p);
  }
  // Bits 12-21 are undefined: their 4 bytes each are counted in NodeLen and skipped.
}

}  // namespace

DecodeError decode_nodes(std::span<const std::uint8_t> data, std::uint32_t trace_type,
                         std::uint8_t node_len, Trace& out) {
  out.node_count = 0;
  const std::size_t fixed = std::size_t{node_len} * 4;
  const bool has_oss = trace_type & trace_bits::kOpaqueStateSnapshot;
  if (fixed == 0 && !has_oss) {
    return data.empty() ? DecodeError::kOk : DecodeError::kNodeLenZero;
  }
  // Entries sit in memory last-node-first. Fixed-size entries go straight to
  // their path-order place; entries with opaque snapshots (variable size) are
  // read in memory order and reversed afterwards.
  std::size_t count = 0;
  if (!has_oss) {
    if (fixed < trace_bits::fixed_node_bytes(trace_type)) return DecodeError::kNodeLenMismatch;
    if (data.size() % fixed != 0) return DecodeError::kNodeDataNotMultiple;
    count = data.size() / fixed;
    if (count > kMaxNodes) return DecodeError::kTooManyNodes;
    const std::uint8_t* p = data.data();
    for (std::size_t i = 0; i < count; ++i, p += fixed) {
      NodeData& n = out.nodes[count - 1 - i];
      n = NodeData{};
      read_fixed_fields(p, trace_type, n);
    }
    out.node_count = static_cast<std::uint8_t>(count);
    return DecodeError::kOk;
  }
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (count == kMaxNodes) return DecodeError::kTooManyNodes;
    if (data.size() - pos < fixed) return DecodeError::kNodeDataNotMultiple;
    NodeData& n = out.nodes[count];
    n = NodeData{};
    if (fixed < trace_bits::fixed_node_bytes(trace_type)) return DecodeError::kNodeLenMismatch;
    read_fixed_fields(data.data() + pos, trace_type, n);
    pos += fixed;
    if (data.size() - pos < 4) return DecodeError::kOpaqueExceedsOption;
    const std::size_t opaque_len = std::size_t{data[pos]} * 4;
    n.oss.schema_id = be32(data.data() + pos) & 0xffffff;
    pos += 4;
    if (data.size() - pos < opaque_len) return DecodeError::kOpaqueExceedsOption;
    n.oss.data = data.subspan(pos, opaque_len);
    pos += opaque_len;
    ++count;
  }
  for (std::size_t i = 0, j = count; i + 1 < j; ++i, --j) std::swap(out.nodes[i], out.nodes[j - 1]);
  out.node_count = static_cast<std::uint8_t>(count);
  return DecodeError::kOk;
}

namespace {
// Where the filled nodes start in the option (0x31 OptLen Reserved Type,
// trace header, data): the published layout's node data follows the ids,
// which its RemainingLen does not count.
std::size_t filled_offset(Layout layout, std::uint8_t remaining_len) {
  const std::size_t node_data =
      4 + kTraceHeaderBytes + (layout == Layout::kPublished ? kCltIdBytes : 0);
  return node_data + std::size_t{remaining_len} * 4;
}
}  // namespace

std::optional<Layout> parse_layout(std::string_view name) {
  if (name == "clt") return Layout::kClt;
  if (name == "plain") return Layout::kPlain;
  if (name == "published") return Layout::kPublished;
  return std::nullopt;
}

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::kClt:
      return "clt";
    case Layout::kPlain:
      return "plain";
    case Layout::kPublished:
      return "published";
  }
  return "clt";
}

DecodeError decode_trace_option(std::span<const std::uint8_t> option, Layout layout, Trace& out) {
  // option: 0x31 OptLen Reserved IOAM-Option-Type | trace header | data
  out.node_count = 0;
  out.ids_intact = false;
  if (option.size() < 4) return DecodeError::kIoamOptionTooShort;
  const std::uint8_t ioam_type = option[3];
  if (ioam_type == kIoamIncrementalTrace) return DecodeError::kIncrementalTrace;
  if (ioam_type != kIoamPreallocatedTrace) return DecodeError::kUnsupportedIoamType;
  if (option.size() < 4 + kTraceHeaderBytes) return DecodeError::kIoamOptionTooShort;

  const std::uint8_t* h = option.data() + 4;
  out.option = option;
  out.layout = layout;
  out.namespace_id = be16(h);
  out.node_len = static_cast<std::uint8_t>(h[2] >> 3);
  const std::uint8_t flags = static_cast<std::uint8_t>((h[2] & 0x07) << 1 | h[3] >> 7);
  out.flags.overflow = flags & 0x8;
  out.flags.loopback = flags & 0x4;
  out.flags.active = flags & 0x2;
  out.remaining_len = h[3] & 0x7f;
  out.trace_type = be32(h + 4) >> 8;

  const std::uint32_t fixed_bytes = trace_bits::fixed_node_bytes(out.trace_type);
  if (out.node_len == 0 && fixed_bytes != 0) return DecodeError::kNodeLenZero;
  // Entries are stepped by NodeLen (as transit nodes do); the fields the trace
  // type selects must fit in it.
  if (std::uint32_t{out.node_len} * 4 < fixed_bytes) return DecodeError::kNodeLenMismatch;

  const std::span<const std::uint8_t> data = option.subspan(4 + kTraceHeaderBytes);
  if (filled_offset(layout, out.remaining_len) > option.size())
    return DecodeError::kRemainingLenExceedsData;

  const bool ids_kept =
      layout == Layout::kPublished || (layout == Layout::kClt && out.remaining_len >= kCltIdWords);
  if (ids_kept && data.size() >= kCltIdBytes) {
    out.ids_intact = true;
    std::copy_n(data.data(), 16, out.trace_id.begin());
    std::copy_n(data.data() + 16, 8, out.span_id.begin());
  } else {
    out.trace_id = TraceId{};
    out.span_id = SpanId{};
  }
  return decode_nodes(filled_node_data(out), out.trace_type, out.node_len, out);
}

std::span<const std::uint8_t> filled_node_data(const Trace& trace) {
  const std::size_t from = filled_offset(trace.layout, trace.remaining_len);
  return from < trace.option.size() ? trace.option.subspan(from) : std::span<const std::uint8_t>{};
}

}  // namespace clt::core
