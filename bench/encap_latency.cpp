// Request latency over the default topology (athos -> porthos -> aramis),
// with and without CLT, on one keep-alive TCP connection: requests alternate
// between "plain" and "CLT" (enable with fresh ids, request, disable), so both
// see the same network and load. Brings up its own copy of the topology.
//   bench_encap_latency [REQUESTS-PER-MODE]

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "encap/clt_socket.h"
#include "encap/echo_peer.h"
#include "encap/netns_thread.h"
#include "topo/default_topology.h"
#include "topo/topology_apply.h"
#include "topo/topology_parser.h"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::string error;
  auto topology = clt::topo::parse_topology(clt::topo::default_topology_text(), "default", error);
  if (!topology) return 1;
  const std::string prefix = "bel" + std::to_string(::getpid()) + "-";
  auto up = clt::topo::topology_up(*topology, prefix, "default.topo");
  if (!up.ok) {
    std::fprintf(stderr, "bench_encap_latency: %s\n", up.error.c_str());
    return 1;
  }
  std::vector<double> plain, with_clt;
  int rc = 0;
  try {
    clt::test::EchoServer server(prefix + "aramis", SOCK_STREAM);
    clt::test::run_in_netns(prefix + "athos", [&] {
      auto encap = clt::encap::Encapsulator::create(clt::encap::Config{}, error);
      if (!encap) throw std::runtime_error(error);
      const int fd = clt::test::connect_to("fd00:2::2", server.port(), SOCK_STREAM);
      clt::encap::TraceId trace{};
      clt::encap::SpanId span{};
      for (int i = 0; i < 2000; ++i) clt::test::exchange(fd, 'W', SOCK_STREAM);  // warm-up
      for (int i = 0; i < 2 * requests; ++i) {
        const bool on = i % 2 == 1;
        trace[15] = static_cast<std::uint8_t>(i);
        span[7] = static_cast<std::uint8_t>(i >> 8);
        const auto t0 = Clock::now();
        if (on && !encap->enable(fd, trace, span).applied())
          throw std::runtime_error("enable failed (root needed)");
        clt::test::exchange(fd, on ? 'C' : 'P', SOCK_STREAM);
        if (on) encap->disable(fd);
        const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        (on ? with_clt : plain).push_back(us);
      }
      char quit[clt::test::kRecordSize];
      std::fill(quit, quit + sizeof quit, 'Q');
      clt::test::send_all(fd, quit, sizeof quit);
      ::close(fd);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_encap_latency: %s\n", e.what());
    rc = 1;
  }
  clt::topo::topology_down(*topology, prefix);
  if (rc != 0) return rc;
  const double p50p = percentile(plain, 0.5), p99p = percentile(plain, 0.99);
  const double p50c = percentile(with_clt, 0.5), p99c = percentile(with_clt, 0.99);
  std::printf("requests per mode: %d (200-byte request and echo, one keep-alive TCP connection)\n",
              requests);
  std::printf("%-10s %10s %10s\n", "mode", "p50 (us)", "p99 (us)");
  std::printf("%-10s %10.1f %10.1f\n", "plain", p50p, p99p);
  std::printf("%-10s %10.1f %10.1f\n", "clt", p50c, p99c);
  std::printf("ratio clt/plain: p50 %.3f, p99 %.3f (p50 overhead %+.1f%%)\n", p50c / p50p,
              p99c / p99p, 100.0 * (p50c / p50p - 1.0));
  return 0;
}
