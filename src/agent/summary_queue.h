#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "agent/trace_record.h"
#include "aggregate/span_aggregate.h"

namespace clt::agent {

// A span's flushed aggregate and the first packets it saw, raw.
struct SpanSummaryRecord {
  aggregate::SpanAggregate aggregate;
  std::vector<TraceRecord> samples;  // room for the configured number, kept
  std::size_t sample_count = 0;
};

// Bounded single-producer single-consumer queue of span summaries between the
// capture thread and the reporting thread. Slots are reused: once every slot
// held a summary as large as the ones coming, pushing does not allocate. A
// full queue makes try_push fail (the caller counts the drop).
class SummaryQueue {
 public:
  explicit SummaryQueue(std::size_t capacity);

  bool try_push(const SpanSummaryRecord& summary);
  // Consumer side: the i-th oldest not yet released, or null.
  const SpanSummaryRecord* peek(std::size_t i) const;
  void release(std::size_t n);
  std::size_t queued() const;
  std::size_t capacity() const { return slots_.size(); }

 private:
  std::vector<SpanSummaryRecord> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  alignas(64) std::uint64_t cached_tail_ = 0;
};

}  // namespace clt::agent
