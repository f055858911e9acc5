// Sends UDP datagrams carrying the CLT Hop-by-Hop header (IPV6_HOPOPTS), as
// an application with CLT enabled does; optionally fills the sender's own
// node entry. Test traffic only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "core/encode.h"
#include "core/ids.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: clt_udp_sender DST PORT COUNT TRACE_ID_HEX SPAN_ID_HEX [OWN_NODE_ID|0] "
               "[INTERVAL_US] [NAMESPACE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) return usage();
  const char* dst = argv[1];
  const int port = std::atoi(argv[2]);
  const long count = std::atol(argv[3]);
  const auto trace_id = clt::core::parse_trace_id(argv[4]);
  const auto span_id = clt::core::parse_span_id(argv[5]);
  const unsigned own_node = argc > 6 ? static_cast<unsigned>(std::atoi(argv[6])) : 0;
  const long interval_us = argc > 7 ? std::atol(argv[7]) : 1000;
  const unsigned ns = argc > 8 ? static_cast<unsigned>(std::atoi(argv[8])) : 123;
  if (!trace_id || !span_id) return usage();

  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (fd < 0 || inet_pton(AF_INET6, dst, &to.sin6_addr) != 1) {
    std::fprintf(stderr, "clt_udp_sender: bad destination %s\n", dst);
    return 1;
  }
  clt::core::HopByHopSpec spec;
  spec.namespace_id = static_cast<std::uint16_t>(ns);
  std::array<std::uint8_t, 256> hbh{};
  for (long i = 0; i < count; ++i) {
    clt::core::NodeData own;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    own.hop_limit = 64;
    own.id = own_node;
    own.ingress_id = 0;
    own.egress_id = static_cast<std::uint16_t>(own_node * 10 + 1);
    own.timestamp_secs = static_cast<std::uint32_t>(now.tv_sec);
    own.timestamp_frac = static_cast<std::uint32_t>(now.tv_nsec / 1000);
    own.namespace_data = 0xa0000000u + own_node;
    std::size_t written = 0;
    const auto e = clt::core::encode_hop_by_hop(spec, *trace_id, *span_id,
                                                own_node ? &own : nullptr, hbh, written);
    if (e != clt::core::EncodeError::kOk) {
      std::fprintf(stderr, "clt_udp_sender: %s\n", clt::core::describe(e, spec).c_str());
      return 1;
    }
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh.data(), static_cast<socklen_t>(written)) !=
        0) {
      std::perror("clt_udp_sender: IPV6_HOPOPTS");
      return 1;
    }
    char payload[32];
    const int n = std::snprintf(payload, sizeof payload, "clt test %ld", i);
    if (sendto(fd, payload, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof to) < 0) {
      std::perror("clt_udp_sender: sendto");
      return 1;
    }
    if (interval_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(interval_us));
  }
  close(fd);
  return 0;
}
