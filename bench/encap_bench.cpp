// Cost of CLT on a socket: an enable+disable pair (one span) on connected
// loopback sockets, next to its parts (header build, one bare setsockopt) and
// the domain check that leaves an outside peer alone. Needs CAP_NET_RAW.

#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "encap/clt_socket.h"
#include "support/loopback_socket.h"

namespace {

using clt::encap::Config;
using clt::encap::Encapsulator;

const clt::encap::TraceId kTrace{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd,
                                 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c};
const clt::encap::SpanId kSpan{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31};

using Loopback = clt::test::LoopbackSocket;

using clt::test::loopback_encapsulator;

void enable_disable(benchmark::State& state, int type, bool own_entry) {
  auto e = loopback_encapsulator(own_entry);
  Loopback s(type);
  for (auto _ : state) {
    auto on = e->enable(s.fd, kTrace, kSpan);
    auto off = e->disable(s.fd);
    if (!on.applied() || !off.applied()) {
      state.SkipWithError("enable/disable failed: needs CAP_NET_RAW (run as root)");
      break;
    }
  }
}

void BM_EnableDisablePair_Tcp(benchmark::State& state) {
  enable_disable(state, SOCK_STREAM, true);
}
void BM_EnableDisablePair_Udp(benchmark::State& state) {
  enable_disable(state, SOCK_DGRAM, true);
}
void BM_EnableDisablePair_UdpNoOwnEntry(benchmark::State& state) {
  enable_disable(state, SOCK_DGRAM, false);
}

// A keep-alive connection's spans: checks once, then one setsockopt each way.
void prepared_pair(benchmark::State& state, int type) {
  auto e = loopback_encapsulator(true);
  Loopback s(type);
  const auto prepared = e->prepare(s.fd);
  for (auto _ : state) {
    auto on = prepared.enable(kTrace, kSpan);
    auto off = prepared.disable();
    if (!on.applied() || !off.applied()) {
      state.SkipWithError("enable/disable failed: needs CAP_NET_RAW (run as root)");
      break;
    }
  }
}
void BM_PreparedEnableDisablePair_Tcp(benchmark::State& state) {
  prepared_pair(state, SOCK_STREAM);
}
void BM_PreparedEnableDisablePair_Udp(benchmark::State& state) {
  prepared_pair(state, SOCK_DGRAM);
}

// The floor: the kernel's own cost of setting and clearing the option.
void BM_BareSetsockoptPair_Udp(benchmark::State& state) {
  auto e = loopback_encapsulator(true);
  Loopback s(SOCK_DGRAM);
  std::uint8_t header[264];
  const std::size_t n = e->build_header(kTrace, kSpan, {}, 64, header, sizeof header);
  for (auto _ : state) {
    ::setsockopt(s.fd, IPPROTO_IPV6, IPV6_HOPOPTS, header, static_cast<socklen_t>(n));
    ::setsockopt(s.fd, IPPROTO_IPV6, IPV6_HOPOPTS, nullptr, 0);
  }
}

void BM_BuildHeaderWithOwnEntry(benchmark::State& state) {
  auto e = loopback_encapsulator(true);
  std::uint8_t header[264];
  for (auto _ : state) {
    benchmark::DoNotOptimize(e->build_header(kTrace, kSpan, {}, 64, header, sizeof header));
    benchmark::ClobberMemory();
  }
}

void BM_EnableOutsideDomain_Udp(benchmark::State& state) {
  Config c;  // fc00::/7: ::1 is outside
  std::string error;
  auto e = Encapsulator::create(c, error);
  Loopback s(SOCK_DGRAM);
  for (auto _ : state) benchmark::DoNotOptimize(e->enable(s.fd, kTrace, kSpan));
}

BENCHMARK(BM_EnableDisablePair_Tcp)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_EnableDisablePair_Udp)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_EnableDisablePair_UdpNoOwnEntry)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_PreparedEnableDisablePair_Tcp)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_PreparedEnableDisablePair_Udp)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_BareSetsockoptPair_Udp)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_BuildHeaderWithOwnEntry)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_EnableOutsideDomain_Udp)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
