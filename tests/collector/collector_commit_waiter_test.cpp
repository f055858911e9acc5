// Acknowledgements without a thread per request: callbacks once the store
// committed the batch, on timeout, and when the collector stops.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "collector/ingest/commit_waiter.h"

namespace clt::collector {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 200 && !pred(); ++i) std::this_thread::sleep_for(10ms);
  return pred();
}

TEST(CommitWaiter, CallsBackOnceTheBatchIsCommitted) {
  Metrics metrics;
  IngestQueue queue(1 << 20, metrics);
  CommitWaiter waiter(queue);
  std::vector<StoredSpan> spans(1);
  const std::uint64_t seq = queue.add_spans(std::move(spans), false);
  ASSERT_NE(seq, 0u);
  std::atomic<int> outcome{-1};
  waiter.when_committed(seq, 10s, [&](IngestQueue::Outcome o) { outcome = static_cast<int>(o); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(outcome.load(), -1) << "not before the commit";
  IngestBatch batch;
  ASSERT_TRUE(queue.take(batch, 0ms));
  queue.mark_done(batch.seq, true);
  EXPECT_TRUE(
      eventually([&] { return outcome == static_cast<int>(IngestQueue::Outcome::committed); }));

  // A failed batch, and one that never commits in time.
  std::vector<StoredSpan> more(1);
  const std::uint64_t failed = queue.add_spans(std::move(more), false);
  std::atomic<int> failed_outcome{-1}, late_outcome{-1};
  waiter.when_committed(failed, 10s,
                        [&](IngestQueue::Outcome o) { failed_outcome = static_cast<int>(o); });
  ASSERT_TRUE(queue.take(batch, 0ms));
  queue.mark_done(batch.seq, false);
  std::vector<StoredSpan> last(1);
  const std::uint64_t late = queue.add_spans(std::move(last), false);
  waiter.when_committed(late, 100ms,
                        [&](IngestQueue::Outcome o) { late_outcome = static_cast<int>(o); });
  EXPECT_TRUE(
      eventually([&] { return failed_outcome == static_cast<int>(IngestQueue::Outcome::failed); }));
  EXPECT_TRUE(
      eventually([&] { return late_outcome == static_cast<int>(IngestQueue::Outcome::timeout); }));
}

// A stream of several batches is committed only if none of them failed.
TEST(CommitWaiter, AFailedBatchFailsTheStreamItBelongsTo) {
  Metrics metrics;
  IngestQueue queue(1 << 20, metrics);
  CommitWaiter waiter(queue);
  IngestBatch batch;
  const std::uint64_t before = queue.failures();
  ASSERT_NE(queue.add_spans(std::vector<StoredSpan>(1), false), 0u);
  ASSERT_TRUE(queue.take(batch, 0ms));
  queue.mark_done(batch.seq, false);
  const std::uint64_t after = queue.failures();
  EXPECT_EQ(after, before + 1);
  const std::uint64_t last = queue.add_spans(std::vector<StoredSpan>(1), false);
  ASSERT_TRUE(queue.take(batch, 0ms));
  queue.mark_done(batch.seq, true);
  EXPECT_EQ(queue.wait_committed(last, 0ms), IngestQueue::Outcome::committed);
  EXPECT_EQ(queue.wait_committed(last, 0ms, before), IngestQueue::Outcome::failed);
  EXPECT_EQ(queue.wait_committed(last, 0ms, after), IngestQueue::Outcome::committed);
  std::atomic<int> outcome{-1};
  waiter.when_committed(
      last, 10s, [&](IngestQueue::Outcome o) { outcome = static_cast<int>(o); }, before);
  EXPECT_TRUE(
      eventually([&] { return outcome == static_cast<int>(IngestQueue::Outcome::failed); }));
}

// While storage is full the reason is there for the receivers to say.
TEST(IngestQueue, StorageRefusalCarriesItsReason) {
  Metrics metrics;
  IngestQueue queue(1 << 20, metrics);
  std::string reason;
  EXPECT_FALSE(queue.storage_refused(reason));
  queue.refuse_storage("disk full");
  ASSERT_TRUE(queue.storage_refused(reason));
  EXPECT_EQ(reason, "disk full");
  queue.reopen_storage();
  EXPECT_FALSE(queue.storage_refused(reason));
  ASSERT_TRUE(queue.storage_failing(reason)) << "until a write succeeds";
  EXPECT_EQ(reason, "disk full");
  queue.accept_storage();
  EXPECT_FALSE(queue.storage_refused(reason));
  EXPECT_FALSE(queue.storage_failing(reason));
}

TEST(CommitWaiter, StoppingAnswersWhatIsPending) {
  Metrics metrics;
  IngestQueue queue(1 << 20, metrics);
  CommitWaiter waiter(queue);
  std::vector<StoredSpan> spans(1);
  const std::uint64_t seq = queue.add_spans(std::move(spans), false);
  std::atomic<int> outcome{-1};
  waiter.when_committed(seq, 60s, [&](IngestQueue::Outcome o) { outcome = static_cast<int>(o); });
  waiter.stop();
  EXPECT_EQ(outcome.load(), static_cast<int>(IngestQueue::Outcome::closed));
  std::atomic<int> after{-1};
  waiter.when_committed(seq, 60s, [&](IngestQueue::Outcome o) { after = static_cast<int>(o); });
  EXPECT_EQ(after.load(), static_cast<int>(IngestQueue::Outcome::closed));
}

}  // namespace
}  // namespace clt::collector
