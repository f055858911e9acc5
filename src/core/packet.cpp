#include "core/packet.h"

#include <algorithm>

namespace clt::core {

namespace {

constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;
constexpr std::size_t kIpv6HeaderBytes = 40;
constexpr std::uint8_t kPad1 = 0;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

// Strips the link-layer header; returns the bytes from the IPv6 header on.
DecodeError strip_link(std::span<const std::uint8_t> frame, LinkType link,
                       std::span<const std::uint8_t>& ip) {
  switch (link) {
    case LinkType::kIpv6:
      ip = frame;
      return DecodeError::kOk;
    case LinkType::kEthernet: {
      if (frame.size() < 14) return DecodeError::kTruncatedLinkHeader;
      std::size_t off = 12;
      std::uint16_t type = be16(frame.data() + off);
      while (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
        off += 4;
        if (frame.size() < off + 2) return DecodeError::kTruncatedLinkHeader;
        type = be16(frame.data() + off);
      }
      if (type != kEtherTypeIpv6) return DecodeError::kNotIpv6;
      ip = frame.subspan(off + 2);
      return DecodeError::kOk;
    }
    case LinkType::kLinuxCooked:
      if (frame.size() < 16) return DecodeError::kTruncatedLinkHeader;
      if (be16(frame.data() + 14) != kEtherTypeIpv6) return DecodeError::kNotIpv6;
      ip = frame.subspan(16);
      return DecodeError::kOk;
    case LinkType::kLinuxCooked2:
      if (frame.size() < 20) return DecodeError::kTruncatedLinkHeader;
      if (be16(frame.data()) != kEtherTypeIpv6) return DecodeError::kNotIpv6;
      ip = frame.subspan(20);
      return DecodeError::kOk;
  }
  return DecodeError::kNotIpv6;
}

}  // namespace

bool LayoutPolicy::set(std::uint16_t namespace_id, Layout layout) {
  for (std::size_t i = 0; i < count_; ++i) {
    if (rules_[i].namespace_id == namespace_id) {
      rules_[i].layout = layout;
      return true;
    }
  }
  if (count_ == rules_.size()) return false;
  rules_[count_++] = Rule{namespace_id, layout};
  return true;
}

bool LayoutPolicy::set_all(std::span<const unsigned> namespace_ids, Layout layout) {
  for (const unsigned id : namespace_ids) {
    if (!set(static_cast<std::uint16_t>(id), layout)) return false;
  }
  return true;
}

Layout LayoutPolicy::layout_for(std::uint16_t namespace_id) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (rules_[i].namespace_id == namespace_id) return rules_[i].layout;
  }
  return default_;
}

DecodeError decode_packet(std::span<const std::uint8_t> frame, LinkType link,
                          const LayoutPolicy& policy, DecodedPacket& out, std::size_t wire_size) {
  out.trace_count = 0;
  out.truncated = false;
  out.has_ports = false;
  out.src_port = out.dst_port = 0;
  const std::size_t not_captured = wire_size > frame.size() ? wire_size - frame.size() : 0;
  if (frame.empty()) return DecodeError::kEmptyPacket;
  std::span<const std::uint8_t> ip;
  if (DecodeError e = strip_link(frame, link, ip); e != DecodeError::kOk) return e;
  if (ip.empty()) return DecodeError::kTruncatedIpv6Header;
  if ((ip[0] >> 4) != 6) {
    // A raw-IP link may carry IPv4; a link that announced IPv6 has a broken header.
    if (link == LinkType::kIpv6) return DecodeError::kNotIpv6;
    return ip.size() < kIpv6HeaderBytes ? DecodeError::kTruncatedIpv6Header
                                        : DecodeError::kBadIpVersion;
  }
  if (ip.size() < kIpv6HeaderBytes) return DecodeError::kTruncatedIpv6Header;

  const std::size_t payload_len = be16(ip.data() + 4);
  const std::uint8_t next_header = ip[6];
  out.hop_limit = ip[7];
  std::copy_n(ip.data() + 8, 16, out.src.begin());
  std::copy_n(ip.data() + 24, 16, out.dst.begin());
  // Jumbograms (payload length 0 with a Jumbo option) are not IOAM territory;
  // a non-zero payload length is what bounds the packet.
  const std::size_t captured = ip.size() - kIpv6HeaderBytes;
  if (payload_len != 0 && captured + not_captured < payload_len) {
    return DecodeError::kPayloadLengthExceedsCapture;
  }
  out.truncated = payload_len > captured;
  if (next_header != 0) return DecodeError::kNoHopByHop;

  std::span<const std::uint8_t> payload = ip.subspan(kIpv6HeaderBytes);
  if (payload_len != 0 && !out.truncated) payload = payload.first(payload_len);
  if (payload.size() < 2)
    return out.truncated ? DecodeError::kHopByHopNotCaptured : DecodeError::kHopByHopExceedsPacket;
  const std::size_t hbh_len = (std::size_t{payload[1]} + 1) * 8;
  if (hbh_len > payload.size())
    return out.truncated ? DecodeError::kHopByHopNotCaptured : DecodeError::kHopByHopExceedsPacket;
  out.upper_protocol = payload[0];
  const std::span<const std::uint8_t> hbh = payload.first(hbh_len);
  if ((out.upper_protocol == kTcp || out.upper_protocol == kUdp) && payload.size() - hbh_len >= 4) {
    out.has_ports = true;
    out.src_port = be16(payload.data() + hbh_len);
    out.dst_port = be16(payload.data() + hbh_len + 2);
  }

  bool saw_ioam = false;
  std::size_t pos = 2;
  while (pos < hbh.size()) {
    const std::uint8_t type = hbh[pos];
    if (type == kPad1) {
      ++pos;
      continue;
    }
    if (hbh.size() - pos < 2) return DecodeError::kOptionExceedsHopByHop;
    const std::size_t opt_len = hbh[pos + 1];
    if (hbh.size() - pos - 2 < opt_len) return DecodeError::kOptionExceedsHopByHop;
    if (type == kIoamOptionType) {
      saw_ioam = true;
      if (out.trace_count == kMaxTracesPerPacket) return DecodeError::kTooManyTraces;
      const std::span<const std::uint8_t> option = hbh.subspan(pos, opt_len + 2);
      // The namespace decides the layout; it is readable once the header is there.
      Layout layout = policy.layout_for(0);
      if (option.size() >= 6) layout = policy.layout_for(be16(option.data() + 4));
      Trace& t = out.traces[out.trace_count];
      if (DecodeError e = decode_trace_option(option, layout, t); e != DecodeError::kOk) return e;
      ++out.trace_count;
    }
    pos += 2 + opt_len;
  }
  if (!saw_ioam) return DecodeError::kNoIoamOption;
  return DecodeError::kOk;
}

}  // namespace clt::core
