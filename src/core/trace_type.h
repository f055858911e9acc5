#pragma once

#include <cstdint>

// IOAM Pre-allocated/Incremental Trace-Type (RFC 9197 section 4.4.1): 24 bits,
// bit 0 is the most significant. Here a trace type is held in the low 24 bits
// of a uint32_t (e.g. 0xf60000 = bits 0,1,2,3,5,6).
namespace clt::core::trace_bits {

inline constexpr std::uint32_t bit(int n) { return 1u << (23 - n); }

inline constexpr std::uint32_t kHopLimitNodeId = bit(0);
inline constexpr std::uint32_t kIngressEgress = bit(1);
inline constexpr std::uint32_t kTimestampSecs = bit(2);
inline constexpr std::uint32_t kTimestampFrac = bit(3);
inline constexpr std::uint32_t kTransitDelay = bit(4);
inline constexpr std::uint32_t kNamespaceData = bit(5);
inline constexpr std::uint32_t kQueueDepth = bit(6);
inline constexpr std::uint32_t kChecksumComplement = bit(7);
inline constexpr std::uint32_t kHopLimitNodeIdWide = bit(8);
inline constexpr std::uint32_t kIngressEgressWide = bit(9);
inline constexpr std::uint32_t kNamespaceDataWide = bit(10);
inline constexpr std::uint32_t kBufferOccupancy = bit(11);
inline constexpr std::uint32_t kUndefinedMask = 0x000ffc;  // bits 12-21, 4 bytes each
inline constexpr std::uint32_t kOpaqueStateSnapshot = bit(22);
inline constexpr std::uint32_t kReserved = bit(23);
inline constexpr std::uint32_t kMask = 0xffffff;

// Size in bytes of one node's fixed part (what NodeLen counts, in 4-byte words
// times 4) for a trace type; the opaque snapshot (bit 22) is variable and not
// counted.
constexpr unsigned fixed_node_bytes(std::uint32_t type) {
  unsigned n = 0;
  for (int b = 0; b <= 21; ++b) {
    if (!(type & bit(b))) continue;
    n += (b == 8 || b == 9 || b == 10) ? 8 : 4;
  }
  return n;
}

}  // namespace clt::core::trace_bits
