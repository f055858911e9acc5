#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "agent/agent_stats.h"
#include "agent/capture_path.h"
#include "agent/report_queue.h"
#include "agent/trace_matcher.h"
#include "capture/ioam_events.h"
#include "capture/packet_ring.h"
#include "core/packet.h"

namespace clt::agent {

struct CaptureSource {
  std::unique_ptr<capture::PacketRing> ring;
  // False when this interface cannot produce IOAM events (IOAM disabled on it,
  // or events off): its traces are reported at once instead of waiting.
  bool expects_events = true;
};

// The capture thread: drains the rings and the event socket into the
// CapturePath. Never blocks on anything but poll(); nothing is allocated per
// packet.
class CaptureLoop {
 public:
  CaptureLoop(std::vector<CaptureSource> sources, std::unique_ptr<capture::IoamEventSocket> events,
              const MatcherConfig& matcher, const core::LayoutPolicy& policy, ReportQueue& queue,
              AgentStats& stats);

  // Runs until stop is set, then drains what the kernel still holds and
  // reports every pending trace before returning.
  void run(const std::atomic<bool>& stop);
  // Before run(): where its traces go (see CapturePath::aggregate_into).
  void aggregate_into(SpanAggregator* aggregator, bool keep_records) {
    path_.aggregate_into(aggregator, keep_records);
  }
  // Before run(): tells requests from responses (see DirectionClassifier).
  void classify_with(DirectionClassifier* classifier) {
    direction_ = classifier;
    path_.classify_with(classifier);
  }

 private:
  void drain_rings(std::uint64_t now_ns);
  void drain_events(std::uint64_t now_ns);
  void publish_stats();

  std::vector<CaptureSource> sources_;
  std::unique_ptr<capture::IoamEventSocket> events_;
  AgentStats& stats_;
  CapturePath path_;
  DirectionClassifier* direction_ = nullptr;
};

// Reads net.ipv6.conf.IFACE.ioam6_enabled; false when absent or 0.
bool ioam_enabled_on(const std::string& interface);

std::uint64_t monotonic_ns();

}  // namespace clt::agent
