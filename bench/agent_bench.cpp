// Per-core cost of the agent's per-packet work, without I/O: decoding a
// captured CLT packet, pairing it with its kernel event, and turning the
// result into the ioam_api.IOAMTrace message (and its wire bytes).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent_stats.h"
#include "agent/capture_path.h"
#include "agent/report_queue.h"
#include "agent/span_aggregator.h"
#include "agent/summary_queue.h"
#include "agent/trace_record.h"
#include "aggregate/summary_proto.h"
#include "core/encode.h"
#include "core/packet.h"
#include "ioam_api/trace_mapping.h"

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

struct EventFields {
  std::uint16_t namespace_id;
  std::uint8_t node_len;
  std::uint32_t trace_type;
};

// What the kernel's event for the sample says about its trace.
EventFields event_fields(const Sample& s) {
  auto decoded = std::make_unique<core::DecodedPacket>();
  core::decode_packet(s.packet, core::LinkType::kIpv6, core::LayoutPolicy{}, *decoded);
  const core::Trace& t = decoded->traces[0];
  return {t.namespace_id, t.node_len, t.trace_type};
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

// One packet and its kernel event through the path per iteration, the
// reporter's side of the queue drained alongside.
void pair_each_iteration(benchmark::State& state, const Sample& s, agent::CapturePath& path,
                         agent::ReportQueue& queue) {
  const EventFields fields = event_fields(s);
  const capture::IoamEvent event{fields.namespace_id, fields.node_len, fields.trace_type,
                                 s.event_data};
  const capture::CapturedPacket packet{s.packet, static_cast<std::uint32_t>(s.packet.size()), 0, 0};
  std::uint64_t now = 0;
  for (auto _ : state) {
    path.on_packet(0, packet, true, ++now);
    path.on_event(event, 0, 0, now);
    while (queue.peek_local()) queue.advance_local();
    queue.release_to_local();
  }
}

// The capture thread's whole per-packet work, as the agent runs it
// (CapturePath): decode, build the record, pair it with the kernel event,
// queue the result; the reporter's side of the queue is drained alongside.
void BM_DecodeAndPairWithEvent(benchmark::State& state) {
  const Sample s = make_sample();
  const core::LayoutPolicy policy;
  agent::ReportQueue queue(1024);
  agent::AgentStats stats({"bench0"});
  agent::CapturePath path({}, policy, queue, stats);
  pair_each_iteration(state, s, path, queue);
  if (stats.reports_queued_total.get() != static_cast<std::uint64_t>(state.iterations()) ||
      path.matcher_counters().matched != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("packets did not pair");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndPairWithEvent);

// The same with the request/response decision (DirectionClassifier), on a TCP
// packet to a port this node listens on, among 8 local addresses (the packet's
// the last): arg 1. Arg 0, beside it in the same run, without the decision.
void BM_DecodeAndPairWithDirection(benchmark::State& state) {
  Sample s = make_sample();
  s.packet[40] = 6;     // TCP after the Hop-by-Hop header
  s.packet[24] = 0xfd;  // destination fd00::2
  s.packet[39] = 2;
  const std::size_t transport = 40 + (std::size_t{s.packet[41]} + 1) * 8;
  s.packet[transport + 2] = 8080 >> 8;
  s.packet[transport + 3] = 8080 & 0xff;
  const core::LayoutPolicy policy;
  agent::ReportQueue queue(1024);
  agent::AgentStats stats({"bench0"});
  agent::CapturePath path({}, policy, queue, stats);
  agent::DirectionClassifier classifier([](agent::LocalSockets& out, std::string&) {
    out.clear();
    out.listening_tcp.set(8080);
    for (std::uint8_t i = 0; i < 8; ++i) {
      core::Ipv6Address a{};
      a[0] = 0xfd;
      a[15] = static_cast<std::uint8_t>(i == 7 ? 2 : 100 + i);
      out.addresses.push_back(a);
    }
    return true;
  });
  if (state.range(0)) path.classify_with(&classifier);
  pair_each_iteration(state, s, path, queue);
  if (path.matcher_counters().matched != static_cast<std::uint64_t>(state.iterations()) ||
      (state.range(0) &&
       classifier.counters().requests != static_cast<std::uint64_t>(state.iterations())))
    state.SkipWithError("packets did not pair, or were not classified as requests");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndPairWithDirection)->Arg(0)->Arg(1)->ArgName("direction");

// Summary mode (--report summaries), as the agent runs it: CapturePath
// decodes and pairs each packet, the SpanAggregator adds it to its span's
// aggregate; a new span every packets_per_span packets, the previous one
// flushed when quiet into the summary queue, which is drained alongside. With
// encode=1 the reporting thread's per-summary work is included: the clt.v1
// SpanSummary message and its wire bytes. Items: packets.
void BM_CaptureToAggregate(benchmark::State& state) {
  Sample s = make_sample();
  const auto span_id = *core::parse_span_id("00f067aa0ba902b7");
  const auto at = std::search(s.packet.begin(), s.packet.end(), span_id.begin(), span_id.end());
  const std::size_t span_byte = static_cast<std::size_t>(at - s.packet.begin()) + 7;
  const auto per_span = static_cast<std::uint64_t>(state.range(0));
  const bool encode = state.range(1) != 0;
  const core::LayoutPolicy policy;
  agent::ReportQueue queue(16);
  agent::SummaryQueue summaries(1024);
  agent::AgentStats stats({"bench0"});
  agent::AggregatorConfig config;  // the agent's defaults
  agent::SpanAggregator aggregator(config, summaries, stats);
  agent::CapturePath path({}, policy, queue, stats);
  path.aggregate_into(&aggregator, false);
  const EventFields fields = event_fields(s);
  const capture::IoamEvent event{fields.namespace_id, fields.node_len, fields.trace_type,
                                 s.event_data};
  clt::v1::SpanSummary message;
  std::string wire;
  std::uint64_t now = 0, i = 0, summaries_out = 0;
  for (auto _ : state) {
    if (i++ % per_span == 0) {
      ++s.packet[span_byte];
      ++s.packet[span_byte - 1];
      now += config.quiet_ns;  // the previous span is quiet
      path.expire(now);
      std::size_t n = 0;
      for (const agent::SpanSummaryRecord* r; (r = summaries.peek(n)); ++n) {
        if (!encode) continue;
        aggregate::encode_summary(r->aggregate, message);
        message.SerializeToString(&wire);
      }
      summaries.release(n);
      summaries_out += n;
    }
    const capture::CapturedPacket packet{s.packet, static_cast<std::uint32_t>(s.packet.size()), 0,
                                         0};
    path.on_packet(0, packet, true, ++now);
    path.on_event(event, 0, 0, now);
  }
  if (stats.packets_aggregated.get() != static_cast<std::uint64_t>(state.iterations()) ||
      stats.summaries_dropped_queue_full.get() != 0)
    state.SkipWithError("packets not aggregated");
  state.counters["summaries"] = static_cast<double>(summaries_out);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CaptureToAggregate)
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({100, 0})
    ->ArgNames({"packets_per_span", "encode"});

// One paired record, as CapturePath queues it.
agent::TraceRecord paired_record() {
  const Sample s = make_sample();
  agent::ReportQueue queue(4);
  agent::AgentStats stats({"bench0"});
  agent::CapturePath path({}, core::LayoutPolicy{}, queue, stats);
  const EventFields fields = event_fields(s);
  path.on_packet(0, {s.packet, static_cast<std::uint32_t>(s.packet.size()), 0, 0}, true, 1);
  path.on_event({fields.namespace_id, fields.node_len, fields.trace_type, s.event_data}, 0, 0, 1);
  const agent::TraceRecord* record = queue.peek_local();
  return record ? *record : agent::TraceRecord{};
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
    ioam_api_mapping::encode_ioam_trace(*trace, message);
    if (serialize) message.SerializeToString(&wire);
    benchmark::DoNotOptimize(message);
  }
  if (message.nodes_size() != 3) state.SkipWithError("expected three nodes");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeIoamTrace)->Arg(0)->Arg(1)->ArgName("serialize");

}  // namespace

BENCHMARK_MAIN();
