// The capture thread's per-packet work (CapturePath: decode, record, pairing
// with the kernel event, queueing) must not touch the heap. Counts every
// operator new while that work runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "agent/agent_stats.h"
#include "agent/agent_test_support.h"
#include "agent/capture_path.h"
#include "agent/report_queue.h"
#include "agent/span_aggregator.h"
#include "agent/summary_queue.h"
#include "core/packet.h"
#include "support/counting_allocator.h"

namespace clt::agent {
namespace {

// IPv6 + Hop-by-Hop (PadN + IOAM option with CLT ids, athos's and porthos's
// entries filled, two free slots) + 8 bytes of payload.
std::vector<std::uint8_t> captured_packet(std::vector<std::uint8_t>& event_data) {
  core::HopByHopSpec spec;
  std::array<std::uint8_t, 256> hbh{};
  std::size_t len = 0;
  core::encode_hop_by_hop(spec, *core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"),
                          *core::parse_span_id("00f067aa0ba902b7"), nullptr, hbh, len);
  const auto nodes = test::filled({1, 2});
  std::uint8_t& remaining = hbh[core::kHbhTraceHeaderOffset + 3];
  const std::size_t data_at = core::kHbhTraceHeaderOffset + 8;
  remaining = static_cast<std::uint8_t>(remaining - nodes.size() / 4);
  std::copy(nodes.begin(), nodes.end(), hbh.begin() + static_cast<long>(data_at + remaining * 4u));
  hbh[0] = 17;
  std::vector<std::uint8_t> packet;
  packet.reserve(40 + len + 8);
  packet.resize(40, 0);
  packet[0] = 0x60;
  packet[5] = static_cast<std::uint8_t>(len + 8);
  packet[7] = 62;
  packet.insert(packet.end(), hbh.begin(), hbh.begin() + static_cast<long>(len));
  packet.resize(packet.size() + 8, 0);
  event_data = test::filled({1, 2, 3});
  return packet;
}

TEST(CapturePath, NoHeapAllocationPerPacket) {
  std::vector<std::uint8_t> event_data;
  const auto packet = captured_packet(event_data);
  ReportQueue queue(64);
  AgentStats stats({"test0"});
  const core::LayoutPolicy policy;
  CapturePath path({}, policy, queue, stats);
  auto decoded = std::make_unique<core::DecodedPacket>();
  ASSERT_EQ(core::decode_packet(packet, core::LinkType::kIpv6, policy, *decoded),
            core::DecodeError::kOk);
  const core::Trace& t = decoded->traces[0];
  const capture::IoamEvent event{t.namespace_id, t.node_len, t.trace_type, event_data};
  const capture::CapturedPacket captured{packet, static_cast<std::uint32_t>(packet.size()), 0, 0};
  std::uint64_t emitted_before = 0;

  const std::uint64_t before = clt::testing::allocations();
  for (std::uint64_t i = 0; i < 1000; ++i) {
    path.on_packet(0, captured, true, i);
    path.on_event(event, 0, 0, i);
    // Keep the queue from filling: the reporting thread's side.
    while (queue.peek_local()) {
      queue.advance_local();
      ++emitted_before;
    }
    queue.release_to_local();
  }
  EXPECT_EQ(clt::testing::allocations() - before, 0u);
  EXPECT_EQ(path.matcher_counters().matched, 1000u);
  EXPECT_EQ(emitted_before, 1000u);
  EXPECT_EQ(stats.reports_dropped_queue_full.get(), 0u);
}

// Summary mode (--report summaries): each packet goes to the span aggregator,
// spans of 10 packets are flushed when quiet into the summary queue, which
// the reporting thread's side drains. Once every slot was used once (warm),
// no packet, flush or queue push allocates.
TEST(CapturePath, NoHeapAllocationPerPacketInSummaryMode) {
  std::vector<std::uint8_t> event_data;
  auto packet = captured_packet(event_data);
  ReportQueue queue(64);
  SummaryQueue summaries(8);
  AgentStats stats({"test0"});
  const core::LayoutPolicy policy;
  AggregatorConfig config;
  config.max_pending_spans = 4;
  config.quiet_ns = 100;
  SpanAggregator aggregator(config, summaries, stats);
  CapturePath path({}, policy, queue, stats);
  path.aggregate_into(&aggregator, false);
  auto decoded = std::make_unique<core::DecodedPacket>();
  ASSERT_EQ(core::decode_packet(packet, core::LinkType::kIpv6, policy, *decoded),
            core::DecodeError::kOk);
  const core::Trace& t = decoded->traces[0];
  const capture::IoamEvent event{t.namespace_id, t.node_len, t.trace_type, event_data};
  // The span id's last byte, inside the Hop-by-Hop option's CLT ids.
  const std::array<std::uint8_t, 8> span_id = *core::parse_span_id("00f067aa0ba902b7");
  const auto at = std::search(packet.begin(), packet.end(), span_id.begin(), span_id.end());
  ASSERT_NE(at, packet.end());
  const auto span_byte = static_cast<std::size_t>(at - packet.begin()) + 7;
  std::uint64_t now = 0;
  std::uint64_t drained = 0;
  auto run = [&](std::uint64_t packets) {
    for (std::uint64_t i = 0; i < packets; ++i) {
      if (i % 10 == 0) {
        ++packet[span_byte];
        now += 1000;  // the previous span is quiet by now
        path.expire(now);
      }
      const capture::CapturedPacket captured{packet, static_cast<std::uint32_t>(packet.size()), 0,
                                             0};
      path.on_packet(0, captured, true, ++now);
      path.on_event(event, 0, 0, now);
      std::size_t n = 0;
      while (summaries.peek(n)) ++n;
      summaries.release(n);
      drained += n;
    }
  };
  run(200);  // warm: every slot of both queues used once
  const std::uint64_t flushed_before = drained;
  const std::uint64_t before = clt::testing::allocations();
  run(1000);
  EXPECT_EQ(clt::testing::allocations() - before, 0u);
  EXPECT_EQ(drained - flushed_before, 100u);
  EXPECT_EQ(stats.packets_aggregated.get(), 1200u);
  EXPECT_EQ(stats.summaries_dropped_queue_full.get(), 0u);
  EXPECT_EQ(stats.reports_queued_total.get(), 0u);
}

}  // namespace
}  // namespace clt::agent
