#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "agent/trace_record.h"

namespace clt::agent {

// Bounded single-producer single-consumer queue of trace records between the
// capture thread and the reporting thread. The producer never waits: a full
// queue makes try_push fail (the caller counts the drop). The consumer has two
// cursors: local outputs (console, JSON lines) read ahead, the collector
// stream frees slots once a record is written to it, so local output goes on
// while the collector is away.
class ReportQueue {
 public:
  explicit ReportQueue(std::size_t capacity);

  // Producer side.
  bool try_push(const TraceRecord& record);

  // Consumer side (one thread).
  const TraceRecord* peek_local() const;
  void advance_local();
  const TraceRecord* peek_send() const;
  void advance_send();
  // Records the local cursor has passed that still wait for the collector.
  std::size_t sendable() const {
    return static_cast<std::size_t>(local_ - tail_.load(std::memory_order_relaxed));
  }
  // Frees everything the local cursor has passed (no collector configured).
  void release_to_local();

  std::size_t capacity() const { return slots_.size(); }
  // Records waiting for the collector (any thread, approximate).
  std::size_t queued() const;

 private:
  std::vector<TraceRecord> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  // next write
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // oldest not yet sent
  std::uint64_t local_ = 0;                         // next for local outputs
  alignas(64) std::uint64_t cached_tail_ = 0;       // producer's view of tail_
};

}  // namespace clt::agent
