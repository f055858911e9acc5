#pragma once

#include <memory>
#include <string>
#include <thread>

#include "collector/ingest_queue.h"
#include "collector/metrics.h"
#include "collector/query_service.h"

namespace httplib {
class Server;
}

namespace clt::collector {

struct HttpEndpoint {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: disabled
};

// An httplib server on its own thread.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  httplib::Server& server() { return *server_; }
  // Binds (so errors are reported before returning) and serves on a thread.
  bool start(const HttpEndpoint& endpoint, std::string& error);
  void stop();
  int bound_port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

struct OtlpHttpOptions {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds ack_timeout{30'000};
};

// POST /v1/traces, protobuf or JSON (OTLP/HTTP).
void install_otlp_http_routes(httplib::Server& server, IngestQueue& queue, Metrics& metrics,
                              OtlpHttpOptions options);

// The Jaeger-compatible query API, /metrics, /healthz and the UI.
void install_query_routes(httplib::Server& server, QueryService& query, Metrics& metrics);

}  // namespace clt::collector
