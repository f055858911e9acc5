// Wire-format core: decode of a 3-node and a full 6-node CLT trace, encode of
// the Hop-by-Hop header. Heap allocations are counted per iteration to show
// the decode path does none.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/encode.h"
#include "core/packet.h"
#include "support/counting_allocator.h"

namespace {

namespace core = clt::core;

// An Ethernet frame carrying a CLT trace of trace type 0xf60000 with `filled`
// of `slots` entries written, as a transit chain of stock kernels leaves it.
std::vector<std::uint8_t> make_frame(int slots, int filled) {
  core::HopByHopSpec spec;
  spec.trace_type = 0xf60000;
  spec.slots = static_cast<std::uint8_t>(slots);
  std::array<std::uint8_t, 256> hbh{};
  std::size_t len = 0;
  core::TraceId tid{};
  tid.fill(0x5a);
  core::SpanId sid{};
  sid.fill(0xa5);
  if (core::encode_hop_by_hop(spec, tid, sid, nullptr, hbh, len) != core::EncodeError::kOk)
    std::abort();
  std::vector<std::uint8_t> f(14 + 40 + len + 20, 0);
  f[12] = 0x86;
  f[13] = 0xdd;
  std::uint8_t* ip = f.data() + 14;
  ip[0] = 0x60;
  const std::size_t payload = len + 20;
  ip[4] = static_cast<std::uint8_t>(payload >> 8);
  ip[5] = static_cast<std::uint8_t>(payload);
  ip[7] = 64;
  std::memcpy(ip + 40, hbh.data(), len);
  ip[40] = 6;
  std::uint8_t* trace = ip + 40 + core::kHbhTraceHeaderOffset;
  for (int k = 1; k <= filled; ++k) {
    std::uint8_t rem = trace[3] & 0x7f;
    core::NodeData n;
    n.hop_limit = static_cast<std::uint8_t>(64 - k);
    n.id = static_cast<std::uint32_t>(k + 1);
    n.ingress_id = static_cast<std::uint16_t>(10 * k + 1);
    n.egress_id = static_cast<std::uint16_t>(10 * k + 2);
    n.timestamp_secs = 1700000000;
    n.timestamp_frac = static_cast<std::uint32_t>(k * 100);
    n.namespace_data = 0xa0000000u + static_cast<std::uint32_t>(k);
    core::encode_node(n, spec.trace_type, trace + 8 + rem * 4 - 24);
    trace[3] = static_cast<std::uint8_t>(rem - 6);
  }
  return f;
}

void decode(benchmark::State& state, int slots, int filled) {
  const auto frame = make_frame(slots, filled);
  const core::LayoutPolicy policy;
  auto packet = std::make_unique<core::DecodedPacket>();
  const std::uint64_t before = clt::testing::allocations();
  for (auto _ : state) {
    auto e = core::decode_packet(frame, core::LinkType::kEthernet, policy, *packet);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(packet->traces[0].nodes[0].id);
    if (packet->traces[0].node_count != filled) state.SkipWithError("wrong node count");
  }
  state.counters["traces/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs/trace"] = static_cast<double>(clt::testing::allocations() - before) /
                                   static_cast<double>(state.iterations());
}

void BM_Decode3NodeTrace(benchmark::State& s) {
  decode(s, 4, 3);
}
void BM_Decode6NodeFullTrace(benchmark::State& s) {
  decode(s, 6, 6);
}

void BM_EncodeHopByHop(benchmark::State& state) {
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 256> hbh{};
  core::TraceId tid{};
  core::SpanId sid{};
  core::NodeData own;
  own.id = 1;
  const std::uint64_t before = clt::testing::allocations();
  for (auto _ : state) {
    std::size_t len = 0;
    tid[15]++;
    auto e = core::encode_hop_by_hop(spec, tid, sid, &own, hbh, len);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(hbh.data());
  }
  state.counters["headers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs/header"] = static_cast<double>(clt::testing::allocations() - before) /
                                    static_cast<double>(state.iterations());
}

void BM_SetCltIds(benchmark::State& state) {
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 256> hbh{};
  std::size_t len = 0;
  core::TraceId tid{};
  core::SpanId sid{};
  if (core::encode_hop_by_hop(spec, tid, sid, nullptr, hbh, len) != core::EncodeError::kOk)
    std::abort();
  for (auto _ : state) {
    tid[15]++;
    core::set_clt_ids(std::span(hbh.data(), len), tid, sid);
    benchmark::DoNotOptimize(hbh.data());
  }
}

BENCHMARK(BM_Decode3NodeTrace);
BENCHMARK(BM_Decode6NodeFullTrace);
BENCHMARK(BM_EncodeHopByHop);
BENCHMARK(BM_SetCltIds);

}  // namespace

BENCHMARK_MAIN();
