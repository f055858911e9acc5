#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "agent/agent_runtime.h"
#include "cli/commands.h"
#include "cli/layout_options.h"

int clt::cli::run_agent(int argc, char** argv) {
  CLI::App app{
      "Capture IOAM / CLT traces on this node (packet ring + kernel IOAM events) and stream "
      "them to an IOAM collector (ioam_api.IOAMService/Report)",
      "clt agent"};
  agent::AgentOptions options;
  std::vector<std::string> collectors;
  cli::LayoutOptions layout;
  unsigned match_window_ms = 200, flush_timeout_ms = 2000, stats_interval_ms = 1000;
  double duration_s = 0;
  app.add_option("-i,--interface", options.interfaces, "interface to capture on (repeatable)");
  app.add_option("--encap", options.encap_interfaces,
                 "stamp CLT on packets leaving this interface with the eBPF datapath "
                 "(repeatable); applications bind ids with clt_enable, unprivileged");
  app.add_option("--cgroup", options.encap_cgroup,
                 "cgroup v2 directory whose processes may bind ids (default: the root)");
  unsigned encap_namespace = options.encap.namespace_id;
  std::string encap_trace_type = "0xf60000";
  unsigned encap_slots = options.encap.slots;
  std::vector<std::string> encap_domain;
  bool no_own_entry = false, mss_clamp = false, traceparent = false;
  app.add_option("--ioam-namespace", encap_namespace, "IOAM namespace of the inserted header")
      ->check(CLI::Range(0u, 65535u));
  app.add_option("--trace-type", encap_trace_type, "IOAM trace type (24 bits, e.g. 0xf60000)");
  app.add_option("--slots", encap_slots, "pre-allocated node slots, the sender's included")
      ->check(CLI::Range(1u, 127u));
  app.add_option("--domain", encap_domain,
                 "IPv6 prefix of the IOAM domain (repeatable; default fc00::/7)");
  app.add_flag("--no-own-entry", no_own_entry, "do not fill the sender's own entry");
  app.add_flag("--mss-clamp", mss_clamp,
               "also lower the MSS of every TCP connect into the domain by the header's size "
               "(sockets that enable CLT reserve their room and need no clamp)");
  app.add_flag("--traceparent", traceparent,
               "with --encap: HTTP/1.x requests leaving with a sampled W3C traceparent header "
               "give their connection CLT with those ids, no library needed (see "
               "docs/encapsulation.md, \"Ids read on the wire\")");
  app.add_option("-c,--collector", collectors,
                 "collector HOST:PORT, [IPV6]:PORT or unix:/path (default: $IOAM_COLLECTOR); "
                 "repeated: each trace id goes to one of them (rendezvous hashing), to the next "
                 "when that one is down");
  app.add_option("--tls-ca", options.tls.ca_file,
                 "PEM CA the collector's certificate is checked against: reports go over TLS "
                 "(default with --tls-cert: the system's CAs)");
  app.add_option("--tls-cert", options.tls.cert_file,
                 "PEM client certificate for a collector that requires one (mutual TLS)");
  app.add_option("--tls-key", options.tls.key_file, "PEM private key of --tls-cert");
  app.add_flag("-o,--console", options.console, "print traces to the console, readable");
  app.add_option("--jsonl", options.jsonl_path,
                 "append one JSON object per trace (as `clt decode`) to FILE ('-': stdout)");
  cli::add_layout_options(app, layout);
  bool no_events = false;
  app.add_flag("--no-events", no_events,
               "do not use kernel IOAM events (this node's own entry is missing)");
  app.add_option("--queue", options.queue_capacity, "report queue capacity (traces)")
      ->check(CLI::Range(1u, 1u << 22));
  std::string report = "summaries";
  app.add_option("--report", report,
                 "what goes to the collector: 'summaries' (one clt.v1 summary per span and "
                 "flush) or 'per-packet' (ioam_api.IOAMService/Report, one message per packet)")
      ->check(CLI::IsMember({"summaries", "per-packet"}));
  unsigned quiet_ms = 200, flush_every_ms = 1000;
  app.add_option("--span-quiet-ms", quiet_ms, "a span's summary is sent once quiet this long")
      ->check(CLI::Range(1u, 600'000u));
  app.add_option("--span-flush-ms", flush_every_ms,
                 "and every this often while its packets keep coming")
      ->check(CLI::Range(1u, 3'600'000u));
  app.add_option("--raw-packets", options.aggregation.raw_packets,
                 "raw packets kept per span summary, for inspection")
      ->check(CLI::Range(0u, 64u));
  app.add_option("--max-pending-spans", options.aggregation.max_pending_spans,
                 "open spans at most; beyond, the oldest is sent early (counted)")
      ->check(CLI::Range(1u, 1u << 22));
  app.add_option("--match-window-ms", match_window_ms,
                 "how long a packet and its kernel event wait for each other");
  app.add_option("--flush-timeout-ms", flush_timeout_ms,
                 "on SIGTERM/SIGINT, time allowed to send what is queued");
  app.add_option("--stats", options.stats_path, "write counters as JSON to FILE (atomically)");
  app.add_option("--stats-interval-ms", stats_interval_ms, "how often the stats file is rewritten")
      ->check(CLI::Range(10u, 3'600'000u));
  app.add_option("--duration", duration_s, "stop after this many seconds (0: run until signalled)");
  app.add_option("--ring-block-kib", options.ring_block_kib, "packet ring block size in KiB")
      ->check(CLI::Range(4u, 65536u));
  app.add_option("--ring-blocks", options.ring_blocks, "packet ring block count")
      ->check(CLI::Range(2u, 4096u));
  app.add_option("--block-timeout-ms", options.block_timeout_ms,
                 "longest a partly filled ring block waits before it is handed over")
      ->check(CLI::Range(1u, 1000u));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  options.events = !no_events;
  options.summaries = report == "summaries";
  options.aggregation.quiet_ns = quiet_ms * 1'000'000ULL;
  options.aggregation.flush_every_ns = flush_every_ms * 1'000'000ULL;
  options.encap.namespace_id = static_cast<std::uint16_t>(encap_namespace);
  options.encap.slots = static_cast<std::uint8_t>(encap_slots);
  options.encap.own_entry = !no_own_entry;
  options.encap_clamp_mss = mss_clamp;
  options.encap_traceparent = traceparent;
  if (traceparent && options.encap_interfaces.empty()) {
    std::fprintf(stderr,
                 "clt agent: --traceparent needs --encap IFACE, the interface to stamp on\n");
    return 2;
  }
  try {
    options.encap.trace_type = static_cast<std::uint32_t>(std::stoul(encap_trace_type, nullptr, 0));
  } catch (const std::exception&) {
    std::fprintf(stderr, "clt agent: --trace-type '%s' is not a number (e.g. 0xf60000)\n",
                 encap_trace_type.c_str());
    return 2;
  }
  if (!encap_domain.empty()) {
    options.encap.domain.clear();
    for (const auto& text : encap_domain) {
      const auto prefix = encap::Prefix::parse(text);
      if (!prefix) {
        std::fprintf(stderr, "clt agent: --domain '%s' is not an IPv6 prefix (e.g. fd00::/8)\n",
                     text.c_str());
        return 2;
      }
      options.encap.domain.push_back(*prefix);
    }
  }
  if (collectors.empty()) {
    if (const char* env = std::getenv("IOAM_COLLECTOR"); env && *env) collectors.push_back(env);
  }
  options.collectors = collectors;
  if (!cli::layout_policy(layout, "agent", options.layout_policy)) return 2;
  options.match_window = std::chrono::milliseconds(match_window_ms);
  options.flush_timeout = std::chrono::milliseconds(flush_timeout_ms);
  options.stats_interval = std::chrono::milliseconds(stats_interval_ms);
  options.duration = std::chrono::milliseconds(static_cast<long long>(duration_s * 1000));
  return agent::run_agent_with(options);
}
