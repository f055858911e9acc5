#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "collector/model/metrics.h"
#include "collector/model/stored_span.h"
#include "otlp/otlp_sender.h"

namespace clt::collector {

struct ExportOptions {
  std::size_t max_queue_spans = 100'000;  // beyond this, new spans are dropped (counted)
  std::size_t max_batch_spans = 512;
  std::chrono::milliseconds max_batch_delay{1000};
  int max_attempts = 5;  // per batch, for retryable failures
  std::chrono::milliseconds first_backoff{200};
};

// Sends spans to an external OTLP backend in batches from its own thread:
// bounded queue, exponential backoff on retryable failures, drop counters.
class SpanExporter {
 public:
  SpanExporter(std::unique_ptr<otlp::Sender> sender, ExportOptions options, Metrics& metrics);
  ~SpanExporter();
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // Never blocks: what does not fit is dropped and counted.
  void enqueue(std::vector<StoredSpan>&& rows);
  // Sends what is queued (bounded by a deadline) and stops the thread.
  void shutdown(std::chrono::milliseconds deadline);

 private:
  void run();
  bool send_with_retry(const std::vector<StoredSpan>& batch);

  std::unique_ptr<otlp::Sender> sender_;
  const ExportOptions options_;
  Metrics& metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StoredSpan> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::thread thread_;
};

}  // namespace clt::collector
