// The store writer loop against a fake Store: what it writes in each batch,
// and what happens when a write fails (a fake, because the failures of a
// real database cannot be caused on demand).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <sstream>

#include <unordered_map>

#include "collector/store_writer_loop.h"
#include "collector_test_util.h"

namespace clt::collector {
namespace {

using testing::add_to_batch;
using testing::make_report;
using testing::span_summary;

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kSpan = "b7ad6b7169203331";

JoinKey make_key(const char* trace, const char* span) {
  JoinKey k;
  k.trace_id = *core::parse_trace_id(trace);
  k.span_id = *core::parse_span_id(span);
  return k;
}

// Keeps what was written in memory; fails the writes it is told to.
class FakeStore final : public Store {
 public:
  struct Written {
    std::size_t records = 0, spans = 0, summaries = 0, operations = 0;
  };
  std::vector<Written> writes;
  int fail_next = 0;
  bool failing_for_storage = false;  // the failures are a full disk
  std::vector<std::string> raw;      // record blobs as written
  std::map<std::pair<std::string, std::string>, bool> ops;

  std::string last_error() const override { return "the fake store refused the write"; }
  bool last_failure_was_storage() const override { return failing_for_storage; }
  bool write(const StoreWrite& w) override {
    if (fail_next > 0) {
      --fail_next;
      return false;
    }
    writes.push_back({w.records.size(), w.spans.size(), w.summaries.size(), w.operations.size()});
    for (const auto& r : w.records) raw.emplace_back(r.blob);
    for (const auto& s : w.summaries) {
      if (s.network) packets[s.summary.key] = s.summary.packets;
      if (!s.aggregate.empty()) aggregates[s.summary.key] = s.aggregate;
    }
    for (const auto& op : w.operations) ops[op] = true;
    return true;
  }
  std::optional<std::uint32_t> packets_of(const JoinKey& key) const {
    auto it = packets.find(key);
    if (it == packets.end()) return std::nullopt;
    return it->second;
  }
  bool network_packets(std::span<const JoinKey> keys, KeyPackets& out) override {
    ++lookups;
    if (fail_lookups) return false;
    out.clear();
    for (const JoinKey& k : keys)
      if (auto p = packets_of(k)) out[k] = *p;
    return true;
  }
  bool span_aggregates(std::span<const JoinKey> keys, KeyAggregates& out) override {
    ++lookups;
    out.clear();
    for (const JoinKey& k : keys)
      if (auto it = aggregates.find(k); it != aggregates.end()) out[k] = it->second;
    return true;
  }
  int lookups = 0;            // calls of network_packets and span_aggregates
  bool fail_lookups = false;  // network_packets cannot answer
  bool load_records(const JoinKey&, std::vector<PacketMeta>& metas, std::vector<HopSample>& hops,
                    bool& ids_lost) override {
    metas.clear();
    hops.clear();
    ids_lost = false;
    return true;
  }
  std::vector<JoinKey> keys_needing_summary(std::int64_t) override { return {}; }
  std::vector<JoinKey> keys_needing_network(std::int64_t) override { return {}; }
  std::vector<std::pair<std::string, std::string>> operations() override { return {}; }
  std::int64_t delete_older_than(std::int64_t) override { return 0; }
  std::optional<std::int64_t> oldest_us() override { return std::nullopt; }
  std::optional<std::int64_t> newest_us() override { return std::nullopt; }
  std::int64_t used_bytes() override { return 0; }
  void reclaim_free_pages() override {}
  void checkpoint() override {}
  std::unique_ptr<StoreReader> open_reader(std::string& error) override {
    error = "no reader in the fake";
    return nullptr;
  }

 private:
  std::unordered_map<JoinKey, std::uint32_t, JoinKeyHash> packets;
  std::unordered_map<JoinKey, std::string, JoinKeyHash> aggregates;
};

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() {
    names_.set(1, "athos");
    names_.set(2, "porthos");
    WriterOptions wo;
    wo.join.quiet_us = 1000;
    loop_ = std::make_unique<StoreWriterLoop>(queue_, store_, names_, metrics_, nullptr, wo);
  }
  IngestBatch batch_with_span() {
    IngestBatch b;
    add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 200}}), 1000);
    StoredSpan s;
    s.trace_id = *core::parse_trace_id(kTrace);
    s.span_id = *core::parse_span_id(kSpan);
    s.service = "api";
    s.operation = "GET /check";
    b.spans.push_back(s);
    return b;
  }

  FakeStore store_;
  NodeNames names_;
  Metrics metrics_;
  IngestQueue queue_{1 << 20, metrics_};
  std::unique_ptr<StoreWriterLoop> loop_;
};

TEST_F(WriterTest, ABatchIsOneWriteAndSummariesAnother) {
  IngestBatch b = batch_with_span();
  ASSERT_TRUE(loop_->process(b, 1000));
  ASSERT_EQ(store_.writes.size(), 1u);
  EXPECT_EQ(store_.writes[0].records, 1u);
  EXPECT_EQ(store_.writes[0].spans, 1u);
  EXPECT_EQ(store_.writes[0].operations, 1u);  // api / GET /check
  EXPECT_FALSE(store_.raw[0].empty());
  ASSERT_TRUE(loop_->flush_all(5000));
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.writes[1].summaries, 1u);
  EXPECT_EQ(store_.writes[1].records, 0u);
  // network path, hop 1 athos, hop 2 porthos
  EXPECT_EQ(store_.writes[1].operations, 3u);
  EXPECT_EQ(metrics_.network_spans_written.load(), 1u);
}

TEST_F(WriterTest, AFailedWriteFailsTheBatchAndIsCounted) {
  store_.fail_next = 1;
  IngestBatch b = batch_with_span();
  EXPECT_FALSE(loop_->process(b, 1000));
  EXPECT_EQ(metrics_.store_errors.load(), 1u);
  EXPECT_EQ(metrics_.store_spans_written.load(), 0u);
  EXPECT_TRUE(store_.writes.empty());
  // The operation is written with the next batch that succeeds.
  IngestBatch again = batch_with_span();
  ASSERT_TRUE(loop_->process(again, 1000));
  EXPECT_EQ(store_.writes.back().operations, 1u);
}

// The reason of a failed write is said (rate-limited), not only counted.
TEST(WriterErrors, AFailedWriteSaysWhy) {
  std::ostringstream out;
  os::Log log("collector", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  os::RateLimitedError errors(log, "cannot store received data");
  FakeStore store;
  NodeNames names;
  Metrics metrics;
  IngestQueue queue{1 << 20, metrics};
  StoreWriterLoop loop(queue, store, names, metrics, nullptr, WriterOptions{}, &errors);
  store.fail_next = 2;
  for (int i = 0; i < 2; ++i) {
    IngestBatch b;
    add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}}), 1000);
    EXPECT_FALSE(loop.process(b, 1000));
  }
  EXPECT_EQ(metrics.store_errors.load(), 2u);
  EXPECT_EQ(errors.occurrences(), 2u);
  const std::string said = out.str();
  EXPECT_NE(said.find("cannot store received data: the fake store refused the write"),
            std::string::npos)
      << said;
  // Said once within the interval, however often it happens.
  EXPECT_EQ(said.find("refused", said.find("refused") + 1), std::string::npos) << said;
}

TEST_F(WriterTest, AFailedSummaryWriteIsRetried) {
  IngestBatch b = batch_with_span();
  ASSERT_TRUE(loop_->process(b, 1000));
  store_.fail_next = 1;
  EXPECT_FALSE(loop_->flush_all(5000));
  EXPECT_EQ(store_.writes.size(), 1u);
  ASSERT_TRUE(loop_->flush_all(6000));
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.writes[1].summaries, 1u);
}

// Spans going quiet together cost one lookup of their stored summaries, not
// one each (on a server store, one round trip per pass).
TEST_F(WriterTest, SpansSummarizedTogetherAreLookedUpTogether) {
  IngestBatch b;
  constexpr int kSpans = 50;
  for (int i = 0; i < kSpans; ++i) {
    char span[17];
    std::snprintf(span, sizeof span, "00000000000001%02x", i);
    add_to_batch(b, make_report(kTrace, span, {{1, 100, 0}, {2, 100, 200}}), 1000);
  }
  ASSERT_TRUE(loop_->process(b, 1000));
  const int before = store_.lookups;
  ASSERT_TRUE(loop_->flush_all(5000));
  EXPECT_EQ(store_.lookups - before, 1);
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.writes[1].summaries, static_cast<std::size_t>(kSpans));
}

// A lookup the store cannot answer fails the pass (counted), which the next
// one retries: a summary is not written on a guess.
TEST_F(WriterTest, AFailedLookupFailsThePassAndIsRetried) {
  IngestBatch b = batch_with_span();
  ASSERT_TRUE(loop_->process(b, 1000));
  store_.fail_lookups = true;
  EXPECT_FALSE(loop_->flush_all(5000));
  EXPECT_EQ(metrics_.store_errors.load(), 1u);
  EXPECT_EQ(store_.writes.size(), 1u);
  store_.fail_lookups = false;
  ASSERT_TRUE(loop_->flush_all(6000));
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.writes[1].summaries, 1u);
}

// A full disk: new data is refused with the reason until a write succeeds,
// and the reports of the failed batch are not in the summary (their senders
// were not acknowledged and send them again).
TEST_F(WriterTest, AFullDiskRefusesNewDataUntilAWriteSucceeds) {
  store_.fail_next = 1;
  store_.failing_for_storage = true;
  IngestBatch failed = batch_with_span();
  EXPECT_FALSE(loop_->process(failed, 1000));
  std::string reason;
  ASSERT_TRUE(queue_.storage_refused(reason));
  EXPECT_NE(reason.find("the fake store refused the write"), std::string::npos) << reason;
  EXPECT_NE(reason.find("disk of its database full"), std::string::npos) << reason;
  EXPECT_EQ(metrics_.store_refusing.load(), 1);

  IngestBatch stored;
  add_to_batch(stored, make_report(kTrace, kSpan, {{1, 100, 10}, {2, 100, 210}}), 2000);
  ASSERT_TRUE(loop_->process(stored, 2000));
  EXPECT_FALSE(queue_.storage_refused(reason));
  EXPECT_EQ(metrics_.store_refusing.load(), 0);
  ASSERT_TRUE(loop_->flush_all(9000));
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.packets_of(make_key(kTrace, kSpan)), 1u);
}

// Other failures (a constraint, a bug) are not a full disk: nothing is
// refused ahead.
TEST_F(WriterTest, AnotherFailureDoesNotRefuseNewData) {
  store_.fail_next = 1;
  IngestBatch failed = batch_with_span();
  EXPECT_FALSE(loop_->process(failed, 1000));
  std::string reason;
  EXPECT_FALSE(queue_.storage_refused(reason));
  EXPECT_EQ(metrics_.store_refusing.load(), 0);
}

// Two summaries of one span (two agents, or two flushes): each batch stores
// the merged aggregate before it is acknowledged; the network row waits for
// the span to go quiet and is written once, counting both.
TEST_F(WriterTest, ASpanSummarizedTwiceGetsOneNetworkRowWhenQuiet) {
  IngestBatch first, second;
  first.summaries.push_back(span_summary(kTrace, kSpan, 3));
  second.summaries.push_back(span_summary(kTrace, kSpan, 4));
  ASSERT_TRUE(loop_->process(first, now_us()));
  ASSERT_TRUE(loop_->process(second, now_us()));
  ASSERT_EQ(store_.writes.size(), 2u);
  EXPECT_EQ(store_.writes[0].summaries, 1u);
  EXPECT_EQ(store_.writes[1].summaries, 1u);
  EXPECT_FALSE(store_.packets_of(make_key(kTrace, kSpan)));
  EXPECT_EQ(metrics_.network_spans_written.load(), 0u);
  IngestBatch empty;
  const std::int64_t quiet = now_us() + 2000;  // past the 1 ms quiet time
  ASSERT_TRUE(loop_->process(empty, quiet));
  EXPECT_EQ(store_.packets_of(make_key(kTrace, kSpan)), 7u);
  EXPECT_EQ(metrics_.network_spans_written.load(), 1u);
  // Written once: nothing more to write at shutdown.
  const std::size_t writes = store_.writes.size();
  ASSERT_TRUE(loop_->flush_all(quiet + 10'000));
  EXPECT_EQ(store_.writes.size(), writes);
}

// A span still merged at shutdown gets its network row then.
TEST_F(WriterTest, AMergedSpanIsWrittenAtShutdown) {
  IngestBatch b;
  b.summaries.push_back(span_summary(kTrace, kSpan, 5));
  ASSERT_TRUE(loop_->process(b, now_us()));
  EXPECT_FALSE(store_.packets_of(make_key(kTrace, kSpan)));
  ASSERT_TRUE(loop_->flush_all(now_us()));
  EXPECT_EQ(store_.packets_of(make_key(kTrace, kSpan)), 5u);
}

}  // namespace
}  // namespace clt::collector
