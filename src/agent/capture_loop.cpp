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
      stats_(stats),
      path_(matcher, policy, queue, stats) {
  if (!events_) {
    for (auto& s : sources_) s.expects_events = false;
  }
}

void CaptureLoop::drain_rings(std::uint64_t now_ns) {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    sources_[i].ring->drain([&](const capture::CapturedPacket& packet) {
      path_.on_packet(i, packet, sources_[i].expects_events, now_ns);
    });
  }
}

void CaptureLoop::drain_events(std::uint64_t now_ns) {
  if (!events_) return;
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  events_->drain([&](const capture::IoamEvent& event) {
    path_.on_event(event, wall.tv_sec, static_cast<std::int32_t>(wall.tv_nsec / 1000), now_ns);
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
  const MatcherCounters& m = path_.matcher_counters();
  stats_.matched.set(m.matched);
  stats_.capture_only.set(m.capture_only);
  stats_.event_only.set(m.event_only);
  stats_.match_evicted.set(m.evicted);
  if (direction_) {
    const DirectionCounters& d = direction_->counters();
    stats_.direction_requests.set(d.requests);
    stats_.direction_responses.set(d.responses);
    stats_.direction_unknown.set(d.unknown);
    stats_.listener_refreshes.set(d.refreshes);
    stats_.listener_refresh_failures.set(d.refresh_failures);
  }
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
    path_.expire(now);
    if (direction_) direction_->maybe_refresh(now);
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
  path_.flush();
  publish_stats();
}

}  // namespace clt::agent
