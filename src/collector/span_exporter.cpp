#include "collector/span_exporter.h"

#include "collector/model/otlp_export.h"

namespace clt::collector {

SpanExporter::SpanExporter(std::unique_ptr<otlp::Sender> sender, ExportOptions options,
                           Metrics& metrics)
    : sender_(std::move(sender)), options_(options), metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
  shutdown(std::chrono::milliseconds(2000));
}

void SpanExporter::enqueue(std::vector<StoredSpan>&& rows) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    for (auto& r : rows) {
      if (queue_.size() >= options_.max_queue_spans || stopping_) {
        ++dropped;
        continue;
      }
      queue_.push_back(std::move(r));
    }
    metrics_.export_queue_spans.store(static_cast<std::int64_t>(queue_.size()),
                                      std::memory_order_relaxed);
  }
  metrics_.export_spans_queued.fetch_add(rows.size() - dropped, std::memory_order_relaxed);
  metrics_.export_spans_dropped.fetch_add(dropped, std::memory_order_relaxed);
  if (rows.size() > dropped) cv_.notify_one();
}

void SpanExporter::shutdown(std::chrono::milliseconds deadline) {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + deadline;
  }
  cv_.notify_all();
  thread_.join();
}

bool SpanExporter::send_with_retry(const std::vector<StoredSpan>& batch) {
  ExportTraceServiceRequest request;
  stored_to_otlp(batch, request);
  auto backoff = options_.first_backoff;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    const otlp::SendResult r = sender_->send(request);
    if (r.ok()) return true;
    metrics_.export_failures.fetch_add(1, std::memory_order_relaxed);
    if (r.status == otlp::SendStatus::permanent) return false;
    std::unique_lock lock(mu_);
    if (stopping_ && std::chrono::steady_clock::now() + backoff > stop_deadline_) return false;
    metrics_.export_retries.fetch_add(1, std::memory_order_relaxed);
    cv_.wait_for(lock, backoff,
                 [&] { return stopping_ && std::chrono::steady_clock::now() >= stop_deadline_; });
    backoff *= 2;
  }
  return false;
}

void SpanExporter::run() {
  std::vector<StoredSpan> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.max_batch_delay,
                   [&] { return stopping_ || queue_.size() >= options_.max_batch_spans; });
      if (queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
        metrics_.export_spans_dropped.fetch_add(queue_.size(), std::memory_order_relaxed);
        queue_.clear();
        return;
      }
      batch.clear();
      while (!queue_.empty() && batch.size() < options_.max_batch_spans) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      metrics_.export_queue_spans.store(static_cast<std::int64_t>(queue_.size()),
                                        std::memory_order_relaxed);
    }
    if (send_with_retry(batch))
      metrics_.export_spans_sent.fetch_add(batch.size(), std::memory_order_relaxed);
    else
      metrics_.export_spans_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
  }
}

}  // namespace clt::collector
