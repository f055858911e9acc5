#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/span_aggregator.h"
#include "core/packet.h"
#include "encap/clt_socket.h"
#include "tls/tls_files.h"

namespace clt::agent {

struct AgentOptions {
  std::vector<std::string> interfaces;
  // As given (-c, repeatable); parsed by run_agent_with. Several: each trace
  // id's telemetry goes to one of them (rendezvous hashing), failing over to
  // the next when that one is down.
  std::vector<std::string> collectors;
  // TLS to the collector when any file is given: the CA its certificate is
  // checked against (default: the system's), and a client certificate and
  // key for mutual TLS.
  tls::TlsPaths tls;
  bool console = false;
  std::string jsonl_path;  // empty: none; "-": stdout
  core::LayoutPolicy layout_policy;
  bool events = true;
  std::size_t queue_capacity = 16384;
  // --report summaries (the default): spans aggregated here, their summaries
  // sent over clt.v1; false: one ioam_api report per packet.
  bool summaries = true;
  AggregatorConfig aggregation;
  std::size_t summary_queue_capacity = 4096;
  std::chrono::milliseconds match_window{200};
  std::chrono::milliseconds flush_timeout{2000};
  std::string stats_path;
  std::chrono::milliseconds stats_interval{1000};
  std::chrono::milliseconds duration{0};  // 0: until SIGINT/SIGTERM
  std::uint32_t ring_block_kib = 1024;
  std::uint32_t ring_blocks = 16;
  std::uint32_t block_timeout_ms = 5;

  // The eBPF datapath: interfaces whose egress packets get CLT, the cgroup
  // whose processes may bind ids (empty: the cgroup v2 root), and the IOAM
  // configuration of the header it inserts.
  std::vector<std::string> encap_interfaces;
  std::string encap_cgroup;
  encap::Config encap;
  bool encap_clamp_mss = false;
  // Read outgoing HTTP/1.x requests' traceparent: a sampled one gives its
  // flow CLT, with no library in the application.
  bool encap_traceparent = false;
};

// Opens every source, runs capture and reporting until a signal (or the
// duration), flushes, writes the final stats. Prints one line to stderr and
// returns non-zero when something cannot be opened.
int run_agent_with(const AgentOptions& options);

}  // namespace clt::agent
