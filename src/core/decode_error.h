#pragma once

#include <cstdint>

namespace clt::core {

// Why a packet or option could not be decoded. Stable names (to_string) are
// part of the JSON output and the agent's counters.
enum class DecodeError : std::uint8_t {
  kOk = 0,
  kEmptyPacket,                  // zero bytes
  kTruncatedLinkHeader,          // Ethernet / cooked header cut short
  kNotIpv6,                      // link says another protocol, or IP version != 6
  kTruncatedIpv6Header,          // fewer than 40 bytes of IPv6 header
  kBadIpVersion,                 // the link announced IPv6, the header's version is not 6
  kPayloadLengthExceedsCapture,  // IPv6 payload length says more than was captured
  kNoHopByHop,                   // Next Header is not 0
  kHopByHopExceedsPacket,        // Hdr Ext Len runs past the packet
  kOptionExceedsHopByHop,        // an option's length runs past the Hop-by-Hop header
  kNoIoamOption,                 // Hop-by-Hop present, but no IOAM option in it
  kIoamOptionTooShort,           // IOAM option shorter than its trace header
  kUnsupportedIoamType,          // IOAM option type other than Pre-allocated Trace
  kIncrementalTrace,             // IOAM option type 1 (Incremental Trace): not produced by Linux
  kNodeLenZero,                  // NodeLen 0 with a trace type that has fixed fields
  kNodeLenMismatch,              // NodeLen disagrees with the trace type's fixed fields
  kRemainingLenExceedsData,      // RemainingLen points past the option's data
  kNodeDataNotMultiple,          // filled node data is not a whole number of nodes
  kOpaqueExceedsOption,          // an opaque state snapshot runs past the option
  kTooManyNodes,                 // more node entries than any valid option can hold
  kTooManyTraces,                // more IOAM trace options in one packet than kMaxTracesPerPacket
  kHopByHopNotCaptured,          // a snap length cut the capture inside the Hop-by-Hop header
};

const char* to_string(DecodeError e);

}  // namespace clt::core
