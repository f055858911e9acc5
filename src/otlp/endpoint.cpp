#include "otlp/endpoint.h"

#include <charconv>

namespace clt::otlp {

std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error) {
  HttpUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "endpoint \"" + std::string(url) + "\" is not a URL: write it as http://host:port";
    return std::nullopt;
  }
  out.scheme = std::string(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    error = "endpoint \"" + std::string(url) + "\": scheme must be http or https";
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  out.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "endpoint \"" + std::string(url) + "\": unterminated IPv6 address";
      return std::nullopt;
    }
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "endpoint \"" + std::string(url) + "\": missing host";
    return std::nullopt;
  }
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      error = "endpoint \"" + std::string(url) + "\": bad port \"" + std::string(port_text) + "\"";
      return std::nullopt;
    }
    out.port = port;
  }
  return out;
}

std::string traces_url_from_base(std::string_view base_url) {
  std::string url(base_url);
  if (url.empty() || url.back() != '/') url.push_back('/');
  return url + "v1/traces";
}

std::string grpc_target_from_endpoint(std::string_view endpoint, bool& tls) {
  tls = false;
  if (endpoint.starts_with("https://")) {
    tls = true;
    endpoint.remove_prefix(8);
  } else if (endpoint.starts_with("http://")) {
    endpoint.remove_prefix(7);
  } else {
    return std::string(endpoint);
  }
  if (const auto slash = endpoint.find('/'); slash != std::string_view::npos)
    endpoint = endpoint.substr(0, slash);
  return std::string(endpoint);
}

}  // namespace clt::otlp
