// The cost per packet of reading ids on the wire (`clt agent --traceparent`),
// under BPF_PROG_TEST_RUN on a request whose header block is 1 KiB with its
// traceparent last (the whole block is scanned): parsed, its flow bound and
// the header inserted; the same scan finding no traceparent; and, as the
// baseline in the same run, the same request through the program loaded
// without --traceparent. One test run per iteration (a stamped packet
// cannot be re-run); the figure is the kernel's own time per run
// (kernel_ns, with its median), which includes a fixed per-run overhead the
// baseline shares. Runs in a network namespace of its own (root).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/crafted_packets.h"
#include "bpf/encap_simulator.h"
#include "support/private_loopback.h"

namespace {

using Ids = clt::bpf::EncapSimulator::Ids;

std::unique_ptr<clt::bpf::EncapSimulator> simulator(Ids ids) {
  clt::encap::NodeFacts facts;
  facts.node_id = 1;
  std::string error;
  auto sim = clt::bpf::EncapSimulator::create(clt::encap::Config{}, facts, 1, error, ids);
  if (!sim) {
    std::fprintf(stderr, "bench_bpf_wire: %s\n", error.c_str());
    std::exit(1);
  }
  return sim;
}

// A GET whose header block is 1024 bytes, traceparent (if any) its last field.
clt::test::FrameSpec request_1kib(bool with_traceparent) {
  const std::string head =
      "GET /api/orders/42 HTTP/1.1\r\nHost: [fd00:2::2]:8080\r\nAccept: application/json\r\n"
      "User-Agent: node\r\nConnection: keep-alive\r\n";
  const std::string last =
      with_traceparent
          ? "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
          : "x-request-id: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n";
  std::string text = head;
  // Filler fields of 64 bytes, then one to make the block exactly 1024.
  while (text.size() + 64 + 16 + last.size() + 2 <= 1024)
    text += "x-filler: " + std::string(52, 'f') + "\r\n";
  const std::size_t rest = 1024 - text.size() - last.size() - 2;
  text += "x-pad: " + std::string(rest - 9, 'p') + "\r\n" + last + "\r\n";
  clt::test::FrameSpec spec;
  spec.payload_bytes.assign(text.begin(), text.end());
  return spec;
}

void run_program(benchmark::State& state, const clt::bpf::EncapSimulator& sim,
                 const clt::test::FrameSpec& spec, clt_counter expected) {
  const auto frame = clt::test::ipv6_frame(spec);
  if (frame.size() - clt::test::kEthernet - 40 - 20 != 1024)
    state.SkipWithError("the request is not 1 KiB");
  double kernel_ns = 0;
  std::vector<std::uint32_t> runs;
  runs.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto out = sim.run(frame);
    if (out.error != 0) state.SkipWithError(std::strerror(out.error));
    kernel_ns += out.duration_ns;
    runs.push_back(out.duration_ns);
  }
  state.counters["kernel_ns"] = kernel_ns / static_cast<double>(state.iterations());
  if (!runs.empty()) {
    std::nth_element(runs.begin(), runs.begin() + runs.size() / 2, runs.end());
    state.counters["kernel_ns_median"] = runs[runs.size() / 2];
  }
  if (sim.counters()[expected] != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("the program did not do what was measured");
}

// Scanned, bound, header inserted.
void BM_Wire_Request1KiB_Bound(benchmark::State& state) {
  run_program(state, *simulator(Ids::kWire), request_1kib(true), CLT_CNT_STAMPED);
}
// Scanned to the end of the block, nothing found.
void BM_Wire_Request1KiB_Absent(benchmark::State& state) {
  run_program(state, *simulator(Ids::kWire), request_1kib(false), CLT_CNT_TRACEPARENT_ABSENT);
}
// Baseline: the program as the agent loads it without --traceparent.
void BM_Wire_Request1KiB_ModeOff(benchmark::State& state) {
  run_program(state, *simulator(Ids::kSocketOnly), request_1kib(true), CLT_CNT_NO_IDS);
}

// The two paths that leave the packet as it is, many times in one test run:
// the kernel's per-run overhead (and the cold caches of a first run) drop
// out, leaving the program's own time per packet.
void run_repeated(benchmark::State& state, const clt::bpf::EncapSimulator& sim,
                  const clt::test::FrameSpec& spec) {
  const auto frame = clt::test::ipv6_frame(spec);
  constexpr std::uint32_t kRepeat = 100000;
  double kernel_ns = 0;
  for (auto _ : state) {
    const auto out = sim.run(frame, 0, 0, kRepeat);
    if (out.error != 0) state.SkipWithError(std::strerror(out.error));
    kernel_ns += out.duration_ns;
  }
  state.counters["kernel_ns"] = kernel_ns / static_cast<double>(state.iterations());
}
void BM_Wire_Request1KiB_AbsentRepeated(benchmark::State& state) {
  run_repeated(state, *simulator(Ids::kWire), request_1kib(false));
}
void BM_Wire_Request1KiB_ModeOffRepeated(benchmark::State& state) {
  run_repeated(state, *simulator(Ids::kSocketOnly), request_1kib(true));
}

BENCHMARK(BM_Wire_Request1KiB_ModeOffRepeated)
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_Wire_Request1KiB_AbsentRepeated)
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_Wire_Request1KiB_ModeOff)
    ->Iterations(100000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_Wire_Request1KiB_Absent)
    ->Iterations(100000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_Wire_Request1KiB_Bound)
    ->Iterations(100000)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  if (!clt::test::private_loopback_namespace(error)) {
    std::fprintf(stderr, "bench_bpf_wire: %s\n", error.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
