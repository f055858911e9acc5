#pragma once

#include <array>
#include <bit>
#include <cstdint>

// IOAM Pre-allocated/Incremental Trace-Type (RFC 9197 section 4.4.1): 24 bits,
// bit 0 is the most significant. Here a trace type is held in the low 24 bits
// of a uint32_t (e.g. 0xf60000 = bits 0,1,2,3,5,6).
namespace clt::core::trace_bits {

inline constexpr std::uint32_t bit(int n) {
  return 1u << (23 - n);
}

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
namespace detail {
// Bit counts by byte, so that the count needs no POPCNT instruction (not in the
// x86-64 baseline) and no library call.
inline constexpr auto kBitsInByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) t[i] = static_cast<std::uint8_t>(std::popcount(i));
  return t;
}();
constexpr unsigned count_bits24(std::uint32_t v) {
  return kBitsInByte[v & 0xff] + kBitsInByte[(v >> 8) & 0xff] + kBitsInByte[(v >> 16) & 0xff];
}
}  // namespace detail

constexpr unsigned fixed_node_bytes(std::uint32_t type) {
  // 4 bytes per selected bit 0-21, and 4 more for each wide field (bits 8-10).
  constexpr std::uint32_t kFixedMask = 0xfffffc;  // bits 0-21
  constexpr std::uint32_t kWideMask = bit(8) | bit(9) | bit(10);
  return 4u * (detail::count_bits24(type & kFixedMask) + detail::count_bits24(type & kWideMask));
}

}  // namespace clt::core::trace_bits
