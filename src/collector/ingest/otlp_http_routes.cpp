#include "collector/ingest/otlp_http_routes.h"

#include <nlohmann/json.hpp>

#include "collector/ingest/otlp_http_request.h"
#include "otlp/otlp_json.h"

namespace clt::collector {

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kProtobuf = "application/x-protobuf";

// An OTLP/HTTP error: a JSON {"code", "message"} for JSON requests, text
// otherwise; 503 says when to retry.
HttpResponse otlp_error(bool json, int status, const std::string& message) {
  HttpResponse res;
  res.status = status;
  if (json) {
    res.set_content(nlohmann::json{{"code", status}, {"message", message}}.dump(
                        -1, ' ', false, nlohmann::json::error_handler_t::replace),
                    kJson);
  } else {
    res.set_content(message + "\n", "text/plain");
  }
  if (status == 503) res.set_header("Retry-After", "1");
  return res;
}

HttpResponse otlp_success(bool json, const OtlpAcceptResult& result) {
  otlp::ExportTraceServiceResponse reply;
  if (result.rejected_spans > 0) {
    reply.mutable_partial_success()->set_rejected_spans(result.rejected_spans);
    reply.mutable_partial_success()->set_error_message(result.first_error);
  }
  HttpResponse res;
  if (json)
    res.set_content(otlp::to_response_json(reply), kJson);
  else
    res.set_content(reply.SerializeAsString(), kProtobuf);
  return res;
}

}  // namespace

void install_otlp_http_routes(HttpServer& server, OtlpAcceptor& acceptor, Metrics& metrics,
                              std::size_t max_body_bytes) {
  server.route(
      "POST", "/v1/traces",
      HttpHandler([&acceptor, &metrics, max_body_bytes](HttpRequest& req, HttpReply reply) {
        ExportTraceServiceRequest request;
        const OtlpHttpDecoding d =
            decode_otlp_http(req.header("Content-Type"), req.header("Content-Encoding"), req.body,
                             max_body_bytes, request);
        if (d.status != 200) {
          auto& counter =
              d.status == 413 ? metrics.requests_too_large : metrics.otlp_requests_rejected;
          counter.fetch_add(1, std::memory_order_relaxed);
          return reply(otlp_error(d.json, d.status, d.error));
        }
        acceptor.accept(request, [reply, json = d.json](const OtlpAcceptResult& r) {
          if (r.status == OtlpAcceptResult::Status::ok) return reply(otlp_success(json, r));
          reply(otlp_error(json, 503, r.message));
        });
      }));
}

}  // namespace clt::collector
