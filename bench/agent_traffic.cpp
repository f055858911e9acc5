// CLT traffic generator for the live agent benchmark: UDP datagrams with the
// CLT Hop-by-Hop header set on the socket (IPV6_HOPOPTS), sent with sendmmsg
// in batches at a paced rate. With SPANS > 1, as many sockets, each with its
// own span id (00f067aa0ba90001 up), take the batches in turn. Prints what it
// sent as JSON.
//   bench_agent_traffic DST PORT RATE_PPS SECONDS [SPANS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/encode.h"

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: bench_agent_traffic DST PORT RATE_PPS SECONDS [SPANS]\n");
    return 2;
  }
  const double rate = std::atof(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int spans = argc == 6 ? std::atoi(argv[5]) : 1;
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET6, argv[1], &to.sin6_addr) != 1 || rate <= 0 || spans < 1 || spans > 4096) {
    std::fprintf(stderr, "bench_agent_traffic: bad arguments\n");
    return 2;
  }
  clt::core::HopByHopSpec spec;
  clt::core::NodeData own;
  own.hop_limit = 64;
  own.id = 1;
  own.egress_id = 11;
  own.namespace_data = 0xa0000001;
  const auto trace_id = *clt::core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  std::vector<int> fds;
  for (int s = 0; s < spans; ++s) {
    const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) {
      std::perror("bench_agent_traffic: socket");
      return 1;
    }
    fds.push_back(fd);
    const int sndbuf = 8 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    char span_hex[17];
    std::snprintf(span_hex, sizeof span_hex, "00f067aa0ba9%04x", spans == 1 ? 0x02b7 : s + 1);
    const auto span_id = *clt::core::parse_span_id(span_hex);
    std::array<std::uint8_t, 256> hbh{};
    std::size_t len = 0;
    if (clt::core::encode_hop_by_hop(spec, trace_id, span_id, &own, hbh, len) !=
            clt::core::EncodeError::kOk ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh.data(), static_cast<socklen_t>(len)) != 0) {
      std::perror("bench_agent_traffic: IPV6_HOPOPTS (needs CAP_NET_RAW)");
      return 1;
    }
  }

  constexpr unsigned kBatch = 32;
  char payload[64] = "clt benchmark payload";
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (unsigned i = 0; i < kBatch; ++i) {
    iov[i] = {payload, 32};
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::uint64_t sent = 0, failed = 0;
  std::size_t next = 0;
  for (;;) {
    const auto now = Clock::now();
    if (now >= end) break;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const auto due = static_cast<std::uint64_t>(elapsed * rate);
    if (sent + kBatch > due + kBatch) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    const int n = sendmmsg(fds[next], msgs.data(), kBatch, 0);
    next = (next + 1) % fds.size();
    if (n > 0) {
      sent += static_cast<unsigned>(n);
    } else {
      ++failed;
    }
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"sent\": %llu, \"seconds\": %.3f, \"rate\": %.0f, \"send_failures\": %llu}\n",
              static_cast<unsigned long long>(sent), took, static_cast<double>(sent) / took,
              static_cast<unsigned long long>(failed));
  for (const int fd : fds) close(fd);
  return 0;
}
