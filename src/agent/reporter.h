#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_stats.h"
#include "agent/collector_shards.h"
#include "agent/report_queue.h"
#include "agent/summary_queue.h"
#include "core/ioam_trace.h"
#include "os/log.h"

namespace grpc {
class ClientContext;
class ChannelCredentials;
}  // namespace grpc

namespace clt::agent {

// One collector: its gRPC target and the credentials to reach it (TLS or
// not; none: plaintext).
struct CollectorTarget {
  std::string target;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct ReporterConfig {
  // None: local output only. Several: each trace id's telemetry goes to one
  // of them by rendezvous hashing (CollectorShards), to the next when that
  // one is down.
  std::vector<CollectorTarget> collectors;
  bool tls = false;              // the credentials are TLS: failures may be a refused handshake
  std::FILE* console = nullptr;  // readable lines (-o)
  std::FILE* jsonl = nullptr;    // `clt decode` JSON lines
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  // --report summaries: span summaries from here go to the collector over
  // clt.v1.TelemetryService/Summaries, and the report queue feeds the local
  // outputs only. Null: every record goes to ioam_api.IOAMService/Report.
  SummaryQueue* summaries = nullptr;
  std::size_t spans_per_message = 256;
};

// The reporting thread: writes local outputs and streams records to the
// collectors over ioam_api.IOAMService/Report (or span summaries over
// clt.v1.TelemetryService/Summaries), one stream per collector, each
// reconnecting with exponential backoff. It only ever waits on the
// collectors, never the capture thread. Why a collector cannot be reached or
// a stream broke goes to log, at most once per reason every few seconds; the
// counters count every time.
class Reporter {
 public:
  Reporter(const ReporterConfig& config, ReportQueue& queue, AgentStats& stats, os::Log& log);
  ~Reporter();

  // Runs until capture_done is set and the queue is empty, or until the
  // flush deadline (set by begin_flush) passes.
  void run(const std::atomic<bool>& capture_done);
  // Called by another thread at shutdown: what is still queued after
  // `timeout` is dropped (and counted), and a stalled stream is cancelled.
  void begin_flush(std::chrono::milliseconds timeout);
  // Cancels a stream stuck on a stalled collector (any thread).
  void cancel();

 private:
  struct Stream;
  struct Link;
  using Clock = std::chrono::steady_clock;
  void write_local(const TraceRecord& record);
  bool ensure_stream(Link& link, Clock::time_point now);
  // ensure_stream, after closing a stream whose connection gRPC saw go.
  bool link_up(Link& link, Clock::time_point now);
  void close_stream(Link& link, bool broken);
  void retry_later(Link& link);
  // The collector for `trace`: its first choice when that one is up (or
  // connects now), else the next by weight (counted); null when none is.
  Link* link_for(const core::TraceId& trace, Clock::time_point now);
  const char* tls_hint() const;
  bool flush_deadline_passed() const;
  bool send_records();
  bool send_summaries();
  // One message of the summaries link.items names; false when the stream broke.
  bool write_summaries(Link& link);
  bool sending_summaries() const { return config_.summaries != nullptr; }
  bool has_collectors() const { return !links_.empty(); }

  ReporterConfig config_;
  ReportQueue& queue_;
  AgentStats& stats_;
  CollectorShards shards_;
  std::vector<std::unique_ptr<Link>> links_;
  std::mutex stream_mutex_;  // guards the links' context pointers for cancellation
  std::uint64_t connected_ = 0;
  std::atomic<std::int64_t> flush_deadline_ns_{0};  // steady clock; 0 = not flushing
  std::string line_;
  std::unique_ptr<core::Trace> trace_;
  std::uint64_t local_sequence_ = 0;
};

}  // namespace clt::agent
