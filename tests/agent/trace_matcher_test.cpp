#include "agent/trace_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "agent/agent_test_support.h"
#include "core/trace_type.h"

namespace clt::agent {
namespace {

using test::filled;
using test::kType;

struct RecordingSink : TraceSink {
  std::vector<TraceRecord> records;
  void emit(const TraceRecord& r) override { records.push_back(r); }
};

TraceRecord capture_record(const std::vector<std::uint8_t>& nodes, std::uint8_t span_byte = 1) {
  TraceRecord r;
  r.source = TraceSource::kCaptureOnly;
  r.namespace_id = 123;
  r.node_len = 6;
  r.trace_type = kType;
  r.layout = core::Layout::kClt;
  r.ids_intact = true;
  r.trace_id.fill(0xab);
  r.span_id.fill(span_byte);
  r.remaining_len = static_cast<std::uint8_t>(6 + 4 * 6 - nodes.size() / 4);
  std::copy(nodes.begin(), nodes.end(), r.node_bytes.begin());
  r.node_bytes_len = static_cast<std::uint16_t>(nodes.size());
  return r;
}

EventView event_view(const std::vector<std::uint8_t>& data) {
  return EventView{123, 6, kType, data};
}

std::vector<std::uint32_t> path_of(const TraceRecord& r) {
  auto trace = std::make_unique<core::Trace>();
  EXPECT_EQ(to_trace(r, *trace), core::DecodeError::kOk);
  std::vector<std::uint32_t> ids;
  for (std::size_t i = 0; i < trace->node_count; ++i) ids.push_back(trace->nodes[i].id);
  return ids;
}

TEST(TraceMatcher, PacketThenEventGivesEveryNodeWithTheIds) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  const auto capture = capture_record(filled({1, 2}));
  m.on_capture(capture, true, 1000);
  EXPECT_TRUE(sink.records.empty());
  const auto event = filled({1, 2, 3});
  m.on_event(event_view(event), core::Layout::kClt, 0, 0, 2000);
  ASSERT_EQ(sink.records.size(), 1u);
  const TraceRecord& r = sink.records[0];
  EXPECT_EQ(r.source, TraceSource::kCaptureAndEvent);
  EXPECT_TRUE(r.ids_intact);
  EXPECT_EQ(r.span_id, capture.span_id);
  EXPECT_EQ(r.remaining_len, capture.remaining_len - 6);
  EXPECT_EQ(path_of(r), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(m.counters().matched, 1u);
  EXPECT_EQ(m.pending_captures() + m.pending_events(), 0u);
}

TEST(TraceMatcher, EventThenPacketPairsToo) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  const auto event = filled({2, 3});
  m.on_event(event_view(event), core::Layout::kClt, 0, 0, 1000);
  EXPECT_TRUE(sink.records.empty());
  m.on_capture(capture_record(filled({2})), true, 1500);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].source, TraceSource::kCaptureAndEvent);
  EXPECT_EQ(path_of(sink.records[0]), (std::vector<std::uint32_t>{2, 3}));
}

TEST(TraceMatcher, UnrelatedPacketAndEventAreReportedAloneAfterTheWindow) {
  RecordingSink sink;
  MatcherConfig config;
  config.window_ns = 100;
  TraceMatcher m(config, sink);
  m.on_capture(capture_record(filled({1, 2})), true, 1000);
  const auto other = filled({5, 2, 3});  // different earlier node: not this packet
  m.on_event(event_view(other), core::Layout::kClt, 0, 0, 1000);
  m.expire(1050);
  EXPECT_TRUE(sink.records.empty());
  m.expire(1100);
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].source, TraceSource::kCaptureOnly);
  EXPECT_EQ(path_of(sink.records[0]), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(sink.records[1].source, TraceSource::kEventOnly);
  EXPECT_FALSE(sink.records[1].ids_intact);
  EXPECT_EQ(path_of(sink.records[1]), (std::vector<std::uint32_t>{5, 2, 3}));
  EXPECT_EQ(m.counters().capture_only, 1u);
  EXPECT_EQ(m.counters().event_only, 1u);
}

TEST(TraceMatcher, DifferentNamespaceOrTypeNeverPairs) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  m.on_capture(capture_record(filled({1})), true, 0);
  const auto event = filled({1, 3});
  m.on_event(EventView{124, 6, kType, event}, core::Layout::kClt, 0, 0, 0);
  m.on_event(EventView{123, 6, kType | core::trace_bits::kTransitDelay, event}, core::Layout::kClt,
             0, 0, 0);
  EXPECT_TRUE(sink.records.empty());
  m.flush();
  EXPECT_EQ(sink.records.size(), 3u);
  EXPECT_EQ(m.counters().matched, 0u);
}

TEST(TraceMatcher, IdenticalPacketsPairInArrivalOrder) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  m.on_capture(capture_record(filled({1, 2}), 1), true, 0);
  m.on_capture(capture_record(filled({1, 2}), 2), true, 1);
  const auto event = filled({1, 2, 3});
  m.on_event(event_view(event), core::Layout::kClt, 0, 0, 2);
  m.on_event(event_view(event), core::Layout::kClt, 0, 0, 3);
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].span_id[0], 1);
  EXPECT_EQ(sink.records[1].span_id[0], 2);
}

TEST(TraceMatcher, NoEventExpectedReportsAtOnce) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  m.on_capture(capture_record(filled({1, 2})), false, 0);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].source, TraceSource::kCaptureOnly);
}

TEST(TraceMatcher, FullNodeRaisesOverflowAndStillPairs) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  auto capture = capture_record(filled({1, 2, 3, 4}));
  capture.remaining_len = 0;  // ids already overwritten, no slot left
  capture.ids_intact = false;
  m.on_capture(capture, true, 0);
  const auto event = filled({1, 2, 3, 4});  // the node could not add its entry
  m.on_event(event_view(event), core::Layout::kClt, 0, 0, 1);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].source, TraceSource::kCaptureAndEvent);
  EXPECT_TRUE(sink.records[0].flags.overflow);
  EXPECT_EQ(path_of(sink.records[0]).size(), 4u);
}

TEST(TraceMatcher, FullTableEvictsTheOldestAndCountsIt) {
  RecordingSink sink;
  MatcherConfig config;
  config.capacity = 2;
  TraceMatcher m(config, sink);
  for (std::uint8_t i = 1; i <= 3; ++i) m.on_capture(capture_record(filled({1}), i), true, i);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].span_id[0], 1);
  EXPECT_EQ(m.counters().evicted, 1u);
  EXPECT_EQ(m.pending_captures(), 2u);
}

TEST(TraceMatcher, PairingOutOfOrderLeavesTheRestPending) {
  RecordingSink sink;
  TraceMatcher m({}, sink);
  m.on_capture(capture_record(filled({1}), 1), true, 0);
  m.on_capture(capture_record(filled({1, 2}), 2), true, 0);
  const auto second = filled({1, 2, 3});
  m.on_event(event_view(second), core::Layout::kClt, 0, 0, 0);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].span_id[0], 2);
  EXPECT_EQ(m.pending_captures(), 1u);
  const auto first = filled({1, 3});
  m.on_event(event_view(first), core::Layout::kClt, 0, 0, 0);
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[1].span_id[0], 1);
  EXPECT_EQ(m.pending_captures(), 0u);
}

TEST(TraceMatcher, LocalEntryIncludesTheOpaqueSnapshot) {
  std::vector<std::uint8_t> data(6 * 4 + 4 + 8 + 24, 0);
  data[24] = 2;  // two words of opaque data
  EXPECT_EQ(local_entry_bytes(data, kType | core::trace_bits::kOpaqueStateSnapshot, 6), 36u);
  EXPECT_EQ(local_entry_bytes(data, kType, 6), 24u);
  EXPECT_EQ(local_entry_bytes(std::span(data).first(10), kType, 6), 10u);
}

}  // namespace
}  // namespace clt::agent
