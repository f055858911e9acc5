#include "agent/collector_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace clt::agent {

namespace {

bool parse_port(std::string_view text, unsigned& port) {
  if (text.empty() || text.size() > 5) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

}  // namespace

std::optional<CollectorAddress> parse_collector_address(std::string_view text, std::string& error) {
  const std::string shown(text);
  const std::string expected = " (expected HOST:PORT, [IPV6]:PORT or unix:/path)";
  if (text.substr(0, 5) == "unix:") {
    const std::string_view path = text.substr(5);
    if (path.empty() || path.front() != '/') {
      error = "collector address '" + shown + "' needs an absolute socket path after unix:";
      return std::nullopt;
    }
    return CollectorAddress{shown, "", true};
  }
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "collector address '" + shown + "' is not valid" + expected;
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      error = "collector address '" + shown + "' has no port" + expected;
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      error = "collector address '" + shown + "': put an IPv6 address in brackets" + expected;
      return std::nullopt;
    }
  }
  unsigned port = 0;
  if (host.empty() || !parse_port(port_text, port)) {
    error = "collector address '" + shown + "' needs a host and a port from 1 to 65535" + expected;
    return std::nullopt;
  }
  CollectorAddress out;
  out.host = std::string(host);
  if (bracketed) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) {
      error = "collector address '" + shown + "': '" + out.host + "' is not an IPv6 address";
      return std::nullopt;
    }
    out.grpc_target = "ipv6:[" + out.host + "]:" + std::to_string(port);
  } else {
    out.grpc_target = out.host + ":" + std::to_string(port);
  }
  return out;
}

}  // namespace clt::agent
