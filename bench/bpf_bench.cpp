// The eBPF datapath's costs (root):
//  - the tc program per packet, under BPF_PROG_TEST_RUN on crafted frames,
//    loaded as the agent loads it: filling a TCP packet's reserved room
//    (header written in place + own entry) against a packet without room.
//    A stamped packet cannot be re-run (it now carries the header), so each
//    iteration is one test run and the figure is the kernel's own per-run
//    time (kernel_ns), which includes a fixed per-run overhead; the no-room
//    path is also run 100000 times in one test run, without that overhead.
//    With flow ids (as the program tests load it): inserting the header
//    into a bound flow's packet against another flow's. A test run's packet
//    has 66 bytes of headroom, so every insertion also reallocates its head;
//  - the same program on real packets: UDP and TCP sockets over loopback
//    with the datapath attached to lo, stamped (CLT enabled through the
//    library, so with reserved room) and not, the kernel's run-time
//    statistics giving the program's time per packet (prog_ns_per_packet);
//  - an enable+disable pair (one span) through the setsockopt hook beside
//    today's PreparedSocket with the sticky IPV6_HOPOPTS header.
// Runs in a network namespace of its own.

#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "bpf/crafted_packets.h"
#include "bpf/datapath.h"
#include "bpf/encap_simulator.h"
#include "encap/clt_socket.h"
#include "support/loopback_socket.h"
#include "support/private_loopback.h"

namespace {

const clt::core::TraceId kTrace = *clt::core::parse_trace_id("0af7651916cd43dd8448eb211c80319c");
const clt::core::SpanId kSpan = *clt::core::parse_span_id("b7ad6b7169203331");

// The program as the agent loads it (only reserved room gets CLT; a test
// run has no socket storage, so the room's own ids stand in for the
// socket's, an equally cheap lookup), or with flow ids (bound to `bound`'s
// flow) as the program tests load it.
std::unique_ptr<clt::bpf::EncapSimulator> simulator(const clt::test::FrameSpec* bound) {
  clt::encap::NodeFacts facts;
  facts.node_id = 1;
  std::string error;
  using Ids = clt::bpf::EncapSimulator::Ids;
  auto sim = clt::bpf::EncapSimulator::create(clt::encap::Config{}, facts, 1, error,
                                              bound ? Ids::kFlows : Ids::kRoom);
  if (!sim || (bound && !sim->bind_flow(clt::test::flow_of(*bound), kTrace, kSpan, error))) {
    std::fprintf(stderr, "bench_bpf: %s\n", error.c_str());
    std::exit(1);
  }
  return sim;
}

std::size_t header_size() {
  return clt::core::hop_by_hop_size(clt::encap::hop_by_hop_spec(clt::encap::Config{}));
}

clt::test::FrameSpec tcp_frame(bool room) {
  clt::test::FrameSpec spec;
  spec.payload = 1000;
  if (room) {
    spec.room = header_size();
    std::copy(kTrace.begin(), kTrace.end(), spec.room_ids.begin());
    std::copy(kSpan.begin(), kSpan.end(), spec.room_ids.begin() + 16);
  }
  return spec;
}

// One test run per iteration: a stamped packet cannot be run again. With
// departure_time, the packet carries one, as TCP's packets do. Besides the
// mean, the median run: on a shared machine a run now and then is
// preempted inside the kernel's timed window, which the mean takes in.
void run_program(benchmark::State& state, const clt::bpf::EncapSimulator& sim,
                 const clt::test::FrameSpec& spec, bool stamps, bool departure_time = false) {
  const auto frame = clt::test::ipv6_frame(spec);
  double kernel_ns = 0;
  std::vector<std::uint32_t> runs;
  runs.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    const std::uint64_t tstamp = departure_time
                                     ? static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
                                           static_cast<std::uint64_t>(now.tv_nsec)
                                     : 0;
    const auto out = tstamp ? sim.run_stamped(frame, tstamp) : sim.run(frame);
    if (out.error != 0) state.SkipWithError(std::strerror(out.error));
    kernel_ns += out.duration_ns;
    runs.push_back(out.duration_ns);
  }
  state.counters["kernel_ns"] = kernel_ns / static_cast<double>(state.iterations());
  if (!runs.empty()) {
    std::nth_element(runs.begin(), runs.begin() + runs.size() / 2, runs.end());
    state.counters["kernel_ns_median"] = runs[runs.size() / 2];
  }
  const auto stamped = sim.counters()[CLT_CNT_STAMPED];
  if (stamped != (stamps ? static_cast<std::uint64_t>(state.iterations()) : 0))
    state.SkipWithError("the program did not stamp as expected");
}

// The fill against the no-room baseline, one run of each in turn: both see
// the same machine state, so the median of their differences is the fill's
// own cost over the no-room path (or the removal's, for room without ids),
// free of the per-run overhead that the separate medians carry (and of its
// drift on a shared machine).
void run_paired(benchmark::State& state, const clt::test::FrameSpec& spec, bool departure_time,
                bool stamps = true) {
  const auto sim = simulator(nullptr);
  const auto stamped = clt::test::ipv6_frame(spec);
  const auto plain = clt::test::ipv6_frame(tcp_frame(false));
  std::vector<double> differences;
  differences.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    const std::uint64_t tstamp = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
                                 static_cast<std::uint64_t>(now.tv_nsec);
    const auto fill = departure_time ? sim->run_stamped(stamped, tstamp) : sim->run(stamped);
    const auto base = sim->run(plain);
    if (fill.error != 0 || base.error != 0) state.SkipWithError("test run failed");
    differences.push_back(static_cast<double>(fill.duration_ns) -
                          static_cast<double>(base.duration_ns));
  }
  if (!differences.empty()) {
    std::nth_element(differences.begin(), differences.begin() + differences.size() / 2,
                     differences.end());
    state.counters["over_no_room_ns_median"] = differences[differences.size() / 2];
  }
  const auto expected = stamps ? CLT_CNT_STAMPED : CLT_CNT_ROOM_REMOVED;
  if (sim->counters()[expected] != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("the program did not stamp or remove the room as expected");
}

void BM_TcProgram_FillRoomTcpOverNoRoom(benchmark::State& state) {
  run_paired(state, tcp_frame(true), true);
}
// A packet sent between spans: its socket kept the room but has no ids
// bound, so the room is taken out.
void BM_TcProgram_RemoveRoomTcpOverNoRoom(benchmark::State& state) {
  auto spec = tcp_frame(true);
  spec.room_ids = {};
  run_paired(state, spec, true, false);
}
void BM_TcProgram_FillRoomUdpOverNoRoom(benchmark::State& state) {
  auto spec = tcp_frame(true);
  spec.protocol = 17;
  run_paired(state, spec, false);
}

// A TCP packet whose socket reserved room, with its departure time as TCP
// gives it: the header written in place.
void BM_TcProgram_FillRoomTcp(benchmark::State& state) {
  run_program(state, *simulator(nullptr), tcp_frame(true), true, true);
}
// The same without a departure time (UDP): the program reads the clock.
void BM_TcProgram_FillRoomUdp(benchmark::State& state) {
  auto spec = tcp_frame(true);
  spec.protocol = 17;
  run_program(state, *simulator(nullptr), spec, true);
}
// Its baseline: the same program on a packet without room.
void BM_TcProgram_NoRoom(benchmark::State& state) {
  run_program(state, *simulator(nullptr), tcp_frame(false), false);
}
// With flow ids: the header inserted into a packet of a bound flow, and a
// packet of another flow as its baseline.
void BM_TcProgram_InsertTcpForFlow(benchmark::State& state) {
  const auto spec = tcp_frame(false);
  run_program(state, *simulator(&spec), spec, true);
}
void BM_TcProgram_NoIdsForFlow(benchmark::State& state) {
  const auto spec = tcp_frame(false);
  auto other = spec;
  other.dst[15] = 7;
  run_program(state, *simulator(&spec), other, false);
}
// The no-room path many times in one test run: the kernel's per-run
// overhead of a one-run test (timer, context setup) drops out.
void BM_TcProgram_NoRoomRepeated(benchmark::State& state) {
  const auto sim = simulator(nullptr);
  const auto frame = clt::test::ipv6_frame(tcp_frame(false));
  constexpr std::uint32_t kRepeat = 100000;
  double kernel_ns = 0;
  for (auto _ : state) {
    const auto out = sim->run(frame, 0, 0, kRepeat);
    if (out.error != 0) state.SkipWithError(std::strerror(out.error));
    kernel_ns += out.duration_ns;
  }
  state.counters["kernel_ns"] = kernel_ns / static_cast<double>(state.iterations());
}

// The datapath attached to lo; the domain is ::1 for both the datapath and
// the client library.
std::unique_ptr<clt::bpf::Datapath> loopback_datapath(benchmark::State& state) {
  clt::bpf::DatapathConfig config;
  config.interfaces = {"lo"};
  config.ioam.domain = {*clt::encap::Prefix::parse("::1/128")};
  std::string error;
  auto datapath = clt::bpf::Datapath::open(config, error);
  if (!datapath) state.SkipWithError(error.c_str());
  return datapath;
}

void prepared_pair(benchmark::State& state, bool datapath_loaded) {
  std::unique_ptr<clt::bpf::Datapath> datapath;
  if (datapath_loaded && !(datapath = loopback_datapath(state))) return;
  const auto encap = clt::test::loopback_encapsulator();
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  const auto prepared = encap->prepare(conn.fd);
  if (prepared.uses_datapath() != datapath_loaded) state.SkipWithError("wrong path chosen");
  for (auto _ : state) {
    if (!prepared.enable(kTrace, kSpan).applied()) state.SkipWithError("enable failed");
    prepared.disable();
  }
}

void BM_PreparedPair_StickyHeader(benchmark::State& state) {
  prepared_pair(state, false);
}
void BM_PreparedPair_DatapathHook(benchmark::State& state) {
  prepared_pair(state, true);
}

// What any two setsockopt calls cost on this machine, with no hook loaded:
// the floor under a span's edges.
void BM_PreparedPair_TwoPlainSetsockoptCalls(benchmark::State& state) {
  const clt::test::LoopbackSocket conn(SOCK_STREAM);
  int on = 1;
  for (auto _ : state) {
    ::setsockopt(conn.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(conn.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  }
}

void live_packets(benchmark::State& state, int type, bool bound) {
  auto datapath = loopback_datapath(state);
  if (!datapath) return;
  std::string error;
  const auto stats_on = clt::bpf::enable_run_time_stats(error);
  if (!stats_on) {
    state.SkipWithError(error.c_str());
    return;
  }
  const auto encap = clt::test::loopback_encapsulator();
  const clt::test::LoopbackSocket conn(type);
  const int sender = conn.fd;
  if (bound && !encap->enable(sender, kTrace, kSpan).applied()) state.SkipWithError("enable");
  char buf[1000] = {};
  char drain[65536];
  const auto before = datapath->encap_program_stats();
  const auto stamped_before = datapath->counters()[CLT_CNT_STAMPED];
  for (auto _ : state) {
    ::send(sender, buf, sizeof buf, 0);
    ::recv(conn.peer, drain, sizeof drain, 0);
  }
  const auto after = datapath->encap_program_stats();
  const auto runs = after.run_count - before.run_count;
  state.counters["prog_ns_per_packet"] =
      runs ? static_cast<double>(after.run_time_ns - before.run_time_ns) / static_cast<double>(runs)
           : 0;
  state.counters["stamped_share"] =
      runs ? static_cast<double>(datapath->counters()[CLT_CNT_STAMPED] - stamped_before) /
                 static_cast<double>(runs)
           : 0;
}

void BM_TcProgramLive_UdpStamped(benchmark::State& state) {
  live_packets(state, SOCK_DGRAM, true);
}
void BM_TcProgramLive_UdpNoIds(benchmark::State& state) {
  live_packets(state, SOCK_DGRAM, false);
}
void BM_TcProgramLive_TcpStamped(benchmark::State& state) {
  live_packets(state, SOCK_STREAM, true);
}
void BM_TcProgramLive_TcpNoIds(benchmark::State& state) {
  live_packets(state, SOCK_STREAM, false);
}

BENCHMARK(BM_TcProgramLive_UdpNoIds)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgramLive_UdpStamped)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgramLive_TcpNoIds)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgramLive_TcpStamped)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_NoRoom)->Iterations(200000)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_FillRoomTcp)->Iterations(200000)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_FillRoomUdp)->Iterations(200000)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_FillRoomTcpOverNoRoom)
    ->Iterations(200000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_RemoveRoomTcpOverNoRoom)
    ->Iterations(200000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_FillRoomUdpOverNoRoom)
    ->Iterations(200000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_NoRoomRepeated)->Iterations(20)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_NoIdsForFlow)
    ->Iterations(200000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_TcProgram_InsertTcpForFlow)
    ->Iterations(200000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_PreparedPair_StickyHeader)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_PreparedPair_DatapathHook)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_PreparedPair_TwoPlainSetsockoptCalls)->Repetitions(3)->ReportAggregatesOnly(true);

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  if (!clt::test::private_loopback_namespace(error)) {
    std::fprintf(stderr, "bench_bpf: %s\n", error.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
