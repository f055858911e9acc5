#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "core/ioam_trace.h"

namespace clt::core {

inline constexpr std::size_t kMaxTracesPerPacket = 4;
inline constexpr std::size_t kMaxLayoutRules = 16;

// Link-layer framing of a captured packet (libpcap DLT values in comments).
enum class LinkType : std::uint8_t {
  kIpv6,         // starts at the IPv6 header (DLT_RAW, DLT_IPV6)
  kEthernet,     // DLT_EN10MB, optional 802.1Q/802.1ad tags
  kLinuxCooked,  // DLT_LINUX_SLL (16-byte header)
  kLinuxCooked2  // DLT_LINUX_SLL2 (20-byte header)
};

using Ipv6Address = std::array<std::uint8_t, 16>;

// Which namespaces carry CLT ids: configuration, not guesswork. Default: all.
class LayoutPolicy {
 public:
  explicit LayoutPolicy(Layout default_layout = Layout::kClt) : default_(default_layout) {}
  // False when the table is full.
  bool set(std::uint16_t namespace_id, Layout layout);
  // Every namespace listed (ids up to 65535); false when the table fills up.
  bool set_all(std::span<const unsigned> namespace_ids, Layout layout);
  Layout layout_for(std::uint16_t namespace_id) const;

 private:
  struct Rule {
    std::uint16_t namespace_id;
    Layout layout;
  };
  Layout default_;
  std::array<Rule, kMaxLayoutRules> rules_{};
  std::size_t count_ = 0;
};

// A packet's IPv6 header facts and every IOAM trace option of its Hop-by-Hop
// header. Reuse one instance across packets: decoding does not allocate.
struct DecodedPacket {
  Ipv6Address src{};
  Ipv6Address dst{};
  std::uint8_t hop_limit = 0;
  std::uint8_t upper_protocol = 0;  // Next Header after the Hop-by-Hop header
  // Transport ports when the Hop-by-Hop header is followed directly by TCP or
  // UDP and the capture kept them (has_ports), host order.
  bool has_ports = false;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t trace_count = 0;
  // The capture kept fewer bytes than the packet had (a snap length): the
  // Hop-by-Hop header was whole, what follows it may not be.
  bool truncated = false;
  std::array<Trace, kMaxTracesPerPacket> traces;
};

// Outcome of decode_packet: kOk with at least one trace; kNotIpv6,
// kNoHopByHop and kNoIoamOption mean "nothing to decode here" (not malformed);
// any other value is a malformed packet. On an error after some traces were
// decoded, out.trace_count still counts them.
// wire_size is the frame's length on the wire when the capture kept fewer
// bytes (pcap's len beside caplen); 0 means the frame is whole.
DecodeError decode_packet(std::span<const std::uint8_t> frame, LinkType link,
                          const LayoutPolicy& policy, DecodedPacket& out,
                          std::size_t wire_size = 0);

// True for the outcomes that mean "not IOAM traffic" rather than "malformed".
constexpr bool is_not_ioam(DecodeError e) {
  return e == DecodeError::kNotIpv6 || e == DecodeError::kNoHopByHop ||
         e == DecodeError::kNoIoamOption;
}

}  // namespace clt::core
