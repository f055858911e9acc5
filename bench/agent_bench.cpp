// Per-core cost of the agent's per-packet work, without I/O: decoding a
// captured CLT packet, pairing it with its kernel event, and turning the
// result into the ioam_api.IOAMTrace message (and its wire bytes).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <vector>

#include "agent/ioam_api_encode.h"
#include "agent/trace_matcher.h"
#include "agent/trace_record.h"
#include "core/encode.h"
#include "core/packet.h"

namespace {

using namespace clt;

constexpr std::uint32_t kType = 0xf60000;

core::NodeData node(std::uint32_t id) {
  core::NodeData n;
  n.hop_limit = static_cast<std::uint8_t>(65 - id);
  n.id = id;
  n.ingress_id = static_cast<std::uint16_t>(10 * id + 1);
  n.egress_id = static_cast<std::uint16_t>(10 * id + 2);
  n.timestamp_secs = 1'700'000'000;
  n.timestamp_frac = 123456;
  n.namespace_data = 0xa0000000 + id;
  return n;
}

// An IPv6 packet as the agent on aramis captures it: athos's and porthos's
// entries filled, two free slots, CLT ids.
struct Sample {
  std::vector<std::uint8_t> packet;
  std::vector<std::uint8_t> event_data;  // what the kernel's event then carries
};

Sample make_sample() {
  core::HopByHopSpec spec;
  auto trace_id = *core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  auto span_id = *core::parse_span_id("00f067aa0ba902b7");
  std::array<std::uint8_t, 256> hbh{};
  std::size_t len = 0;
  const auto athos = node(1);
  core::encode_hop_by_hop(spec, trace_id, span_id, &athos, hbh, len);
  // porthos fills the next slot from the end, as the kernel does.
  const std::size_t node_bytes = core::node_len_for(kType) * 4u;
  std::uint8_t& remaining = hbh[core::kHbhTraceHeaderOffset + 3];
  const std::size_t data_at = core::kHbhTraceHeaderOffset + 8;
  core::encode_node(node(2), kType, &hbh[data_at + (remaining & 0x7f) * 4u - node_bytes]);
  remaining = static_cast<std::uint8_t>(remaining - node_bytes / 4);
  hbh[0] = 17;
  Sample s;
  s.packet.assign(40, 0);
  s.packet[0] = 0x60;
  const std::size_t payload = len + 16;
  s.packet[4] = static_cast<std::uint8_t>(payload >> 8);
  s.packet[5] = static_cast<std::uint8_t>(payload);
  s.packet[6] = 0;
  s.packet[7] = 62;
  s.packet.insert(s.packet.end(), hbh.begin(), hbh.begin() + static_cast<long>(len));
  s.packet.resize(s.packet.size() + 16, 0);
  const std::size_t filled_at = data_at + (remaining & 0x7f) * 4u;
  std::vector<std::uint8_t> aramis(node_bytes);
  core::encode_node(node(3), kType, aramis.data());
  s.event_data = aramis;
  s.event_data.insert(s.event_data.end(), hbh.begin() + static_cast<long>(filled_at),
                      hbh.begin() + static_cast<long>(len));
  return s;
}

void BM_DecodeCapturedPacket(benchmark::State& state) {
  const Sample s = make_sample();
  const core::LayoutPolicy policy;
  auto decoded = std::make_unique<core::DecodedPacket>();
  for (auto _ : state) {
    auto e = core::decode_packet(s.packet, core::LinkType::kIpv6, policy, *decoded);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(decoded->traces[0].node_count);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeCapturedPacket);

struct CountingSink : agent::TraceSink {
  std::uint64_t count = 0;
  void emit(const agent::TraceRecord&) override { ++count; }
};

// The capture thread's whole per-packet work: decode, build the record, pair
// it with the kernel event.
void BM_DecodeAndPairWithEvent(benchmark::State& state) {
  const Sample s = make_sample();
  const core::LayoutPolicy policy;
  auto decoded = std::make_unique<core::DecodedPacket>();
  CountingSink sink;
  agent::TraceMatcher matcher({}, sink);
  agent::TraceRecord record;
  std::uint64_t now = 0;
  for (auto _ : state) {
    core::decode_packet(s.packet, core::LinkType::kIpv6, policy, *decoded);
    const core::Trace& t = decoded->traces[0];
    record.namespace_id = t.namespace_id;
    record.node_len = t.node_len;
    record.trace_type = t.trace_type;
    record.remaining_len = t.remaining_len;
    record.ids_intact = t.ids_intact;
    record.trace_id = t.trace_id;
    record.span_id = t.span_id;
    const auto filled = t.option.subspan(12 + std::size_t{t.remaining_len} * 4);
    std::copy(filled.begin(), filled.end(), record.node_bytes.begin());
    record.node_bytes_len = static_cast<std::uint16_t>(filled.size());
    matcher.on_capture(record, true, ++now);
    matcher.on_event({t.namespace_id, t.node_len, t.trace_type, s.event_data}, core::Layout::kClt,
                     0, 0, now);
  }
  if (sink.count != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("packets did not pair");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndPairWithEvent);

agent::TraceRecord paired_record() {
  const Sample s = make_sample();
  struct Keep : agent::TraceSink {
    agent::TraceRecord last;
    void emit(const agent::TraceRecord& r) override { last = r; }
  } keep;
  agent::TraceMatcher matcher({}, keep);
  auto decoded = std::make_unique<core::DecodedPacket>();
  core::decode_packet(s.packet, core::LinkType::kIpv6, core::LayoutPolicy{}, *decoded);
  const core::Trace& t = decoded->traces[0];
  agent::TraceRecord r;
  r.namespace_id = t.namespace_id;
  r.node_len = t.node_len;
  r.trace_type = t.trace_type;
  r.ids_intact = true;
  r.trace_id = t.trace_id;
  r.span_id = t.span_id;
  const auto filled = t.option.subspan(12 + std::size_t{t.remaining_len} * 4);
  std::copy(filled.begin(), filled.end(), r.node_bytes.begin());
  r.node_bytes_len = static_cast<std::uint16_t>(filled.size());
  matcher.on_capture(r, true, 1);
  matcher.on_event({t.namespace_id, t.node_len, t.trace_type, s.event_data}, core::Layout::kClt, 0,
                   0, 1);
  return keep.last;
}

// The reporting thread's per-trace work before gRPC: record -> trace ->
// IOAMTrace message (reused), and with the protobuf wire encoding.
void BM_EncodeIoamTrace(benchmark::State& state) {
  const agent::TraceRecord record = paired_record();
  auto trace = std::make_unique<core::Trace>();
  ioam_api::IOAMTrace message;
  std::string wire;
  const bool serialize = state.range(0) != 0;
  for (auto _ : state) {
    agent::to_trace(record, *trace);
    agent::encode_ioam_trace(*trace, message);
    if (serialize) message.SerializeToString(&wire);
    benchmark::DoNotOptimize(message);
  }
  if (message.nodes_size() != 3) state.SkipWithError("expected three nodes");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeIoamTrace)->Arg(0)->Arg(1)->ArgName("serialize");

}  // namespace

BENCHMARK_MAIN();
