#include "agent/summary_queue.h"

namespace clt::agent {

SummaryQueue::SummaryQueue(std::size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}

bool SummaryQueue::try_push(const SpanSummaryRecord& summary) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - cached_tail_ >= slots_.size()) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head - cached_tail_ >= slots_.size()) return false;
  }
  SpanSummaryRecord& slot = slots_[head % slots_.size()];
  slot.aggregate = summary.aggregate;  // vector assignment reuses the slot's room
  slot.sample_count = summary.sample_count;
  if (slot.samples.size() < summary.sample_count) slot.samples.resize(summary.samples.size());
  for (std::size_t i = 0; i < summary.sample_count; ++i) slot.samples[i] = summary.samples[i];
  head_.store(head + 1, std::memory_order_release);
  return true;
}

const SpanSummaryRecord* SummaryQueue::peek(std::size_t i) const {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail + i >= head_.load(std::memory_order_acquire)) return nullptr;
  return &slots_[(tail + i) % slots_.size()];
}

void SummaryQueue::release(std::size_t n) {
  tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

std::size_t SummaryQueue::queued() const {
  return static_cast<std::size_t>(head_.load(std::memory_order_acquire) -
                                  tail_.load(std::memory_order_acquire));
}

}  // namespace clt::agent
