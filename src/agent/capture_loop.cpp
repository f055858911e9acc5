#include "agent/capture_loop.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>

namespace clt::agent {

namespace {

constexpr int kPollTimeoutMs = 20;

}  // namespace

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

bool ioam_enabled_on(const std::string& interface) {
  std::ifstream f("/proc/sys/net/ipv6/conf/" + interface + "/ioam6_enabled");
  int value = 0;
  return f && (f >> value) && value != 0;
}

CaptureLoop::CaptureLoop(std::vector<CaptureSource> sources,
                         std::unique_ptr<capture::IoamEventSocket> events,
                         const MatcherConfig& matcher, const core::LayoutPolicy& policy,
                         ReportQueue& queue, AgentStats& stats)
    : sources_(std::move(sources)),
      events_(std::move(events)),
      policy_(policy),
      queue_(queue),
      stats_(stats),
      matcher_(matcher, *this),
      decoded_(std::make_unique<core::DecodedPacket>()) {
  if (!events_) {
    for (auto& s : sources_) s.expects_events = false;
  }
}

void CaptureLoop::emit(const TraceRecord& record) {
  if (queue_.try_push(record)) {
    stats_.reports_queued_total.add();
  } else {
    stats_.reports_dropped_queue_full.add();
  }
}

void CaptureLoop::on_packet(std::size_t ring_index, const capture::CapturedPacket& packet,
                            std::uint64_t now_ns) {
  stats_.packets_seen.add();
  stats_.rings[ring_index].seen.add();
  const core::DecodeError e =
      core::decode_packet(packet.bytes, core::LinkType::kIpv6, policy_, *decoded_);
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
    r.namespace_id = t.namespace_id;
    r.node_len = t.node_len;
    r.trace_type = t.trace_type;
    r.flags = t.flags;
    r.remaining_len = t.remaining_len;
    r.layout = t.layout;
    r.ids_intact = t.ids_intact;
    r.trace_id = t.trace_id;
    r.span_id = t.span_id;
    r.has_addresses = true;
    r.src = decoded_->src;
    r.dst = decoded_->dst;
    r.time_sec = packet.time_sec;
    r.time_usec = packet.time_nsec / 1000;
    // The filled entries: from RemainingLen words after the trace header on.
    const std::size_t filled_from = core::kTraceHeaderBytes + 4 + std::size_t{t.remaining_len} * 4;
    const auto filled = t.option.size() > filled_from ? t.option.subspan(filled_from)
                                                      : std::span<const std::uint8_t>{};
    const std::size_t n = std::min(filled.size(), r.node_bytes.size());
    std::copy_n(filled.begin(), n, r.node_bytes.begin());
    r.node_bytes_len = static_cast<std::uint16_t>(n);
    matcher_.on_capture(r, sources_[ring_index].expects_events, now_ns);
  }
  if (e != core::DecodeError::kOk) {
    if (core::is_not_ioam(e)) {
      stats_.not_ioam.add();
    } else {
      stats_.decode_errors.add();
      const auto reason = static_cast<std::size_t>(e);
      if (reason < kDecodeErrorKinds) stats_.decode_errors_by_reason[reason].add();
    }
  }
}

void CaptureLoop::drain_rings(std::uint64_t now_ns) {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    sources_[i].ring->drain(
        [&](const capture::CapturedPacket& packet) { on_packet(i, packet, now_ns); });
  }
}

void CaptureLoop::drain_events(std::uint64_t now_ns) {
  if (!events_) return;
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  events_->drain([&](const capture::IoamEvent& event) {
    stats_.events_received.add();
    EventView view{event.namespace_id, event.node_len, event.trace_type, event.data};
    matcher_.on_event(view, policy_.layout_for(event.namespace_id), wall.tv_sec,
                      static_cast<std::int32_t>(wall.tv_nsec / 1000), now_ns);
  });
}

void CaptureLoop::publish_stats() {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const capture::RingStats& rs = sources_[i].ring->update_stats();
    stats_.rings[i].kernel_packets.set(rs.packets);
    stats_.rings[i].kernel_drops.set(rs.drops);
    stats_.rings[i].freezes.set(rs.freezes);
  }
  if (events_) {
    stats_.event_overruns.set(events_->overruns());
    stats_.events_malformed.set(events_->malformed());
  }
  const MatcherCounters& m = matcher_.counters();
  stats_.matched.set(m.matched);
  stats_.capture_only.set(m.capture_only);
  stats_.event_only.set(m.event_only);
  stats_.match_evicted.set(m.evicted);
}

void CaptureLoop::run(const std::atomic<bool>& stop) {
  std::vector<pollfd> fds;
  for (const auto& s : sources_) fds.push_back({s.ring->fd(), POLLIN, 0});
  if (events_) fds.push_back({events_->fd(), POLLIN, 0});
  std::uint64_t last_publish = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const int ready = poll(fds.data(), fds.size(), kPollTimeoutMs);
    if (ready < 0 && errno != EINTR) break;
    for (auto& f : fds) {
      // A pending socket error (ENETDOWN when an interface goes away) keeps
      // poll() returning at once; reading SO_ERROR clears it.
      if (f.revents & POLLERR) {
        int error = 0;
        socklen_t len = sizeof error;
        (void)getsockopt(f.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      }
    }
    const std::uint64_t now = monotonic_ns();
    drain_rings(now);
    drain_events(now);
    matcher_.expire(now);
    if (now - last_publish >= 100'000'000ULL) {
      publish_stats();
      last_publish = now;
    }
  }
  // What the kernel still holds (a block waits for its timeout before it is
  // handed over) is reported too.
  for (int round = 0; round < 3; ++round) {
    (void)poll(fds.data(), fds.size(), kPollTimeoutMs);
    const std::uint64_t now = monotonic_ns();
    drain_rings(now);
    drain_events(now);
  }
  matcher_.flush();
  publish_stats();
}

}  // namespace clt::agent
