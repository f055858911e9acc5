#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "collector/ingest/ingest_queue.h"
#include "collector/joiner.h"
#include "collector/model/network_spans.h"
#include "collector/model/network_summary.h"
#include "collector_test_util.h"

namespace clt::collector {
namespace {

using testing::make_report;
using testing::NodeSpec;

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kSpan = "b7ad6b7169203331";

struct Packets {
  JoinKey key;
  std::vector<PacketMeta> metas;
  std::vector<HopSample> hops;
  void add(const ioam_api::IOAMTrace& r, std::int64_t received = 1) {
    PacketMeta m;
    std::string error;
    ASSERT_TRUE(read_report(r, received, key, m, hops, error)) << error;
    metas.push_back(m);
  }
};

NodeNames three_names() {
  NodeNames n;
  n.set(1, "athos");
  n.set(2, "porthos");
  n.set(3, "aramis");
  return n;
}

TEST(IoamTimestamp, SecondsPlusMicrosecondFraction) {
  EXPECT_EQ(ioam_timestamp_us(true, 10, true, 250), 10'000'250);
  EXPECT_EQ(ioam_timestamp_us(true, 10, false, 0), 10'000'000);
  EXPECT_EQ(ioam_timestamp_us(false, 10, true, 5), -1);
  EXPECT_EQ(ioam_timestamp_us(true, 0xffffffffu, true, 5), -1);  // unavailable
  EXPECT_EQ(ioam_timestamp_us(true, 10, true, 1'000'000), -1);   // not a microsecond fraction
}

TEST(Median, OddEvenAndNegative) {
  std::vector<std::int64_t> a{5, 1, 3};
  EXPECT_EQ(median(a), 3);
  std::vector<std::int64_t> b{4, 1, 3, 2};
  EXPECT_EQ(median(b), 2);  // (2+3)/2 rounded down
  std::vector<std::int64_t> c{-4, -2};
  EXPECT_EQ(median(c), -3);
}

TEST(ReadReport, DecodesIdsAndFields) {
  Packets p;
  p.add(make_report(kTrace, kSpan, {{1, 100, 10, 0}, {2, 100, 60, 7}}));
  EXPECT_EQ(core::to_hex(p.key.trace_id), kTrace);
  EXPECT_EQ(core::to_hex(p.key.span_id), kSpan);
  ASSERT_EQ(p.metas.size(), 1u);
  EXPECT_EQ(p.metas[0].trace_type, 0xf60000u);
  EXPECT_EQ(p.metas[0].namespace_id, 123);
  ASSERT_EQ(p.hops.size(), 2u);
  EXPECT_EQ(p.hops[1].node_id, 2u);
  EXPECT_EQ(p.hops[1].timestamp_us, 100'000'060);
  EXPECT_EQ(p.hops[1].queue_depth, 7u);
  EXPECT_EQ(p.hops[1].ingress_id, 21u);
  EXPECT_EQ(p.hops[1].namespace_data, 0xa0000002u);
}

TEST(ReadReport, RefusesTooManyNodes) {
  std::vector<NodeSpec> nodes(65, NodeSpec{1, 1, 1});
  auto r = make_report(kTrace, kSpan, nodes);
  JoinKey k;
  PacketMeta m;
  std::vector<HopSample> hops;
  std::string error;
  EXPECT_FALSE(read_report(r, 0, k, m, hops, error));
  EXPECT_NE(error.find("64"), std::string::npos);
  EXPECT_TRUE(hops.empty());
}

TEST(Summarize, MedianDelaysMaxQueueAndSlowestHop) {
  Packets p;
  // athos -> porthos -> aramis; porthos link delays 250, 150, 400 (median 250),
  // aramis link delays 50, 60, 70 (median 60).
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 250, 3}, {3, 100, 300}}));
  p.add(make_report(kTrace, kSpan, {{1, 100, 1000}, {2, 100, 1150, 9}, {3, 100, 1210}}));
  p.add(make_report(kTrace, kSpan, {{1, 100, 2000}, {2, 100, 2400, 1}, {3, 100, 2470}}));
  const NodeNames names = three_names();
  NetworkSummary s = summarize(p.key, p.metas, p.hops, names);
  EXPECT_EQ(s.packets, 3u);
  EXPECT_EQ(s.path, "athos > porthos > aramis");
  ASSERT_EQ(s.hops.size(), 3u);
  EXPECT_FALSE(s.hops[0].delay_us.has_value());
  EXPECT_EQ(*s.hops[1].delay_us, 250);
  EXPECT_EQ(*s.hops[2].delay_us, 60);
  EXPECT_EQ(*s.hops[1].queue_depth_max, 9u);
  EXPECT_EQ(*s.slowest_hop, "porthos");
  EXPECT_EQ(*s.slowest_hop_delay_us, 250);
  EXPECT_EQ(s.start_us, 100'000'000);
  EXPECT_EQ(s.duration_us, 2470);
  EXPECT_EQ(s.hops[2].name, "aramis");
  EXPECT_EQ(*s.hops[2].namespace_data_hex, "a0000003");
  EXPECT_EQ(s.hops[0].packets, 3u);
}

TEST(Summarize, SenderStampedOnceUsesTheEarliestPacket) {
  Packets p;
  // athos stamps its own entry once per span (socket-level CLT): its
  // timestamp is the same on every packet, so later packets look slower on
  // athos > porthos. The link's delay is the first packet's: 40 us.
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 40}, {3, 100, 45}}));
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 5000}, {3, 100, 5006}}));
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 9000}, {3, 100, 9007}}));
  NetworkSummary s = summarize(p.key, p.metas, p.hops, three_names());
  ASSERT_EQ(s.hops.size(), 3u);
  EXPECT_EQ(*s.hops[1].delay_us, 40);
  EXPECT_EQ(*s.hops[2].delay_us, 6);  // porthos stamps every packet: the median
  EXPECT_EQ(*s.slowest_hop, "porthos");
}

TEST(Summarize, UnnamedNodesUseIds) {
  Packets p;
  p.add(make_report(kTrace, kSpan, {{7, 100, 0}, {9, 100, 10}}));
  NetworkSummary s = summarize(p.key, p.metas, p.hops, NodeNames{});
  EXPECT_EQ(s.path, "7 > 9");
  EXPECT_EQ(*s.slowest_hop, "9");
  EXPECT_TRUE(s.hops[1].name.empty());
}

TEST(Summarize, NoTimestampsFallsBackToReceiveTime) {
  ioam_api::IOAMTrace r = make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 10}});
  r.set_bitfield(0xc00000u << 8);  // hop limit + id, interfaces only
  Packets p;
  p.add(r, 5'000'000);
  NetworkSummary s = summarize(p.key, p.metas, p.hops, NodeNames{});
  EXPECT_EQ(s.start_us, 5'000'000);
  EXPECT_FALSE(s.hops[1].delay_us.has_value());
  EXPECT_FALSE(s.slowest_hop.has_value());
  EXPECT_FALSE(s.hops[1].queue_depth_max.has_value());
}

TEST(NetworkSpans, TagsAndParentage) {
  Packets p;
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 250, 3}, {3, 100, 300}}));
  NetworkSummary s = summarize(p.key, p.metas, p.hops, three_names());
  std::vector<JaegerSpan> rows;
  append_network_spans(s, rows);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].operation, "network path");
  EXPECT_EQ(rows[0].service, "ioam");
  EXPECT_EQ(core::to_hex(rows[0].parent_id), kSpan);
  EXPECT_EQ(rows[2].operation, "hop 2 porthos");
  EXPECT_EQ(rows[2].parent_id, rows[0].span_id);
  auto tags = nlohmann::json::parse(rows[2].tags_json);
  std::map<std::string, nlohmann::json> by_key;
  for (auto& t : tags) by_key[t["key"]] = t["value"];
  EXPECT_EQ(by_key["ioam.kind"], "hop");
  EXPECT_EQ(by_key["ioam.hop"], 2);
  EXPECT_EQ(by_key["ioam.node_id"], 2);
  EXPECT_EQ(by_key["ioam.delay_us"], 250);
  EXPECT_EQ(by_key["ioam.queue_depth"], 3);
  EXPECT_EQ(by_key["ioam.namespace_data"], "a0000002");
  EXPECT_EQ(by_key["net.node.name"], "porthos");
  EXPECT_EQ(by_key["ioam.ingress_id"], 21);
  auto first = nlohmann::json::parse(rows[1].tags_json);
  for (auto& t : first) EXPECT_NE(t["key"], "ioam.delay_us");
  // Recomputing gives the same ids: a summary rewrite replaces its spans.
  std::vector<JaegerSpan> again;
  append_network_spans(s, again);
  EXPECT_EQ(again[3].span_id, rows[3].span_id);
}

TEST(NetworkSpans, SummaryJsonRoundTrip) {
  Packets p;
  p.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 250, 3}}));
  NetworkSummary s = summarize(p.key, p.metas, p.hops, three_names());
  NetworkSummary back;
  ASSERT_TRUE(summary_from_json(summary_to_json(s), back));
  EXPECT_EQ(back.key, s.key);
  EXPECT_EQ(back.path, s.path);
  ASSERT_EQ(back.hops.size(), 2u);
  EXPECT_EQ(back.hops[1].delay_us, s.hops[1].delay_us);
  EXPECT_EQ(back.hops[1].name, "porthos");
  EXPECT_FALSE(summary_from_json("{not json", back));
}

TEST(Joiner, GroupsBySpanAndIdLessBySyntheticKey) {
  Joiner j(JoinOptions{100, 1000, 10});
  auto add = [&](const ioam_api::IOAMTrace& r, std::int64_t t) {
    JoinKey k;
    PacketMeta m;
    std::vector<HopSample> hops;
    std::string e;
    read_report(r, t, k, m, hops, e);
    j.add(k, m, hops, r.SerializeAsString());
  };
  add(make_report(kTrace, kSpan, {{1, 1, 0}}), 10);
  add(make_report(kTrace, kSpan, {{1, 1, 5}}), 20);
  add(make_report(kTrace, "00000000000000aa", {{1, 1, 0}}), 20);
  add(make_report("00000000000000000000000000000000", "0000000000000000", {{1, 1, 0}}), 30);
  EXPECT_EQ(j.size(), 3u);
  int stored = 0;
  j.drain_batch([&](const JoinKey& k, PendingSpan& p) {
    ++stored;
    EXPECT_TRUE(k.has_ids());
    if (p.ids_lost) {
      EXPECT_EQ(p.batch_count, 1u);
    }
  });
  EXPECT_EQ(stored, 3);
  std::vector<JoinKey> due;
  j.due(125, due);  // quiet for 100 us: the first two keys
  EXPECT_EQ(due.size(), 2u);
  due.clear();
  j.due(10'000, due);
  EXPECT_EQ(due.size(), 3u);
}

// A request and its response carry the same ids: the report's Direction
// (clt's field 1000) keeps them apart, one network span each, tagged, each
// with its hops in its own path order.
TEST(Directions, RequestAndResponseGiveTwoNetworkSpans) {
  Packets request, response;
  request.add(make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 250}, {3, 100, 300}}));
  ioam_api::IOAMTrace back = make_report(kTrace, kSpan, {{3, 200, 0}, {2, 200, 40}, {1, 200, 90}});
  back.set_direction(ioam_api::CLT_DIRECTION_RESPONSE);
  response.add(back);
  EXPECT_EQ(request.key.direction, core::Direction::kRequest) << "no field: a request";
  EXPECT_EQ(response.key.direction, core::Direction::kResponse);
  EXPECT_NE(request.key, response.key);
  EXPECT_NE(JoinKeyHash{}(request.key), JoinKeyHash{}(response.key));

  std::vector<JaegerSpan> rows;
  append_network_spans(summarize(request.key, request.metas, request.hops, three_names()), rows);
  append_network_spans(summarize(response.key, response.metas, response.hops, three_names()), rows);
  ASSERT_EQ(rows.size(), 8u);
  auto tag = [](const JaegerSpan& row, const char* key) {
    for (auto& t : nlohmann::json::parse(row.tags_json))
      if (t["key"] == key) return t["value"];
    return nlohmann::json();
  };
  EXPECT_EQ(tag(rows[0], "ioam.direction"), "request");
  EXPECT_EQ(tag(rows[0], "ioam.path"), "athos > porthos > aramis");
  EXPECT_EQ(tag(rows[4], "ioam.direction"), "response");
  EXPECT_EQ(tag(rows[4], "ioam.path"), "aramis > porthos > athos");
  EXPECT_EQ(rows[5].operation, "hop 1 aramis");
  EXPECT_EQ(rows[7].operation, "hop 3 athos");
  EXPECT_EQ(tag(rows[7], "ioam.direction"), "response");
  // Both children of the client span, with ids of their own.
  EXPECT_EQ(rows[0].parent_id, rows[4].parent_id);
  EXPECT_NE(rows[0].span_id, rows[4].span_id);
  EXPECT_NE(rows[1].span_id, rows[5].span_id);
  // A request's network span keeps the id it had before directions existed.
  JoinKey plain{request.key.trace_id, request.key.span_id};
  EXPECT_EQ(network_span_id(plain), rows[0].span_id);
}

TEST(Directions, SummaryJsonKeepsTheDirectionAndOldSummariesAreRequests) {
  Packets p;
  ioam_api::IOAMTrace back = make_report(kTrace, kSpan, {{3, 100, 0}, {2, 100, 250}});
  back.set_direction(ioam_api::CLT_DIRECTION_RESPONSE);
  p.add(back);
  NetworkSummary s = summarize(p.key, p.metas, p.hops, three_names());
  NetworkSummary again;
  ASSERT_TRUE(summary_from_json(summary_to_json(s), again));
  EXPECT_EQ(again.key.direction, core::Direction::kResponse);
  std::string old = summary_to_json(s);
  const auto at = old.find("\"direction\":\"response\",");
  ASSERT_NE(at, std::string::npos) << old;
  old.erase(at, std::strlen("\"direction\":\"response\","));
  ASSERT_TRUE(summary_from_json(old, again));
  EXPECT_EQ(again.key.direction, core::Direction::kRequest);
  std::string odd = summary_to_json(s);
  odd.replace(odd.find("response"), 8, "sideways");
  EXPECT_FALSE(summary_from_json(odd, again));
}

TEST(Directions, TheJoinGroupsEachDirectionApart) {
  Joiner j(JoinOptions{100, 1000, 10});
  for (auto direction : {ioam_api::CLT_DIRECTION_REQUEST, ioam_api::CLT_DIRECTION_RESPONSE}) {
    for (const char* trace : {kTrace, "00000000000000000000000000000000"}) {
      ioam_api::IOAMTrace r = make_report(
          trace, core::is_zero(*core::parse_trace_id(trace)) ? "0000000000000000" : kSpan,
          {{1, 1, 0}});
      r.set_direction(direction);
      JoinKey k;
      PacketMeta m;
      std::vector<HopSample> hops;
      std::string e;
      ASSERT_TRUE(read_report(r, 10, k, m, hops, e)) << e;
      j.add(k, m, hops, r.SerializeAsString());
    }
  }
  EXPECT_EQ(j.size(), 4u) << "ids and id-less groups, each direction apart";
  int responses = 0;
  j.drain_batch([&](const JoinKey& k, PendingSpan&) {
    responses += k.direction == core::Direction::kResponse;
  });
  EXPECT_EQ(responses, 2);
}

// A batch that could not be stored leaves the join: only stored packets
// are summarized.
TEST(Joiner, AnAbortedBatchLeavesThePendingSpans) {
  Joiner j(JoinOptions{});
  auto add = [&](const ioam_api::IOAMTrace& r, std::int64_t t) {
    JoinKey k;
    PacketMeta m;
    std::vector<HopSample> hops;
    std::string e;
    read_report(r, t, k, m, hops, e);
    j.add(k, m, hops, r.SerializeAsString());
    return k;
  };
  const JoinKey kept = add(make_report(kTrace, kSpan, {{1, 1, 0}, {2, 1, 10}}), 10);
  j.end_batch();
  add(make_report(kTrace, kSpan, {{1, 1, 5}, {2, 1, 15}}), 20);
  add(make_report(kTrace, "00000000000000aa", {{1, 1, 0}}), 20);
  j.abort_batch();
  EXPECT_EQ(j.size(), 1u) << "the span only the aborted batch had is gone";
  const PendingSpan* p = j.find(kept);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->metas.size(), 1u);
  EXPECT_EQ(p->hops.size(), 2u);
  EXPECT_EQ(p->batch_count, 0u);
  EXPECT_TRUE(p->batch_raw.empty());
}

// The configuration file: node names, and what is wrong with a bad one,
// bounded (the fuzz target fuzz_collector_config runs the same function).
TEST(NodeNamesConfig, ReadsNamesAndSaysWhatIsWrong) {
  NodeNames names;
  std::string error;
  ASSERT_TRUE(names.load_text(R"({"node_names": {"1": "athos", "3": "aramis"}})", "c.json", error))
      << error;
  EXPECT_EQ(names.label(1), "athos");
  EXPECT_EQ(names.label(2), "2");
  EXPECT_FALSE(names.load_text("[1]", "c.json", error));
  EXPECT_EQ(error, "config file c.json is not a JSON object");
  EXPECT_FALSE(names.load_text(R"({"node_names": []})", "c.json", error));
  EXPECT_NE(error.find("node_names must be an object"), std::string::npos) << error;
  const std::string long_key(100'000, 'k');
  EXPECT_FALSE(names.load_text(R"({"node_names": {")" + long_key + R"(": "x"}})", "c.json", error));
  EXPECT_LT(error.size(), 200u) << "the key is quoted as an excerpt";
  EXPECT_NE(error.find("(100000 bytes)"), std::string::npos) << error;
  EXPECT_FALSE(names.load_text(R"({"node_names": {"16777216": "x"}})", "c.json", error));
  EXPECT_NE(error.find("'16777216' must map a node id"), std::string::npos) << error;
}

}  // namespace
}  // namespace clt::collector

namespace clt::collector {
namespace {

TEST(IngestQueue, RefusesWhenFullAndReportsCommitOutcomes) {
  Metrics metrics;
  IngestQueue q(256, metrics);
  auto report = make_report(kTrace, kSpan, {{1, 1, 0}, {2, 1, 5}});
  JoinKey key;
  PacketMeta meta;
  std::vector<HopSample> hops;
  std::string error, raw = report.SerializeAsString();
  ASSERT_TRUE(read_report(report, 0, key, meta, hops, error));
  const std::uint64_t seq = q.add_report(key, meta, hops, raw, false);
  EXPECT_EQ(seq, 1u);
  // The batch is over its byte budget now: a non-blocking producer is refused
  // (HTTP 503), nothing half-added.
  std::uint64_t refused = 1;
  for (int i = 0; i < 10 && refused; ++i) refused = q.add_report(key, meta, hops, raw, false);
  EXPECT_EQ(refused, 0u);
  IngestBatch b;
  ASSERT_TRUE(q.take(b, std::chrono::milliseconds(0)));
  EXPECT_EQ(b.seq, 1u);
  EXPECT_EQ(b.metas.size(), b.keys.size());
  EXPECT_EQ(b.raw_ends.size(), b.metas.size());
  EXPECT_EQ(q.wait_committed(1, std::chrono::milliseconds(1)), IngestQueue::Outcome::timeout);
  q.mark_done(1, false);
  EXPECT_EQ(q.wait_committed(1, std::chrono::milliseconds(1)), IngestQueue::Outcome::failed);
  // Room again after the writer took the batch.
  EXPECT_EQ(q.add_report(key, meta, hops, raw, false), 2u);
  ASSERT_TRUE(q.take(b, std::chrono::milliseconds(0)));
  q.mark_done(2, true);
  EXPECT_EQ(q.wait_committed(2, std::chrono::milliseconds(1)), IngestQueue::Outcome::committed);
  q.close();
  EXPECT_EQ(q.add_report(key, meta, hops, raw, true), 0u);
}

}  // namespace
}  // namespace clt::collector
