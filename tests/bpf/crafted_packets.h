#pragma once

// Ethernet frames built byte by byte for the datapath's program tests.

#include <array>
#include <cstdint>
#include <vector>

#include "bpf/clt_datapath_abi.h"

namespace clt::test {

using Address = std::array<std::uint8_t, 16>;

inline constexpr Address kSender = {0xfd, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
inline constexpr Address kInDomain = {0xfd, 0x00, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
inline constexpr Address kOutside = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
inline constexpr std::uint16_t kSourcePort = 40000;
inline constexpr std::uint16_t kDestPort = 8080;
inline constexpr std::size_t kEthernet = 14;
inline constexpr std::size_t kIpv6 = 40;

struct FrameSpec {
  std::uint8_t protocol = 6;  // TCP
  std::size_t payload = 100;  // upper-layer payload bytes
  Address src = kSender;
  Address dst = kInDomain;
  std::uint8_t hop_limit = 64;
  // Extension headers before the upper layer, each 8 bytes: their Next
  // Header values in order (43 routing, 60 destination options, 0 hop-by-hop).
  std::vector<std::uint8_t> extension_headers;
  // Bytes of room a socket reserved: the placeholder routing header the
  // kernel sends for it, first after the IPv6 header (0: none).
  std::size_t room = 0;
  std::array<std::uint8_t, CLT_IDS_BYTES> room_ids{};  // the ids the room carries
  // The upper-layer payload itself (an HTTP request, say); empty: `payload`
  // bytes of a pattern.
  std::vector<std::uint8_t> payload_bytes;
  std::uint8_t tcp_flags = 0x18;  // PSH ACK
  std::uint16_t sport = kSourcePort;
  std::uint16_t dport = kDestPort;
};

// The placeholder as the datapath's setsockopt hook writes it and the kernel
// sends it: Segment Routing header, Segments Left 0, the peer as the one
// segment, the room TLV with its magic.
inline void put_room(std::uint8_t* p, std::size_t room, std::uint8_t next, const Address& peer,
                     const std::array<std::uint8_t, CLT_IDS_BYTES>& ids) {
  p[0] = next;
  p[1] = static_cast<std::uint8_t>(room / 8 - 1);
  p[2] = CLT_ROUTING_TYPE_SRH;
  std::copy(peer.begin(), peer.end(), p + 8);
  p[CLT_ROOM_TLV_OFFSET] = CLT_ROOM_TLV_TYPE;
  p[CLT_ROOM_TLV_OFFSET + 1] = static_cast<std::uint8_t>(room - CLT_ROOM_TLV_OFFSET - 2);
  for (int i = 0; i < 4; ++i)
    p[CLT_ROOM_TLV_OFFSET + 2 + i] = static_cast<std::uint8_t>(CLT_ROOM_MAGIC >> (24 - 8 * i));
  std::copy(ids.begin(), ids.end(), p + CLT_ROOM_IDS_OFFSET);
}

inline std::vector<std::uint8_t> ipv6_frame(const FrameSpec& spec) {
  const std::size_t l4_header = spec.protocol == 6 ? 20 : 8;
  const std::size_t ext = 8 * spec.extension_headers.size() + spec.room;
  const std::size_t payload_size =
      spec.payload_bytes.empty() ? spec.payload : spec.payload_bytes.size();
  const std::size_t payload_len = ext + l4_header + payload_size;
  std::vector<std::uint8_t> f(kEthernet + kIpv6 + payload_len, 0);
  for (int i = 0; i < 6; ++i) f[i] = 0x02, f[6 + i] = 0x04;
  f[12] = 0x86;
  f[13] = 0xdd;
  std::uint8_t* ip = f.data() + kEthernet;
  ip[0] = 0x60;
  ip[4] = static_cast<std::uint8_t>(payload_len >> 8);
  ip[5] = static_cast<std::uint8_t>(payload_len);
  const std::uint8_t first =
      spec.extension_headers.empty() ? spec.protocol : spec.extension_headers[0];
  ip[6] = spec.room ? 43 : first;
  ip[7] = spec.hop_limit;
  std::copy(spec.src.begin(), spec.src.end(), ip + 8);
  std::copy(spec.dst.begin(), spec.dst.end(), ip + 24);
  std::uint8_t* p = ip + kIpv6;
  if (spec.room) {
    put_room(p, spec.room, first, spec.dst, spec.room_ids);
    p += spec.room;
  }
  for (std::size_t i = 0; i < spec.extension_headers.size(); ++i) {
    p[0] = i + 1 < spec.extension_headers.size() ? spec.extension_headers[i + 1] : spec.protocol;
    p[1] = 0;  // 8 bytes
    p[2] = 1;  // PadN filling the rest
    p[3] = 4;
    p += 8;
  }
  p[0] = static_cast<std::uint8_t>(spec.sport >> 8);
  p[1] = static_cast<std::uint8_t>(spec.sport);
  p[2] = static_cast<std::uint8_t>(spec.dport >> 8);
  p[3] = static_cast<std::uint8_t>(spec.dport);
  if (spec.protocol == 6) {
    p[12] = 0x50;  // data offset 5 words
    p[13] = spec.tcp_flags;
  } else {
    const std::size_t udp_len = l4_header + payload_size;
    p[4] = static_cast<std::uint8_t>(udp_len >> 8);
    p[5] = static_cast<std::uint8_t>(udp_len);
  }
  if (!spec.payload_bytes.empty())
    std::copy(spec.payload_bytes.begin(), spec.payload_bytes.end(), p + l4_header);
  else
    for (std::size_t i = 0; i < spec.payload; ++i)
      p[l4_header + i] = static_cast<std::uint8_t>(i * 7 + 3);
  return f;
}

inline std::vector<std::uint8_t> ipv4_frame() {
  std::vector<std::uint8_t> f(kEthernet + 20 + 8 + 32, 0);
  f[12] = 0x08;
  f[13] = 0x00;
  f[kEthernet] = 0x45;
  f[kEthernet + 3] = static_cast<std::uint8_t>(f.size() - kEthernet);
  f[kEthernet + 8] = 64;
  f[kEthernet + 9] = 17;
  return f;
}

inline clt_flow_key flow_of(const FrameSpec& spec) {
  clt_flow_key key{};
  std::copy(spec.src.begin(), spec.src.end(), key.saddr);
  std::copy(spec.dst.begin(), spec.dst.end(), key.daddr);
  key.sport = static_cast<std::uint16_t>((spec.sport >> 8) | (spec.sport << 8));
  key.dport = static_cast<std::uint16_t>((spec.dport >> 8) | (spec.dport << 8));
  key.protocol = spec.protocol;
  return key;
}

}  // namespace clt::test
