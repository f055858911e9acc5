// A small traced HTTP service and client on the tracing library, configured
// from the OTEL_* environment:
//   tracing_example_service serve PORT_FILE [ADDRESS]   serves GET /hello on
//       ADDRESS (127.0.0.1; "::" for every address), port chosen by the
//       kernel and written to PORT_FILE; each request gets a server span
//       continuing the caller's traceparent, with a child span. Stops when
//       stdin closes.
//   tracing_example_service call URL          one client span around GET URL,
//       traceparent injected; prints {"traceId","spanId"} of the client span.
//   tracing_example_service call-clt URL      the same over an IPv6 socket
//       that carries CLT for the client span's life (URL http://[addr]:port/p);
//       also prints the CLT outcome ("clt").
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tracing/clt_span.h"
#include "tracing/env_config.h"
#include "tracing/propagation.h"

using namespace clt::tracing;

namespace {

int serve(Tracer& tracer, const std::string& port_file, const std::string& address) {
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
  const int port = server.bind_to_any_port(address.c_str());
  if (port <= 0) {
    std::cerr << "cannot bind a port on " << address << '\n';
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

// A plain HTTP/1.1 GET on our own socket: CLT needs the connected socket,
// which an HTTP client library keeps to itself.
int call_with_clt(Tracer& tracer, const std::string& url) {
  const auto open = url.find("://[");
  const auto close = url.find("]:", open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    std::cerr << "call-clt needs a URL like http://[fd00:2::2]:8080/hello, got " << url << '\n';
    return 2;
  }
  const std::string host = url.substr(open + 4, close - open - 4);
  const auto path_start = url.find('/', close);
  const std::string port = url.substr(close + 2, path_start - close - 2);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  sockaddr_in6 peer{};
  peer.sin6_family = AF_INET6;
  peer.sin6_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  if (::inet_pton(AF_INET6, host.c_str(), &peer.sin6_addr) != 1) {
    std::cerr << "not an IPv6 address: " << host << '\n';
    return 2;
  }
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
    std::cerr << "cannot connect to " << url << ": " << std::strerror(errno) << '\n';
    return 1;
  }
  std::string error;
  auto encapsulator = clt::encap::Encapsulator::create(clt::encap::Config{}, error);
  if (!encapsulator) {
    std::cerr << error << '\n';
    return 1;
  }
  std::string response;
  nlohmann::json out;
  {
    auto call = start_clt_span(tracer, *encapsulator, fd, "GET " + path,
                               {.attributes = {{"url.full", url}}});
    const auto clt_result = call.clt_result();
    out["clt"] = clt_result ? clt::encap::to_string(clt_result->status) : "not sampled";
    HeaderMap headers;
    inject(call.span().context(), headers);
    std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: [" + host + "]:" + port + "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      call.span().set_status(StatusCode::error, "send failed");
    }
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      response.append(buffer, static_cast<std::size_t>(n));
    out["traceId"] = clt::core::to_hex(call.span().context().trace_id);
    out["spanId"] = clt::core::to_hex(call.span().context().span_id);
  }
  ::close(fd);
  const bool ok = response.starts_with("HTTP/1.1 200");
  out["status"] = ok ? 200 : 0;
  std::cout << out.dump() << std::endl;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (!((mode == "serve" && (argc == 3 || argc == 4)) ||
        ((mode == "call" || mode == "call-clt") && argc == 3))) {
    std::cerr
        << "usage: tracing_example_service serve PORT_FILE [ADDRESS] | call URL | call-clt URL\n";
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
  int status = 0;
  if (mode == "serve") {
    status = serve(tracer, argv[2], argc == 4 ? argv[3] : "127.0.0.1");
  } else if (mode == "call") {
    status = call(tracer, argv[2]);
  } else {
    status = call_with_clt(tracer, argv[2]);
  }
  if (!provider->force_flush(std::chrono::seconds(10))) {
    std::cerr << "spans not flushed within 10 s\n";
    return 1;
  }
  return status;
}
