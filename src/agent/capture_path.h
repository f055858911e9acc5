#pragma once

#include <cstdint>
#include <memory>

#include "agent/agent_stats.h"
#include "agent/direction_classifier.h"
#include "agent/report_queue.h"
#include "agent/span_aggregator.h"
#include "agent/trace_matcher.h"
#include "capture/ioam_events.h"
#include "capture/packet_ring.h"
#include "core/packet.h"

namespace clt::agent {

// The capture thread's work on each packet and each kernel event, without
// the I/O around it: decode, build the record, pair it with the event, queue
// the result for the reporter. CaptureLoop feeds it from the rings and the
// event socket; tests and benchmarks feed it directly. Nothing is allocated
// per packet or per event, nothing is logged: counters only.
class CapturePath final : public TraceSink {
 public:
  CapturePath(const MatcherConfig& matcher, const core::LayoutPolicy& policy, ReportQueue& queue,
              AgentStats& stats);

  // A packet from ring ring_index (stats.rings[ring_index]); expects_event:
  // whether this interface's kernel will emit an event for its trace.
  void on_packet(std::size_t ring_index, const capture::CapturedPacket& packet, bool expects_event,
                 std::uint64_t now_ns);
  // A kernel trace event, received at wall-clock time wall_sec.wall_usec.
  void on_event(const capture::IoamEvent& event, std::int64_t wall_sec, std::int32_t wall_usec,
                std::uint64_t now_ns);

  // Traces go to `aggregator` (--report summaries) rather than to the report
  // queue; with keep_records, to both (local outputs read the queue).
  void aggregate_into(SpanAggregator* aggregator, bool keep_records) {
    aggregator_ = aggregator;
    keep_records_ = keep_records;
  }

  // Reports traces whose partner did not come within the window, and spans
  // due for a summary.
  void expire(std::uint64_t now_ns) {
    now_ns_ = now_ns;
    matcher_.expire(now_ns);
    if (aggregator_) aggregator_->expire(now_ns);
  }
  // Reports every pending trace and span.
  void flush() {
    matcher_.flush();
    if (aggregator_) aggregator_->flush_all();
  }
  const MatcherCounters& matcher_counters() const { return matcher_.counters(); }
  // Before the first packet: who tells requests from responses (none: every
  // trace is a request).
  void classify_with(DirectionClassifier* classifier) { direction_ = classifier; }

  void emit(const TraceRecord& record) override;

 private:
  void count_decode_error(core::DecodeError e);

  core::LayoutPolicy policy_;
  ReportQueue& queue_;
  AgentStats& stats_;
  TraceMatcher matcher_;
  std::unique_ptr<core::DecodedPacket> decoded_;
  std::unique_ptr<core::Trace> trace_;
  TraceRecord record_;
  SpanAggregator* aggregator_ = nullptr;
  DirectionClassifier* direction_ = nullptr;
  bool keep_records_ = true;
  std::uint64_t now_ns_ = 0;
};

}  // namespace clt::agent
