#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/ioam_trace.h"

namespace clt::core {

// What to put in a packet: one IOAM Pre-allocated Trace option, inside a
// Hop-by-Hop header laid out for stock kernels:
//   NH Len | PadN(01 00) | 0x31 OptLen 00 00 | trace header | [CLT ids] | slots | pad
struct HopByHopSpec {
  std::uint16_t namespace_id = 123;
  std::uint32_t trace_type = 0xf60000;  // 24 bits
  std::uint8_t slots = 4;               // pre-allocated node entries
  Layout layout = Layout::kClt;
  // Extra 4-byte words per slot for opaque state snapshots (trace-type bit 22),
  // which NodeLen does not count.
  std::uint8_t opaque_words_per_slot = 0;
};

enum class EncodeError : std::uint8_t {
  kOk = 0,
  kNoSlots,
  kReservedBit,     // trace-type bit 23
  kEmptyTraceType,  // no field selected
  kTooLarge,        // does not fit in one IOAM option (255 bytes)
  kBufferTooSmall,
  kOwnEntryDoesNotFit  // no free slot left for the sender's own entry
};

const char* to_string(EncodeError e);
// A sentence that says what was wrong and what fits (e.g. the largest slot
// count for this trace type).
std::string describe(EncodeError e, const HopByHopSpec& spec);

// NodeLen (4-byte words) for a trace type.
constexpr std::uint8_t node_len_for(std::uint32_t trace_type) {
  return static_cast<std::uint8_t>(trace_bits::fixed_node_bytes(trace_type) / 4);
}
// Largest slot count that fits one option for this spec (0 if none).
std::uint8_t max_slots(const HopByHopSpec& spec);
// Total Hop-by-Hop header length in bytes (a multiple of 8), 0 if invalid.
std::size_t hop_by_hop_size(const HopByHopSpec& spec);
EncodeError validate(const HopByHopSpec& spec);

// Byte offsets inside the header built by encode_hop_by_hop.
inline constexpr std::size_t kHbhOptionOffset = 4;       // 0x31
inline constexpr std::size_t kHbhTraceHeaderOffset = 8;  // namespace id
inline constexpr std::size_t kHbhTraceIdOffset = 16;     // CLT layout only
inline constexpr std::size_t kHbhSpanIdOffset = 32;

// Builds the whole Hop-by-Hop header into out (Next Header byte 0: the kernel
// sets it). ids are ignored for the plain layout. When own_entry is non-null
// the last slot is filled with it (the sender's own node data, OSS written as
// "no schema") and RemainingLen accounts for it. written receives the length.
EncodeError encode_hop_by_hop(const HopByHopSpec& spec, const TraceId& trace_id,
                              const SpanId& span_id, const NodeData* own_entry,
                              std::span<std::uint8_t> out, std::size_t& written);

// Rewrites the CLT ids of a header built by encode_hop_by_hop (CLT layout).
void set_clt_ids(std::span<std::uint8_t> hop_by_hop, const TraceId& trace_id,
                 const SpanId& span_id);

// Where the sender's own entry and its per-packet values sit in the header
// encode_hop_by_hop builds with an own entry, in bytes from the header's
// start: a datapath that stamps every packet patches a prebuilt header there.
// kAbsentField when the trace type has no such field.
inline constexpr std::size_t kAbsentField = static_cast<std::size_t>(-1);
struct OwnEntryOffsets {
  std::size_t entry = kAbsentField;
  std::size_t hop_limit = kAbsentField;       // bit 0's hop limit byte
  std::size_t hop_limit_wide = kAbsentField;  // bit 8's hop limit byte
  std::size_t timestamp_secs = kAbsentField;
  std::size_t timestamp_frac = kAbsentField;
};
// kAbsentField everywhere when spec is invalid.
OwnEntryOffsets own_entry_offsets(const HopByHopSpec& spec);

// Writes one node entry's fixed part (node_len_for(trace_type)*4 bytes) as a
// transit node would; returns the bytes written. out must be large enough.
std::size_t encode_node(const NodeData& node, std::uint32_t trace_type, std::uint8_t* out);

}  // namespace clt::core
