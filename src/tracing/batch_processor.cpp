#include "tracing/batch_processor.h"

namespace clt::tracing {

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options)
    : exporter_(std::move(exporter)), options_(options), queue_(options.max_queue_size) {
  if (options_.max_export_batch_size == 0) options_.max_export_batch_size = 1;
  if (options_.max_export_batch_size > options_.max_queue_size)
    options_.max_export_batch_size = options_.max_queue_size;
  batch_.reserve(options_.max_export_batch_size);
  worker_ = std::thread([this] { run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  shutdown();
}

void BatchSpanProcessor::on_end(SpanData&& span) {
  if (stopping_.load(std::memory_order_relaxed) || !queue_.try_push(std::move(span))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queued_.fetch_add(1, std::memory_order_relaxed);
  // Once a full batch is waiting, one span wakes the worker. The worker holds
  // the mutex only between its checks, never while exporting; the caller does
  // not wait for it: when the mutex is taken the next span tries again.
  if (queue_.size() >= options_.max_export_batch_size &&
      !wake_pending_.load(std::memory_order_relaxed) && !wake_pending_.exchange(true)) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) {
      wake_worker_.notify_one();
    } else {
      wake_pending_.store(false);
    }
  }
}

void BatchSpanProcessor::drain() {
  for (;;) {
    batch_.clear();
    SpanData span;
    while (batch_.size() < options_.max_export_batch_size && queue_.try_pop(span))
      batch_.push_back(std::move(span));
    if (batch_.empty()) return;
    const auto result = exporter_->export_spans(batch_);
    (result == ExportResult::success ? exported_ : failed_)
        .fetch_add(batch_.size(), std::memory_order_relaxed);
  }
}

void BatchSpanProcessor::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Reset under the mutex before checking: a span that sets it afterwards
    // notifies while the worker waits, so no full batch goes unnoticed.
    wake_pending_.store(false);
    wake_worker_.wait_for(lock, options_.schedule_delay, [this] {
      return stopping_.load() || flush_requested_ != flush_completed_ ||
             queue_.size() >= options_.max_export_batch_size;
    });
    const std::uint64_t flush_target = flush_requested_;
    const bool stop = stopping_.load();
    lock.unlock();
    drain();
    lock.lock();
    if (flush_completed_ != flush_target) {
      flush_completed_ = flush_target;
      flushed_.notify_all();
    }
    if (stop) return;
  }
}

bool BatchSpanProcessor::force_flush(std::chrono::milliseconds timeout) {
  if (shut_down_.load()) return true;
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = ++flush_requested_;
  wake_worker_.notify_one();
  return flushed_.wait_for(lock, timeout, [&] { return flush_completed_ >= ticket; });
}

void BatchSpanProcessor::shutdown() {
  if (shut_down_.exchange(true)) return;
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  wake_worker_.notify_one();
  if (worker_.joinable()) worker_.join();
  exporter_->shutdown();
}

BatchStats BatchSpanProcessor::stats() const {
  return {queued_.load(), dropped_.load(), exported_.load(), failed_.load()};
}

}  // namespace clt::tracing
