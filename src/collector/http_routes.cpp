#include "collector/http_servers.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "collector/otlp_spans.h"
#include "collector/store_writer_loop.h"
#include "otlp/otlp_json.h"

#ifdef CLT_HAVE_UI
#include "ui/ui_assets.h"
#endif

namespace clt::collector {

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kProtobuf = "application/x-protobuf";

void count_refusals(httplib::Server& server, Metrics& metrics) {
  server.set_logger([&metrics](const httplib::Request&, const httplib::Response& res) {
    if (res.status == 413) metrics.requests_too_large.fetch_add(1, std::memory_order_relaxed);
  });
}

}  // namespace

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::start(const HttpEndpoint& endpoint, std::string& error) {
  // Small JSON answers must not wait for the peer's delayed ACK.
  server_->set_tcp_nodelay(true);
  // No SO_REUSEPORT (httplib's default): a second collector on the same port
  // must fail, not silently take half of the traffic.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (!server_->bind_to_port(endpoint.host.c_str(), endpoint.port)) {
    error = "cannot listen on " + endpoint.host + ":" + std::to_string(endpoint.port) +
            " (in use? use another port or stop the other process)";
    return false;
  }
  port_ = endpoint.port;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void install_otlp_http_routes(httplib::Server& server, IngestQueue& queue, Metrics& metrics,
                              OtlpHttpOptions options) {
  server.set_payload_max_length(options.max_body_bytes);
  count_refusals(server, metrics);
  server.Post("/v1/traces", [&queue, &metrics, options](const httplib::Request& req,
                                                        httplib::Response& res) {
    const std::string type = req.get_header_value("Content-Type");
    const bool json = type.rfind("application/json", 0) == 0;
    const bool proto =
        type.rfind("application/x-protobuf", 0) == 0 || type.rfind("application/protobuf", 0) == 0;
    auto fail = [&](int status, const std::string& message) {
      res.status = status;
      if (json) {
        res.set_content(nlohmann::json{{"code", status}, {"message", message}}.dump(), kJson);
      } else {
        res.set_content(message + "\n", "text/plain");
      }
    };
    // httplib has already inflated gzip/deflate/br bodies (and refused other
    // encodings with 415).
    if (!json && !proto) {
      metrics.otlp_requests_rejected.fetch_add(1, std::memory_order_relaxed);
      fail(415, "Content-Type '" + type +
                    "' is not OTLP; use application/x-protobuf or application/json");
      return;
    }
    ExportTraceServiceRequest request;
    std::string error;
    if (json) {
      if (!otlp::parse_traces_json(req.body, request, error)) {
        metrics.otlp_requests_rejected.fetch_add(1, std::memory_order_relaxed);
        fail(400, "the body is not valid OTLP/JSON: " + error);
        return;
      }
    } else if (!request.ParseFromString(req.body)) {
      metrics.otlp_requests_rejected.fetch_add(1, std::memory_order_relaxed);
      fail(400, "the body is not a valid OTLP ExportTraceServiceRequest protobuf message");
      return;
    }
    OtlpConversion conv;
    convert_otlp(request, conv);
    metrics.otlp_spans_rejected.fetch_add(static_cast<std::uint64_t>(conv.rejected),
                                          std::memory_order_relaxed);
    const std::size_t accepted = conv.rows.size();
    if (accepted > 0) {
      const std::uint64_t seq = queue.add_spans(std::move(conv.rows), false);
      if (seq == 0) {
        metrics.requests_refused_overload.fetch_add(1, std::memory_order_relaxed);
        res.set_header("Retry-After", "1");
        fail(503, "the collector is overloaded; retry after 1 s");
        return;
      }
      switch (queue.wait_committed(seq, options.ack_timeout)) {
        case IngestQueue::Outcome::committed:
          break;
        case IngestQueue::Outcome::timeout:
          res.set_header("Retry-After", "1");
          fail(503, "storing the spans took too long; retry");
          return;
        default:
          res.set_header("Retry-After", "1");
          fail(503, "the collector could not store the spans; retry");
          return;
      }
      metrics.otlp_spans_received.fetch_add(accepted, std::memory_order_relaxed);
    }
    otlp::ExportTraceServiceResponse reply;
    if (conv.rejected > 0) {
      reply.mutable_partial_success()->set_rejected_spans(conv.rejected);
      reply.mutable_partial_success()->set_error_message(conv.first_error);
    }
    res.status = 200;
    if (json)
      res.set_content(otlp::to_response_json(reply), kJson);
    else
      res.set_content(reply.SerializeAsString(), kProtobuf);
  });
}

void install_query_routes(httplib::Server& server, QueryService& query, Metrics& metrics) {
  auto reply = [&metrics](httplib::Response& res, int status, std::string body) {
    metrics.query_requests.fetch_add(1, std::memory_order_relaxed);
    res.status = status;
    res.set_content(std::move(body), kJson);
  };
  server.Get("/api/services", [&query, reply](const httplib::Request&, httplib::Response& res) {
    std::string body;
    const int status = query.services(body);
    reply(res, status, std::move(body));
  });
  server.Get(R"(/api/services/([^/]+)/operations)",
             [&query, reply](const httplib::Request& req, httplib::Response& res) {
               std::string body;
               const int status = query.operations(req.matches[1], body);
               reply(res, status, std::move(body));
             });
  server.Get(R"(/api/operations)",
             [&query, reply](const httplib::Request& req, httplib::Response& res) {
               // Jaeger's newer form: /api/operations?service=S -> [{"name": ..}]
               std::string body;
               const int status = query.operations(req.get_param_value("service"), body);
               nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
               if (status == 200 && j.is_object() && j["data"].is_array()) {
                 nlohmann::json ops = nlohmann::json::array();
                 for (const auto& op : j["data"]) ops.push_back({{"name", op}, {"spanKind", ""}});
                 j["data"] = ops;
                 body = j.dump();
               }
               reply(res, status, std::move(body));
             });
  server.Get(R"(/api/traces/([0-9a-fA-F]+))",
             [&query, reply](const httplib::Request& req, httplib::Response& res) {
               std::string body;
               const int status = query.trace(req.matches[1], body);
               reply(res, status, std::move(body));
             });
  server.Get("/api/traces", [&query, reply](const httplib::Request& req, httplib::Response& res) {
    std::multimap<std::string, std::string> params(req.params.begin(), req.params.end());
    TraceQuery q;
    std::string error;
    if (!parse_trace_query(params, now_us(), q, error)) {
      reply(res, 400, jaeger_error(400, error));
      return;
    }
    std::string body;
    const int status = query.search(q, body);
    reply(res, status, std::move(body));
  });
  server.Get(
      "/api/ioam/records", [&query, reply](const httplib::Request& req, httplib::Response& res) {
        std::string body;
        const int status =
            query.ioam_records(req.get_param_value("traceID"), req.get_param_value("spanID"), body);
        reply(res, status, std::move(body));
      });
  server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render_prometheus(), "text/plain; version=0.0.4");
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get(R"(/api/.*)", [reply](const httplib::Request& req, httplib::Response& res) {
    reply(res, 404, jaeger_error(404, "no such API endpoint: " + req.path));
  });
  server.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
#ifdef CLT_HAVE_UI
    const clt::ui::Asset* asset = clt::ui::find_asset(req.path);
    const auto slash = req.path.find_last_of('/');
    const bool looks_like_file =
        req.path.find('.', slash == std::string::npos ? 0 : slash) != std::string::npos;
    if (!asset && !looks_like_file) asset = clt::ui::find_asset("/");
    if (asset) {
      res.set_content(std::string(asset->body), std::string(asset->content_type).c_str());
      return;
    }
    res.status = 404;
    res.set_content("not found: " + req.path + "\n", "text/plain");
#else
    res.status = req.path == "/" ? 200 : 404;
    res.set_content(
        "clt collector: this build has no web UI; the query API is under /api/ (e.g. "
        "/api/services)\n",
        "text/plain");
#endif
  });
}

}  // namespace clt::collector
