#pragma once

#include <cstdint>
#include <vector>

#include "agent/agent_stats.h"
#include "agent/summary_queue.h"
#include "agent/trace_record.h"
#include "core/ioam_trace.h"

namespace clt::agent {

struct AggregatorConfig {
  std::size_t max_pending_spans = 16384;
  std::uint64_t quiet_ns = 200'000'000;          // flush a span quiet this long
  std::uint64_t flush_every_ns = 1'000'000'000;  // and an active one this often
  std::size_t raw_packets = 4;                   // raw packets kept per span and flush
};

// Groups the capture thread's traces per (trace id, span id, direction,
// namespace, path) into span aggregates and hands them to the summary queue
// when they go quiet, when they have been open for flush_every_ns, or, when
// more than max_pending_spans are open, the oldest first (counted). Every
// span's room is allocated up front and reused: no allocation per packet or
// per span once warm, no logging; counters in AgentStats.
class SpanAggregator {
 public:
  SpanAggregator(const AggregatorConfig& config, SummaryQueue& queue, AgentStats& stats);

  // One trace (record, and trace decoded from it), at monotonic time now_ns.
  void add(const TraceRecord& record, const core::Trace& trace, std::uint64_t now_ns);
  // Flushes what is due at now_ns.
  void expire(std::uint64_t now_ns);
  // Flushes everything (shutdown).
  void flush_all();
  std::size_t pending() const { return pending_; }

 private:
  struct Key {
    core::TraceId trace_id;
    core::SpanId span_id;
    core::Ipv6Address src;
    core::Ipv6Address dst;
    // A request and its response carry the same ids; the receiver's verdict
    // keeps them apart (on one node they also differ in src/dst).
    core::Direction direction;
    std::uint64_t path;  // namespace and node ids
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct Slot {
    Key key{};
    std::uint64_t hash = 0;
    std::uint64_t opened_ns = 0;
    std::uint64_t last_ns = 0;
    std::int32_t older = -1;  // the list of open spans, oldest first
    std::int32_t newer = -1;
    SpanSummaryRecord summary;
  };
  enum class Why { quiet, periodic, evicted, shutdown };

  std::int32_t find(const Key& key, std::uint64_t hash) const;
  std::int32_t open(const Key& key, std::uint64_t hash, const TraceRecord& record,
                    const core::Trace& trace, std::uint64_t now_ns);
  void flush(std::int32_t slot, Why why);
  void unlink(std::int32_t slot);
  void erase_from_table(std::int32_t slot);

  AggregatorConfig config_;
  SummaryQueue& queue_;
  AgentStats& stats_;
  std::vector<Slot> slots_;
  std::vector<std::int32_t> free_;   // free slots
  std::vector<std::int32_t> table_;  // open addressing, -1 empty
  std::size_t mask_ = 0;
  std::int32_t oldest_ = -1;
  std::int32_t newest_ = -1;
  std::size_t pending_ = 0;
  std::uint64_t last_scan_ns_ = 0;
};

}  // namespace clt::agent
