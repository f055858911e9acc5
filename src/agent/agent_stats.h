#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/decode_error.h"

namespace clt::agent {

// A counter with one writer thread and any number of readers.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(std::uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

inline constexpr std::size_t kDecodeErrorKinds = 32;

struct RingCounters {
  std::string interface;
  Counter kernel_packets;  // passed the socket filter (PACKET_STATISTICS)
  Counter kernel_drops;    // did not fit in the ring
  Counter freezes;
  Counter seen;  // handed to the agent
};

// Everything the agent counts; written by the capture and reporting threads,
// read by the stats writer. Field names are those of the stats file.
struct AgentStats {
  explicit AgentStats(const std::vector<std::string>& interfaces);

  std::vector<RingCounters> rings;  // one per interface, fixed after start

  // Capture thread.
  Counter packets_seen;
  Counter traces_decoded;  // IOAM trace options decoded from packets
  Counter not_ioam;        // Hop-by-Hop without IOAM
  Counter decode_errors;   // malformed packets, all reasons
  std::array<Counter, kDecodeErrorKinds> decode_errors_by_reason;
  Counter traces_plain_namespace;  // namespace configured without CLT ids
  Counter traces_ids_lost;         // CLT namespace but ids overwritten
  Counter events_received;
  Counter event_overruns;  // kernel could not queue events (ENOBUFS)
  Counter events_malformed;
  Counter matched;       // packet + event paired
  Counter capture_only;  // reported without the local node's entry
  Counter event_only;    // reported without ids
  Counter match_evicted;
  // Direction of the captured traces (DirectionClassifier) and its reads of
  // this node's listening sockets.
  Counter direction_requests;
  Counter direction_responses;
  Counter direction_unknown;  // not TCP to this node: taken as requests
  Counter listener_refreshes;
  Counter listener_refresh_failures;
  Counter reports_queued_total;  // accepted into the report queue
  Counter reports_dropped_queue_full;
  // Span summaries (--report summaries): traces aggregated, summaries handed
  // to the summary queue, why they were flushed, and what did not fit.
  Counter packets_aggregated;
  Counter summaries_queued;
  Counter summaries_flushed_quiet;
  Counter summaries_flushed_periodic;
  Counter summaries_flushed_early;  // more open spans than --max-pending-spans
  Counter summaries_dropped_queue_full;
  Counter summary_packets_dropped_queue_full;

  // Reporting thread.
  Counter reports_sent;
  Counter reports_dropped_at_exit;
  Counter summaries_sent;
  Counter summary_packets_sent;  // packets the sent summaries represent
  Counter summary_messages_sent;
  Counter summaries_dropped_at_exit;
  Counter summary_packets_dropped_at_exit;
  Counter reconnects;  // stream re-established after a loss
  Counter connect_failures;
  Counter stream_failures;
  Counter collector_connected;  // collectors with an open stream
  // Telemetry of a trace sent to another collector than its first choice
  // (rendezvous hashing over -c), that one being down; and summaries no
  // collector took when every one went down mid-send (dropped).
  Counter collector_failovers;
  Counter summaries_dropped_unreachable;
  Counter summary_packets_dropped_unreachable;
  Counter local_lines;  // console / JSON lines written

  // Filled by whoever renders: the queue depth now.
  Counter reports_queued;
  Counter summaries_waiting;

  // The eBPF datapath (--encap), when loaded: its interfaces and counters,
  // read by the main thread before each rendering.
  std::vector<std::string> encap_interfaces;
  std::uint32_t encap_tcp_mss = 0;
  std::vector<std::pair<std::string, std::uint64_t>> datapath_counters;
};

// Stable snake_case name of a decode error reason, the key in the stats file.
const char* reason_key(core::DecodeError e);

// The stats as one JSON object (pretty = multi-line).
std::string stats_json(const AgentStats& stats, bool pretty);

// Writes the JSON atomically (temporary file + rename); false on failure.
bool write_stats_file(const std::string& path, const AgentStats& stats);

}  // namespace clt::agent
