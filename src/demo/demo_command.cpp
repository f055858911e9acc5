#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "demo/demo_options.h"
#include "demo/services.h"

namespace {

std::string self_binary() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "clt";
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string default_run_dir(const std::string& prefix) {
  std::string name = prefix;
  while (!name.empty() && (name.back() == '-' || name.back() == '_')) name.pop_back();
  return "/run/clt/" + (name.empty() ? std::string("demo") : name);
}

}  // namespace

int clt::cli::run_demo(int argc, char** argv) {
  // The parts the demo starts inside the namespaces are this same binary.
  if (argc >= 2 && std::string(argv[1]) == "service") {
    return clt::demo::run_service(argc - 1, argv + 1);
  }

  clt::demo::DemoOptions o;
  std::vector<std::string> congest;
  CLI::App app{
      "Run the CLT scenario on network namespaces: athos (API) -- porthos (router) -- aramis "
      "(server), with the collector, the agent, two traced services and a steady client. "
      "Prints one line per request (trace id, sub-request durations, path with per-hop "
      "delays). Keys while it runs: d = toggle delay, r = toggle rate limit, q = quit. "
      "Needs root.",
      "clt demo"};
  app.add_option("--requests,-n", o.requests, "stop after N requests (default: until Ctrl-C)")
      ->check(CLI::Range(0, 1000000));
  app.add_flag("--exit", o.exit_when_done, "tear down and exit after --requests (scripting)");
  app.add_flag("--json", o.json, "print one JSON summary at the end instead of live lines");
  app.add_option("--rate", o.rate, "requests per second")->check(CLI::Range(0.05, 100.0));
  app.add_option("--congest", congest,
                 "congestion on porthos's link towards aramis: porthos:200ms (delay) or "
                 "porthos:rate=1mbit (rate limit: a queue builds); porthos>athos:200ms delays "
                 "its link towards athos instead (the responses); repeatable");
  app.add_option("--prefix", o.prefix, "namespace name prefix")->capture_default_str();
  app.add_option("--ui-port", o.ui_port, "collector query API + UI port on 127.0.0.1")
      ->capture_default_str();
  app.add_option("--otlp-grpc-port", o.otlp_grpc_port, "collector OTLP/gRPC port")
      ->capture_default_str();
  app.add_option("--otlp-http-port", o.otlp_http_port, "collector OTLP/HTTP port")
      ->capture_default_str();
  app.add_option("--ioam-port", o.ioam_port, "collector IOAM report port")->capture_default_str();
  app.add_option("--api-port", o.api_port, "API service port (inside athos)")
      ->capture_default_str();
  app.add_option("--backend-port", o.backend_port, "backend service port (inside aramis)")
      ->capture_default_str();
  app.add_option("--run-dir", o.run_dir, "sockets, logs, database (default /run/clt/<prefix>)");
  app.add_option("--db", o.db_path, "collector database (default <run-dir>/traces.db)");
  app.add_option("--min-delay-ms", o.min_delay_ms, "backend's smallest random delay")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--max-delay-ms", o.max_delay_ms, "backend's largest random delay")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--payload", o.payload_bytes, "bytes sent with each sub-request")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  app.add_option("--trace-timeout-ms", o.trace_timeout_ms,
                 "how long to wait for a request's network data in the collector")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  app.add_option("--encap", o.encap,
                 "how the API service's packets get CLT: ebpf (per-packet datapath, service "
                 "without CAP_NET_RAW) or sockopt (sticky IPV6_HOPOPTS header)")
      ->check(CLI::IsMember({"ebpf", "sockopt"}))
      ->capture_default_str();
  app.add_flag("--zero-code", o.zero_code,
               "the services are unmodified Node.js HTTP servers traced by the official "
               "OpenTelemetry SDK (demo/zero-code), run without any capability; the agents read "
               "the ids from each request's traceparent and trace both directions");
  o.zero_code_dir = CLT_ZERO_CODE_DIR;
  app.add_option("--zero-code-dir", o.zero_code_dir,
                 "the zero-code services' directory, npm packages installed "
                 "(scripts/install-deps.sh zero-code)")
      ->capture_default_str();
  app.add_flag("--cleanup", o.cleanup, "first remove what an earlier run left behind");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const auto& text : congest) {
    std::string error;
    auto spec = clt::demo::parse_congestion(text, error);
    if (!spec) {
      std::fprintf(stderr, "clt demo: %s\n", error.c_str());
      return 2;
    }
    o.congestion.push_back(*spec);
  }
  if (o.zero_code && o.encap != "ebpf") {
    std::fprintf(stderr,
                 "clt demo: --zero-code reads the ids on the wire with the eBPF datapath; "
                 "--encap sockopt needs the services to call the library\n");
    return 2;
  }
  if (o.min_delay_ms > o.max_delay_ms) {
    std::fprintf(stderr, "clt demo: --min-delay-ms must not exceed --max-delay-ms\n");
    return 2;
  }
  if (o.exit_when_done && o.requests == 0) {
    std::fprintf(stderr, "clt demo: --exit needs --requests N\n");
    return 2;
  }
  if (o.json && o.requests == 0) {
    std::fprintf(stderr, "clt demo: --json needs --requests N (one summary at the end)\n");
    return 2;
  }
  if (o.prefix.empty() || o.prefix.find('/') != std::string::npos) {
    std::fprintf(stderr, "clt demo: --prefix must be a non-empty name without '/'\n");
    return 2;
  }
  {
    std::vector<std::uint16_t> ports = {o.ui_port, o.otlp_grpc_port, o.otlp_http_port, o.ioam_port};
    std::sort(ports.begin(), ports.end());
    if (std::adjacent_find(ports.begin(), ports.end()) != ports.end()) {
      std::fprintf(stderr,
                   "clt demo: --ui-port, --otlp-grpc-port, --otlp-http-port and --ioam-port must "
                   "all differ\n");
      return 2;
    }
    if (o.api_port == o.backend_port) {
      // Both could share a port (different namespaces), but logs would be ambiguous.
      std::fprintf(stderr, "clt demo: --api-port and --backend-port must differ\n");
      return 2;
    }
  }
  if (o.run_dir.empty()) o.run_dir = default_run_dir(o.prefix);
  if (o.run_dir.size() + sizeof("/otlp.sock") > 108) {
    std::fprintf(stderr,
                 "clt demo: --run-dir '%s' is too long for the Unix sockets in it (at most %zu "
                 "characters)\n",
                 o.run_dir.c_str(), 108 - sizeof("/otlp.sock"));
    return 2;
  }
  if (o.db_path.empty()) o.db_path = o.run_dir + "/traces.db";
  o.clt_binary = self_binary();
  return clt::demo::run_demo(o);
}
