#include "demo/demo_services.h"

#include <httplib.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "demo/keepalive_client.h"
#include "demo/service_tracing.h"
#include "encap/clt_socket.h"
#include "os/signals.h"
#include "tracing/clt_span.h"
#include "tracing/propagation.h"

namespace clt::demo {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

tracing::HeaderMap lower_case_headers(const httplib::Headers& headers) {
  tracing::HeaderMap out;
  for (const auto& [k, v] : headers) {
    std::string key = k;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[key] = v;
  }
  return out;
}

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// Serves until SIGTERM/SIGINT; then flushes the spans. Returns the exit status.
int serve(httplib::Server& server, const std::string& what, std::uint16_t port,
          tracing::TracerProvider& provider) {
  bool listened = false;
  {
    os::StopOnSignal on_signal([&] { server.stop(); });
    listened = server.listen("::", port);
  }
  provider.force_flush(std::chrono::seconds(3));
  if (!listened) {
    std::fprintf(stderr, "%s: cannot listen on [::]:%u (port in use?)\n", what.c_str(), port);
    return 1;
  }
  return 0;
}

struct SubRequestResult {
  std::string name;
  std::string span_id;
  double duration_ms = 0;
  int status = 0;
  std::string error;
};

// Calls one sub-request inside its own client span, with CLT on the socket for
// exactly that span's duration.
SubRequestResult call_sub_request(tracing::Tracer& tracer, const encap::PreparedSocket& socket,
                                  KeepAliveClient& backend, const std::string& backend_node,
                                  const tracing::SpanContext& parent, const std::string& path,
                                  const std::string& payload) {
  SubRequestResult result;
  result.name = path;
  tracing::StartSpanOptions options;
  options.parent = &parent;
  options.attributes = {{"http.request.method", "POST"},
                        {"url.path", path},
                        {"server.address", backend_node},
                        {"network.transport", "tcp"},
                        {"network.type", "ipv6"}};
  auto start = Clock::now();
  auto call = tracing::start_clt_span(tracer, socket, "POST " + path, options);
  result.span_id = core::to_hex(call.span().context().span_id);
  if (auto clt = call.clt_result(); clt && !clt->ok()) {
    call.span().set_attribute("clt.error", encap::describe(clt->status));
  }
  KeepAliveClient::Headers headers = {
      {"traceparent", tracing::format_traceparent(call.span().context())},
      {"Content-Type", "application/octet-stream"}};
  HttpResponse response;
  if (!backend.request("POST", path, headers, payload, response, result.error)) {
    call.span().set_status(tracing::StatusCode::error, result.error);
  } else {
    result.status = response.status;
    call.span().set_attribute("http.response.status_code",
                              static_cast<std::int64_t>(response.status));
    if (response.status != 200) call.span().set_status(tracing::StatusCode::error);
  }
  call.end();
  result.duration_ms = elapsed_ms(start);
  return result;
}

}  // namespace

int run_api_service(int argc, char** argv) {
  CLI::App app{"Demo API entrypoint (athos): GET /api/request", "clt demo service api"};
  std::uint16_t port = 8080;
  std::string backend_address = "[fd00:2::2]:8081";
  std::string backend_node = "aramis";
  std::string otlp = "unix:/run/clt/demo/otlp.sock";
  std::size_t payload_bytes = 8192;
  std::string node = "athos";
  app.add_option("--port", port, "listen port")->capture_default_str();
  app.add_option("--backend", backend_address, "backend as [IPv6]:port")->capture_default_str();
  app.add_option("--backend-node", backend_node, "the backend's node name (server.address)")
      ->capture_default_str();
  app.add_option("--otlp", otlp, "OTLP/gRPC endpoint of the collector")->capture_default_str();
  app.add_option("--payload", payload_bytes, "bytes sent with each sub-request")
      ->capture_default_str();
  app.add_option("--node", node, "node name (resource host.name)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto close_bracket = backend_address.find("]:");
  if (backend_address.empty() || backend_address[0] != '[' || close_bracket == std::string::npos) {
    std::fprintf(stderr, "api: --backend must be [IPv6]:port, got '%s'\n", backend_address.c_str());
    return 2;
  }
  std::string backend_host = backend_address.substr(1, close_bracket - 1);
  auto backend_port =
      static_cast<std::uint16_t>(std::stoi(backend_address.substr(close_bracket + 2)));

  std::string error;
  auto provider = make_service_tracing("api", node, otlp, error);
  if (!provider) {
    std::fprintf(stderr, "api: tracing: %s\n", error.c_str());
    return 1;
  }
  tracing::Tracer& tracer = provider->tracer("clt-demo-api");
  auto encap = encap::Encapsulator::create(encap::Config{}, error);
  if (!encap) {
    std::fprintf(stderr, "api: CLT: %s\n", error.c_str());
    return 1;
  }
  const std::string payload(payload_bytes, 'x');

  httplib::Server server;
  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    KeepAliveClient backend;
    std::string why;
    HttpResponse answer;
    if (!backend.connect(backend_host, backend_port, 1000, why) ||
        !backend.request("GET", "/healthz", {}, {}, answer, why) || answer.status != 200) {
      res.status = 503;
      res.set_content("backend not reachable: " + why + "\n", "text/plain");
      return;
    }
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/api/request", [&](const httplib::Request& req, httplib::Response& res) {
    auto start = Clock::now();
    auto incoming = tracing::extract(lower_case_headers(req.headers));
    tracing::StartSpanOptions options;
    options.kind = tracing::SpanKind::server;
    if (incoming) options.parent = &*incoming;
    options.attributes = {{"http.request.method", "GET"}, {"http.route", "/api/request"}};
    tracing::Span span = tracer.start_span("GET /api/request", options);

    json subs = json::array();
    std::string failure;
    // ONE connection for both sub-requests: CLT follows the span, not the socket.
    KeepAliveClient backend;
    if (!backend.connect(backend_host, backend_port, 3000, failure)) {
      span.set_status(tracing::StatusCode::error, failure);
    } else {
      // The socket's checks are done once per connection; each span edge is
      // then one setsockopt.
      encap::PreparedSocket socket = encap->prepare(backend.fd());
      for (const char* path : {"/check", "/validate"}) {
        SubRequestResult r =
            call_sub_request(tracer, socket, backend, backend_node, span.context(), path, payload);
        subs.push_back({{"name", r.name},
                        {"span_id", r.span_id},
                        {"duration_ms", r.duration_ms},
                        {"status", r.status}});
        if (!r.error.empty() || r.status != 200) {
          failure =
              r.name + ": " + (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
          span.set_status(tracing::StatusCode::error, failure);
          break;
        }
      }
    }
    std::string trace_id = core::to_hex(span.context().trace_id);
    span.end();
    json answer = {
        {"trace_id", trace_id}, {"duration_ms", elapsed_ms(start)}, {"sub_requests", subs}};
    if (!failure.empty()) {
      answer["error"] = failure;
      res.status = 502;
    }
    res.set_content(answer.dump(), "application/json");
  });
  return serve(server, "api", port, *provider);
}

int run_backend_service(int argc, char** argv) {
  CLI::App app{"Demo backend (aramis): POST /check, POST /validate", "clt demo service backend"};
  std::uint16_t port = 8081;
  std::string otlp = "unix:/run/clt/demo/otlp.sock";
  int min_delay_ms = 0;
  int max_delay_ms = 100;
  std::string node = "aramis";
  app.add_option("--port", port, "listen port")->capture_default_str();
  app.add_option("--otlp", otlp, "OTLP/gRPC endpoint of the collector")->capture_default_str();
  app.add_option("--min-delay-ms", min_delay_ms, "smallest random delay")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--max-delay-ms", max_delay_ms, "largest random delay")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--node", node, "node name (resource host.name)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (min_delay_ms > max_delay_ms) std::swap(min_delay_ms, max_delay_ms);
  std::string error;
  auto provider = make_service_tracing("backend", node, otlp, error);
  if (!provider) {
    std::fprintf(stderr, "backend: tracing: %s\n", error.c_str());
    return 1;
  }
  tracing::Tracer& tracer = provider->tracer("clt-demo-backend");
  std::mutex random_mutex;
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(min_delay_ms, max_delay_ms);

  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  auto work = [&](const httplib::Request& req, httplib::Response& res) {
    auto incoming = tracing::extract(lower_case_headers(req.headers));
    tracing::StartSpanOptions options;
    options.kind = tracing::SpanKind::server;
    if (incoming) options.parent = &*incoming;
    options.attributes = {{"http.request.method", "POST"},
                          {"http.route", req.path},
                          {"http.request.body.size", static_cast<std::int64_t>(req.body.size())}};
    tracing::Span span = tracer.start_span("POST " + req.path, options);
    int delay;
    {
      std::lock_guard lock(random_mutex);
      delay = delay_ms(random);
    }
    span.set_attribute("demo.delay_ms", static_cast<std::int64_t>(delay));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    res.set_content("{\"ok\":true}", "application/json");
  };
  server.Post("/check", work);
  server.Post("/validate", work);
  return serve(server, "backend", port, *provider);
}

}  // namespace clt::demo
