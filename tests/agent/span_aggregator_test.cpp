#include "agent/span_aggregator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "agent/agent_test_support.h"
#include "core/ids.h"

namespace clt::agent {
namespace {

// A paired record of span `span` (trace fixed), nodes 1, 2, 3, captured at
// wall time 1'700'000'000 s plus usec.
TraceRecord record(std::uint64_t span, std::int32_t usec = 0) {
  TraceRecord r;
  r.source = TraceSource::kCaptureAndEvent;
  r.namespace_id = 123;
  r.trace_type = test::kType;
  r.node_len = static_cast<std::uint8_t>(core::node_len_for(test::kType));
  r.ids_intact = true;
  r.has_addresses = true;
  r.trace_id = *core::parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  for (int i = 0; i < 8; ++i)
    r.span_id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(span >> (56 - 8 * i));
  r.src[15] = 1;
  r.dst[15] = 2;
  r.time_sec = 1'700'000'000;
  r.time_usec = usec;
  const auto nodes = test::filled({1, 2, 3});
  std::copy(nodes.begin(), nodes.end(), r.node_bytes.begin());
  r.node_bytes_len = static_cast<std::uint16_t>(nodes.size());
  return r;
}

std::uint64_t span_of(const aggregate::SpanAggregate& a) {
  std::uint64_t v = 0;
  for (std::uint8_t b : a.span_id) v = (v << 8) | b;
  return v;
}

struct Harness {
  explicit Harness(const AggregatorConfig& config, std::size_t queue_capacity = 1024)
      : queue(queue_capacity), aggregator(config, this->queue, stats) {}

  void add(std::uint64_t span, std::uint64_t now_ns, std::int32_t usec = 0) {
    const TraceRecord r = record(span, usec);
    ASSERT_EQ(to_trace(r, *trace), core::DecodeError::kOk);
    aggregator.add(r, *trace, now_ns);
  }
  // Every queued summary's span and packet count, oldest first; drains.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> drain() {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    std::size_t n = 0;
    while (const SpanSummaryRecord* s = queue.peek(n)) {
      out.emplace_back(span_of(s->aggregate), s->aggregate.packets);
      ++n;
    }
    queue.release(n);
    return out;
  }

  SummaryQueue queue;
  AgentStats stats{{"test0"}};
  SpanAggregator aggregator;
  std::unique_ptr<core::Trace> trace = std::make_unique<core::Trace>();
};

using Flushed = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

TEST(SpanAggregator, CountsEveryPacketPerSpanAndHop) {
  Harness h({});
  const std::uint64_t per_span[] = {7, 5, 3};
  for (std::uint64_t i = 0; i < 7; ++i)
    for (std::uint64_t s = 0; s < 3; ++s)
      if (i < per_span[s]) h.add(s + 1, i, static_cast<std::int32_t>(i * 10));
  EXPECT_EQ(h.aggregator.pending(), 3u);
  EXPECT_TRUE(h.drain().empty());
  h.aggregator.flush_all();
  EXPECT_EQ(h.aggregator.pending(), 0u);
  std::size_t n = 0;
  while (const SpanSummaryRecord* s = h.queue.peek(n)) {
    const std::uint64_t want = per_span[span_of(s->aggregate) - 1];
    EXPECT_EQ(s->aggregate.packets, want);
    ASSERT_EQ(s->aggregate.hop_count, 3u);
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(s->aggregate.hops[k].packets, want);
      EXPECT_EQ(s->aggregate.hops[k].first.node_id, k + 1);
      EXPECT_EQ(s->aggregate.hops[k].queue_depth.count(), want);
    }
    EXPECT_EQ(s->sample_count, std::min<std::uint64_t>(want, 4));
    EXPECT_EQ(s->aggregate.first_captured_us, 1'700'000'000'000'000);
    EXPECT_EQ(s->aggregate.last_captured_us,
              1'700'000'000'000'000 + static_cast<std::int64_t>((want - 1) * 10));
    ++n;
  }
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(h.stats.packets_aggregated.get(), 15u);
  EXPECT_EQ(h.stats.summaries_queued.get(), 3u);
  EXPECT_EQ(h.stats.summaries_flushed_early.get(), 0u);
}

TEST(SpanAggregator, FlushesTheOldestEarlyWhenFullAndCountsIt) {
  AggregatorConfig config;
  config.max_pending_spans = 2;
  Harness h(config);
  h.add(1, 0);
  h.add(1, 1);
  h.add(2, 2);
  h.add(1, 3);  // span 1 stays the oldest opened
  EXPECT_TRUE(h.drain().empty());
  h.add(3, 4);
  EXPECT_EQ(h.drain(), (Flushed{{1, 3}}));
  EXPECT_EQ(h.stats.summaries_flushed_early.get(), 1u);
  EXPECT_EQ(h.aggregator.pending(), 2u);
  h.add(1, 5);  // a new aggregate of span 1: evicts span 2
  EXPECT_EQ(h.drain(), (Flushed{{2, 1}}));
  h.aggregator.flush_all();
  EXPECT_EQ(h.drain(), (Flushed{{3, 1}, {1, 1}}));
  EXPECT_EQ(h.stats.summaries_flushed_early.get(), 2u);
  EXPECT_EQ(h.stats.packets_aggregated.get(), 6u);
}

TEST(SpanAggregator, FlushesQuietSpansAndActiveOnesPeriodically) {
  AggregatorConfig config;
  config.quiet_ns = 100;
  config.flush_every_ns = 1000;
  Harness h(config);
  h.add(1, 0);
  for (std::uint64_t t = 0; t <= 80; t += 20) h.add(2, t);
  h.aggregator.expire(90);
  EXPECT_TRUE(h.drain().empty());  // span 1 quiet for 90 < 100
  h.aggregator.expire(150);
  EXPECT_EQ(h.drain(), (Flushed{{1, 1}}));
  EXPECT_EQ(h.stats.summaries_flushed_quiet.get(), 1u);
  // Span 2 stays active: flushed once it has been open for 1000.
  std::uint64_t packets = 5;
  for (std::uint64_t t = 100; t < 1000; t += 50) {
    h.add(2, t);
    ++packets;
    h.aggregator.expire(t + 1);
    ASSERT_TRUE(h.drain().empty()) << "at " << t;
  }
  h.aggregator.expire(1000);
  EXPECT_EQ(h.drain(), (Flushed{{2, packets}}));
  EXPECT_EQ(h.stats.summaries_flushed_periodic.get(), 1u);
  EXPECT_EQ(h.aggregator.pending(), 0u);
}

// Random adds and quiet flushes over as many spans as there are slots (no
// early flush): a span's packets must always find its open aggregate, also
// after other spans were deleted from the table around it.
TEST(SpanAggregator, FindsOpenSpansAfterDeletions) {
  AggregatorConfig config;
  config.max_pending_spans = 16;
  config.quiet_ns = 40;
  config.flush_every_ns = 1'000'000;
  Harness h(config);
  std::mt19937_64 rng(7);
  std::map<std::uint64_t, std::uint64_t> last_add, added, flushed;
  std::uint64_t summaries = 0;
  std::uint64_t now = 0;
  for (int op = 0; op < 20000; ++op) {
    now += 1 + rng() % 5;
    const std::uint64_t span = 1 + rng() % 16;
    h.add(span, now);
    last_add[span] = now;
    ++added[span];
    if (op % 7 == 0) {
      now += 10;  // scans are at least quiet_ns / 4 apart
      h.aggregator.expire(now);
      for (auto it = last_add.begin(); it != last_add.end();)
        it = now - it->second >= config.quiet_ns ? last_add.erase(it) : std::next(it);
      for (const auto& [s, p] : h.drain()) {
        flushed[s] += p;
        ++summaries;
      }
    }
    ASSERT_EQ(h.aggregator.pending(), last_add.size()) << "after op " << op;
  }
  h.aggregator.flush_all();
  for (const auto& [s, p] : h.drain()) flushed[s] += p;
  EXPECT_EQ(flushed, added);
  EXPECT_GT(summaries, 100u);  // the table saw many deletions
  EXPECT_EQ(h.stats.summaries_flushed_early.get(), 0u);
}

}  // namespace
}  // namespace clt::agent

namespace clt::agent {
namespace {

TEST(SpanAggregator, KeepsARequestAndItsResponseApart) {
  Harness h({});
  // The same ids and addresses both ways (one node sees both only in a test,
  // which is what makes the direction the only difference).
  for (int i = 0; i < 3; ++i) {
    TraceRecord r = record(7, i);
    r.direction = i == 0 ? core::Direction::kRequest : core::Direction::kResponse;
    ASSERT_EQ(to_trace(r, *h.trace), core::DecodeError::kOk);
    h.aggregator.add(r, *h.trace, static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(h.aggregator.pending(), 2u);
  h.aggregator.flush_all();
  std::map<core::Direction, std::uint64_t> packets;
  std::size_t n = 0;
  while (const SpanSummaryRecord* s = h.queue.peek(n++)) {
    packets[s->aggregate.direction] += s->aggregate.packets;
    for (std::size_t k = 0; k < s->sample_count; ++k)
      EXPECT_EQ(s->samples[k].direction, s->aggregate.direction);
  }
  EXPECT_EQ(packets[core::Direction::kRequest], 1u);
  EXPECT_EQ(packets[core::Direction::kResponse], 2u);
}

}  // namespace
}  // namespace clt::agent
