#include "agent/report_queue.h"

namespace clt::agent {

ReportQueue::ReportQueue(std::size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}

bool ReportQueue::try_push(const TraceRecord& record) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - cached_tail_ >= slots_.size()) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head - cached_tail_ >= slots_.size()) return false;
  }
  slots_[head % slots_.size()] = record;
  head_.store(head + 1, std::memory_order_release);
  return true;
}

const TraceRecord* ReportQueue::peek_local() const {
  if (local_ == head_.load(std::memory_order_acquire)) return nullptr;
  return &slots_[local_ % slots_.size()];
}

void ReportQueue::advance_local() {
  ++local_;
}

const TraceRecord* ReportQueue::peek_send() const {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == local_) return nullptr;  // local outputs first, so order is kept
  return &slots_[tail % slots_.size()];
}

void ReportQueue::advance_send() {
  tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void ReportQueue::release_to_local() {
  tail_.store(local_, std::memory_order_release);
}

std::size_t ReportQueue::queued() const {
  return static_cast<std::size_t>(head_.load(std::memory_order_acquire) -
                                  tail_.load(std::memory_order_acquire));
}

}  // namespace clt::agent
