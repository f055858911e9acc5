#include "agent/agent_runtime.h"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "agent/agent_stats.h"
#include "agent/capabilities.h"
#include "agent/capture_loop.h"
#include "agent/collector_address.h"
#include "agent/direction_classifier.h"
#include "agent/report_queue.h"
#include "agent/reporter.h"
#include "agent/reporter_credentials.h"
#include "bpf/datapath.h"
#include "os/signals.h"

namespace clt::agent {

namespace {

using Clock = std::chrono::steady_clock;

int fail(const std::string& message) {
  std::fprintf(stderr, "clt agent: %s\n", message.c_str());
  return 1;
}

bool host_resolves(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0) return false;
  freeaddrinfo(result);
  return true;
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdout) std::fclose(f);
  }
};

std::unique_ptr<bpf::Datapath> open_datapath(const AgentOptions& options, std::string& error) {
  if (options.encap_interfaces.empty()) return nullptr;
  if (error = missing_datapath_capabilities(); !error.empty()) return nullptr;
  bpf::DatapathConfig config;
  config.ioam = options.encap;
  config.interfaces = options.encap_interfaces;
  config.cgroup = options.encap_cgroup;
  config.clamp_mss = options.encap_clamp_mss;
  config.traceparent = options.encap_traceparent;
  return bpf::Datapath::open(config, error);
}

void read_datapath(const bpf::Datapath& datapath, AgentStats& stats) {
  const auto counters = datapath.counters();
  stats.datapath_counters.clear();
  for (int c = 0; c < CLT_CNT_MAX; ++c)
    stats.datapath_counters.emplace_back(bpf::counter_name(static_cast<clt_counter>(c)),
                                         counters[static_cast<std::size_t>(c)]);
}

void print_room_release(const bpf::RoomRelease& release) {
  if (release.released > 0)
    std::fprintf(stderr, "clt agent: cleared the reserved room of %zu sockets\n", release.released);
  if (release.unreachable > 0)
    std::fprintf(stderr,
                 "clt agent: %zu sockets were out of reach (no CAP_SYS_PTRACE over their "
                 "process): their room stays until their next clt call, and receivers without "
                 "Segment Routing drop their packets meanwhile\n",
                 release.unreachable);
}

void print_datapath_summary(const AgentStats& stats) {
  std::string line = "clt agent: datapath";
  for (const auto& [name, value] : stats.datapath_counters)
    if (value != 0) line += " " + name + "=" + std::to_string(value);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

int run_agent_with(const AgentOptions& options) {
  // Signals are taken synchronously by this thread only: blocked before any
  // thread starts (gRPC's included), which inherits the mask, so that a
  // SIGTERM is never delivered to a thread that would die of it.
  os::BlockedSignals signals({SIGINT, SIGTERM});
  if (options.interfaces.empty() && options.encap_interfaces.empty())
    return fail("nothing to do: give -i IFACE to capture, --encap IFACE to stamp, or both");
  std::vector<CollectorTarget> collectors;
  for (const std::string& text : options.collectors) {
    std::string error;
    const auto address = parse_collector_address(text, error);
    if (!address) return fail(error);
    if (!address->is_unix && !host_resolves(address->host)) {
      return fail("collector host '" + address->host +
                  "' does not resolve; give an address or a known host name");
    }
    for (const CollectorTarget& c : collectors)
      if (c.target == address->grpc_target)
        return fail("collector '" + text + "' is given twice; give each collector once");
    auto credentials = collector_credentials(options.tls, address->is_unix, error);
    if (!credentials) return fail(error);
    collectors.push_back({address->grpc_target, std::move(credentials)});
  }
  const bool collector = !collectors.empty();
  const bool capturing = !options.interfaces.empty();
  if (capturing && !collector && !options.console && options.jsonl_path.empty()) {
    return fail(
        "nowhere to report: give -c HOST:PORT (or set IOAM_COLLECTOR), -o, or --jsonl FILE");
  }
  if (capturing) {
    if (const std::string missing = missing_capabilities(options.events); !missing.empty())
      return fail(missing);
  }
  std::string datapath_error;
  const auto datapath = open_datapath(options, datapath_error);
  if (!options.encap_interfaces.empty() && !datapath) return fail(datapath_error);
  if (datapath) {
    std::string names;
    for (const auto& name : options.encap_interfaces) names += (names.empty() ? "" : ",") + name;
    const std::string mss = datapath->clamp_mss() > 0
                                ? "TCP MSS clamped to " + std::to_string(datapath->clamp_mss())
                                : "room reserved per socket";
    std::fprintf(stderr, "clt agent: datapath attached on %s (header %zu bytes, %s%s)\n",
                 names.c_str(), datapath->header_size(), mss.c_str(),
                 options.encap_traceparent ? ", HTTP/1.x traceparent read on the wire" : "");
  }

  std::vector<CaptureSource> sources;
  for (const auto& name : options.interfaces) {
    capture::RingConfig config;
    config.interface = name;
    config.block_bytes = options.ring_block_kib * 1024;
    config.block_count = options.ring_blocks;
    config.block_timeout_ms = options.block_timeout_ms;
    std::string error;
    auto ring = capture::PacketRing::open(config, error);
    if (!ring) return fail(error);
    sources.push_back({std::move(ring), options.events && ioam_enabled_on(name)});
  }
  std::unique_ptr<capture::IoamEventSocket> events;
  if (options.events && capturing) {
    std::string error;
    capture::EventOpenFailure failure{};
    events = capture::IoamEventSocket::open(error, failure);
    if (!events) return fail(error);
  }
  std::unique_ptr<std::FILE, FileCloser> jsonl;
  if (!options.jsonl_path.empty()) {
    jsonl.reset(options.jsonl_path == "-" ? stdout : std::fopen(options.jsonl_path.c_str(), "a"));
    if (!jsonl) {
      return fail("cannot open '" + options.jsonl_path + "' for writing: " + std::strerror(errno));
    }
  }

  AgentStats stats(options.interfaces);
  if (datapath) {
    stats.encap_interfaces = options.encap_interfaces;
    stats.encap_tcp_mss = datapath->clamp_mss();
  }
  ReportQueue queue(options.queue_capacity);
  MatcherConfig matcher;
  matcher.window_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.match_window).count());
  CaptureLoop capture_loop(std::move(sources), std::move(events), matcher, options.layout_policy,
                           queue, stats);
  DirectionClassifier direction(system_local_sockets());
  capture_loop.classify_with(&direction);
  SummaryQueue summary_queue(options.summaries ? options.summary_queue_capacity : 1);
  std::unique_ptr<SpanAggregator> aggregator;
  if (options.summaries && collector) {
    aggregator = std::make_unique<SpanAggregator>(options.aggregation, summary_queue, stats);
    capture_loop.aggregate_into(aggregator.get(), options.console || jsonl);
  }
  ReporterConfig reporter_config;
  if (aggregator) reporter_config.summaries = &summary_queue;
  reporter_config.collectors = std::move(collectors);
  reporter_config.tls = !options.tls.ca_file.empty() || !options.tls.cert_file.empty() ||
                        !options.tls.key_file.empty();
  reporter_config.console = options.console ? stdout : nullptr;
  reporter_config.jsonl = jsonl.get();
  os::Log log("agent");
  Reporter reporter(reporter_config, queue, stats, log);

  std::atomic<bool> stop_capture{false};
  std::atomic<bool> capture_done{false};
  std::atomic<bool> reporter_done{false};
  std::thread capture_thread([&] {
    if (capturing) capture_loop.run(stop_capture);
    capture_done.store(true);
  });
  std::thread reporter_thread([&] {
    if (capturing) reporter.run(capture_done);
    reporter_done.store(true);
  });

  const auto started = Clock::now();
  auto next_stats = started;
  for (;;) {
    const auto now = Clock::now();
    if (now >= next_stats) {
      if (datapath) {
        datapath->sync_clock();
        read_datapath(*datapath, stats);
      }
      stats.reports_queued.set(queue.queued());
      if (!options.stats_path.empty()) (void)write_stats_file(options.stats_path, stats);
      next_stats = now + options.stats_interval;
    }
    if (options.duration.count() > 0 && now - started >= options.duration) break;
    if (signals.wait_for(std::chrono::milliseconds(100))) break;
  }

  // Shutdown: stop capturing, let the queue drain for at most flush_timeout.
  const auto flush_deadline = Clock::now() + options.flush_timeout;
  reporter.begin_flush(options.flush_timeout);
  stop_capture.store(true);
  capture_thread.join();
  while (!reporter_done.load() && Clock::now() < flush_deadline + std::chrono::milliseconds(200)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!reporter_done.load()) reporter.cancel();  // a stalled collector
  reporter_thread.join();
  if (datapath) read_datapath(*datapath, stats);
  if (!options.stats_path.empty()) (void)write_stats_file(options.stats_path, stats);
  if (datapath) {
    print_datapath_summary(stats);
    print_room_release(datapath->release_kept_rooms());
  }
  if (!capturing) return 0;
  std::fprintf(
      stderr,
      "clt agent: %llu packets, %llu traces, %llu malformed, %llu ring drops, "
      "%llu reports sent, %llu dropped%s\n",
      static_cast<unsigned long long>(stats.packets_seen.get()),
      static_cast<unsigned long long>(stats.traces_decoded.get()),
      static_cast<unsigned long long>(stats.decode_errors.get()),
      [&] {
        unsigned long long d = 0;
        for (const auto& r : stats.rings) d += r.kernel_drops.get();
        return d;
      }(),
      static_cast<unsigned long long>(stats.reports_sent.get()),
      static_cast<unsigned long long>(stats.reports_dropped_queue_full.get() +
                                      stats.reports_dropped_at_exit.get()),
      aggregator ? (", " + std::to_string(stats.summaries_sent.get()) + " span summaries of " +
                    std::to_string(stats.summary_packets_sent.get()) + " packets sent in " +
                    std::to_string(stats.summary_messages_sent.get()) + " messages, " +
                    std::to_string(stats.summary_packets_dropped_queue_full.get() +
                                   stats.summary_packets_dropped_at_exit.get()) +
                    " packets dropped")
                       .c_str()
                 : "");
  return 0;
}

}  // namespace clt::agent
