// Writes a large pcap of CLT traffic (Ethernet, 3-node traces of trace type
// 0xf60000, distinct span ids) for comparing `clt decode` with tshark.
//   make_capture OUT.pcap PACKETS
#include <pcap/pcap.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/encode.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_capture OUT.pcap PACKETS\n");
    return 2;
  }
  const long packets = std::atol(argv[2]);
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* out = pcap_dump_open(dead, argv[1]);
  if (out == nullptr) {
    std::fprintf(stderr, "make_capture: %s\n", pcap_geterr(dead));
    return 1;
  }
  namespace core = clt::core;
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 256> hbh{};
  std::vector<std::uint8_t> frame(14 + 40 + 256 + 32);
  for (long i = 0; i < packets; ++i) {
    core::TraceId tid{};
    core::SpanId sid{};
    std::memcpy(tid.data() + 8, &i, sizeof i);
    std::memcpy(sid.data(), &i, sizeof i);
    std::size_t len = 0;
    core::NodeData own;
    own.id = 1;
    own.hop_limit = 64;
    own.ingress_id = 11;
    own.egress_id = 12;
    own.timestamp_secs = 1700000000 + static_cast<std::uint32_t>(i / 1000);
    own.timestamp_frac = static_cast<std::uint32_t>(i % 1000) * 1000;
    own.namespace_data = 0xa0000000;
    if (core::encode_hop_by_hop(spec, tid, sid, &own, hbh, len) != core::EncodeError::kOk) return 1;
    std::uint8_t* trace = hbh.data() + core::kHbhTraceHeaderOffset;
    for (int k = 2; k <= 3; ++k) {  // two transit nodes after the sender's own entry
      std::uint8_t rem = trace[3] & 0x7f;
      core::NodeData n = own;
      n.id = static_cast<std::uint32_t>(k);
      n.hop_limit = static_cast<std::uint8_t>(65 - k);
      n.ingress_id = static_cast<std::uint16_t>(10 * k + 1);
      n.egress_id = static_cast<std::uint16_t>(10 * k + 2);
      n.timestamp_frac += static_cast<std::uint32_t>(k * 37);
      core::encode_node(n, spec.trace_type, trace + 8 + rem * 4 - 24);
      trace[3] = static_cast<std::uint8_t>(rem - 6);
    }
    std::memset(frame.data(), 0, frame.size());
    frame[12] = 0x86;
    frame[13] = 0xdd;
    std::uint8_t* ip = frame.data() + 14;
    ip[0] = 0x60;
    const std::size_t payload = len + 8;
    ip[4] = static_cast<std::uint8_t>(payload >> 8);
    ip[5] = static_cast<std::uint8_t>(payload);
    ip[7] = 62;
    ip[8] = 0xfd;
    ip[23] = 1;
    ip[24] = 0xfd;
    ip[25] = 0;
    ip[27] = 2;
    ip[39] = 2;
    std::memcpy(ip + 40, hbh.data(), len);
    ip[40] = 17;  // UDP header follows (zeros)
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + i / 1000;
    h.ts.tv_usec = static_cast<suseconds_t>((i % 1000) * 1000);
    h.caplen = h.len = static_cast<bpf_u_int32>(14 + 40 + payload);
    pcap_dump(reinterpret_cast<u_char*>(out), &h, frame.data());
  }
  pcap_dump_close(out);
  pcap_close(dead);
  return 0;
}
