#pragma once

#include <optional>
#include <string>
#include <string_view>

// Endpoint spellings accepted by the OTLP senders, as OTEL_EXPORTER_OTLP_*
// variables write them.
namespace clt::otlp {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  int port = 0;
  std::string path;  // starts with '/', may be just "/"
};

// "http://host:port/path"; nullopt (with `error` set) if it is not one.
std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error);

// The OTLP/HTTP traces URL for a base endpoint: appends "v1/traces" to its path.
std::string traces_url_from_base(std::string_view base_url);

// The gRPC target for an endpoint: "http://host:port" -> "host:port",
// "unix:/path" and "host:port" unchanged. `tls` says whether it was https.
std::string grpc_target_from_endpoint(std::string_view endpoint, bool& tls);

}  // namespace clt::otlp
