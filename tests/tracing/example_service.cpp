// A small traced HTTP service and client on the tracing library, configured
// from the OTEL_* environment:
//   tracing_example_service serve PORT_FILE   serves GET /hello on 127.0.0.1
//       (port chosen by the kernel, written to PORT_FILE); each request gets a
//       server span continuing the caller's traceparent, with a child span.
//       Stops when stdin closes.
//   tracing_example_service call URL          one client span around GET URL,
//       traceparent injected; prints {"traceId","spanId"} of the client span.
#include <httplib.h>

#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tracing/env_config.h"
#include "tracing/propagation.h"

using namespace clt::tracing;

namespace {

int serve(Tracer& tracer, const std::string& port_file) {
  httplib::Server server;
  server.Get("/hello", [&](const httplib::Request& request, httplib::Response& response) {
    const auto parent = parse_traceparent(request.get_header_value("traceparent"),
                                          request.get_header_value("tracestate"));
    Span span = tracer.start_span(
        "GET /hello", {.kind = SpanKind::server,
                       .parent = parent ? &*parent : nullptr,
                       .attributes = {{"http.request.method", "GET"}, {"url.path", "/hello"}}});
    {
      Span work = tracer.start_span("compose greeting", {.parent = &span.context()});
      response.set_content("hello\n", "text/plain");
    }
    span.set_attribute("http.response.status_code", 200);
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "cannot bind a port on 127.0.0.1\n";
    return 1;
  }
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  { std::ofstream(port_file + ".tmp") << port << '\n'; }
  std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.stop();
  listener.join();
  return 0;
}

int call(Tracer& tracer, const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  Span span = tracer.start_span("GET " + path,
                                {.kind = SpanKind::client, .attributes = {{"url.full", url}}});
  HeaderMap carrier;
  inject(span.context(), carrier);
  httplib::Headers headers(carrier.begin(), carrier.end());
  httplib::Client client(origin);
  auto result = client.Get(path.c_str(), headers);
  if (!result) {
    span.set_status(StatusCode::error, httplib::to_string(result.error()));
    std::cerr << "GET " << url << ": " << httplib::to_string(result.error()) << '\n';
    return 1;
  }
  span.set_attribute("http.response.status_code", result->status);
  std::cout << nlohmann::json{{"traceId", clt::core::to_hex(span.context().trace_id)},
                              {"spanId", clt::core::to_hex(span.context().span_id)},
                              {"status", result->status}}
                   .dump()
            << std::endl;
  return result->status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "serve" && std::string(argv[1]) != "call")) {
    std::cerr << "usage: tracing_example_service serve PORT_FILE | call URL\n";
    return 2;
  }
  TracingConfig config;
  std::string error;
  if (!tracing_config_from_env(process_environment(), config, error)) {
    std::cerr << error << '\n';
    return 2;
  }
  auto provider = make_tracer_provider(config, std::cout, error);
  if (!provider) {
    std::cerr << error << '\n';
    return 2;
  }
  Tracer& tracer = provider->tracer("clt.example", "0.1.0");
  const int status =
      std::string(argv[1]) == "serve" ? serve(tracer, argv[2]) : call(tracer, argv[2]);
  if (!provider->force_flush(std::chrono::seconds(10))) {
    std::cerr << "spans not flushed within 10 s\n";
    return 1;
  }
  return status;
}
