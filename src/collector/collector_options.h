#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/clickhouse/clickhouse_store.h"
#include "collector/http/http_server.h"
#include "collector/ingest/grpc_receivers.h"
#include "collector/ingest/otlp_spans.h"
#include "collector/model/node_names.h"
#include "collector/store/sqlite_store.h"
#include "collector/store_writer_loop.h"
#include "collector/tls/server_tls_options.h"

namespace clt::collector {

// Everything `clt collector` is configured with.
struct CollectorOptions {
  std::string listen_host = "127.0.0.1";
  std::vector<std::string> ioam_grpc;  // host:port (port 0: any free one) or unix:/path
  std::vector<std::string> otlp_grpc;
  std::optional<HttpEndpoint> otlp_http;  // none: off
  std::optional<HttpEndpoint> query_http;
  StoreOptions store;  // SQLite's, unless clickhouse is set
  std::optional<clickhouse::StoreOptions> clickhouse;
  WriterOptions writer;
  NodeNames node_names;
  std::size_t max_request_bytes = 4 * 1024 * 1024;
  HttpServerOptions http;  // max_body_bytes follows max_request_bytes
  std::size_t max_ioam_streams = 4096;
  SpanLimits span_limits;
  std::size_t max_query_response_bytes = 32 * 1024 * 1024;
  std::size_t ingest_queue_bytes = 64 * 1024 * 1024;
  std::string otlp_endpoint;  // empty: no export
  std::string otlp_protocol = "http/protobuf";
  std::size_t export_queue_spans = 100'000;
  ServerTlsOptions tls;    // every TCP listener
  tls::TlsPaths otlp_tls;  // the OTLP exporter's client side
  // The query API's and /metrics' bearer token (--auth-token-file); empty: open.
  std::string auth_token;
};

// Parses the command line; returns -1 to go on, or an exit code (help, errors
// reported on stderr).
int parse_collector_options(int argc, char** argv, CollectorOptions& out);

// "7123" -> "<host>:7123"; "h:p" and "unix:/p" unchanged; "" for "off".
std::string grpc_address(const std::string& spec, const std::string& default_host);
// "[host:]port" -> endpoint, "off" -> none; false if it is neither.
bool parse_http_endpoint(const std::string& spec, const std::string& default_host,
                         std::optional<HttpEndpoint>& out);

}  // namespace clt::collector
