#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "collector/http/http_message.h"
#include "collector/model/metrics.h"

namespace clt::collector {

class ServerTlsContext;
class TlsRefusals;

struct HttpEndpoint {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (bound_port() says which)
};

struct HttpServerOptions {
  std::size_t max_body_bytes = 4 * 1024 * 1024;          // as received, before Content-Encoding
  std::string body_limit_origin = "--max-request-size";  // named when a body is refused
  std::size_t max_header_bytes = 16 * 1024;
  // The request head (request line and headers) must be complete this long
  // after the connection opened or the previous answer was sent: it is also
  // the keep-alive idle time. Not reset by each byte, so a client trickling
  // header lines cannot hold a connection longer.
  std::chrono::milliseconds header_timeout{10'000};
  // The whole request (head and body) must arrive within this, and the
  // answer must be taken within it again.
  std::chrono::milliseconds request_timeout{60'000};
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 256;  // by remote address
  // Request bodies being received, over all connections: beyond it a request
  // gets 503 and Retry-After.
  std::size_t body_budget_bytes = 64 * 1024 * 1024;
  std::size_t workers = 2;
  std::size_t max_queued_requests = 256;
  // TLS on every connection when set: the handshake must complete within
  // header_timeout; refusals are counted and logged under tls_listener.
  std::shared_ptr<ServerTlsContext> tls;
  TlsListener tls_listener = TlsListener::query_http;
  TlsRefusals* tls_refusals = nullptr;
};

// Hands the answer back; may be called from any thread, once.
using HttpReply = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&, HttpReply)>;
using HttpSyncHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Where a handler runs: quick ones (health, metrics, static files) on the
// network thread, the rest on the server's worker threads.
enum class RunOn { network_thread, worker };

// An event-driven HTTP/1.1 server (Boost.Beast, TLS through OpenSSL with
// Boost.Asio's ssl stream): one network thread serves
// every connection, so slow or idle clients cost memory (bounded by the
// connection caps), never a thread; handlers run on a small worker pool.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Patterns are paths whose segments are literal, "*" (one non-empty
  // segment, captured) or, last, "**" (the rest, captured). The first
  // route that matches serves; GET routes also serve HEAD.
  void route(std::string method, std::string pattern, HttpHandler handler,
             RunOn where = RunOn::worker);
  void route(std::string method, std::string pattern, HttpSyncHandler handler,
             RunOn where = RunOn::worker);

  // Binds (errors are reported before returning) and serves on a thread.
  bool start(const HttpEndpoint& endpoint, std::string& error);
  void stop();
  int bound_port() const;

  struct Impl;  // the Beast parts, in http_server.cpp only

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace clt::collector
