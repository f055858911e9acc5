#include "tracing/batch_processor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tracing/tracer.h"

namespace clt::tracing {
namespace {

// Records what it is given; can be held to simulate a slow backend.
class RecordingExporter final : public SpanExporter {
 public:
  struct State {
    std::mutex mutex;
    std::vector<std::string> names;
    std::vector<std::size_t> batch_sizes;
    std::mutex gate;  // locked by the test to stall exports
    bool shut_down = false;
  };
  explicit RecordingExporter(State& state) : state_(state) {}
  ExportResult export_spans(std::span<const SpanData> spans) override {
    std::lock_guard gate(state_.gate);
    std::lock_guard lock(state_.mutex);
    state_.batch_sizes.push_back(spans.size());
    for (const auto& span : spans) state_.names.push_back(span.name);
    return ExportResult::success;
  }
  void shutdown() override {
    std::lock_guard lock(state_.mutex);
    state_.shut_down = true;
  }

 private:
  State& state_;
};

SpanData named(std::string name) {
  SpanData span;
  span.name = std::move(name);
  return span;
}

TEST(BatchProcessor, ExportsEverythingInBatchesOnFlush) {
  RecordingExporter::State state;
  BatchSpanProcessor processor(std::make_unique<RecordingExporter>(state),
                               {.max_queue_size = 64,
                                .max_export_batch_size = 10,
                                .schedule_delay = std::chrono::seconds(60)});
  for (int i = 0; i < 25; ++i) processor.on_end(named("s" + std::to_string(i)));
  ASSERT_TRUE(processor.force_flush(std::chrono::seconds(10)));
  std::lock_guard lock(state.mutex);
  ASSERT_EQ(state.names.size(), 25u);
  EXPECT_EQ(state.names.front(), "s0");
  EXPECT_EQ(state.names.back(), "s24");
  for (auto size : state.batch_sizes) EXPECT_LE(size, 10u);
  EXPECT_EQ(processor.stats().exported, 25u);
  EXPECT_EQ(processor.stats().dropped, 0u);
}

TEST(BatchProcessor, FullQueueDropsAndCountsWithoutBlocking) {
  RecordingExporter::State state;
  std::unique_lock stall(state.gate);
  BatchSpanProcessor processor(std::make_unique<RecordingExporter>(state),
                               {.max_queue_size = 16,
                                .max_export_batch_size = 4,
                                .schedule_delay = std::chrono::milliseconds(1)});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) processor.on_end(named("s"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed,
            std::chrono::milliseconds(500));  // the stalled exporter did not hold the caller
  const auto stats = processor.stats();
  EXPECT_GT(stats.dropped, 900u);
  EXPECT_EQ(stats.queued + stats.dropped, 1000u);
  stall.unlock();
  ASSERT_TRUE(processor.force_flush(std::chrono::seconds(10)));
  std::lock_guard lock(state.mutex);
  EXPECT_EQ(state.names.size(), stats.queued);
}

TEST(BatchProcessor, ScheduleDelayExportsWithoutFlush) {
  RecordingExporter::State state;
  BatchSpanProcessor processor(std::make_unique<RecordingExporter>(state),
                               {.max_queue_size = 64,
                                .max_export_batch_size = 32,
                                .schedule_delay = std::chrono::milliseconds(20)});
  processor.on_end(named("lonely"));
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(state.mutex);
      if (!state.names.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(state.mutex);
  ASSERT_EQ(state.names.size(), 1u);
}

TEST(BatchProcessor, ShutdownExportsTheRestAndManyThreadsLoseNothing) {
  RecordingExporter::State state;
  {
    BatchSpanProcessor processor(std::make_unique<RecordingExporter>(state),
                                 {.max_queue_size = 1 << 16,
                                  .max_export_batch_size = 128,
                                  .schedule_delay = std::chrono::milliseconds(5)});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) processor.on_end(named("x"));
      });
    for (auto& thread : threads) thread.join();
    processor.shutdown();
    EXPECT_EQ(processor.stats().dropped, 0u);
    processor.on_end(named("after"));  // after shutdown: dropped, counted
    EXPECT_EQ(processor.stats().dropped, 1u);
  }
  std::lock_guard lock(state.mutex);
  EXPECT_EQ(state.names.size(), 8000u);
  EXPECT_TRUE(state.shut_down);
}

TEST(BatchProcessor, KeepsUpWithASteadyProducerWithoutTheScheduleDelay) {
  // Every full batch must wake the worker, also batches that fill up while
  // it is exporting; otherwise the queue stays full until the (long) schedule
  // delay and spans are dropped.
  std::atomic<std::uint64_t> exported{0};
  class Counting final : public SpanExporter {
   public:
    explicit Counting(std::atomic<std::uint64_t>& count) : count_(count) {}
    ExportResult export_spans(std::span<const SpanData> spans) override {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      count_ += spans.size();
      return ExportResult::success;
    }

   private:
    std::atomic<std::uint64_t>& count_;
  };
  BatchSpanProcessor processor(std::make_unique<Counting>(exported),
                               {.max_queue_size = 1024,
                                .max_export_batch_size = 16,
                                .schedule_delay = std::chrono::seconds(60)});
  constexpr int kSpans = 4000;
  for (int i = 0; i < kSpans; ++i) {
    processor.on_end(named("s"));
    if (i % 16 == 15) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  const auto stats = processor.stats();
  EXPECT_LT(stats.dropped, static_cast<std::uint64_t>(kSpans / 10)) << "worker missed wake-ups";
  ASSERT_TRUE(processor.force_flush(std::chrono::seconds(10)));
  EXPECT_EQ(exported.load() + stats.dropped, static_cast<std::uint64_t>(kSpans));
}

TEST(BoundedQueue, FifoAndCapacity) {
  BoundedQueue<int> queue(3);
  EXPECT_EQ(queue.capacity(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.try_push(int(i)));
  EXPECT_FALSE(queue.try_push(9));
  int value = -1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(queue.try_pop(value));
    EXPECT_EQ(value, i);
  }
  EXPECT_FALSE(queue.try_pop(value));
}

}  // namespace
}  // namespace clt::tracing
