#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clt::collector {

// A request as the routes see it, independent of the HTTP library.
struct HttpRequest {
  std::string method;  // "GET", "POST"; HEAD is served by the GET routes
  std::string path;    // percent-decoded
  std::multimap<std::string, std::string> params;  // the query string, decoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::string> captures;  // what the route pattern's '*' segments matched

  // The first value of header `name` (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
  // The first value of query parameter `name`, "" when absent.
  std::string param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  void set_content(std::string content, std::string type) {
    body = std::move(content);
    content_type = std::move(type);
  }
  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// "%2F" -> "/"; with plus_is_space (query strings), "+" -> " ". Malformed
// escapes are kept as they are.
std::string url_decode(std::string_view text, bool plus_is_space);
// "a=1&b=x%20y&a=2" -> {a:1, a:2, b:"x y"}.
std::multimap<std::string, std::string> parse_query_string(std::string_view query);
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace clt::collector
