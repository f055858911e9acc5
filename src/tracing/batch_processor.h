#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tracing/bounded_queue.h"
#include "tracing/span_processor.h"

namespace clt::tracing {

// Defaults as OTEL_BSP_* specify them.
struct BatchOptions {
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
};

struct BatchStats {
  std::uint64_t queued = 0;
  std::uint64_t dropped = 0;  // queue full when the span ended
  std::uint64_t exported = 0;
  std::uint64_t failed = 0;  // in batches the exporter reported failed
};

// Queues ended spans in a bounded lock-free queue and exports them in batches
// from its own thread. on_end never blocks: with the queue full, the span is
// dropped and counted.
class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options);
  ~BatchSpanProcessor() override;

  void on_end(SpanData&& span) override;
  bool force_flush(std::chrono::milliseconds timeout) override;
  void shutdown() override;

  BatchStats stats() const;

 private:
  void run();
  // Exports whatever is queued, in batches; returns when the queue is empty.
  void drain();

  std::unique_ptr<SpanExporter> exporter_;
  BatchOptions options_;
  BoundedQueue<SpanData> queue_;
  std::vector<SpanData> batch_;

  std::atomic<std::uint64_t> queued_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> wake_pending_{false};

  std::mutex mutex_;
  std::condition_variable wake_worker_;
  std::condition_variable flushed_;
  std::uint64_t flush_requested_ = 0;  // guarded by mutex_
  std::uint64_t flush_completed_ = 0;  // guarded by mutex_
  std::atomic<bool> shut_down_{false};
  std::thread worker_;
};

}  // namespace clt::tracing
