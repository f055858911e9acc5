#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demo/congestion.h"

namespace clt::demo {

struct DemoOptions {
  std::string prefix = "clt-demo-";  // namespaces are prefix + athos/porthos/aramis
  int requests = 0;                  // 0: until Ctrl-C
  bool exit_when_done = false;
  bool json = false;
  double rate = 1.0;  // /api/request calls per second
  std::vector<CongestionSpec> congestion;
  std::uint16_t ui_port = 16686;
  std::uint16_t otlp_grpc_port = 4317;
  std::uint16_t otlp_http_port = 4318;
  std::uint16_t ioam_port = 7123;
  std::uint16_t api_port = 8080;
  std::uint16_t backend_port = 8081;
  std::string run_dir;  // default /run/clt/<prefix>
  std::string db_path;  // default <run_dir>/traces.db
  int min_delay_ms = 0;
  int max_delay_ms = 100;
  std::size_t payload_bytes = 8192;  // body of each sub-request: fits TCP's initial window
  int trace_timeout_ms = 15000;      // wait for a request's network data
  bool cleanup = false;              // remove leftovers of an earlier run first
  // How athos puts CLT on the API service's packets: "ebpf" (the datapath,
  // loaded by an agent on athos; the service holds no CAP_NET_RAW) or
  // "sockopt" (the sticky IPV6_HOPOPTS header, CAP_NET_RAW).
  std::string encap = "ebpf";
  // The services are the Node.js ones of demo/zero-code, traced by the
  // OpenTelemetry SDK alone; the agents read their ids on the wire
  // (`--encap IF --traceparent` on both ends) and capture both directions.
  bool zero_code = false;
  std::string zero_code_dir;          // where api.js, backend.js, tracing.js, node_modules are
  std::uint32_t service_uid = 65534;  // the Node.js services run as this uid/gid (nobody),
  std::uint32_t service_gid = 65534;  // without any capability
  std::string clt_binary;             // this executable
};

// Runs the whole demo; returns the process exit status.
int run_demo(const DemoOptions& options);

}  // namespace clt::demo
