#pragma once

// Classifies captured frames by the phase byte of their payload and decodes
// their IOAM traces with the core.

#include <cstdint>
#include <vector>

#include "core/packet.h"

namespace clt::test {

struct CapturedPacket {
  char phase = 0;  // first payload byte; 0 for packets without payload
  core::DecodeError result = core::DecodeError::kOk;
  core::DecodedPacket decoded;
};

inline std::vector<CapturedPacket> classify(const std::vector<std::vector<std::uint8_t>>& frames,
                                            std::uint8_t upper_protocol) {
  std::vector<CapturedPacket> out;
  core::LayoutPolicy policy;
  for (const auto& f : frames) {
    if (f.size() < 14 + 40 || f[12] != 0x86 || f[13] != 0xdd) continue;
    const std::uint8_t* ip = f.data() + 14;
    const std::size_t ip_len = f.size() - 14;
    std::uint8_t nh = ip[6];
    std::size_t off = 40;
    if (nh == 0) {
      nh = ip[40];
      off += (std::size_t{ip[41]} + 1) * 8;
    }
    if (nh != upper_protocol || off >= ip_len) continue;
    std::size_t payload = off;
    if (nh == 6) payload += std::size_t{static_cast<std::uint8_t>(ip[off + 12] >> 4)} * 4;
    if (nh == 17) payload += 8;
    const std::size_t end = 40 + (std::size_t{ip[4]} << 8 | ip[5]);
    CapturedPacket p;
    p.phase = payload < end && payload < ip_len ? static_cast<char>(ip[payload]) : 0;
    p.result = core::decode_packet(f, core::LinkType::kEthernet, policy, p.decoded);
    out.push_back(p);
  }
  return out;
}

}  // namespace clt::test
