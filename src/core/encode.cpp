#include "core/encode.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace clt::core {

namespace {

using trace_bits::bit;

constexpr std::size_t kMaxOptionData = 255;  // OptLen is one byte
// Bytes of the Hop-by-Hop header before the slots: NH, Len, PadN(2), 0x31,
// OptLen, Reserved, IOAM type, trace header.
constexpr std::size_t kPrefixBytes = 4 + 4 + kTraceHeaderBytes;

inline void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

std::size_t ids_bytes(const HopByHopSpec& s) {
  return s.layout == Layout::kPlain ? 0 : kCltIdBytes;
}
// The ids RemainingLen counts: the published layout's are outside it.
std::size_t counted_ids_bytes(const HopByHopSpec& s) {
  return s.layout == Layout::kClt ? kCltIdBytes : 0;
}
std::size_t slot_bytes(const HopByHopSpec& s) {
  return std::size_t{node_len_for(s.trace_type)} * 4 + std::size_t{s.opaque_words_per_slot} * 4;
}
// OptLen: Reserved + IOAM type + trace header + ids + slots.
std::size_t option_data_bytes(const HopByHopSpec& s) {
  return 2 + kTraceHeaderBytes + ids_bytes(s) + s.slots * slot_bytes(s);
}

}  // namespace

const char* to_string(EncodeError e) {
  switch (e) {
    case EncodeError::kOk:
      return "ok";
    case EncodeError::kNoSlots:
      return "no slots";
    case EncodeError::kReservedBit:
      return "reserved trace-type bit 23 set";
    case EncodeError::kEmptyTraceType:
      return "trace type selects no field";
    case EncodeError::kTooLarge:
      return "does not fit in one IOAM option";
    case EncodeError::kBufferTooSmall:
      return "output buffer too small";
    case EncodeError::kOwnEntryDoesNotFit:
      return "no free slot for the sender's own entry";
  }
  return "unknown error";
}

std::uint8_t max_slots(const HopByHopSpec& spec) {
  const std::size_t per_slot = slot_bytes(spec);
  const std::size_t fixed = 2 + kTraceHeaderBytes + ids_bytes(spec);
  if (per_slot == 0 || fixed > kMaxOptionData) return 0;
  return static_cast<std::uint8_t>(std::min<std::size_t>((kMaxOptionData - fixed) / per_slot, 127));
}

EncodeError validate(const HopByHopSpec& spec) {
  if (spec.trace_type & ~trace_bits::kMask & 0xffffffffu) return EncodeError::kReservedBit;
  if (spec.trace_type & trace_bits::kReserved) return EncodeError::kReservedBit;
  if (slot_bytes(spec) == 0) return EncodeError::kEmptyTraceType;
  if (spec.slots == 0) return EncodeError::kNoSlots;
  if (option_data_bytes(spec) > kMaxOptionData) return EncodeError::kTooLarge;
  // RemainingLen is a 7-bit word count.
  if ((counted_ids_bytes(spec) + spec.slots * slot_bytes(spec)) / 4 > 127)
    return EncodeError::kTooLarge;
  return EncodeError::kOk;
}

std::string describe(EncodeError e, const HopByHopSpec& spec) {
  char buf[320];
  switch (e) {
    case EncodeError::kTooLarge:
      std::snprintf(buf, sizeof buf,
                    "%u slots of %zu bytes (trace type 0x%06x%s) need %zu option bytes; one IOAM "
                    "option holds 255, so at most %u slots fit: lower the slot count or select "
                    "fewer fields",
                    unsigned{spec.slots}, slot_bytes(spec), spec.trace_type,
                    ids_bytes(spec) != 0 ? ", plus 24 bytes of CLT ids" : "",
                    option_data_bytes(spec), unsigned{max_slots(spec)});
      return buf;
    case EncodeError::kNoSlots:
      std::snprintf(buf, sizeof buf,
                    "at least one slot is needed (at most %u fit for trace type 0x%06x)",
                    unsigned{max_slots(spec)}, spec.trace_type);
      return buf;
    case EncodeError::kEmptyTraceType:
      return "the trace type selects no node field: set at least one of bits 0-11 (e.g. 0x800000 "
             "for hop limit + node id)";
    case EncodeError::kReservedBit:
      return "trace type must be 24 bits with bit 23 (reserved) clear, e.g. 0xf60000";
    default:
      return to_string(e);
  }
}

std::size_t hop_by_hop_size(const HopByHopSpec& spec) {
  if (validate(spec) != EncodeError::kOk) return 0;
  const std::size_t raw = 4 + 2 + option_data_bytes(spec);
  return (raw + 7) / 8 * 8;
}

std::size_t encode_node(const NodeData& n, std::uint32_t type, std::uint8_t* p) {
  std::uint8_t* const start = p;
  if (type & bit(0)) {
    put32(p, n.id & 0xffffff);
    p[0] = n.hop_limit;
    p += 4;
  }
  if (type & bit(1)) {
    put16(p, n.ingress_id);
    put16(p + 2, n.egress_id);
    p += 4;
  }
  if (type & bit(2)) {
    put32(p, n.timestamp_secs);
    p += 4;
  }
  if (type & bit(3)) {
    put32(p, n.timestamp_frac);
    p += 4;
  }
  if (type & bit(4)) {
    put32(p, n.transit_delay);
    p += 4;
  }
  if (type & bit(5)) {
    put32(p, n.namespace_data);
    p += 4;
  }
  if (type & bit(6)) {
    put32(p, n.queue_depth);
    p += 4;
  }
  if (type & bit(7)) {
    put32(p, n.checksum_complement);
    p += 4;
  }
  if (type & bit(8)) {
    store_be64(p, n.id_wide & 0x00ffffffffffffffULL);
    p[0] = n.hop_limit;
    p += 8;
  }
  if (type & bit(9)) {
    put32(p, n.ingress_id_wide);
    put32(p + 4, n.egress_id_wide);
    p += 8;
  }
  if (type & bit(10)) {
    store_be64(p, n.namespace_data_wide);
    p += 8;
  }
  if (type & bit(11)) {
    put32(p, n.buffer_occupancy);
    p += 4;
  }
  for (int b = 12; b <= 21; ++b) {
    if (type & bit(b)) {
      put32(p, 0xffffffff);  // undefined: "unavailable", as Linux fills them
      p += 4;
    }
  }
  return static_cast<std::size_t>(p - start);
}

EncodeError encode_hop_by_hop(const HopByHopSpec& spec, const TraceId& trace_id,
                              const SpanId& span_id, const NodeData* own_entry,
                              std::span<std::uint8_t> out, std::size_t& written) {
  written = 0;
  if (EncodeError e = validate(spec); e != EncodeError::kOk) return e;
  const std::size_t total = hop_by_hop_size(spec);
  if (out.size() < total) return EncodeError::kBufferTooSmall;
  std::uint8_t* p = out.data();
  std::memset(p, 0, total);

  const std::size_t opt_len = option_data_bytes(spec);
  p[0] = 0;  // Next Header: set by the kernel
  p[1] = static_cast<std::uint8_t>(total / 8 - 1);
  p[2] = 1;  // PadN of 2 bytes so that the IOAM option starts 4n-aligned
  p[3] = 0;
  p[4] = kIoamOptionType;
  p[5] = static_cast<std::uint8_t>(opt_len);
  p[6] = 0;
  p[7] = kIoamPreallocatedTrace;

  const std::uint8_t node_len = node_len_for(spec.trace_type);
  std::size_t remaining_words = (counted_ids_bytes(spec) + spec.slots * slot_bytes(spec)) / 4;
  std::uint8_t* const data = p + kPrefixBytes;
  if (ids_bytes(spec) != 0) {
    std::memcpy(data, trace_id.data(), 16);
    std::memcpy(data + 16, span_id.data(), 8);
  }
  // Where RemainingLen counts from: the published layout's nodes follow the ids.
  std::uint8_t* const nodes = data + (ids_bytes(spec) - counted_ids_bytes(spec));
  if (own_entry != nullptr) {
    const bool oss = spec.trace_type & trace_bits::kOpaqueStateSnapshot;
    const std::size_t entry = std::size_t{node_len} * 4 + (oss ? 4 : 0);
    if (remaining_words * 4 < counted_ids_bytes(spec) + entry)
      return EncodeError::kOwnEntryDoesNotFit;
    std::uint8_t* slot = nodes + remaining_words * 4 - entry;
    const std::size_t n = encode_node(*own_entry, spec.trace_type, slot);
    if (oss) put32(slot + n, 0x00ffffff);  // no opaque data, schema "none" (as Linux does)
    remaining_words -= entry / 4;
  }
  put16(p + 8, spec.namespace_id);
  p[10] = static_cast<std::uint8_t>(node_len << 3);  // flags O, L, A clear
  p[11] = static_cast<std::uint8_t>(remaining_words & 0x7f);
  put32(p + 12, spec.trace_type << 8);

  // Pad to a multiple of 8 bytes.
  const std::size_t used = 4 + 2 + opt_len;
  if (total - used == 1) {
    p[used] = 0;  // Pad1
  } else if (total > used) {
    p[used] = 1;  // PadN
    p[used + 1] = static_cast<std::uint8_t>(total - used - 2);
  }
  written = total;
  return EncodeError::kOk;
}

namespace {
// Offset of a field inside one node entry: the bytes of the fields before it.
std::size_t node_field_offset(std::uint32_t type, int field_bit) {
  std::size_t offset = 0;
  for (int b = 0; b < field_bit; ++b)
    if (type & bit(b)) offset += trace_bits::fixed_node_bytes(bit(b));
  return offset;
}
}  // namespace

OwnEntryOffsets own_entry_offsets(const HopByHopSpec& spec) {
  OwnEntryOffsets o;
  if (validate(spec) != EncodeError::kOk) return o;
  const bool oss = spec.trace_type & trace_bits::kOpaqueStateSnapshot;
  const std::size_t entry = std::size_t{node_len_for(spec.trace_type)} * 4 + (oss ? 4 : 0);
  const std::size_t data_words = (ids_bytes(spec) + spec.slots * slot_bytes(spec)) / 4;
  o.entry = kPrefixBytes + data_words * 4 - entry;
  auto field = [&](int field_bit) {
    return spec.trace_type & bit(field_bit)
               ? o.entry + node_field_offset(spec.trace_type, field_bit)
               : kAbsentField;
  };
  o.hop_limit = field(0);
  o.hop_limit_wide = field(8);
  o.timestamp_secs = field(2);
  o.timestamp_frac = field(3);
  return o;
}

void set_clt_ids(std::span<std::uint8_t> hbh, const TraceId& trace_id, const SpanId& span_id) {
  if (hbh.size() < kHbhSpanIdOffset + 8) return;
  std::memcpy(hbh.data() + kHbhTraceIdOffset, trace_id.data(), 16);
  std::memcpy(hbh.data() + kHbhSpanIdOffset, span_id.data(), 8);
}

}  // namespace clt::core
