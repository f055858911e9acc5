#include "collector/clickhouse/clickhouse_endpoint.h"

#include <charconv>

namespace clt::collector::clickhouse {

namespace {

constexpr std::string_view kScheme = "clickhouse://";
constexpr const char* kSpelling =
    " (expected clickhouse://HOST:PORT/DATABASE, e.g. "
    "clickhouse://127.0.0.1:8123/clt)";

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

}  // namespace

std::string Endpoint::address() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view url, std::string& error) {
  const std::string shown(url);
  if (url.substr(0, kScheme.size()) != kScheme) {
    error = "'" + shown + "' is not a ClickHouse URL" + kSpelling;
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  const std::size_t slash = url.find('/');
  if (slash == std::string_view::npos) {
    error = "'" + shown + "' names no database" + kSpelling;
    return std::nullopt;
  }
  std::string_view hostport = url.substr(0, slash);
  Endpoint e;
  e.database = std::string(url.substr(slash + 1));
  if (!is_identifier(e.database)) {
    error = "'" + shown + "': the database '" + e.database +
            "' is not a name of letters, digits and _" + kSpelling;
    return std::nullopt;
  }
  std::string_view port;
  if (!hostport.empty() && hostport[0] == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      error = "'" + shown + "': unclosed [ in the host" + kSpelling;
      return std::nullopt;
    }
    e.host = std::string(hostport.substr(1, close - 1));
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') {
        error = "'" + shown + "': expected :PORT after ]" + kSpelling;
        return std::nullopt;
      }
      port = hostport.substr(close + 2);
    }
  } else {
    const std::size_t colon = hostport.rfind(':');
    e.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (e.host.empty()) {
    error = "'" + shown + "' names no host" + kSpelling;
    return std::nullopt;
  }
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), e.port);
    if (ec != std::errc() || end != port.data() + port.size() || e.port < 1 || e.port > 65535) {
      error = "'" + shown + "': the port '" + std::string(port) + "' is not 1-65535" + kSpelling;
      return std::nullopt;
    }
  }
  return e;
}

}  // namespace clt::collector::clickhouse
