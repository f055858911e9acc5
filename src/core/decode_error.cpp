#include "core/decode_error.h"

namespace clt::core {

const char* to_string(DecodeError e) {
  switch (e) {
    case DecodeError::kOk:
      return "ok";
    case DecodeError::kEmptyPacket:
      return "empty packet";
    case DecodeError::kTruncatedLinkHeader:
      return "truncated link-layer header";
    case DecodeError::kNotIpv6:
      return "not IPv6";
    case DecodeError::kTruncatedIpv6Header:
      return "truncated IPv6 header";
    case DecodeError::kBadIpVersion:
      return "IP version is not 6 on an IPv6 link";
    case DecodeError::kPayloadLengthExceedsCapture:
      return "IPv6 payload length exceeds the captured bytes";
    case DecodeError::kNoHopByHop:
      return "no Hop-by-Hop header";
    case DecodeError::kHopByHopExceedsPacket:
      return "Hop-by-Hop header length runs past the packet";
    case DecodeError::kOptionExceedsHopByHop:
      return "option length runs past the Hop-by-Hop header";
    case DecodeError::kNoIoamOption:
      return "no IOAM option";
    case DecodeError::kIoamOptionTooShort:
      return "IOAM option shorter than the trace header";
    case DecodeError::kUnsupportedIoamType:
      return "unsupported IOAM option type";
    case DecodeError::kIncrementalTrace:
      return "IOAM incremental trace option is not supported";
    case DecodeError::kNodeLenZero:
      return "NodeLen 0 with a non-empty trace type";
    case DecodeError::kNodeLenMismatch:
      return "NodeLen does not match the trace type";
    case DecodeError::kRemainingLenExceedsData:
      return "RemainingLen larger than the trace data";
    case DecodeError::kNodeDataNotMultiple:
      return "node data is not a multiple of NodeLen";
    case DecodeError::kOpaqueExceedsOption:
      return "opaque state snapshot runs past the option";
    case DecodeError::kTooManyNodes:
      return "more node entries than an option can hold";
    case DecodeError::kTooManyTraces:
      return "too many IOAM trace options in one packet";
    case DecodeError::kHopByHopNotCaptured:
      return "the capture's snap length cuts the Hop-by-Hop header: capture more bytes per packet";
  }
  return "unknown error";
}

}  // namespace clt::core
