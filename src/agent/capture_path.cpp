#include "agent/capture_path.h"

#include <algorithm>

namespace clt::agent {

CapturePath::CapturePath(const MatcherConfig& matcher, const core::LayoutPolicy& policy,
                         ReportQueue& queue, AgentStats& stats)
    : policy_(policy),
      queue_(queue),
      stats_(stats),
      matcher_(matcher, *this),
      decoded_(std::make_unique<core::DecodedPacket>()),
      trace_(std::make_unique<core::Trace>()) {}

void CapturePath::emit(const TraceRecord& record) {
  if (aggregator_) {
    to_trace(record, *trace_);
    aggregator_->add(record, *trace_, now_ns_);
    if (!keep_records_) return;
  }
  if (queue_.try_push(record)) {
    stats_.reports_queued_total.add();
  } else {
    stats_.reports_dropped_queue_full.add();
  }
}

void CapturePath::on_packet(std::size_t ring_index, const capture::CapturedPacket& packet,
                            bool expects_event, std::uint64_t now_ns) {
  now_ns_ = now_ns;
  stats_.packets_seen.add();
  stats_.rings[ring_index].seen.add();
  const core::DecodeError e =
      core::decode_packet(packet.bytes, core::LinkType::kIpv6, policy_, *decoded_);
  const core::Direction direction = direction_ && decoded_->trace_count > 0
                                        ? direction_->classify(*decoded_, now_ns)
                                        : core::Direction::kRequest;
  for (std::size_t i = 0; i < decoded_->trace_count; ++i) {
    const core::Trace& t = decoded_->traces[i];
    stats_.traces_decoded.add();
    if (t.layout == core::Layout::kPlain) {
      stats_.traces_plain_namespace.add();
    } else if (!t.ids_intact) {
      stats_.traces_ids_lost.add();
    }
    TraceRecord& r = record_;
    r.source = TraceSource::kCaptureOnly;
    set_trace_header(t, r);
    r.has_addresses = true;
    r.src = decoded_->src;
    r.dst = decoded_->dst;
    r.direction = direction;
    r.time_sec = packet.time_sec;
    r.time_usec = packet.time_nsec / 1000;
    const auto filled = core::filled_node_data(t);
    const std::size_t n = std::min(filled.size(), r.node_bytes.size());
    std::copy_n(filled.begin(), n, r.node_bytes.begin());
    r.node_bytes_len = static_cast<std::uint16_t>(n);
    matcher_.on_capture(r, expects_event, now_ns);
  }
  if (e != core::DecodeError::kOk) count_decode_error(e);
}

void CapturePath::count_decode_error(core::DecodeError e) {
  if (core::is_not_ioam(e)) {
    stats_.not_ioam.add();
    return;
  }
  stats_.decode_errors.add();
  const auto reason = static_cast<std::size_t>(e);
  if (reason < kDecodeErrorKinds) stats_.decode_errors_by_reason[reason].add();
}

void CapturePath::on_event(const capture::IoamEvent& event, std::int64_t wall_sec,
                           std::int32_t wall_usec, std::uint64_t now_ns) {
  now_ns_ = now_ns;
  stats_.events_received.add();
  const EventView view{event.namespace_id, event.node_len, event.trace_type, event.data};
  matcher_.on_event(view, policy_.layout_for(event.namespace_id), wall_sec, wall_usec, now_ns);
}

}  // namespace clt::agent
